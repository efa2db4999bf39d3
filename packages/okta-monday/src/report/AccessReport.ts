/**
 * The access review as data: every monday.com user with their teams (and how they got each one),
 * their Okta status and app assignment, and the flags an auditor acts on. Pure: snapshots and
 * links in, rows and counts out; reading Okta and monday.com is `Report.ts`'s job.
 */
import { Schema } from "effect"
import { Domain, Plan, Planner, RuleConfig, Users } from "@okta-monday/mapping-core"

// ---------------------------------------------------------------------------------------------
// The report's shape (also its JSON form)
// ---------------------------------------------------------------------------------------------

/**
 * - `seat-to-reclaim`: active in monday.com, but no Okta user, or the Okta user is deprovisioned or
 *   deleted, or not assigned to the monday.com app.
 * - `access-violation`: active in monday.com, but suspended, deprovisioned, deleted or otherwise not
 *   active in Okta.
 * - `profile-drift`: an attribute a sync with `users.update` would correct differs from Okta (names as
 *   cleaned for monday.com, the mapped title, timezone, locale, phone and address, the user type when
 *   an Okta attribute sets it), or the userName is not Okta's email.
 * - `hand-added`: in a team okta-monday manages without coming from one of its groups.
 */
export const Flag = Schema.Literal("seat-to-reclaim", "access-violation", "profile-drift", "hand-added")
export type Flag = typeof Flag.Type
export const FLAGS: ReadonlyArray<Flag> = Flag.literals

/** Where the Okta side of a row stands: an Okta status, or no Okta user at all. */
export const OktaStanding = Schema.Union(
  Domain.OktaUserStatus,
  /** No Okta user has this email, and none was ever linked. */
  Schema.Literal("NOT_IN_OKTA"),
  /** okta-monday had linked an Okta user here, and Okta no longer has it. */
  Schema.Literal("DELETED")
)
export type OktaStanding = typeof OktaStanding.Type

/** How a user came to be in a team. */
export const Via = Schema.Literal("group", "hand", "stale", "unmanaged")
export type Via = typeof Via.Type

export const TeamAccess = Schema.Struct({
  teamId: Domain.MondayTeamId,
  team: Schema.String,
  via: Via,
  /** The team's Okta groups the user is in (for "group"; for "hand", groups that would justify it). */
  groups: Schema.Array(Schema.String)
})
export type TeamAccess = typeof TeamAccess.Type

export const Finding = Schema.Struct({ flag: Flag, detail: Schema.String })
export type Finding = typeof Finding.Type

export const Assignment = Schema.Struct({ scope: Domain.AssignmentScope, status: Schema.String })
export type Assignment = typeof Assignment.Type

export class ReportRow extends Schema.Class<ReportRow>("ReportRow")({
  mondayUserId: Domain.MondayUserId,
  /** monday.com's userName: the email, lowercase. */
  email: Schema.String,
  displayName: Schema.NullOr(Schema.String),
  active: Schema.Boolean,
  userType: Schema.NullOr(Schema.String),
  oktaUserId: Schema.NullOr(Domain.OktaUserId),
  oktaStatus: OktaStanding,
  /** "First Last" in Okta. */
  oktaName: Schema.NullOr(Schema.String),
  oktaEmail: Schema.NullOr(Schema.String),
  /** The monday.com app assignment in Okta; null when the user is not assigned. */
  assignment: Schema.NullOr(Assignment),
  teams: Schema.Array(TeamAccess),
  /** The attributes that differ from Okta (what an UpdateUser would change), `to` being Okta's value as sent. */
  drift: Schema.Array(Plan.UserChange),
  flags: Schema.Array(Flag),
  findings: Schema.Array(Finding)
}) {}

/** Someone Okta assigns to the monday.com app who has no monday.com user (not provisioned yet, or failing). */
export class NotProvisioned extends Schema.Class<NotProvisioned>("NotProvisioned")({
  oktaUserId: Domain.OktaUserId,
  email: Schema.String,
  name: Schema.NullOr(Schema.String),
  oktaStatus: Domain.OktaUserStatus,
  assignment: Assignment
}) {}

export class Summary extends Schema.Class<Summary>("Summary")({
  users: Schema.Number,
  active: Schema.Number,
  deactivated: Schema.Number,
  /** monday.com users matched to an Okta user (by link or email). */
  inOkta: Schema.Number,
  seatToReclaim: Schema.Number,
  accessViolation: Schema.Number,
  profileDrift: Schema.Number,
  handAdded: Schema.Number,
  teams: Schema.Number,
  managedTeams: Schema.Number,
  memberships: Schema.Number,
  viaGroup: Schema.Number,
  byHand: Schema.Number,
  /** Managed by okta-monday but in none of the team's groups any more: the next sync removes them. */
  stale: Schema.Number,
  inUnmanagedTeams: Schema.Number,
  /** Assigned to the app in Okta (and active there) without a monday.com user. */
  notProvisioned: Schema.Number
}) {}

