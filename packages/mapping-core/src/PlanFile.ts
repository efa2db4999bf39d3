/**
 * Plans as files and as text: a stable JSON encoding (same plan, same bytes) that decodes back
 * through the Plan Schema, the fingerprint of the monday.com state a plan was made against, and
 * a readable diff for people reviewing a plan.
 */
import { Data, Either, ParseResult, Schema } from "effect"
import type { MondayUserId, OktaUserId, TargetSnapshot } from "./Domain.js"
import { Plan } from "./Plan.js"
import { isUserOperation, placeholderOktaUserId } from "./Plan.js"
import type { Blocker, BlockedUser, DeactivateUser, Operation, UserOperation, Warning } from "./Plan.js"
import { fingerprintTarget } from "./internal/fingerprint.js"

/** A plan file that can't be used: not JSON, or not a plan of this version. */
export class PlanDecodeError extends Data.TaggedError("PlanDecodeError")<{ readonly reason: string }> {
  override get message(): string {
    return `The plan file is not valid: ${this.reason}. Make a new plan with \`okta-monday plan\`.`
  }
}

const stableStringify = (value: unknown, indent: number): string =>
  JSON.stringify(
    value,
    (_key, v: unknown) => {
      if (v === null || typeof v !== "object" || Array.isArray(v)) return v
      const out: Record<string, unknown> = {}
      for (const k of Object.keys(v).sort()) out[k] = (v as Record<string, unknown>)[k]
      return out
    },
    indent
  )

/** The plan as JSON with keys sorted at every level, ending with a newline. */
export const encodePlan = (plan: Plan): string => `${stableStringify(Schema.encodeSync(Plan)(plan), 2)}\n`

export const decodePlan = (text: string): Either.Either<Plan, PlanDecodeError> => {
  let json: unknown
  try {
    json = JSON.parse(text)
  } catch (e) {
    return Either.left(new PlanDecodeError({ reason: `not JSON (${(e as Error).message})` }))
  }
  return Schema.decodeUnknownEither(Plan)(json, { onExcessProperty: "error" }).pipe(
    Either.mapLeft((e) =>
      new PlanDecodeError({
        reason: ParseResult.ArrayFormatter.formatErrorSync(e)
          .slice(0, 5)
          .map((i) => `${i.path.join(".") || "(root)"}: ${i.message}`)
          .join("; ")
      })
    )
  )
}

/**
 * A deterministic hash of a monday.com snapshot: teams (id, displayName, members in any order)
 * and users (id, userName, active). Pure JS, linear in the snapshot's size.
 */
export const targetFingerprint = (target: TargetSnapshot): string => fingerprintTarget(target)

/** Emails (or any label) for ids, so the diff names people instead of ids. */
export interface Names {
  readonly mondayUser?: (id: MondayUserId) => string | undefined
  readonly oktaUser?: (id: OktaUserId) => string | undefined
}

const plural = (n: number, one: string, many = `${one}s`) => `${n} ${n === 1 ? one : many}`

/**
 * A readable diff of a plan, one change per line, grouped by team:
 * `+ create team "X" (12 members)`, `~ rename "A" → "B"`, `  + add alice@x.com`,
 * `  - remove bob@x.com`, `x delete team "Y"`, then blockers, warnings and the counts.
 */
