/**
 * A large generated org for the planner benchmark: users, groups with skewed sizes (a few huge,
 * many small), a monday.com side in a partial state (some teams linked and drifted, some to
 * create), and batches of deltas. Seeded, so every run plans the same org.
 */
import { Links, MondayTeam, MondayUser, OktaGroup, OktaUser, SourceSnapshot, TargetSnapshot, TeamLink } from "../src/Domain.js"
import type { AppAssignment, GroupMembership, MondayTeamId, MondayUserId, OktaGroupId, OktaUserId } from "../src/Domain.js"
import type { Delta } from "../src/Delta.js"
import type { PlanInput } from "../src/Planner.js"
import type { RuleConfig } from "../src/RuleConfig.js"

/** mulberry32: a tiny seeded PRNG. */
export const prng = (seed: number) => () => {
  seed = (seed + 0x6d2b79f5) | 0
  let t = Math.imul(seed ^ (seed >>> 15), 1 | seed)
  t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t
  return ((t ^ (t >>> 14)) >>> 0) / 4294967296
}

export interface OrgSize {
  readonly users: number
  readonly groups: number
  readonly memberships: number
}

export const generateOrg = (size: OrgSize, rules: RuleConfig, seed = 42): PlanInput => {
  const rand = prng(seed)
  const users: Array<OktaUser> = []
  const assignments: Array<AppAssignment> = []
  const mondayUsers: Array<MondayUser> = []
  for (let i = 0; i < size.users; i++) {
    const id = `00u${i.toString(36).padStart(6, "0")}` as OktaUserId
    const email = `user${i}@example.com`
    users.push(new OktaUser({ id, login: email, email, status: rand() < 0.99 ? "ACTIVE" : "SUSPENDED" }, true))
    if (rand() < 0.98) assignments.push({ userId: id, scope: "GROUP", status: "ACTIVE" })
    if (rand() < 0.97) mondayUsers.push(new MondayUser({ id: `m${i}` as MondayUserId, userName: email, active: true }, true))
  }
  // Group sizes follow 1/rank^0.7, scaled to the membership total.
  const weights = Array.from({ length: size.groups }, (_, i) => 1 / Math.pow(i + 1, 0.7))
  const total = weights.reduce((a, b) => a + b, 0)
  const groups: Array<OktaGroup> = []
  const memberships: Array<GroupMembership> = []
  const teams: Array<MondayTeam> = []
  const links: Array<TeamLink> = []
  for (let g = 0; g < size.groups; g++) {
    const id = `00g${g.toString(36).padStart(6, "0")}` as OktaGroupId
    groups.push(new OktaGroup({ id, name: `group-${g}`, type: "OKTA_GROUP" }, true))
    const n = Math.max(1, Math.min(size.users, Math.round((weights[g]! / total) * size.memberships)))
    const members = new Set<OktaUserId>()
    while (members.size < n) members.add(users[Math.floor(rand() * size.users)]!.id)
    memberships.push({ groupId: id, userIds: [...members] })
    // 70% of teams exist already: most members there, a few gone, a few extra.
    if (rand() < 0.7) {
      const teamId = `t${g}` as MondayTeamId
      const current: Array<MondayUserId> = []
      for (const u of members) if (rand() < 0.9) current.push(`m${parseInt(u.slice(3), 36)}` as MondayUserId)
      const extra = Math.floor(rand() * 3)
      for (let k = 0; k < extra; k++) current.push(`m${Math.floor(rand() * size.users)}` as MondayUserId)
      teams.push(new MondayTeam({ id: teamId, displayName: `group-${g}`, members: current, membersFrom: "server" }, true))
      links.push(new TeamLink({ teamId, displayName: `group-${g}`, groupIds: [id], origin: "created", managedMembers: current }, true))
    }
  }
  return {
    rules,
    source: new SourceSnapshot({ users, groups, memberships, assignments, assignedGroupIds: [] }, true),
    target: new TargetSnapshot({ users: mondayUsers, teams }, true),
    links: new Links({ teams: links, users: [] }, true)
  }
}

/**
 * Batches of deltas as the System Log would report them, drawn against a live copy of the org so
 * every delta changes something: a member added is not yet in the group, a member removed is
 * one, a suspended user was active. Groups are picked half uniformly, half by size (a change
 * lands in a big group as often as the big group's share of memberships), so big teams are hit.
 */
export class DeltaStream {
  private readonly rand: () => number
  private readonly groups: Array<OktaGroup>
  private readonly groupIndex = new Map<string, number>()
  private readonly listed = new Map<string, ReadonlyArray<OktaUserId>>()
  private readonly members = new Map<string, { list: Array<OktaUserId>; set: Set<OktaUserId> }>()
  private readonly cumulative: Float64Array
  private readonly users: ReadonlyArray<OktaUser>
  private readonly suspended = new Set<string>()
  private readonly unassigned = new Set<string>()
  private created = 0

