/**
 * The Okta snapshot held as indexes so a batch of deltas is applied in place in O(batch): users
 * are numbered once, a group's members are an Int32Array of user numbers (a Set once a delta
 * changes it), and the groups of each user are a compressed table plus a small overlay.
 */
import { OktaGroup, OktaUser, SourceSnapshot } from "../Domain.js"
import type { AppAssignment, GroupMembership, OktaUserId } from "../Domain.js"
import type { Delta } from "../Delta.js"

/** What a batch of deltas changed, for the planner to invalidate and re-plan. */
export interface DeltaEffects {
  /** Every group whose team may plan differently (members, name, existence, assignment, members' state). */
  readonly groups: Set<string>
  /** Groups whose selection (mapping, team name) may have changed. */
  readonly structural: Set<string>
  /** Users (by number) whose status, assignment or profile changed (their groups are not in `groups`: see `touchUserGroups`). */
  readonly users: Set<number>
  /** Memberships that really changed, as (group, user number) pairs, in order. */
  readonly memberGroups: Array<string>
  readonly memberUsers: Array<number>
}

export const emptyEffects = (): DeltaEffects => ({
  groups: new Set(),
  structural: new Set(),
  users: new Set(),
  memberGroups: [],
  memberUsers: []
})

/**
 * A group's members: those listed (`base`, never changed) and what deltas changed since, in small
 * sets (`added` ∩ base = ∅, `removed` ⊆ base), so a big group's change costs O(1) and a membership
 * check stays cache-friendly, rather than turning the whole group into a Set.
 */
export class Members {
  added: Set<number> | undefined = undefined
  removed: Set<number> | undefined = undefined
  /** Whether the user→groups table lists `base` (not for a group made after the table: its members are all in `added`). */
  inTable = false
  constructor(readonly base: Int32Array) {}

  get size(): number {
    return this.base.length - (this.removed?.size ?? 0) + (this.added?.size ?? 0)
  }

  *[Symbol.iterator](): IterableIterator<number> {
    const { base, removed } = this
    for (let i = 0; i < base.length; i++) if (removed === undefined || !removed.has(base[i]!)) yield base[i]!
    if (this.added !== undefined) yield* this.added
  }
}

const NO_MEMBERS = new Int32Array(0)

/**
 * The Okta users by id, held by user number: one map (the numbering) serves both, so a read by
 * number costs no lookup and loading a snapshot writes one map, not two.
 */
export class UserTable {
  private readonly byNumber: Array<OktaUser | undefined> = []
  constructor(private readonly index: SourceIndex) {}

  get(id: string): OktaUser | undefined {
    const u = this.index.userIndex.get(id)
    return u === undefined ? undefined : this.byNumber[u]
  }

  /** The user of a user number (undefined: an id Okta listed no user for). */
  at(u: number): OktaUser | undefined {
    return this.byNumber[u]
  }

  set(id: string, user: OktaUser): void {
    const u = this.index.indexOfUser(id)
    // Dense, so it never turns into a slow dictionary array.
    while (this.byNumber.length < u) this.byNumber.push(undefined)
    this.byNumber[u] = user
  }

  /** Fills the table from users numbered 0, 1, … in order (see `fromSnapshot`). */
  fill(users: ReadonlyArray<OktaUser>): void {
    for (let i = 0; i < users.length; i++) this.byNumber[i] = users[i]
  }

  *values(): IterableIterator<OktaUser> {
    for (const u of this.byNumber) if (u !== undefined) yield u
  }
}

export class SourceIndex {
  readonly users = new UserTable(this)
  readonly groups = new Map<string, OktaGroup>()
  readonly assignments = new Map<string, AppAssignment>()
  readonly assignedGroups = new Set<string>()
  /** User id → number, and back. Members and caches are keyed by number. */
  readonly userIndex = new Map<string, number>()
  readonly userIds: Array<string> = []
  readonly members = new Map<string, Members>()
  /** Group id → number, and back; `byNumber` mirrors `members` by group number. */
  private readonly groupNumber = new Map<string, number>()
  private readonly groupIds: Array<string> = []
  private readonly byNumber: Array<Members | undefined> = []
  // Groups (by number) of each user (CSR) from the listed members, built when a delta first needs
  // it (a full plan never does), and the groups joined since. Either may hold groups a user left
  // (or a group deleted since): `isMember` decides.
  private ugBuilt = false
  private ugStart = new Int32Array(1)
  private ugList = new Int32Array(0)
  private readonly ugExtra = new Map<number, Set<number>>()

