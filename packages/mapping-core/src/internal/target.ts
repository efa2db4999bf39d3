/**
 * The monday.com snapshot held as indexes: users numbered in id order (so sorting numbers sorts
 * ids), teams by id and by name, each team's members as numbers, and the snapshot's fingerprint.
 * An apply's outcomes change it in place (`updateUser`, `applyTeamEdits`) in time proportional to
 * the teams and users they touch; the snapshot it stands for is rebuilt from it only when asked.
 */
import { MondayTeam, TargetSnapshot } from "../Domain.js"
import type { MondayUser, MondayUserId } from "../Domain.js"
import { hashInto, lane1, lane2, MultisetHash } from "./hash.js"
import { search } from "./sortedInts.js"

const EMPTY_INTS = new Int32Array(0)

const pushTo = <K, V>(map: Map<K, Array<V>>, k: K, v: V) => {
  const xs = map.get(k)
  if (xs === undefined) map.set(k, [v])
  else xs.push(v)
}

/**
 * A sorted set of ranks less `remove` (sorted, all in it) plus `add` (sorted, none in it): runs
 * between the changes are copied whole, O(n) copying plus O(changes · log n) searches.
 */
const withRanks = (base: Int32Array, remove: ReadonlyArray<number>, add: ReadonlyArray<number>): Int32Array => {
  const out = new Int32Array(base.length - remove.length + add.length)
  let i = 0
  let k = 0
  let ri = 0
  let ai = 0
  while (ri < remove.length || ai < add.length) {
    const rPos = ri < remove.length ? search(base, base.length, remove[ri]!) : base.length
    const aPos = ai < add.length ? -search(base, base.length, add[ai]!) - 1 : base.length
    const next = Math.min(rPos, aPos)
    out.set(base.subarray(i, next), k)
    k += next - i
    i = next
    if (ai < add.length && aPos <= rPos) out[k++] = add[ai++]!
    else {
      i++
      ri++
    }
  }
  out.set(base.subarray(i), k)
  return out
}

const userItem = (u: MondayUser) => `${u.id}\u0000${u.userName}\u0000${u.active ? 1 : 0}`
const teamItem = (t: MondayTeam, members: MultisetHash) =>
  `${t.id}\u0000${t.displayName}\u0000${t.members.length}\u0000${members.hex()}`

/** The fingerprint's sums, kept so a changed user or team costs its own items only. */
interface FingerprintSums {
  readonly users: MultisetHash
  readonly teams: MultisetHash
  /** Each team's members' sum. */
  readonly members: Map<string, MultisetHash>
  /** Each id's hash lanes, by rank. */
  readonly h1: Uint32Array
  readonly h2: Uint32Array
}

/**
 * What an apply did to one team, replayed as `simulateApply` does: the team as a set of members in
 * listing order (a member added is appended; one removed and added again moves to the end).
 */
export class TeamEdit {
  /** Listed members of the team before that are gone. */
  readonly removed = new Set<string>()
  /** Members added, in order, that the team didn't list before (or listed and lost first). */
  readonly appended: Array<string> = []
  private readonly appendedSet = new Set<string>()
  deleted = false

  constructor(
    readonly id: string,
    /** The team as it was (undefined: created by the apply, or created again over an old id). */
    readonly base: MondayTeam | undefined,
    public displayName: string,
    readonly membersFrom: MondayTeam["membersFrom"],
    private readonly inBase: (id: string) => boolean
  ) {}

  add(id: string): void {
    if (this.appendedSet.has(id) || (!this.removed.has(id) && this.inBase(id))) return
    this.appended.push(id)
    this.appendedSet.add(id)
  }

  remove(id: string): void {
    if (this.appendedSet.delete(id)) this.appended.splice(this.appended.indexOf(id), 1)
    else if (this.inBase(id)) this.removed.add(id)
  }
}