  constructor(private readonly input: PlanInput, seed: number) {
    this.rand = prng(seed)
    this.groups = [...input.source.groups]
    this.groups.forEach((g, i) => this.groupIndex.set(g.id, i))
    for (const m of input.source.memberships) this.listed.set(m.groupId, m.userIds)
    this.users = input.source.users
    this.cumulative = new Float64Array(input.source.memberships.length)
    let total = 0
    input.source.memberships.forEach((m, i) => {
      total += m.userIds.length
      this.cumulative[i] = total
    })
    for (const u of input.source.users) if (u.status !== "ACTIVE") this.suspended.add(u.id)
    const assigned = new Set<string>(input.source.assignments.map((a) => a.userId))
    for (const u of input.source.users) if (!assigned.has(u.id)) this.unassigned.add(u.id)
  }

  private live(groupId: string) {
    let m = this.members.get(groupId)
    if (m === undefined) {
      const listed = this.listed.get(groupId) ?? []
      m = { list: [...listed], set: new Set(listed) }
      this.members.set(groupId, m)
    }
    return m
  }

  private pickGroup(): OktaGroup {
    if (this.rand() < 0.5) return this.groups[Math.floor(this.rand() * this.groups.length)]!
    const x = this.rand() * this.cumulative[this.cumulative.length - 1]!
    let lo = 0
    let hi = this.cumulative.length - 1
    while (lo < hi) {
      const mid = (lo + hi) >>> 1
      if (this.cumulative[mid]! <= x) lo = mid + 1
      else hi = mid
    }
    const id = this.input.source.memberships[lo]!.groupId
    return this.groups[this.groupIndex.get(id)!]!
  }

  private pickUser(): OktaUser {
    return this.users[Math.floor(this.rand() * this.users.length)]!
  }

  next(count: number): Array<Delta> {
    const out: Array<Delta> = []
    while (out.length < count) {
      const r = this.rand()
      if (r < 0.42) {
        const group = this.pickGroup()
        const m = this.live(group.id)
        const user = this.pickUser()
        if (m.set.has(user.id)) continue
        m.set.add(user.id)
        m.list.push(user.id)
        out.push({ _tag: "MemberAdded", groupId: group.id, userId: user.id })
      } else if (r < 0.82) {
        const group = this.pickGroup()
        const m = this.live(group.id)
        if (m.list.length === 0) continue
        const i = Math.floor(this.rand() * m.list.length)
        const userId = m.list[i]!
        m.list[i] = m.list[m.list.length - 1]!
        m.list.pop()
        m.set.delete(userId)
        out.push({ _tag: "MemberRemoved", groupId: group.id, userId })
      } else if (r < 0.88) {
        const user = this.pickUser()
        const wasSuspended = this.suspended.has(user.id)
        if (wasSuspended) this.suspended.delete(user.id)
        else this.suspended.add(user.id)
        out.push({ _tag: "UserStatusChanged", userId: user.id, status: wasSuspended ? "ACTIVE" : "SUSPENDED" })
      } else if (r < 0.93) {
        const user = this.pickUser()
        if (this.unassigned.delete(user.id)) {
          out.push({ _tag: "UserAssigned", assignment: { userId: user.id, scope: "USER", status: "ACTIVE" } })
        } else {
          this.unassigned.add(user.id)
          out.push({ _tag: "UserUnassigned", userId: user.id })
        }
      } else if (r < 0.95) {
        const user = this.pickUser()
        out.push({ _tag: "UserUpdated", user: new OktaUser({ ...user, status: this.suspended.has(user.id) ? "SUSPENDED" : "ACTIVE", firstName: `F${out.length}` }, true) })
      } else if (r < 0.98) {
        const group = this.groups[Math.floor(this.rand() * this.groups.length)]!
        const renamed = new OktaGroup({ ...group, name: `${group.name}-r${this.created++}` }, true)
        this.groups[this.groupIndex.get(group.id)!] = renamed
        out.push({ _tag: "GroupRenamed", groupId: group.id, name: renamed.name })
      } else {
        const id = `00gnew${this.created++}` as OktaGroupId
        const group = new OktaGroup({ id, name: `new-${id}`, type: "OKTA_GROUP" }, true)
        this.groupIndex.set(id, this.groups.length)
        this.groups.push(group)
        out.push({ _tag: "GroupCreated", group })
      }
    }
    return out
  }
}
