/**
 * Compact builders for worked examples: Okta users `u1`… (email `u1@x.com`), their monday.com
 * twins `m-u1`, groups, teams and links, so a test states only what matters to it.
 */
import { Either } from "effect"
import {
  Links,
  MondayTeam,
  MondayUser,
  OktaGroup,
  OktaUser,
  SourceSnapshot,
  TargetSnapshot,
  TeamLink
} from "../../src/Domain.js"
import type {
  AppAssignment,
  MondayTeamId,
  MondayUserId,
  OktaGroupId,
  OktaGroupType,
  OktaUserId,
  OktaUserStatus
} from "../../src/Domain.js"
import { decodeRuleConfigUnknown } from "../../src/RuleConfig.js"
import type { RuleConfig } from "../../src/RuleConfig.js"
import type { PlanInput } from "../../src/Planner.js"

export interface UserSpec {
  readonly status?: OktaUserStatus
  /** App assignment status; `false`: not assigned. Default ACTIVE. */
  readonly assigned?: string | false
  /** The monday.com twin: active (default), inactive, or none. */
  readonly monday?: "active" | "inactive" | false
  readonly email?: string
}

export interface GroupSpec {
  readonly name: string
  readonly type?: OktaGroupType
  readonly members: ReadonlyArray<string>
  readonly assignedToApp?: boolean
}

export interface TeamSpec {
  readonly id: string
  readonly name: string
  /** Okta user ids (`u1`) or monday-only users (`h1`): the member is `m-<id>`. */
  readonly members: ReadonlyArray<string>
  readonly membersFrom?: "server" | "last-applied"
}

export interface LinkSpec {
  readonly teamId: string
  readonly name: string
  readonly groups: ReadonlyArray<string>
  readonly origin?: "created" | "adopted"
  readonly managed: ReadonlyArray<string>
  /** Each group's member count when last applied (absent: a link saved before counts were kept). */
  readonly groupMembers?: Record<string, number>
}

export interface OrgSpec {
  readonly users: Record<string, UserSpec>
  readonly groups: Record<string, GroupSpec>
  readonly teams?: ReadonlyArray<TeamSpec>
  /** monday.com users with no Okta user (hand-made accounts): `h1` → `m-h1`, `h1@x.com`. */
  readonly mondayOnly?: ReadonlyArray<string>
  readonly links?: ReadonlyArray<LinkSpec>
}

/** Two groups, each linked to the team the engine made for it and in step with it (web: u1, u2; api: u3). */
export const twoLinkedTeams: OrgSpec = {
  users: { u1: {}, u2: {}, u3: {} },
  groups: { g1: { name: "web", members: ["u1", "u2"] }, g2: { name: "api", members: ["u3"] } },
  teams: [{ id: "t1", name: "web", members: ["u1", "u2"] }, { id: "t2", name: "api", members: ["u3"] }],
  links: [
    { teamId: "t1", name: "web", groups: ["g1"], managed: ["u1", "u2"], groupMembers: { g1: 2 } },
    { teamId: "t2", name: "api", groups: ["g2"], managed: ["u3"], groupMembers: { g2: 1 } }
  ]
}

export const mid = (id: string) => `m-${id}` as MondayUserId
export const tid = (id: string) => id as MondayTeamId
export const gid = (id: string) => id as OktaGroupId
export const uid = (id: string) => id as OktaUserId

export const rules = (config: Record<string, unknown>): RuleConfig =>
  Either.getOrThrowWith(decodeRuleConfigUnknown({ version: 1, ...config }), (e) => e)

export const org = (spec: OrgSpec, config: RuleConfig): PlanInput => {
  const users: Array<OktaUser> = []
  const assignments: Array<AppAssignment> = []
  const mondayUsers: Array<MondayUser> = []
  for (const [id, u] of Object.entries(spec.users)) {
    const email = u.email ?? `${id}@x.com`
    users.push(new OktaUser({ id: uid(id), login: email, email, status: u.status ?? "ACTIVE" }))
    if (u.assigned !== false) assignments.push({ userId: uid(id), scope: "USER", status: u.assigned ?? "ACTIVE" })
    if (u.monday !== false) {
      mondayUsers.push(new MondayUser({ id: mid(id), userName: email.toLowerCase(), active: u.monday !== "inactive" }))
    }
  }
  for (const h of spec.mondayOnly ?? []) mondayUsers.push(new MondayUser({ id: mid(h), userName: `${h}@x.com`, active: true }))
  const groups = Object.entries(spec.groups)
  return {
    rules: config,
    source: new SourceSnapshot({
      users,
      groups: groups.map(([id, g]) => new OktaGroup({ id: gid(id), name: g.name, type: g.type ?? "OKTA_GROUP" })),
      memberships: groups.map(([id, g]) => ({ groupId: gid(id), userIds: g.members.map(uid) })),
      assignments,
      assignedGroupIds: groups.filter(([, g]) => g.assignedToApp === true).map(([id]) => gid(id))
    }),
    target: new TargetSnapshot({
      users: mondayUsers,
      teams: (spec.teams ?? []).map((t) =>
        new MondayTeam({ id: tid(t.id), displayName: t.name, members: t.members.map(mid), membersFrom: t.membersFrom ?? "server" })
      )
    }),
    links: new Links({
      teams: (spec.links ?? []).map((l) =>
        new TeamLink({
          teamId: tid(l.teamId),
          displayName: l.name,
          groupIds: l.groups.map(gid),
          origin: l.origin ?? "created",
          managedMembers: l.managed.map(mid),
          ...(l.groupMembers !== undefined ? { groupMembers: l.groupMembers } : {})
        })
      ),
      users: []
    })
  }
}