  numberOfGroup(id: string): number {
    let i = this.groupNumber.get(id)
    if (i === undefined) {
      i = this.groupIds.length
      this.groupNumber.set(id, i)
      this.groupIds.push(id)
      this.byNumber.push(this.members.get(id))
    }
    return i
  }

  private setMembers(id: string, m: Members | undefined): void {
    if (m === undefined) this.members.delete(id)
    else this.members.set(id, m)
    this.byNumber[this.numberOfGroup(id)] = m
  }

  indexOfUser(id: string): number {
    let i = this.userIndex.get(id)
    if (i === undefined) {
      i = this.userIds.length
      this.userIndex.set(id, i)
      this.userIds.push(id)
    }
    return i
  }

  static fromSnapshot(source: SourceSnapshot): SourceIndex {
    const index = new SourceIndex()
    // Users are numbered by position, one map write each, unless an id repeats (then as it comes).
    const users = source.users
    for (let i = 0; i < users.length; i++) index.userIndex.set(users[i]!.id, i)
    if (index.userIndex.size === users.length) {
      for (const u of users) index.userIds.push(u.id)
      index.users.fill(users)
    } else {
      // The last entry of a repeated id wins, as a map of users would have it.
      index.userIndex.clear()
      for (const u of users) index.users.set(u.id, u)
    }
    for (const g of source.groups) index.groups.set(g.id, g)
    let total = 0
    for (const m of source.memberships) total += m.userIds.length
    // Every group's members in one buffer (a view each), rather than an allocation per group.
    const buffer = new Int32Array(total)
    let offset = 0
    let seen = new Int32Array(index.userIds.length + 1)
    let gen = 0
    for (const m of source.memberships) {
      const ids = m.userIds
      const from = offset
      gen++
      // A user listed twice in one group counts once (the list is read as a set).
      for (let i = 0; i < ids.length; i++) {
        const id = ids[i]!
        let u = index.userIndex.get(id)
        if (u === undefined) u = index.indexOfUser(id)
        if (u >= seen.length) {
          const grown = new Int32Array(Math.max(u + 1, seen.length * 2))
          grown.set(seen)
          seen = grown
        }
        if (seen[u] === gen) continue
        seen[u] = gen
        buffer[offset++] = u
      }
      const arr = buffer.subarray(from, offset)
      const prev = index.members.get(m.groupId)
      // A group listed twice (pages merged upstream) keeps the union.
      if (prev !== undefined) index.setMembers(m.groupId, new Members(Int32Array.from(new Set([...prev.base, ...arr]))))
      else index.setMembers(m.groupId, new Members(arr))
    }
    for (const a of source.assignments) index.assignments.set(a.userId, a)
    for (const g of source.assignedGroupIds) index.assignedGroups.add(g)
    return index
  }

  toSnapshot(): SourceSnapshot {
    const memberships: Array<GroupMembership> = []
    for (const [groupId, set] of this.members) {
      const userIds: Array<string> = []
      for (const u of set) userIds.push(this.userIds[u]!)
      memberships.push({ groupId: groupId as GroupMembership["groupId"], userIds: userIds as Array<OktaUserId> })
    }
    return new SourceSnapshot(
      {
        users: [...this.users.values()],
        groups: [...this.groups.values()],
        memberships,
        assignments: [...this.assignments.values()],
        assignedGroupIds: [...this.assignedGroups] as unknown as SourceSnapshot["assignedGroupIds"]
      },
      true
    )
  }

  memberCount(groupId: string): number {
    return this.members.get(groupId)?.size ?? 0
  }

  /** Whether a user the table or the joins (`listed`: the table) name for a group is in it now. */
  private isMember(group: number, user: number, listed: boolean): boolean {
    const m = this.byNumber[group]
    if (m === undefined) return false
    if (m.added !== undefined && m.added.has(user)) return true
    if (m.removed !== undefined && m.removed.has(user)) return false
    return listed && m.inTable
  }