export class AccessReport extends Schema.Class<AccessReport>("AccessReport")({
  generatedAt: Schema.Date,
  summary: Summary,
  rows: Schema.Array(ReportRow),
  notProvisioned: Schema.Array(NotProvisioned),
  warnings: Schema.Array(Schema.String)
}) {}

// ---------------------------------------------------------------------------------------------
// Building it
// ---------------------------------------------------------------------------------------------

export interface ReportInput {
  /**
   * Okta as read for the review: the groups the rules select and the linked ones with their members,
   * every app assignment, and every Okta user a monday.com user could be (assigned users, linked
   * ids, users found by the monday.com emails). A user absent here is taken to be gone from Okta.
   */
  readonly source: Domain.SourceSnapshot
  readonly target: Domain.TargetSnapshot
  readonly links: Domain.Links
  /** The rules' `users` section: which Okta attributes feed which monday.com ones. Default: the defaults. */
  readonly users?: RuleConfig.UserLifecycle | undefined
  readonly generatedAt: Date
  readonly warnings?: ReadonlyArray<string>
}

export const oktaNameOf = (u: Domain.OktaUser): string | undefined => {
  const name = [u.firstName, u.lastName].filter((x) => x !== undefined && x.trim() !== "").join(" ").trim()
  return name === "" ? undefined : name
}

const byEmail = (a: { email: string }, b: { email: string }) => (a.email < b.email ? -1 : a.email > b.email ? 1 : 0)

/** One drifted attribute as an auditor reads it. */
export const describeChange = (c: Plan.UserChange): string =>
  `${c.attribute} ${c.from === undefined ? "not set" : JSON.stringify(c.from)} in monday.com, ${JSON.stringify(c.to)} from Okta`