export const renderPlan = (plan: Plan, names: Names = {}): string => {
  // A user this plan creates is named by its placeholder in team operations.
  const created = new Map<string, string>()
  for (const op of plan.operations) if (op._tag === "CreateUser") created.set(op.oktaUserId, op.userName)
  const who = (id: MondayUserId) => {
    const okta = placeholderOktaUserId(id)
    if (okta !== undefined) return `${created.get(okta) ?? names.oktaUser?.(okta) ?? okta} (new)`
    return names.mondayUser?.(id) ?? id
  }
  const lines: Array<string> = []
  const byKey = new Map<string, Array<Operation>>()
  for (const op of plan.operations) {
    const ops = byKey.get(op.key)
    if (ops === undefined) byKey.set(op.key, [op])
    else ops.push(op)
  }
  for (const [key, ops] of byKey) {
    if (ops.every(isUserOperation)) {
      for (const o of ops) lines.push(renderUserOperation(o as UserOperation))
      continue
    }
    const create = ops.find((o) => o._tag === "CreateTeam")
    const del = ops.find((o) => o._tag === "DeleteTeam")
    const adds: Array<MondayUserId> = []
    const removes: Array<MondayUserId> = []
    for (const o of ops) {
      if (o._tag === "CreateTeam") adds.push(...o.members)
      if (o._tag === "PatchMembers") {
        adds.push(...o.add)
        removes.push(...o.remove)
      }
    }
    if (del !== undefined && del._tag === "DeleteTeam") {
      lines.push(`x delete team "${del.displayName}" (${plural(del.memberCount, "member")}; ${del.reason === "group-deleted" ? "its groups were deleted in Okta" : "no mapping selects its groups"})`)
      continue
    }
    if (create !== undefined) lines.push(`+ create team "${key}" (${plural(adds.length, "member")})`)
    else {
      const rename = ops.find((o) => o._tag === "RenameTeam")
      if (rename !== undefined && rename._tag === "RenameTeam") lines.push(`~ rename "${rename.from}" → "${rename.to}"`)
      else lines.push(`~ team "${key}"`)
    }
    for (const a of adds) lines.push(`  + add ${who(a)}`)
    for (const r of removes) lines.push(`  - remove ${who(r)}`)
  }
  if (plan.blockers.length > 0) {
    lines.push("", `Blocked (${plural(plan.blockers.length, "blocker")}):`)
    for (const b of plan.blockers) lines.push(...renderBlocker(b, who))
  }
  if (plan.warnings.length > 0) {
    lines.push("", `Warnings (${plan.warnings.length}):`)
    for (const w of plan.warnings) lines.push(...renderWarning(w))
  }
  const c = plan.counts
  lines.push(
    "",
    `${plural(c.teams, "team")}: ${c.creates} to create, ${c.renames} to rename, ${c.deletes} to delete, ${c.unchanged} unchanged, ${c.blocked} blocked; ` +
      `${plural(c.adds, "member")} to add, ${c.removes} to remove in ${plural(c.patches, "PATCH", "PATCHes")}`
  )
  const userCounts = [c.userCreates, c.userUpdates, c.userDeactivations, c.userReactivations, c.usersBlocked]
  if (userCounts.some((n) => (n ?? 0) > 0)) {
    lines.push(
      `users: ${c.userCreates ?? 0} to create, ${c.userUpdates ?? 0} to update, ${c.userDeactivations ?? 0} to deactivate, ` +
        `${c.userReactivations ?? 0} to reactivate, ${c.usersBlocked ?? 0} blocked`
    )
  }
  return `${lines.join("\n")}\n`
}

const OKTA_STATUS_WORDS: Record<string, string> = {
  SUSPENDED: "suspended",
  DEPROVISIONED: "deactivated",
  STAGED: "staged, not activated",
  PROVISIONED: "provisioned, not activated"
}

/** Why a user loses their seat, in words: `suspended in Okta`, `unassigned from the monday.com app in Okta`. */
export const deactivationText = (op: Pick<DeactivateUser, "reason" | "detail">): string => {
  switch (op.reason) {
    case "inactive-in-okta":
      return `${op.detail === undefined ? "not active" : OKTA_STATUS_WORDS[op.detail] ?? op.detail.toLowerCase()} in Okta`
    case "unassigned":
      return `unassigned from the monday.com app in Okta${op.detail !== undefined ? ` (${op.detail})` : ""}`
    case "unexplained":
      return "no Okta record explains it"
  }
}

const show = (v: string | undefined) => (v === undefined ? "(none)" : JSON.stringify(v))

const renderUserOperation = (op: UserOperation): string => {
  switch (op._tag) {
    case "CreateUser":
      return `+ create user ${op.userName} (${op.userType})`
    case "UpdateUser":
      return `~ update user ${op.userName} ${op.changes.map((c) => `${c.attribute}: ${show(c.from)} → ${show(c.to)}`).join(", ")}`
    case "DeactivateUser":
      return `x deactivate user ${op.userName} (${deactivationText(op)})`
    case "ReactivateUser":
      return `+ reactivate user ${op.userName}`
  }
}

