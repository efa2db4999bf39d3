/**
 * The planner: from rules, the Okta source, the monday.com target and the links, the plan that
 * brings every mapped team in step (deterministic, minimal, idempotent), the preflight report,
 * and the bookkeeping after an apply (links, simulated target). Pure: values in, values out.
 */
import { Links, TeamLink, UserLink } from "./Domain.js"
import type { MondayTeamId, MondayUserId, OktaGroupId, OktaUserId, SourceSnapshot, TargetSnapshot } from "./Domain.js"
import type { Delta } from "./Delta.js"
import { newUserPlaceholder } from "./Plan.js"
import type { Approvals, BlockedUser, OperationOutcome, Plan } from "./Plan.js"
import {
  byString,
  FRACTION_RULE_MIN_REMOVALS,
  lastAppliedMembers,
  PlannerState,
  sorted,
  sortedRecord,
  toApprovalSet
} from "./internal/core.js"
import { createdUserIds, realIdsAfter } from "./internal/users.js"
import type { Committed, LinksChange, PlanInput } from "./internal/core.js"

export type { Committed, LinksChange, PlanInput }
export { FRACTION_RULE_MIN_REMOVALS }

export interface PlanOptions {
  /** Ids of blockers an admin approved (EmptyGroup, TeamRemovalLimit, RunRemovalLimit). */
  readonly approvals?: Approvals | ReadonlySet<string>
}

/**
 * What a batch of deltas touched: the groups, the team keys that gained or lost a group, and the
 * Okta users whose status, assignment or profile changed (for the user lifecycle). A changed user
 * touches every group they are in, unless they stand in their teams as before (the same monday.com
 * user, and ready or not-ready for the same reason with the same email): a profile change alone
 * touches no group.
 */
export interface Touched {
  readonly groupIds: ReadonlyArray<OktaGroupId>
  readonly keys: ReadonlyArray<string>
  readonly userIds?: ReadonlyArray<OktaUserId>
}

/** How one desired team stands before a push: what the CLI `check` command prints. */
export interface TeamPreflight {
  readonly key: string
  readonly groups: ReadonlyArray<{ readonly id: OktaGroupId; readonly name: string }>
  /** The mapping that selected the groups (its `id`, or `mappings[<index>]`). */
  readonly mapping: string
  /** What the plan does with the monday.com team. */
  readonly team:
    | { readonly kind: "create" }
    | { readonly kind: "linked"; readonly teamId: MondayTeamId; readonly displayName: string }
    | { readonly kind: "adopt"; readonly teamId: MondayTeamId }
    | { readonly kind: "name-taken"; readonly teamId: MondayTeamId }
  /** Okta members after exclusions. */
  readonly members: number
  readonly ready: number
  readonly notReady: ReadonlyArray<BlockedUser>
}

/**
 * A planner holding indexes over one input, for planning again after small changes: apply a
 * batch of deltas, then plan only the teams it touched, in time proportional to the batch and
 * those teams. The planner mutates its own indexes; the input snapshots are never modified.
 */