  /** Whether the group's listed members hold the user (O(groups of the user), via the table). */
  private inBase(m: Members, group: number, user: number): boolean {
    if (!m.inTable || user + 1 >= this.ugStart.length) return false
    const end = this.ugStart[user + 1]!
    for (let i = this.ugStart[user]!; i < end; i++) if (this.ugList[i] === group) return true
    return false
  }

  /**
   * Whether a user is in a group whose key number (`keyOf`, by group number) is `key`, now:
   * O(groups of the user), integers only.
   */
  inKey(user: number, key: number, keyOf: ArrayLike<number>): boolean {
    if (!this.ugBuilt) this.buildUserGroups()
    if (user + 1 < this.ugStart.length) {
      const end = this.ugStart[user + 1]!
      for (let i = this.ugStart[user]!; i < end; i++) {
        const g = this.ugList[i]!
        if (keyOf[g] === key && this.isMember(g, user, true)) return true
      }
    }
    const extra = this.ugExtra.get(user)
    if (extra !== undefined) for (const g of extra) if (keyOf[g] === key && this.isMember(g, user, false)) return true
    return false
  }

  /**
   * The groups of every user, from every group's listed members: O(memberships), once, before any
   * membership change (so every change is an overlay on what the table lists).
   */
  private buildUserGroups(): void {
    this.ugBuilt = true
    const n = this.userIds.length
    const start = new Int32Array(n + 1)
    for (const m of this.byNumber) {
      if (m === undefined) continue
      m.inTable = true
      const base = m.base
      for (let i = 0; i < base.length; i++) start[base[i]! + 1]!++
    }
    for (let i = 0; i < n; i++) start[i + 1]! += start[i]!
    const fill = start.slice(0, n)
    const list = new Int32Array(start[n]!)
    for (let g = 0; g < this.byNumber.length; g++) {
      const base = this.byNumber[g]?.base
      if (base !== undefined) for (let i = 0; i < base.length; i++) list[fill[base[i]!]!++] = g
    }
    this.ugStart = start
    this.ugList = list
  }

  /** The groups a user is in now. */
  groupsOf(user: number): Set<string> {
    if (!this.ugBuilt) this.buildUserGroups()
    const out = new Set<string>()
    if (user + 1 < this.ugStart.length) {
      for (let i = this.ugStart[user]!; i < this.ugStart[user + 1]!; i++) {
        const g = this.ugList[i]!
        if (this.isMember(g, user, true)) out.add(this.groupIds[g]!)
      }
    }
    for (const g of this.ugExtra.get(user) ?? []) if (this.isMember(g, user, false)) out.add(this.groupIds[g]!)
    return out
  }

  /** Pushes the numbers of the groups a user is in now to `out` (a group may come twice). */
  groupNumbersOf(user: number, out: Array<number>): void {
    if (!this.ugBuilt) this.buildUserGroups()
    if (user + 1 < this.ugStart.length) {
      for (let i = this.ugStart[user]!; i < this.ugStart[user + 1]!; i++) {
        const g = this.ugList[i]!
        if (this.isMember(g, user, true)) out.push(g)
      }
    }
    const extra = this.ugExtra.get(user)
    if (extra !== undefined) for (const g of extra) if (this.isMember(g, user, false)) out.push(g)
  }

  /** Adds a member; false when the user was one already. */
  private addMember(groupId: string, user: number): boolean {
    if (!this.ugBuilt) this.buildUserGroups()
    let m = this.members.get(groupId)
    if (m === undefined) this.setMembers(groupId, (m = new Members(NO_MEMBERS)))
    if (m.removed !== undefined && m.removed.delete(user)) return true
    if ((m.added !== undefined && m.added.has(user)) || this.inBase(m, this.numberOfGroup(groupId), user)) return false
    ;(m.added ??= new Set()).add(user)
    return true
  }