const reasonText: Record<BlockedUser["reason"], string> = {
  "not-assigned": "not assigned to the monday.com app in Okta",
  "not-provisioned": "assigned, but no monday.com user yet",
  "deactivated-in-monday": "deactivated in monday.com",
  "inactive-in-okta": "not active in Okta"
}

const renderUsers = (users: ReadonlyArray<BlockedUser>) =>
  users.map((u) => `    ${u.email || u.oktaUserId}: ${reasonText[u.reason]}${u.detail !== undefined ? ` (${u.detail})` : ""}`)

const renderBlocker = (b: Blocker, who: (id: MondayUserId) => string): Array<string> => {
  switch (b._tag) {
    case "MembersNotReady":
      return [`! "${b.key}" held: ${plural(b.users.length, "member")} not ready [${b.id}]`, ...renderUsers(b.users)]
    case "NameCollision":
      return [`! "${b.key}" held: monday.com sees team names without letter case, and ${b.others.map((o) => `"${o}"`).join(", ")} would be the same team; change the mapping's team names so they differ in more than case, or make them equal [${b.id}]`]
    case "NameTaken":
      return [`! "${b.key}" held: a team with this name (${b.teamId}, ${plural(b.memberCount, "member")}) exists and was not created by okta-monday; set policies.existingTeam: adopt to take it over [${b.id}]`]
    case "EmptyGroup":
      return [`! "${b.key}" removals held: group "${b.groupName}" (${b.groupId}) reads empty but ${plural(b.previousMembers, "member")} came from the team's groups; check the Okta token's rights, or approve ${b.id}`]
    case "TeamRemovalLimit":
      return [
        `! "${b.key}" removals held: ${b.removals.length} of ${b.currentMembers} members to remove is over the limit (${b.maxRemovals} or ${Math.round(b.maxFraction * 100)}%); approve ${b.id}`,
        ...b.removals.map((r) => `    - ${who(r)}`)
      ]
    case "RunRemovalLimit":
      return [`! all removals, deletions and deactivations held: ${b.removals} this run is over the limit of ${b.maxRemovals} (${plural(b.keys.length, "team or user", "teams and users")}); approve ${b.id}`]
    case "UnknownUserType":
      return [`! user ${b.email || b.oktaUserId} held: Okta attribute ${b.attribute} is ${JSON.stringify(b.value)}, not a monday.com user type (admin, member, viewer, guest, or a custom role id listed in users.userType.allowed) [${b.id}]`]
  }
}

const renderWarning = (w: Warning): Array<string> => {
  switch (w._tag) {
    case "MembersSkipped":
      return [`? "${w.key}": ${plural(w.users.length, "member")} left out until ready`, ...renderUsers(w.users)]
    case "MembersFromLastApplied":
      return [`? "${w.key}" (${w.teamId}): monday.com did not list its members; hand edits there can't be seen`]
    case "Message":
      return [`? ${w.message}`]
    case "NameCleaned":
      return [`? user ${w.email}: name changed for monday.com, which refuses special characters: ${w.changes.map((c) => `${c.attribute} ${JSON.stringify(c.from)} → ${JSON.stringify(c.to)}`).join(", ")}`]
    case "DeactivationSkipped":
      return [
        `? user ${w.userName} (${w.mondayUserId}) should be deactivated (${deactivationText(w)}) but ${
          w.because === "protected"
            ? "is protected by users.protect"
            : w.because === "token-owner"
            ? "owns the SCIM token, and monday.com refuses to deactivate or demote the token owner: to deactivate " +
              "this admin, configure a SCIM token another admin generated"
            : "was not created through SCIM, so monday.com won't let SCIM deactivate it: deactivate it in monday.com's admin"
        }`
      ]
    case "TeamNameEmpty":
      return [`? group "${w.groupName}" (${w.groupId}) feeds no team: ${w.mapping} selects it but its team template ${JSON.stringify(w.template)} renders an empty name; change the template or narrow the mapping's select`]
    case "UnexplainedUsers": {
      const shown = w.users.slice(0, 20).map((u) => `    ${u.userName} (${u.mondayUserId})`)
      return [
        `? ${plural(w.users.length, "active monday.com user")} no Okta record explains (left alone; users.unexplained: deactivate deactivates them):`,
        ...shown,
        ...(w.users.length > shown.length ? [`    … and ${w.users.length - shown.length} more`] : [])
      ]
    }
  }
}