export interface Planner {
  readonly planAll: (options?: PlanOptions) => Plan
  /**
   * Plans only the teams the groups (and keys) touch, and deletions of their linked teams. For
   * those teams the operations and blockers equal a full plan's. The run-wide removal limit counts
   * the whole org's pending removals, as a full plan does (the first touched plan after `make`,
   * `setTarget` or `setLinks` works out every team's once, O(org); later ones only the touched).
   * User lifecycle operations are planned for the touched users and for users the teams' adds rely
   * on; unexplained monday.com users are found by full plans only.
   */
  readonly planTouched: (touched: Touched | ReadonlyArray<OktaGroupId>, options?: PlanOptions) => Plan
  readonly applyDeltas: (deltas: ReadonlyArray<Delta>) => Touched
  readonly preflight: () => ReadonlyArray<TeamPreflight>
  /**
   * Folds an applied plan into the planner: what its outcomes say was done (failed and skipped
   * operations change nothing). The links become what `reconcileLinks` gives for the plan and the
   * outcomes, monday.com what `appliedTarget` gives, and every later plan equals that of a planner
   * given them by `setTarget` and `setLinks`; returned with the change of the links
   * (`linksChange(before, after)`) to save.
   *
   * It costs the teams and users changed since the last commit (by deltas or by this apply), not
   * the org, and keeps every other team's worked-out state, so the next touched plan stays cheap.
   * Exceptions, which cost O(org) as `setTarget` and `setLinks` would: the first commit after
   * `make`, `setTarget` or `setLinks` reconciles every team and user link; an apply that created
   * monday.com users (they renumber every user) or a snapshot listing an id twice is rebuilt, and
   * so is the next commit after it; and when the lifecycle deactivates unexplained users, the
   * next touched plan looks for them again.
   *
   * `plan` is one this planner made (filtered or with blockers added is fine) with no delta
   * applied since; a plan made against another monday.com snapshot is refused (an Error).
   */
  readonly commit: (plan: Plan, outcomes: ReadonlyArray<OperationOutcome>) => Committed
  /** Replaces the monday.com snapshot (after a drift read). */
  readonly setTarget: (target: TargetSnapshot) => void
  readonly setLinks: (links: Links) => void
  /** The Okta snapshot as the planner now holds it (O(org): for persisting, not the hot path). */
  readonly source: () => SourceSnapshot
  /** monday.com as the planner now holds it (rebuilt after a commit: O(users + teams) pointer copies). */
  readonly target: () => TargetSnapshot
  /** The links as the planner now holds them (after a commit, O(1) plus copies of the lists it changed). */
  readonly links: () => Links
  readonly matchUsers: () => ReadonlyArray<UserLink>
}

export const make = (input: PlanInput): Planner => {
  const state = new PlannerState(input)
  return {
    planAll: (options) =>
      state.plan(state.keyGroups.keys(), state.links.teamLinks(), toApprovalSet(options?.approvals)),
    planTouched: (touched, options) => {
      const t: Touched = Array.isArray(touched)
        ? { groupIds: touched as ReadonlyArray<OktaGroupId>, keys: [] }
        : (touched as Touched)
      const scope = state.scopeOf(t.groupIds, t.keys)
      return state.plan(scope.keys, scope.links, toApprovalSet(options?.approvals), t.userIds ?? [], t.groupIds)
    },
    applyDeltas: (deltas) => {
      const t = state.applyDeltas(deltas)
      return { groupIds: t.groupIds as Array<OktaGroupId>, keys: t.keys, userIds: t.userIds as Array<OktaUserId> }
    },
    preflight: () => preflightOf(state),
    commit: (plan, outcomes) => state.commit(plan, outcomes),
    setTarget: (target) => state.setTarget(target),
    setLinks: (links) => state.setLinks(links),
    source: () => state.source.toSnapshot(),
    target: () => state.target.snapshot,
    links: () => state.links.links,
    matchUsers: () => state.matchUsers()
  }
}

/** Plans every mapped team once: `make(input).planAll(options)`. */
export const plan = (input: PlanInput, options?: PlanOptions): Plan => make(input).planAll(options)

/** The preflight report of every desired team, sorted by key. */
export const preflight = (input: PlanInput): ReadonlyArray<TeamPreflight> => preflightOf(new PlannerState(input))

const preflightOf = (state: PlannerState): ReadonlyArray<TeamPreflight> =>
  sorted(state.keyGroups.keys()).map((key): TeamPreflight => {
    const draft = state.planTeam(key, new Set())
    const groups = draft.groupIds.map((id) => ({ id: id as OktaGroupId, name: state.source.groups.get(id)?.name ?? id }))
    const first = state.source.groups.get(draft.groupIds[0]!)!
    const mapping = state.rules.selectGroup(first, state.source.assignedGroups.has(first.id))!.mapping
    const m = draft.match
    return {
      key,
      groups,
      mapping: state.rules.mappings[mapping]!.label,
      team: m.kind === "create"
        ? { kind: "create" }
        : m.kind === "linked"
        ? { kind: "linked", teamId: m.team.id, displayName: m.team.displayName }
        : m.kind === "adopt"
        ? { kind: "adopt", teamId: m.team.id }
        : { kind: "name-taken", teamId: m.team.id },
      members: draft.members,
      ready: draft.ready,
      notReady: draft.notReady
    }
  })