  /** Removes a member; false when the user was not one. */
  private removeMember(groupId: string, user: number): boolean {
    if (!this.ugBuilt) this.buildUserGroups()
    const m = this.members.get(groupId)
    if (m === undefined) return false
    if (m.added !== undefined && m.added.delete(user)) return true
    if ((m.removed !== undefined && m.removed.has(user)) || !this.inBase(m, this.numberOfGroup(groupId), user)) return false
    ;(m.removed ??= new Set()).add(user)
    return true
  }

  /**
   * Notes a user whose status, assignment or profile changed. Their groups are not touched here:
   * the caller decides after the batch (`touchUserGroups`), as a profile change that leaves the
   * user's standing in every team as it was touches no team.
   */
  private touchUser(userId: string, effects: DeltaEffects): void {
    effects.users.add(this.indexOfUser(userId))
  }

  /**
   * Touches every group a user is in now (their status or assignment decides whether they can be
   * pushed to it); pushes those groups' numbers to `numbers` (a group may come twice).
   */
  touchUserGroups(user: number, effects: DeltaEffects, numbers: Array<number> = []): void {
    const from = numbers.length
    this.groupNumbersOf(user, numbers)
    for (let i = from; i < numbers.length; i++) effects.groups.add(this.groupIds[numbers[i]!]!)
  }

  private putUser(user: OktaUser | undefined, effects: DeltaEffects): void {
    if (user === undefined) return
    this.users.set(user.id, user)
    this.touchUser(user.id, effects)
  }

  apply(delta: Delta, effects: DeltaEffects): void {
    switch (delta._tag) {
      case "MemberAdded": {
        const u = this.indexOfUser(delta.userId)
        if (this.addMember(delta.groupId, u)) {
          effects.memberGroups.push(delta.groupId)
          effects.memberUsers.push(u)
        }
        let extra = this.ugExtra.get(u)
        if (extra === undefined) this.ugExtra.set(u, (extra = new Set()))
        extra.add(this.numberOfGroup(delta.groupId))
        effects.groups.add(delta.groupId)
        this.putUser(delta.user, effects)
        return
      }
      case "MemberRemoved": {
        const u = this.userIndex.get(delta.userId)
        if (u !== undefined && this.removeMember(delta.groupId, u)) {
          effects.memberGroups.push(delta.groupId)
          effects.memberUsers.push(u)
        }
        effects.groups.add(delta.groupId)
        return
      }
      case "GroupCreated": {
        this.groups.set(delta.group.id, delta.group)
        if (!this.members.has(delta.group.id)) this.setMembers(delta.group.id, new Members(NO_MEMBERS))
        effects.groups.add(delta.group.id)
        effects.structural.add(delta.group.id)
        return
      }
      case "GroupRenamed": {
        const group = this.groups.get(delta.groupId)
        if (group !== undefined) this.groups.set(group.id, new OktaGroup({ ...group, name: delta.name }, true))
        effects.groups.add(delta.groupId)
        effects.structural.add(delta.groupId)
        return
      }
      case "GroupDeleted": {
        this.groups.delete(delta.groupId)
        this.setMembers(delta.groupId, undefined)
        this.assignedGroups.delete(delta.groupId)
        effects.groups.add(delta.groupId)
        effects.structural.add(delta.groupId)
        return
      }
      case "GroupAssigned":
      case "GroupUnassigned": {
        if (delta._tag === "GroupAssigned") this.assignedGroups.add(delta.groupId)
        else this.assignedGroups.delete(delta.groupId)
        effects.groups.add(delta.groupId)
        effects.structural.add(delta.groupId)
        return
      }
      case "UserAssigned": {
        this.assignments.set(delta.assignment.userId, delta.assignment)
        this.putUser(delta.user, effects)
        this.touchUser(delta.assignment.userId, effects)
        return
      }
      case "UserUnassigned": {
        this.assignments.delete(delta.userId)
        this.touchUser(delta.userId, effects)
        return
      }
      case "UserStatusChanged": {
        const user = this.users.get(delta.userId)
        if (user !== undefined) this.users.set(user.id, new OktaUser({ ...user, status: delta.status }, true))
        this.touchUser(delta.userId, effects)
        return
      }
      case "UserUpdated": {
        this.putUser(delta.user, effects)
        return
      }
    }
  }
}