export class TargetIndex {
  /**
   * The user of each first-seen number (users are numbered first; ids seen only in teams have
   * none). When ids are unique it is the snapshot's own list, copied before its first change.
   */
  private userAt: Array<MondayUser>
  private userAtShared: boolean
  /** Lowercased userName → the user's first-seen number. */
  private readonly byUserName = new Map<string, number>()
  readonly teams = new Map<string, MondayTeam>()
  readonly teamsByName = new Map<string, Array<MondayTeam>>()
  /**
   * Every monday.com user id (users, then ids seen only in teams), sorted: a user's number is its
   * rank, so sorting numbers sorts ids and a plan's member lists need no string sort.
   */
  readonly mondayIds: Array<string>
  private readonly firstSeen = new Map<string, number>()
  private readonly rankOf: Int32Array
  /**
   * Each listed team's members as ranks, in listing order (duplicates kept, for the fingerprint),
   * by the snapshot's team order; dropped at the first change (then `listOf` serves).
   */
  private lists: Array<Int32Array> | undefined = []
  private readonly listOf = new Map<string, Int32Array>()
  private readonly memberSets = new Map<string, Int32Array>()
  private sums: FingerprintSums | undefined = undefined
  private fingerprintValue: string | undefined = undefined
  private snapshotValue: TargetSnapshot | undefined
  /** Whether no user id, team id or member of a team is listed twice (then it can change in place). */
  private readonly uniqueIds: boolean
  private uniqueMembers: boolean | undefined = undefined

  /**
   * `extraIds`: the `new:<oktaUserId>` placeholders of users the plan creates, numbered with the
   * real ids so team operations can list them (they are not users of the snapshot).
   */
  constructor(snapshot: TargetSnapshot, readonly extraIds: ReadonlySet<string> = new Set()) {
    this.snapshotValue = snapshot
    const firstSeen = this.firstSeen
    let ids: Array<string> = []
    const intern = (id: string): number => {
      let i = firstSeen.get(id)
      if (i === undefined) {
        i = ids.length
        firstSeen.set(id, i)
        ids.push(id)
      }
      return i
    }
    // Users are numbered by position (one map write each, no read) unless an id repeats; then the
    // last entry wins, as a map of users would have it.
    const users = snapshot.users
    for (let i = 0; i < users.length; i++) firstSeen.set(users[i]!.id, i)
    const uniqueUsers = firstSeen.size === users.length
    if (uniqueUsers) {
      ids = users.map((u) => u.id)
      this.userAt = users as Array<MondayUser>
    } else {
      firstSeen.clear()
      const userAt: Array<MondayUser> = []
      for (const u of users) userAt[intern(u.id)] = u
      this.userAt = userAt
    }
    this.userAtShared = true
    for (let i = 0; i < ids.length; i++) this.byUserName.set(this.userAt[i]!.userName.toLowerCase(), i)
    let total = 0
    for (const t of snapshot.teams) total += t.members.length
    // Every team's members in one buffer (a view each), rather than an allocation per team.
    const buffer = new Int32Array(total)
    let offset = 0
    const lists = this.lists!
    for (const t of snapshot.teams) {
      this.teams.set(t.id, t)
      // monday.com treats names that differ only in case as the same team (POST replaces it).
      pushTo(this.teamsByName, t.displayName.toLowerCase(), t)
      const members = t.members
      const arr = buffer.subarray(offset, offset + members.length)
      offset += members.length
      for (let i = 0; i < members.length; i++) {
        const id = members[i]!
        const known = firstSeen.get(id)
        arr[i] = known === undefined ? intern(id) : known
      }
      lists.push(arr)
    }
    this.uniqueIds = uniqueUsers && this.teams.size === snapshot.teams.length
    for (const id of extraIds) intern(id)
    // The default sort compares UTF-16 code units, the order `byString` gives.
    this.mondayIds = ids.slice().sort()
    this.rankOf = new Int32Array(ids.length)
    for (let r = 0; r < this.mondayIds.length; r++) this.rankOf[this.firstSeen.get(this.mondayIds[r]!)!] = r
    snapshot.teams.forEach((t, ti) => {
      const arr = lists[ti]!
      for (let i = 0; i < arr.length; i++) arr[i] = this.rankOf[arr[i]!]!
      this.listOf.set(t.id, arr)
    })
  }

  /** The snapshot the index stands for now: the one it was made from until a change, then rebuilt (O(users + teams)) once. */
  get snapshot(): TargetSnapshot {
    if (this.snapshotValue === undefined) {
      this.userAtShared = true
      this.snapshotValue = new TargetSnapshot({ users: this.userAt, teams: Array.from(this.teams.values()) }, true)
    }
    return this.snapshotValue
  }

  /** A monday.com user's number, or -1 when the snapshot doesn't know the id. */
  indexOf(id: string): number {
    const i = this.firstSeen.get(id)
    return i === undefined ? -1 : this.rankOf[i]!
  }

  /** The user with this id, if the snapshot has one. */
  user(id: string): MondayUser | undefined {
    const i = this.firstSeen.get(id)
    return i === undefined ? undefined : this.userAt[i]
  }