export const build = (input: ReportInput): AccessReport => {
  const { links, source, target } = input
  const driftOf = Users.profileDrift(input.users)
  const oktaUsers = new Map(source.users.map((u) => [u.id as string, u]))
  const assignments = new Map(source.assignments.map((a) => [a.userId as string, a]))
  const groupNames = new Map(source.groups.map((g) => [g.id as string, g.name]))
  const groupMembers = new Map(source.memberships.map((m) => [m.groupId as string, new Set<string>(m.userIds)]))
  const teamLinks = new Map(links.teams.map((t) => [t.teamId as string, t]))
  const managed = new Map(links.teams.map((t) => [t.teamId as string, new Set<string>(t.managedMembers)]))

  // The engine's own matching: kept links first, then lowercased email.
  const matched = Planner.matchUsers(source, target, links)
  const oktaOf = new Map<string, Domain.UserLink>()
  for (const l of matched) if (!oktaOf.has(l.mondayUserId)) oktaOf.set(l.mondayUserId, l)

  const teamsOf = new Map<string, Array<TeamAccess>>()
  for (const team of target.teams) {
    const link = teamLinks.get(team.id)
    for (const member of team.members) {
      const oktaId = oktaOf.get(member)?.oktaUserId
      const groups = (link?.groupIds ?? [])
        .filter((g) => oktaId !== undefined && groupMembers.get(g)?.has(oktaId) === true)
        .map((g) => groupNames.get(g) ?? g)
      const via: Via = link === undefined
        ? "unmanaged"
        : !managed.get(team.id)!.has(member)
        ? "hand"
        : groups.length > 0
        ? "group"
        : "stale"
      let list = teamsOf.get(member)
      if (list === undefined) teamsOf.set(member, list = [])
      list.push({ teamId: team.id, team: team.displayName, via, groups })
    }
  }

  const rows = target.users.map((m): ReportRow => {
    const link = oktaOf.get(m.id)
    const okta = link === undefined ? undefined : oktaUsers.get(link.oktaUserId)
    const assignment = link === undefined ? undefined : assignments.get(link.oktaUserId)
    const oktaStatus: OktaStanding = okta !== undefined ? okta.status : link !== undefined ? "DELETED" : "NOT_IN_OKTA"
    const teams = (teamsOf.get(m.id) ?? []).slice().sort((a, b) => (a.team < b.team ? -1 : a.team > b.team ? 1 : 0))
    const findings: Array<Finding> = []
    if (m.active) {
      if (oktaStatus === "NOT_IN_OKTA") {
        findings.push({ flag: "seat-to-reclaim", detail: "no Okta user has this email" })
      } else if (oktaStatus === "DELETED") {
        findings.push({
          flag: "seat-to-reclaim",
          detail: `the linked Okta user ${link!.oktaUserId} was deleted from Okta`
        })
      } else if (oktaStatus === "DEPROVISIONED") {
        findings.push({ flag: "seat-to-reclaim", detail: "deprovisioned in Okta" })
      } else if (assignment === undefined) {
        findings.push({ flag: "seat-to-reclaim", detail: "not assigned to the monday.com app in Okta" })
      }
      if (oktaStatus === "DELETED" || (okta !== undefined && !Domain.ACTIVE_USER_STATUSES.has(okta.status))) {
        findings.push({
          flag: "access-violation",
          detail: oktaStatus === "DELETED"
            ? "active in monday.com, deleted from Okta"
            : `active in monday.com, ${oktaStatus} in Okta`
        })
      }
    }
    // The planner's own definition of drift, so the report flags what a sync corrects and no more.
    const drift = okta === undefined ? undefined : driftOf(okta, m)
    for (const c of drift?.changes ?? []) findings.push({ flag: "profile-drift", detail: describeChange(c) })
    if (drift?.userName !== undefined) {
      findings.push({
        flag: "profile-drift",
        detail: `userName ${drift.userName.from} in monday.com, email ${okta!.email} in Okta (okta-monday does not rename users)`
      })
    }
    for (const t of teams) {
      if (t.via !== "hand") continue
      findings.push({
        flag: "hand-added",
        detail: `in team "${t.team}" by hand${t.groups.length > 0 ? ` (also in its group ${t.groups.join(", ")})` : ""}`
      })
    }
    const flags = FLAGS.filter((f) => findings.some((x) => x.flag === f))
    return new ReportRow({
      mondayUserId: m.id,
      email: m.userName,
      displayName: m.displayName ?? null,
      active: m.active,
      userType: m.userType ?? null,
      oktaUserId: link?.oktaUserId ?? null,
      oktaStatus,
      oktaName: okta === undefined ? null : oktaNameOf(okta) ?? null,
      oktaEmail: okta?.email ?? null,
      assignment: assignment === undefined ? null : { scope: assignment.scope, status: assignment.status },
      teams,
      drift: drift?.changes ?? [],
      flags,
      findings
    })
  }).sort(byEmail)

  const linkedOkta = new Set(matched.map((l) => l.oktaUserId as string))
  const mondayByEmail = new Set(target.users.map((u) => u.userName))
  const notProvisioned = source.assignments
    .flatMap((a): Array<NotProvisioned> => {
      const u = oktaUsers.get(a.userId)
      if (u === undefined || linkedOkta.has(u.id) || mondayByEmail.has(u.email.toLowerCase())) return []
      if (!Domain.ACTIVE_USER_STATUSES.has(u.status)) return []
      return [
        new NotProvisioned({
          oktaUserId: u.id,
          email: u.email,
          name: oktaNameOf(u) ?? null,
          oktaStatus: u.status,
          assignment: { scope: a.scope, status: a.status }
        })
      ]
    })
    .sort(byEmail)

  const count = (p: (r: ReportRow) => boolean) => rows.filter(p).length
  const all = rows.flatMap((r) => r.teams)
  const countVia = (v: Via) => all.filter((t) => t.via === v).length
  const warnings = [...(input.warnings ?? [])]
  const blind = target.teams.filter((t) => t.membersFrom === "last-applied").map((t) => t.displayName)
  if (blind.length > 0) {
    warnings.push(
      `monday.com did not list the members of ${blind.length} team(s) ` +
        `(${blind.slice(0, 5).join(", ")}${blind.length > 5 ? ", …" : ""}): ` +
        "they are shown as okta-monday last applied them, so members added by hand there can't be seen"
    )
  }
  return new AccessReport({
    generatedAt: input.generatedAt,
    summary: new Summary({
      users: rows.length,
      active: count((r) => r.active),
      deactivated: count((r) => !r.active),
      inOkta: count((r) => r.oktaUserId !== null && r.oktaStatus !== "DELETED"),
      seatToReclaim: count((r) => r.flags.includes("seat-to-reclaim")),
      accessViolation: count((r) => r.flags.includes("access-violation")),
      profileDrift: count((r) => r.flags.includes("profile-drift")),
      handAdded: count((r) => r.flags.includes("hand-added")),
      teams: target.teams.length,
      managedTeams: target.teams.filter((t) => teamLinks.has(t.id)).length,
      memberships: all.length,
      viaGroup: countVia("group"),
      byHand: countVia("hand"),
      stale: countVia("stale"),
      inUnmanagedTeams: countVia("unmanaged"),
      notProvisioned: notProvisioned.length
    }),
    rows,
    notProvisioned,
    warnings
  })
}

/** The words for how a user got a team, as the CSV and HTML say it. */
export const describeAccess = (t: TeamAccess): string => {
  switch (t.via) {
    case "group":
      return `via group ${t.groups.join(", ")}`
    case "hand":
      return t.groups.length > 0 ? `added by hand (also in group ${t.groups.join(", ")})` : "added by hand"
    case "stale":
      return "no longer in any of its groups (removed at the next sync)"
    case "unmanaged":
      return "team not managed by okta-monday"
  }
}

/** The assignment as one phrase. */
export const describeAssignment = (a: Assignment | null): string =>
  a === null ? "not assigned" : `${a.status} (${a.scope === "USER" ? "direct" : "via a group"})`