/** The user links after matching (kept by Okta id, new ones by lowercased email); the engine persists them. */
export const matchUsers = (source: SourceSnapshot, target: TargetSnapshot, links: Links): ReadonlyArray<UserLink> =>
  new PlannerState({ rules: EMPTY_RULES, source, target, links }).matchUsers()

const EMPTY_RULES: PlanInput["rules"] = {
  version: 1,
  mappings: [{ select: { ids: [] }, team: "{group.name}" }],
  exclude: { groups: { ids: [], names: [], nameRegex: [] }, users: { ids: [], emails: [] } },
  policies: { notReadyMembers: "block", existingTeam: "refuse", deleteTeams: "never", handAddedMembers: "keep", emptyGroup: "block" },
  limits: { maxRemovalsPerTeam: 50, maxRemovalFractionPerTeam: 0.5, maxRemovalsPerRun: 500, maxMembersPerPatch: 100 }
}

interface MutableLink {
  teamId: MondayTeamId
  displayName: string
  groupIds: ReadonlyArray<OktaGroupId>
  origin: "created" | "adopted"
  managed: Set<string>
  groupMembers: Record<string, number> | undefined
  /** The link as it was before this apply (undefined: created by it). */
  readonly before: TeamLink | undefined
}

/**
 * The links after a plan was applied with these outcomes: created teams get a link (origin
 * created; managedMembers = members sent successfully), adopted teams one with origin adopted,
 * renames update displayName, successful adds join managedMembers and removes leave it, desired
 * members already in a team are claimed, deleted teams lose their link, links of teams gone from
 * monday.com are dropped. Failed or skipped operations change nothing. Teams held by
 * MembersNotReady, NameTaken or NameCollision (in the plan, or as the planner would hold them now)
 * keep their link as it was. Each linked group's Okta member count is recorded for the
 * empty-group guard; a group that reads empty keeps the count it had while the team has removals
 * not yet sent (so a held guard keeps holding until approved). Users a CreateUser made get a user
 * link (from the outcome's `userId`), and team members named by placeholder count under that id
 * (a placeholder whose create failed was not sent, so it counts nowhere).
 */