  /** The first-seen number of the user with this id (-1: not a user of the snapshot). */
  userNumber(id: string): number {
    const i = this.firstSeen.get(id)
    return i === undefined || this.userAt[i] === undefined ? -1 : i
  }

  /** The first-seen number of the user whose userName is this (lowercased) email, or -1. */
  userNumberByName(lowerCaseEmail: string): number {
    return this.byUserName.get(lowerCaseEmail) ?? -1
  }

  userOfNumber(i: number): MondayUser {
    return this.userAt[i]!
  }

  /** The rank (number in id order) of a first-seen number. */
  rankOfNumber(i: number): number {
    return this.rankOf[i]!
  }

  /** A team's members as numbers, as listed (duplicates kept). */
  listed(team: MondayTeam): Int32Array {
    return this.listOf.get(team.id) ?? EMPTY_INTS
  }

  /** A team's current members as numbers: sorted, without duplicates. */
  members(team: MondayTeam): Int32Array {
    let set = this.memberSets.get(team.id)
    if (set === undefined) {
      const list = this.listOf.get(team.id) ?? EMPTY_INTS
      set = list.slice().sort()
      let n = 0
      for (let i = 0; i < set.length; i++) if (n === 0 || set[i] !== set[n - 1]) set[n++] = set[i]!
      if (n < set.length) set = set.slice(0, n)
      this.memberSets.set(team.id, set)
    }
    return set
  }

  /** Equals `fingerprintTarget(snapshot)`, hashing each member id once rather than once per team. */
  fingerprint(): string {
    if (this.fingerprintValue !== undefined) return this.fingerprintValue
    const sums = this.sums ??= this.fingerprintSums()
    this.fingerprintValue = `v1-${sums.teams.hex()}${sums.users.hex()}`
    return this.fingerprintValue
  }

  private fingerprintSums(): FingerprintSums {
    // Until a change, the snapshot as listed (an id listed twice counts twice); after, by id.
    const unchanged = this.lists !== undefined ? this.snapshotValue! : undefined
    const users = new MultisetHash()
    for (const u of unchanged?.users ?? this.userAt) users.add(userItem(u))
    const n = this.mondayIds.length
    const h1 = new Uint32Array(n)
    const h2 = new Uint32Array(n)
    for (let r = 0; r < n; r++) {
      hashInto(this.mondayIds[r]!)
      h1[r] = lane1
      h2[r] = lane2
    }
    const teams = new MultisetHash()
    const members = new Map<string, MultisetHash>()
    const add = (t: MondayTeam, list: Int32Array) => {
      const sum = new MultisetHash()
      for (let i = 0; i < list.length; i++) sum.addLanes(h1[list[i]!]!, h2[list[i]!]!)
      teams.add(teamItem(t, sum))
      members.set(t.id, sum)
    }
    if (unchanged !== undefined) unchanged.teams.forEach((t, ti) => add(t, this.lists![ti]!))
    else for (const t of this.teams.values()) add(t, this.listOf.get(t.id)!)
    return { users, teams, members, h1, h2 }
  }

  /**
   * Whether the snapshot can change in place: no user id, team id or team member listed twice
   * (`simulateApply` folds repeats, which would change what a plan counts). Checked once, O(memberships).
   */
  updatable(): boolean {
    if (!this.uniqueIds) return false
    if (this.uniqueMembers === undefined) {
      const mark = new Int32Array(this.mondayIds.length)
      let gen = 0
      let unique = true
      for (const list of this.listOf.values()) {
        gen++
        for (let i = 0; i < list.length && unique; i++) {
          if (mark[list[i]!] === gen) unique = false
          mark[list[i]!] = gen
        }
        if (!unique) break
      }
      this.uniqueMembers = unique
    }
    return this.uniqueMembers
  }

  private changed(): void {
    this.snapshotValue = undefined
    this.fingerprintValue = undefined
    this.lists = undefined
  }

  /**
   * Replaces a user by a new version of it (same id and userName): O(1), plus a copy of the user
   * list after a snapshot was taken.
   */
  updateUser(user: MondayUser): void {
    const i = this.userNumber(user.id)
    const old = this.userAt[i]!
    if (old.userName !== user.userName) throw new Error(`updateUser: ${user.id} changed its userName`)
    if (this.userAtShared) {
      this.userAt = this.userAt.slice()
      this.userAtShared = false
    }
    this.userAt[i] = user
    if (this.sums !== undefined) {
      this.sums.users.remove(userItem(old))
      this.sums.users.add(userItem(user))
    }
    this.changed()
  }

  /** A new edit of a team (`base`: the team as it is, undefined for one created). */
  editTeam(id: string, base: MondayTeam | undefined, displayName: string, membersFrom: MondayTeam["membersFrom"]): TeamEdit {
    const set = base === undefined ? EMPTY_INTS : this.members(base)
    return new TeamEdit(id, base, displayName, membersFrom, (m) => {
      const r = this.indexOf(m)
      return r >= 0 && search(set, set.length, r) >= 0
    })
  }

  /**
   * Folds teams' edits in: O(each edited team's size), with its sorted members merged rather than
   * sorted again. Every member id must be numbered already (`indexOf` ≥ 0). Returns each edited
   * team's new version (undefined: deleted).
   */
  applyTeamEdits(edits: Iterable<TeamEdit>): Map<string, MondayTeam | undefined> {
    const out = new Map<string, MondayTeam | undefined>()
    for (const e of edits) {
      const old = this.teams.get(e.id)
      const before = e.base === undefined ? undefined : this.sums?.members.get(e.id)
      if (old !== undefined) this.unindexTeam(old, e.deleted)
      if (e.deleted) {
        out.set(e.id, undefined)
        continue
      }
      const baseMembers = e.base?.members ?? []
      // Where the members that left are listed (each once: `updatable`), so the rest is copied in runs.
      const removed: Array<number> = []
      const gone: Array<number> = []
      for (const m of e.removed) {
        removed.push(this.indexOf(m))
        gone.push(baseMembers.indexOf(m as MondayUserId))
      }
      gone.sort((a, b) => a - b)
      const members: Array<MondayUserId> = new Array(baseMembers.length - gone.length + e.appended.length)
      let n = 0
      let from = 0
      for (const g of [...gone, baseMembers.length]) {
        for (let i = from; i < g; i++) members[n++] = baseMembers[i]!
        from = g + 1
      }
      const appended: Array<number> = []
      for (const m of e.appended) {
        const r = this.indexOf(m)
        if (r < 0) throw new Error(`applyTeamEdits: ${m} is not numbered`)
        members[n++] = m as MondayUserId
        appended.push(r)
      }
      removed.sort((a, b) => a - b)
      appended.sort((a, b) => a - b)
      // The sorted set: the old one less what left, with what joined put in place. It serves as
      // the listing too (planning never depends on the order members are listed in).
      const set = withRanks(e.base === undefined ? EMPTY_INTS : this.members(e.base), removed, appended)
      const team = new MondayTeam(
        { id: e.id as MondayTeam["id"], displayName: e.displayName, members, membersFrom: e.membersFrom },
        true
      )
      this.teams.set(e.id, team)
      pushTo(this.teamsByName, team.displayName.toLowerCase(), team)
      this.listOf.set(e.id, set)
      this.memberSets.set(e.id, set)
      if (this.sums !== undefined) {
        const sums = this.sums
        const sum = new MultisetHash()
        if (before !== undefined) {
          sum.addLanes(before.a, before.b)
          for (let y = 0; y < removed.length; y++) sum.removeLanes(sums.h1[removed[y]!]!, sums.h2[removed[y]!]!)
        }
        for (let x = 0; x < appended.length; x++) sum.addLanes(sums.h1[appended[x]!]!, sums.h2[appended[x]!]!)
        sums.members.set(e.id, sum)
        sums.teams.add(teamItem(team, sum))
      }
      out.set(e.id, team)
    }
    this.changed()
    return out
  }

  /**
   * Takes a team out of the by-name index and the fingerprint, before it changes or goes (a team
   * that changes keeps its place in the listing, as in a map of teams by id).
   */
  private unindexTeam(team: MondayTeam, gone: boolean): void {
    const lower = team.displayName.toLowerCase()
    const named = this.teamsByName.get(lower)
    if (named !== undefined) {
      const i = named.findIndex((t) => t.id === team.id)
      if (i >= 0) named.splice(i, 1)
      if (named.length === 0) this.teamsByName.delete(lower)
    }
    if (this.sums !== undefined) {
      const members = this.sums.members.get(team.id)
      if (members !== undefined) this.sums.teams.remove(teamItem(team, members))
      this.sums.members.delete(team.id)
    }
    if (!gone) return
    this.teams.delete(team.id)
    this.listOf.delete(team.id)
    this.memberSets.delete(team.id)
  }
}