export const reconcileLinks = (input: PlanInput, plan: Plan, outcomes: ReadonlyArray<OperationOutcome>): Links => {
  const state = new PlannerState(input)
  const done = new Map<number, OperationOutcome>()
  for (const o of outcomes) if (o.status === "done") done.set(o.index, o)
  const createdUsers = createdUserIds(plan.operations, outcomes)
  const real = realIdsAfter(createdUsers)
  const links = new Map<string, MutableLink>()
  for (const l of input.links.teams) {
    links.set(l.teamId, {
      teamId: l.teamId,
      displayName: l.displayName,
      groupIds: l.groupIds,
      origin: l.origin,
      managed: new Set(l.managedMembers),
      groupMembers: l.groupMembers,
      before: l
    })
  }
  // Teams whose removals were all sent: the only ones where a group reading empty is taken as read.
  const removing = new Map<string, boolean>()
  plan.operations.forEach((op, index) => {
    if (op._tag !== "PatchMembers" || op.remove.length === 0) return
    removing.set(op.key, (removing.get(op.key) ?? true) && done.has(index))
  })
  const createdByKey = new Map<string, MondayTeamId>()
  const renamed = new Map<string, string>()
  const added = new Map<string, Set<string>>()
  const removed = new Map<string, Set<string>>()
  const note = (map: Map<string, Set<string>>, teamId: string, ids: ReadonlyArray<string>) => {
    let set = map.get(teamId)
    if (set === undefined) map.set(teamId, (set = new Set()))
    for (const id of ids) set.add(id)
  }
  plan.operations.forEach((op, index) => {
    const outcome = done.get(index)
    if (outcome === undefined) return
    switch (op._tag) {
      case "CreateTeam": {
        if (outcome.teamId === undefined) return
        createdByKey.set(op.key, outcome.teamId)
        links.set(outcome.teamId, {
          teamId: outcome.teamId,
          displayName: op.displayName,
          groupIds: op.groupIds,
          origin: "created",
          managed: new Set(real(op.members)),
          groupMembers: Object.fromEntries(op.groupIds.map((g) => [g, state.source.memberCount(g)])),
          before: undefined
        })
        return
      }
      case "RenameTeam": {
        renamed.set(op.teamId, op.to)
        const l = links.get(op.teamId)
        if (l !== undefined) l.displayName = op.to
        return
      }
      case "PatchMembers": {
        const teamId = op.teamId ?? createdByKey.get(op.key)
        if (teamId === undefined) return
        const add = real(op.add)
        note(added, teamId, add)
        note(removed, teamId, op.remove)
        const l = links.get(teamId)
        if (l !== undefined) {
          for (const m of add) l.managed.add(m)
          for (const m of op.remove) l.managed.delete(m)
        }
        return
      }
      case "DeleteTeam": {
        links.delete(op.teamId)
        return
      }
    }
  })
  const held = new Set<string>()
  for (const b of plan.blockers) if (b._tag === "MembersNotReady" || b._tag === "NameTaken" || b._tag === "NameCollision") held.add(b.key)
  for (const key of state.keyGroups.keys()) {
    if (held.has(key)) continue
    const m = state.matchTeam(key)
    if (m.kind !== "linked" && m.kind !== "adopt") continue
    const report = state.planTeam(key, new Set(), true)
    // A team the planner holds whole is held whether or not this plan covers it (a touched plan
    // lists only its teams' blockers): so two names equal but for case never both take one team.
    if (report.teamBlockers.length > 0) continue
    const team = m.team
    let l = links.get(team.id)
    if (l === undefined) {
      l = {
        teamId: team.id,
        // An adopted team renamed to the desired case by this plan goes by its new name.
        displayName: renamed.get(team.id) ?? team.displayName,
        groupIds: [],
        origin: "adopted",
        managed: new Set(),
        groupMembers: undefined,
        before: undefined
      }
      links.set(team.id, l)
    }
    l.groupIds = sorted(state.keyGroups.get(key)!.groups) as Array<OktaGroupId>
    // A group reading empty is taken as read once it costs nothing (the team had nothing to
    // remove) or its team's removals were sent; until then it keeps the count it had, so a held
    // guard keeps holding. Unknown (a link saved before counts were kept) counts as having had members.
    const settled = report.removals.length === 0 || removing.get(key) === true
    const counts: Record<string, number> = {}
    for (const g of l.groupIds) {
      const now = state.source.memberCount(g)
      const had = l.before === undefined ? 0 : lastAppliedMembers(l.before, g)
      counts[g] = now > 0 || had === 0 || settled ? now : had ?? Math.max(l.before!.managedMembers.length, 1)
    }
    l.groupMembers = counts
    const after = new Set<string>(team.members)
    for (const a of added.get(team.id) ?? []) after.add(a)
    for (const r of removed.get(team.id) ?? []) after.delete(r)
    const desired = real(report.desired)
    for (const d of desired) if (after.has(d)) l.managed.add(d)
    for (const x of [...l.managed]) if (!after.has(x)) l.managed.delete(x)
  }
  const created = new Set<string>(createdByKey.values())
  const teams: Array<TeamLink> = []
  for (const l of links.values()) {
    if (!state.target.teams.has(l.teamId) && !created.has(l.teamId)) continue
    teams.push(
      new TeamLink(
        {
          teamId: l.teamId,
          displayName: l.displayName,
          groupIds: sorted(new Set(l.groupIds)) as Array<OktaGroupId>,
          origin: l.origin,
          managedMembers: sorted(l.managed) as Array<MondayUserId>,
          ...(l.groupMembers === undefined ? {} : { groupMembers: sortedRecord(l.groupMembers) })
        },
        true
      )
    )
  }
  teams.sort((a, b) => byString(a.teamId, b.teamId))
  const users = new Map(state.matchUsers().map((u) => [u.oktaUserId as string, u]))
  plan.operations.forEach((op) => {
    if (op._tag !== "CreateUser") return
    const id = createdUsers.get(newUserPlaceholder(op.oktaUserId))
    if (id !== undefined) users.set(op.oktaUserId, new UserLink({ oktaUserId: op.oktaUserId, mondayUserId: id, email: op.userName }, true))
  })
  return new Links({ teams, users: [...users.values()].sort((a, b) => byString(a.oktaUserId, b.oktaUserId)) }, true)
}

export { appliedTarget, simulateApply } from "./internal/apply.js"
