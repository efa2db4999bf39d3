/**
 * The planner's working state: indexes over the source, the target and the links, the cached
 * selection of every group and resolution of every user, and the per-team planning step. The
 * public module `Planner.ts` wraps it; everything here stays mutable and internal.
 */
import {
  ACTIVE_USER_STATUSES,
  Links,
  MondayUser,
  READY_ASSIGNMENT_STATUSES,
  TeamLink,
  UNASSIGNED_STATUSES,
  UserLink
} from "../Domain.js"
import type {
  MondayTeam,
  MondayTeamId,
  MondayUserId,
  OktaGroupId,
  OktaUser,
  OktaUserId,
  SourceSnapshot,
  TargetSnapshot
} from "../Domain.js"
import { newUserPlaceholder, placeholderOktaUserId, Plan } from "../Plan.js"
import type { Blocker, BlockedUser, DeactivateUser, Operation, OperationOutcome, PlanCounts, Warning } from "../Plan.js"
import { usersEnabled } from "../RuleConfig.js"
import type { RuleConfig } from "../RuleConfig.js"
import { hashStrings } from "./hash.js"
import { LinkIndex } from "./links.js"
import type { CompiledRules } from "./rules.js"
import { compileRules } from "./rules.js"
import { orderKey } from "./orderKey.js"
import { search, SortedInts } from "./sortedInts.js"
import { appliedTarget, sentMembers } from "./apply.js"
import { emptyEffects, SourceIndex } from "./source.js"
import { TargetIndex } from "./target.js"
import type { TeamEdit } from "./target.js"
import {
  collectDecisions,
  compileUsers,
  createdUserIds,
  decideUser,
  realIdsAfter,
  unexplainedDecisions,
  userAfter
} from "./users.js"
import type { CompiledUsers, UserDecision } from "./users.js"
import type { Delta } from "../Delta.js"

export interface PlanInput {
  readonly rules: RuleConfig
  readonly source: SourceSnapshot
  readonly target: TargetSnapshot
  readonly links: Links
}

/**
 * The fraction-of-team removal limit applies only from this many removals up: a team of 1 or 2
 * losing its members is ordinary churn, not a sign of a broken source, and the absolute limits
 * still apply to it.
 */
export const FRACTION_RULE_MIN_REMOVALS = 3

/** How an Okta user stands for monday.com, computed once per user and cached. */
interface Resolution {
  readonly excluded: boolean
  readonly mondayId: string | undefined
  /** The monday.com user's number (rank) in TargetIndex (-1 when none). */
  readonly mondayIdx: number
  readonly notReady: BlockedUser | undefined
  /** The user lifecycle's decision (when the config turns it on). */
  readonly decision: UserDecision | undefined
}

/**
 * Whether a user stands in every team as before: excluded or not, the same monday.com user and
 * the same not-ready report (a team's blockers and warnings show its email, reason and detail).
 */
const sameStanding = (a: Resolution | undefined, b: Resolution): boolean =>
  a !== undefined &&
  a.excluded === b.excluded &&
  a.mondayIdx === b.mondayIdx &&
  a.mondayId === b.mondayId &&
  (a.notReady === b.notReady ||
    (a.notReady !== undefined &&
      b.notReady !== undefined &&
      a.notReady.oktaUserId === b.notReady.oktaUserId &&
      a.notReady.email === b.notReady.email &&
      a.notReady.reason === b.notReady.reason &&
      a.notReady.detail === b.notReady.detail))

const EXCLUDED: Resolution = { excluded: true, mondayId: undefined, mondayIdx: -1, notReady: undefined, decision: undefined }

/**
 * Scratch space for working out one team: marks by number that reset in O(1) by bumping a
 * generation, so sets of users need no Set; sized to the org once, reused for every team.
 */
class BuildScratch {
  userSeen = new Int32Array(0)
  desiredMark = new Int32Array(0)
  readyMark = new Int32Array(0)
  ready = new Int32Array(0)
  gen = 0
  multi = false
  members = 0
  readyCount = 0
  /** The not-ready members seen, by user number. */
  notReady: Array<number> = []
  desired: Set<string> | undefined = undefined

  begin(users: number, monday: number, multi: boolean, desired: Set<string> | undefined): void {
    if (this.userSeen.length < users) this.userSeen = new Int32Array(users + (users >> 2) + 16)
    if (this.desiredMark.length < monday) {
      this.desiredMark = new Int32Array(monday)
      this.readyMark = new Int32Array(monday)
      this.ready = new Int32Array(monday)
    }
    this.gen++
    this.multi = multi
    this.members = 0
    this.readyCount = 0
    this.desired = desired
  }
}

export type TeamMatch =
  | { readonly kind: "create"; readonly vanished: ReadonlyArray<TeamLink> }
  | { readonly kind: "linked"; readonly team: MondayTeam; readonly link: TeamLink }
  | { readonly kind: "adopt"; readonly team: MondayTeam }
  | { readonly kind: "taken"; readonly team: MondayTeam }

/**
 * What a desired team still needs, kept between plans and updated per (team, user) pair as deltas
 * arrive, so planning a touched team costs its changes, not its size. Numbers are monday.com user
 * ranks (number order is id order), so the arrays come out sorted as a plan lists them.
 */
export interface TeamState {
  /** The monday.com team the diff is against (undefined: none, every ready member is an add). */
  readonly teamId: string | undefined
  /** The team diffed against (undefined: none); a commit puts its new version in. */
  team: MondayTeam | undefined
  /** How many distinct members the team has now. */
  currentCount: number
  /** The team's current members, sorted, without duplicates: sorted only once a delta needs it. */
  current: Int32Array | undefined
  /** Ready desired members not in the team. */
  readonly adds: SortedInts
  /** Current members no Okta user of the team maps to (removal candidates before the managed filter). */
  readonly cands: SortedInts
  /**
   * The candidates that are removed: those the engine manages (the link's managed members), or
   * all of them under handAddedMembers: remove (then the same object as `cands`).
   */
  readonly removals: SortedInts
  /** The link whose managed members filter the candidates (undefined: none, so no removals under keep). */
  link: TeamLink | undefined
  /** Desired Okta users that can't be pushed, sorted by Okta user id. */
  notReady: Array<BlockedUser>
  /**
   * Their user numbers and their ids' `orderKey`s, in the same order (searched as numbers, not
   * ids), in the first `notReady.length` slots: the rest is room to grow into.
   */
  notReadyUsers: Int32Array
  notReadyKeys: Float64Array
  /** Whether a plan holds `notReady` (in a blocker or warning): then it is copied before a change. */
  notReadyShared: boolean
  /** The MembersSkipped warning last drafted, given again while its list and key stand. */
  skipped: Extract<Warning, { _tag: "MembersSkipped" }> | undefined
}

/** A desired team: its groups and what is kept of it between plans. */
export interface KeyRecord {
  readonly key: string
  /** The key's number (never reused), for the pairs a batch changes. */
  readonly number: number
  readonly groups: Set<string>
  /** The groups sorted (as plans list them), until they change. */
  list: ReadonlyArray<string> | undefined
  /** Its match, kept until the target or links change, or a batch changes its groups or the links around it. */
  match: TeamMatch | undefined
  /** What it still needs, once planned since the target or links changed. */
  state: TeamState | undefined
  /** What it would remove now, for the run-wide ledger (undefined: not worked out yet). */
  run: ReadonlyArray<string> | undefined
}

/** Monday.com ids a plan lists (a team's adds): an array, or read from a state's numbers on demand. */
export interface Ids {
  readonly length: number
  slice(start: number, end?: number): Array<string>
}

/** A team's adds as ids, made from its sorted numbers chunk by chunk, without a copy of them all. */
class RankedIds implements Ids {
  constructor(private readonly ranks: SortedInts, private readonly ids: ReadonlyArray<string>) {}
  get length(): number {
    return this.ranks.length
  }
  slice(start: number, end: number = this.ranks.length): Array<string> {
    return idsOf(this.ranks, this.ids, start, end)
  }
}

/** The ids of the `start`-th to `end`-th smallest numbers of a set (target numbers → monday.com ids). */
const idsOf = (ranks: SortedInts, ids: ReadonlyArray<string>, start = 0, end = ranks.length): Array<string> => {
  const to = Math.min(end, ranks.length)
  if (to <= start) return []
  const values = ranks.sorted()
  const out: Array<string> = new Array(to - start)
  for (let i = start; i < to; i++) out[i - start] = ids[values[i]!]!
  return out
}

/** One desired team worked out, before the run-wide removal limit is applied. */
export interface TeamDraft {
  readonly key: string
  readonly groupIds: ReadonlyArray<string>
  readonly match: TeamMatch
  readonly notReady: ReadonlyArray<BlockedUser>
  /** Blockers that hold the whole team (MembersNotReady, NameTaken). */
  readonly teamBlockers: ReadonlyArray<Blocker>
  /** Blockers that hold only this team's removals (EmptyGroup, TeamRemovalLimit), unapproved. */
  readonly removalBlockers: ReadonlyArray<Blocker>
  readonly warnings: ReadonlyArray<Warning>
  readonly rename: { readonly from: string; readonly to: string } | undefined
  /** Read while the plan is assembled: the state it comes from changes with the next batch. */
  readonly adds: Ids
  readonly removals: ReadonlyArray<string>
}

/** A team planned from scratch, with the figures the preflight report shows. */
export interface TeamReport extends TeamDraft {
  /** Okta members (after exclusions). */
  readonly members: number
  readonly ready: number
  /** monday.com users desired in the team, ready or not (never removed); filled only when asked for. */
  readonly desired: ReadonlySet<string>
}

interface DeleteDraft {
  readonly key: string
  readonly link: TeamLink
  readonly team: MondayTeam
  readonly reason: "group-deleted" | "unmapped"
}

const NO_BLOCKERS: ReadonlyArray<Blocker> = []
const NO_LINKS: ReadonlyArray<TeamLink> = []
const NO_WARNINGS: ReadonlyArray<Warning> = []

/** A draft's list with one more item (a new array: the empty one is shared). */
const withItem = <A>(xs: ReadonlyArray<A>, x: A): ReadonlyArray<A> => {
  if (xs.length === 0) return [x]
  ;(xs as Array<A>).push(x)
  return xs
}

/** Puts `x` at `at`, in place (no garbage: `splice` makes an array of what it removes). */
const insertAt = <A>(xs: Array<A>, at: number, x: A): void => {
  let i = xs.length
  xs.push(x)
  for (; i > at; i--) xs[i] = xs[i - 1]!
  xs[at] = x
}

/** Takes out the item at `at`, in place. */
const removeAt = <A>(xs: Array<A>, at: number): void => {
  for (let i = at + 1; i < xs.length; i++) xs[i - 1] = xs[i]!
  xs.pop()
}

/** A copy of `xs` with `x` put at `at` (over the item there when `replace`), or that item taken out (`x` undefined). */
const editedCopy = <A>(xs: ReadonlyArray<A>, at: number, x: A | undefined, replace: boolean): Array<A> => {
  const skip = x === undefined || replace ? 1 : 0
  const out: Array<A> = new Array(xs.length - skip + (x === undefined ? 0 : 1))
  for (let i = 0; i < at; i++) out[i] = xs[i]!
  let n = at
  if (x !== undefined) out[n++] = x
  for (let i = at + skip; i < xs.length; i++) out[n++] = xs[i]!
  return out
}

const byString = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0)
// `sort`'s default order is by UTF-16 code units, as `<` compares strings: the same order as
// `byString`, about 1.5× faster without a comparator to call.
const sorted = <A extends string>(xs: Iterable<A>): Array<A> => Array.from(xs).sort()

const EMPTY_INTS = new Int32Array(0)
/** A (team, user) pair as one number: key number · PAIR_KEY + user number (exact below 2⁵³). */
const PAIR_KEY = 2 ** 32
const NO_KEYS: ReadonlyArray<string> = []

/** What an apply changed of the links: the teams and users whose link is new or different, and those gone. */
export interface LinksChange {
  readonly teams: ReadonlyArray<TeamLink>
  readonly removeTeams: ReadonlyArray<MondayTeamId>
  readonly users: ReadonlyArray<UserLink>
  readonly removeUsers: ReadonlyArray<OktaUserId>
}

/** A commit's result: the links and monday.com after the apply, and what changed of the links. */
export interface Committed {
  readonly links: Links
  readonly target: TargetSnapshot
  readonly change: LinksChange
}

/** A link a commit is working out. */
interface WorkLink {
  readonly teamId: string
  displayName: string
  groupIds: ReadonlyArray<string>
  readonly origin: "created" | "adopted"
  /** The managed members before the apply's operations. */
  readonly base: ReadonlyArray<string>
  /** Members the operations added (true) or removed (false); the last operation on a member wins. */
  ops: Map<string, boolean> | undefined
  /** The managed members as the reconcile worked them out (then `base` and `ops` are folded in already). */
  managed: ReadonlyArray<string> | undefined
  groupMembers: Readonly<Record<string, number>> | undefined
  /** The link before the apply (undefined: made by it). */
  readonly before: TeamLink | undefined
}

const NO_IDS: ReadonlyArray<string> = []
const NO_CREATED: ReadonlyMap<string, MondayUserId> = new Map()

/** What a commit did to monday.com in place (see `applyToTarget`). */
interface AppliedTarget {
  readonly edits: ReadonlyMap<string, TeamEdit>
  readonly teamsBefore: ReadonlyMap<string, MondayTeam | undefined>
  readonly teamsAfter: ReadonlyMap<string, MondayTeam | undefined>
  readonly users: ReadonlyMap<string, MondayUser>
}

const workLink = (l: TeamLink): WorkLink => ({
  teamId: l.teamId,
  displayName: l.displayName,
  groupIds: l.groupIds,
  origin: l.origin,
  base: l.managedMembers,
  ops: undefined,
  managed: undefined,
  groupMembers: l.groupMembers,
  before: l
})

const adoptedLink = (teamId: string, displayName: string): WorkLink => ({
  teamId,
  displayName,
  groupIds: [],
  origin: "adopted",
  base: NO_IDS,
  ops: undefined,
  managed: undefined,
  groupMembers: undefined,
  before: undefined
})

/** The link a commit worked out, in `reconcileLinks` form (ids sorted, each once). `normalize`: its base may not be. */
const toTeamLink = (w: WorkLink, normalize: boolean): TeamLink => {
  let managed = w.managed
  if (managed === undefined) {
    if (w.ops === undefined && !normalize) managed = w.base
    else {
      const set = new Set(w.base)
      for (const [m, present] of w.ops ?? []) {
        if (present) set.add(m)
        else set.delete(m)
      }
      managed = sorted(set)
    }
  }
  const counts = w.groupMembers
  return new TeamLink(
    {
      teamId: w.teamId as MondayTeamId,
      displayName: w.displayName,
      groupIds: sorted(new Set(w.groupIds)) as Array<OktaGroupId>,
      origin: w.origin,
      managedMembers: managed as Array<MondayUserId>,
      ...(counts === undefined ? {} : { groupMembers: sortedRecord(counts) })
    },
    true
  )
}

/** The same record with its keys in order, so links encode the same bytes every time. */
export const sortedRecord = (r: Readonly<Record<string, number>>): Record<string, number> => {
  const out: Record<string, number> = {}
  for (const k of sorted(Object.keys(r))) out[k] = r[k]!
  return out
}

const sameList = (a: ReadonlyArray<string>, b: ReadonlyArray<string>): boolean => {
  if (a.length !== b.length) return false
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false
  return true
}

const sameSet = (a: ReadonlyArray<string>, b: ReadonlyArray<string>): boolean => {
  if (a.length !== b.length) return false
  if (sameList(a, b)) return true
  const s = new Set(a)
  return s.size === new Set(b).size && b.every((x) => s.has(x))
}

/** Equal per-group member counts; absent equals only absent. */
type Counts = Readonly<Record<string, number>> | undefined

const sameCounts = (a: Counts, b: Counts): boolean => {
  if (a === undefined || b === undefined) return a === b
  const keys = Object.keys(a)
  return keys.length === Object.keys(b).length && keys.every((k) => a[k] === b[k])
}

/** Index of the first element of sorted `xs` not less than `x`. */
const lowerBound = (xs: ReadonlyArray<string>, x: string): number => {
  let lo = 0
  let hi = xs.length
  while (lo < hi) {
    const mid = (lo + hi) >>> 1
    if (xs[mid]! < x) lo = mid + 1
    else hi = mid
  }
  return lo
}

/**
 * Sorted ids with some added (true) and some removed (false): found by binary search and copied
 * around, O(n) copying plus O(changes · log n) comparisons.
 */
const withChanges = (xs: ReadonlyArray<string>, changes: ReadonlyMap<string, boolean>): Array<string> => {
  const at: Array<{ readonly i: number; readonly id: string; readonly add: boolean }> = []
  for (const [id, add] of changes) {
    const i = lowerBound(xs, id)
    const present = i < xs.length && xs[i] === id
    if (add !== present) at.push({ i, id, add })
  }
  at.sort((a, b) => a.i - b.i || byString(a.id, b.id))
  const out: Array<string> = new Array(xs.length + at.reduce((n, c) => n + (c.add ? 1 : -1), 0))
  let k = 0
  let from = 0
  for (const c of at) {
    for (let i = from; i < c.i; i++) out[k++] = xs[i]!
    if (c.add) {
      out[k++] = c.id
      from = c.i
    } else from = c.i + 1
  }
  for (let i = from; i < xs.length; i++) out[k++] = xs[i]!
  return out
}

/** Whether two links say the same (as the engine's `linksChange` compares them). */
const sameTeamLink = (a: TeamLink, b: TeamLink): boolean =>
  a.displayName === b.displayName && a.origin === b.origin && sameSet(a.groupIds, b.groupIds) &&
  sameSet(a.managedMembers, b.managedMembers) && sameCounts(a.groupMembers, b.groupMembers)

/** `sameTeamLink` but for the managed members, of links whose lists are in order. */
const sameFields = (a: TeamLink, b: TeamLink): boolean =>
  a.displayName === b.displayName && a.origin === b.origin && sameList(a.groupIds, b.groupIds) &&
  sameCounts(a.groupMembers, b.groupMembers)

/** Whether a link's recorded counts are these, group by group. */
const sameCountList = (
  recorded: Readonly<Record<string, number>> | undefined,
  groupIds: ReadonlyArray<string>,
  counts: ReadonlyArray<number>
): boolean => {
  if (recorded === undefined || Object.keys(recorded).length !== groupIds.length) return false
  for (let i = 0; i < groupIds.length; i++) if (recorded[groupIds[i]!] !== counts[i]) return false
  return true
}

export class PlannerState {
  readonly rules: CompiledRules
  readonly source: SourceIndex
  target!: TargetIndex
  links!: LinkIndex
  /** Selected group → its desired team's key. */
  readonly groupKey = new Map<string, string>()
  /** Keys numbered, and each group's key number by group number (-1: none), for integer-only membership checks. */
  private readonly keyNumber = new Map<string, number>()
  private readonly groupKeyNumber: Array<number> = []
  /**
   * Each desired team by key: the groups that feed it and what is kept of it between plans (one
   * lookup for all of it, and by key number for the pairs a batch changes).
   */
  readonly keyGroups = new Map<string, KeyRecord>()
  private readonly records: Array<KeyRecord | undefined> = []
  /** Groups a mapping selects but whose team name template renders empty → that mapping's index. */
  private readonly unnamed = new Map<string, number>()
  /** Desired team names by their lower case, for names that collide in monday.com (built on demand). */
  private caseIndex: Map<string, Array<string>> | undefined = undefined

  /** Keeps the case index (once built) in step as desired keys come and go, in O(1) each. */
  private caseIndexAdd(key: string): void {
    if (this.caseIndex === undefined) return
    const lower = key.toLowerCase()
    const list = this.caseIndex.get(lower)
    if (list === undefined) this.caseIndex.set(lower, [key])
    else list.push(key)
  }

  private caseIndexRemove(key: string): void {
    const list = this.caseIndex?.get(key.toLowerCase())
    if (list === undefined) return
    const i = list.indexOf(key)
    if (i >= 0) list.splice(i, 1)
    if (list.length === 0) this.caseIndex!.delete(key.toLowerCase())
  }

  /** The other desired names equal to `key` but for letter case. */
  private caseTwins(key: string): ReadonlyArray<string> {
    const list = this.sameButCase(key)
    return list.length < 2 ? NO_KEYS : sorted(list.filter((k) => k !== key))
  }

  /** Every desired name equal to `key` but for letter case (`key` too, if desired). */
  private sameButCase(key: string): ReadonlyArray<string> {
    if (this.caseIndex === undefined) {
      const index = new Map<string, Array<string>>()
      for (const k of this.keyGroups.keys()) {
        const lower = k.toLowerCase()
        const list = index.get(lower)
        if (list === undefined) index.set(lower, [k])
        else list.push(k)
      }
      this.caseIndex = index
    }
    return this.caseIndex.get(key.toLowerCase()) ?? NO_KEYS
  }
  /**
   * Resolution of each user, by user number; undefined until asked for (or after a change). Kept
   * dense: users are resolved in no order, and writes past the end would turn it into a slow
   * dictionary array.
   */
  private resolutions: Array<Resolution | undefined> = []
  /**
   * What building a team reads of each resolution, by user number, in typed arrays (cheaper to
   * reach than the objects when a million memberships are visited in no order): 0 unresolved,
   * 1 excluded, 2 ready, 3 not ready; and the monday.com number (-1: none).
   */
  private standing = new Int8Array(0)
  private standingMonday = new Int32Array(0)
  /**
   * The Okta users whose resolution maps to each monday.com user: one in `revHead` (-1: none),
   * any further ones (two Okta users with one email) in `revMore`. Kept for resolved users only.
   */
  private revHead = new Int32Array(0)
  private readonly revMore = new Map<number, Array<number>>()
  /** How many desired teams have a kept state (see `KeyRecord.state`). */
  private statesKept = 0
  /** Each link's managed members as sorted numbers (those the target knows). */
  private readonly managedRanks = new Map<TeamLink, Int32Array>()
  private readonly managedAsked = new Map<TeamLink, number>()
  private readonly build = new BuildScratch()
  /** The user lifecycle, compiled; undefined when the config leaves it off (teams only). */
  readonly users: CompiledUsers | undefined
  /** Placeholders a resolution asked for that the target index doesn't number yet. */
  private readonly missingPlaceholders = new Set<string>()
  /**
   * What the whole org would remove now, for the run-wide removal limit, so a plan of a few
   * touched teams compares the same total with the limit as a full plan: each desired team's
   * removals as last drafted (none for a team held whole), each link's pending deletion, the
   * users whose decision deactivates them, and the unexplained users the last full plan would
   * deactivate. A full plan refills it; a touched plan updates the teams and links it plans, and
   * fills whatever is missing first (after `setTarget` or `setLinks`, that is every team).
   */
  private runTeamTotal = 0
  private readonly runDeletes = new Map<TeamLink, DeleteDraft>()
  private runUnexplained: ReadonlyArray<DeactivateUser> = []
  private runComplete = false
  /** Users (by number) whose lifecycle decision deactivates them, kept with their resolutions. */
  private readonly deactivating = new Map<number, DeactivateUser>()
  /**
   * What a commit must work out again of the ledger above, when it is otherwise complete: keys and
   * links whose drafts or deletions the commit changed, and the unexplained users (only when the
   * lifecycle deactivates them: O(users) then).
   */
  private readonly runStaleKeys = new Set<string>()
  private readonly runStaleLinks = new Set<TeamLink>()
  private runUnexplainedStale = false
  /**
   * Whether the next commit reconciles every team's link and every user link (as `reconcileLinks`
   * does), rather than those changed since the last commit: after `make`, `setTarget`, `setLinks`.
   */
  private reconcileAll = true
  /**
   * Keys whose links a commit must work out again: touched by deltas or by a commit since the last,
   * or held by a plan's blocker then. The links of every other key are what a commit would make them.
   */
  private readonly unsettled = new Set<string>()
  /** Okta users (by number) whose user link a commit must look at again: changed by deltas since the last. */
  private readonly unmatched = new Set<number>()
  /** Links whose managed members are all members of their team (then a commit tells an unchanged link in O(1)). */
  private withinTeam = new Set<TeamLink>()

  constructor(input: PlanInput) {
    this.rules = compileRules(input.rules)
    this.users = input.rules.users !== undefined && usersEnabled(input.rules) ? compileUsers(input.rules.users) : undefined
    this.source = SourceIndex.fromSnapshot(input.source)
    this.target = new TargetIndex(input.target)
    this.links = new LinkIndex(input.links)
    this.forgetResolutions()
    this.prepareUsers()
    for (const g of this.source.groups.keys()) this.recomputeGroup(g)
  }

  setTarget(target: TargetSnapshot): void {
    this.target = new TargetIndex(target)
    this.reconcileAll = true
    this.forgetResolutions()
    this.prepareUsers()
  }

  setLinks(links: Links): void {
    this.links = new LinkIndex(links)
    this.reconcileAll = true
    this.forgetResolutions()
    this.prepareUsers()
  }

  /**
   * Every Okta user the lifecycle may act on (source users, app assignments, user links), numbered,
   * and resolved; then the placeholders of the users to create are numbered in the target. O(users).
   */
  private prepareUsers(): void {
    if (this.users === undefined) return
    for (const a of this.source.assignments.keys()) this.source.indexOfUser(a)
    for (const l of this.links.users.keys()) this.source.indexOfUser(l)
    if (this.users.config.provision) {
      // Every Okta user without a monday.com user gets a placeholder number now, so a delta that
      // makes one creatable (assigned, activated) needs no renumbering: only users new to the
      // planner do.
      const extra = new Set(this.target.extraIds)
      const before = extra.size
      for (const id of this.source.userIds) {
        if (this.mondayUserFor(id) === undefined) extra.add(newUserPlaceholder(id))
      }
      if (extra.size > before) {
        this.target = new TargetIndex(this.target.snapshot, extra)
        this.forgetResolutions()
      }
    }
    for (let u = 0; u < this.source.userIds.length; u++) this.resolve(u)
    this.numberPlaceholders()
  }

  /** Renumbers the target with the placeholders resolutions asked for (then resolves again). */
  private numberPlaceholders(): void {
    if (this.missingPlaceholders.size === 0) return
    const extra = new Set(this.target.extraIds)
    for (const p of this.missingPlaceholders) extra.add(p)
    this.missingPlaceholders.clear()
    this.target = new TargetIndex(this.target.snapshot, extra)
    this.forgetResolutions()
    for (let u = 0; u < this.source.userIds.length; u++) this.resolve(u)
  }

  /** Every resolution, team state and cached number depends on the target and the links. */
  private forgetResolutions(): void {
    this.resolutions = new Array<Resolution | undefined>(this.source.userIds.length).fill(undefined)
    this.standing.fill(0)
    this.deactivating.clear()
    for (const r of this.keyGroups.values()) {
      r.run = undefined
      r.state = undefined
      r.match = undefined
    }
    this.statesKept = 0
    this.runTeamTotal = 0
    this.runDeletes.clear()
    this.runUnexplained = []
    this.runComplete = false
    this.runStaleKeys.clear()
    this.runStaleLinks.clear()
    this.runUnexplainedStale = false
    this.lastScope = undefined
    this.revHead = new Int32Array(this.target.mondayIds.length).fill(-1)
    this.revMore.clear()
    this.managedRanks.clear()
    this.managedAsked.clear()
  }

  targetFingerprint(): string {
    return this.target.fingerprint()
  }

  /** Re-selects one group after it was created, renamed, deleted, assigned or unassigned. */
  recomputeGroup(groupId: string): void {
    const old = this.groupKey.get(groupId)
    const group = this.source.groups.get(groupId)
    const selected = group === undefined ? undefined : this.rules.selectGroup(group, this.source.assignedGroups.has(groupId))
    const sel = selected?.key === "" ? undefined : selected
    if (selected !== undefined && selected.key === "") this.unnamed.set(groupId, selected.mapping)
    else this.unnamed.delete(groupId)
    if (old === sel?.key) return
    if (old !== undefined) {
      const record = this.keyGroups.get(old)!
      record.groups.delete(groupId)
      record.list = undefined
      if (record.groups.size === 0) {
        // The team is no longer desired: what was kept of it goes (its removals leave the ledger).
        this.setRunTeam(record, undefined)
        this.setState(record, undefined)
        this.keyGroups.delete(old)
        this.records[record.number] = undefined
        this.caseIndexRemove(old)
      }
      this.groupKey.delete(groupId)
      this.groupKeyNumber[this.source.numberOfGroup(groupId)] = -1
    }
    if (sel !== undefined) {
      this.groupKey.set(groupId, sel.key)
      let k = this.keyNumber.get(sel.key)
      if (k === undefined) {
        this.keyNumber.set(sel.key, (k = this.keyNumber.size))
      }
      const g = this.source.numberOfGroup(groupId)
      while (this.groupKeyNumber.length < g) this.groupKeyNumber.push(-1)
      this.groupKeyNumber[g] = k
      let record = this.keyGroups.get(sel.key)
      if (record === undefined) {
        record = { key: sel.key, number: k, groups: new Set(), list: undefined, match: undefined, state: undefined, run: undefined }
        this.keyGroups.set(sel.key, record)
        while (this.records.length < k) this.records.push(undefined)
        this.records[k] = record
        this.caseIndexAdd(sel.key)
      }
      record.groups.add(groupId)
      record.list = undefined
    }
    this.recheckIrregular(groupId)
  }

  /**
   * Applies a batch of deltas: the source changes in place, changed users are resolved again,
   * teams that gained or lost a group are rebuilt when next planned, and every other kept team
   * state is updated for each (team, user) pair the batch changed, in O(1) per pair plus the
   * user's groups. Returns the groups touched and the keys that gained or lost a group.
   */
  applyDeltas(
    deltas: ReadonlyArray<Delta>
  ): { readonly groupIds: Array<string>; readonly keys: Array<string>; readonly userIds: Array<string> } {
    const effects = emptyEffects()
    const usersBefore = this.source.userIds.length
    // How every user the batch changes stands before it (resolved now if not yet, so the teams a
    // batch touches don't depend on what this planner happened to resolve before).
    const resolveBefore = (id: string | undefined) => {
      const u = id === undefined ? undefined : this.source.userIndex.get(id)
      if (u !== undefined) this.resolve(u)
    }
    for (const d of deltas) {
      if (d._tag === "UserStatusChanged" || d._tag === "UserUnassigned") resolveBefore(d.userId)
      else if (d._tag === "UserAssigned") {
        resolveBefore(d.assignment.userId)
        resolveBefore(d.user?.id)
      } else if (d._tag === "UserUpdated" || d._tag === "MemberAdded") resolveBefore(d.user?.id)
    }
    for (const d of deltas) this.source.apply(d, effects)
    // Each changed user's resolution before the batch (undefined: new to the source).
    const was = new Map<number, Resolution | undefined>()
    for (const u of effects.users) {
      was.set(u, this.resolutions[u])
      this.forget(u)
    }
    const keys = new Set<string>()
    // A group that was a team of its own and now is a new team of its own (the usual rename) takes
    // its kept state along: the same members, against the same monday.com team (checked when
    // planned), so the renamed team is not built again from its members.
    // (Looked at before any group moves: a state is of its key's groups as they were.)
    const alone = new Map<string, TeamState>()
    for (const g of effects.structural) {
      const key = this.groupKey.get(g)
      const record = key === undefined ? undefined : this.keyGroups.get(key)
      if (record?.state !== undefined && record.groups.size === 1) alone.set(g, record.state)
    }
    for (const g of effects.structural) {
      const old = this.groupKey.get(g)
      if (old !== undefined) keys.add(old)
      this.recomputeGroup(g)
      const now = this.groupKey.get(g)
      if (now !== undefined) keys.add(now)
    }
    // (A key that lost its last group went with its kept state: see `recomputeGroup`.)
    for (const k of keys) {
      const record = this.keyGroups.get(k)
      if (record === undefined) continue
      // One group that came with its state keeps it; any other key is built again.
      const [group] = record.groups
      this.setState(record, record.groups.size === 1 ? alone.get(group!) : undefined)
    }
    // A group that changed team changes the matches of every team around it: the same keys a
    // touched plan would plan for it.
    if (effects.structural.size > 0) {
      const around = this.scope(effects.structural, keys)
      for (const k of keys) this.forgetMatch(k)
      for (const k of around.keys) this.forgetMatch(k)
      for (const l of around.links) this.forgetMatch(l.displayName)
    }
    // A changed user touches the teams of every group they are in, unless they stand in them as
    // before (a profile change that leaves email, status, assignment and monday.com user alone):
    // those teams would plan exactly as they did.
    // The (user, group number) pairs of the users that moved, for the team states below.
    const movedUsers: Array<number> = []
    const movedGroups: Array<number> = []
    for (const u of effects.users) {
      const r = this.resolve(u)
      if (sameStanding(was.get(u), r)) continue
      const from = movedGroups.length
      this.source.touchUserGroups(u, effects, movedGroups)
      for (let i = from; i < movedGroups.length; i++) movedUsers.push(u)
    }
    // With the lifecycle on every user has a decision (the run-wide limit counts its deactivation).
    if (this.users !== undefined) for (let u = usersBefore; u < this.source.userIds.length; u++) this.resolve(u)
    // A user to create that the target doesn't number yet: renumber (team states are rebuilt).
    this.numberPlaceholders()
    if (this.statesKept > 0) {
      // Every user a pair names is resolved first, so the reverse index is whole when pairs are updated.
      for (const u of effects.memberUsers) if (this.resolutions[u] === undefined) this.resolve(u)
      // Each (team, user) pair the batch may have changed, updated once after the whole batch: as
      // one number each (key number · 2³² + user number), sorted so a pair noted twice is seen
      // once. Cheaper than a set of users per team, which the collector would sweep every batch.
      const pairs: Array<number> = []
      // By group number: a key number lookup each, no string hashing (a group no mapping selects,
      // or numbered since the last selection, has none).
      const note = (g: number, u: number) => {
        const kn = this.groupKeyNumber[g]
        if (kn !== undefined && kn >= 0) pairs.push(kn * PAIR_KEY + u)
      }
      for (let i = 0; i < effects.memberGroups.length; i++) {
        note(this.source.numberOfGroup(effects.memberGroups[i]!), effects.memberUsers[i]!)
      }
      for (let i = 0; i < movedGroups.length; i++) note(movedGroups[i]!, movedUsers[i]!)
      const sortedPairs = Float64Array.from(pairs).sort()
      let state: TeamState | undefined = undefined
      let stateKey = -1
      for (let i = 0; i < sortedPairs.length; i++) {
        const pair = sortedPairs[i]!
        if (i > 0 && pair === sortedPairs[i - 1]) continue
        const kn = Math.floor(pair / PAIR_KEY)
        const u = pair - kn * PAIR_KEY
        if (kn !== stateKey) {
          state = this.records[kn]?.state
          stateKey = kn
        }
        // Teams not planned since the target or links changed have no state to keep in step.
        if (state !== undefined) this.updatePair(state, kn, u, was.get(u)?.mondayIdx ?? -1, was.has(u))
      }
    }
    const groupIds = sorted(effects.groups)
    const keyList = sorted(keys)
    this.lastScope = undefined
    if (!this.reconcileAll) {
      // What the next commit reconciles: the teams a touched plan plans (kept for that plan), and
      // the users that changed.
      const scope = this.scope(groupIds, keyList, this.deletes())
      this.lastScope = { groupIds, keys: keyList, scope }
      for (const k of scope.keys) this.unsettled.add(k)
      for (const u of effects.users) this.unmatched.add(u)
      for (let u = usersBefore; u < this.source.userIds.length; u++) this.unmatched.add(u)
    }
    const userIds: Array<string> = []
    for (const u of effects.users) userIds.push(this.source.userIds[u]!)
    return { groupIds, keys: keyList, userIds: sorted(userIds) }
  }

  /**
   * Brings one team's state in step for one Okta user (who may have joined, left, or changed).
   * `resolved`: whether the user's resolution was worked out again (by this batch or commit).
   */
  private updatePair(state: TeamState, key: number, u: number, mondayBefore: number, resolved: boolean): void {
    const inTeam = this.source.inKey(u, key, this.groupKeyNumber)
    const r = this.resolve(u)
    // A team's not-ready list holds exactly its members whose resolution is not ready: a user whose
    // resolution stayed ready is not in it and doesn't join it. Skipping them skips the search of
    // the list (string compares over scattered objects) for most pairs.
    if (resolved || r.notReady !== undefined) this.updateNotReady(state, u, inTeam, r)
    if (mondayBefore >= 0 && mondayBefore !== r.mondayIdx) this.refreshMonday(state, key, mondayBefore, u, inTeam)
    if (r.mondayIdx >= 0) this.refreshMonday(state, key, r.mondayIdx, u, inTeam)
  }

  /** Puts a user in a team's not-ready list, or takes them out, as their resolution and membership say. */
  private updateNotReady(state: TeamState, u: number, inTeam: boolean, r: Resolution): void {
    let users = state.notReadyUsers
    let keys = state.notReadyKeys
    const n = state.notReady.length
    const userIds = this.source.userIds
    const id = userIds[u]!
    const key = orderKey(id)
    let at = 0
    let hi = n
    while (at < hi) {
      const mid = (at + hi) >>> 1
      if (keys[mid]! < key) at = mid + 1
      else hi = mid
    }
    // Among equal keys (ids alike in their first 8 characters): the user, or where their id sorts.
    let found = false
    while (at < n && keys[at] === key) {
      if (users[at] === u) {
        found = true
        break
      }
      if (userIds[users[at]!]! > id) break
      at++
    }
    const list = state.notReady
    const change = inTeam && r.notReady !== undefined ? (found && list[at] === r.notReady ? "none" : "put") : found ? "drop" : "none"
    if (change === "none") return
    const item = change === "drop" ? undefined : r.notReady!
    if (state.notReadyShared) {
      // An earlier plan holds this list: it keeps what it showed, the state takes an edited copy.
      state.notReady = editedCopy(list, at, item, found)
      state.notReadyShared = false
    } else if (item === undefined) removeAt(list, at)
    else if (found) list[at] = item
    else insertAt(list, at, item)
    if (item === undefined) {
      users.copyWithin(at, at + 1, n)
      keys.copyWithin(at, at + 1, n)
    } else if (!found) {
      if (n === users.length) {
        // Full: twice the room (typed arrays keep the numbers out of the collector's way).
        const grownUsers = new Int32Array(2 * n + 8)
        const grownKeys = new Float64Array(2 * n + 8)
        grownUsers.set(users)
        grownKeys.set(keys)
        state.notReadyUsers = users = grownUsers
        state.notReadyKeys = keys = grownKeys
      }
      users.copyWithin(at + 1, at, n)
      users[at] = u
      keys.copyWithin(at + 1, at, n)
      keys[at] = key
    }
  }

  /** Whether monday.com user `m` is an add or a removal candidate of a team, from the Okta users mapping to it. */
  private refreshMonday(state: TeamState, key: number, m: number, u: number, uInTeam: boolean): void {
    let desired = false
    let ready = false
    // The Okta users mapping to `m`: the head, then any more (no closure: this runs per pair).
    const head = this.revHead[m]!
    // (Two Okta users with one email are rare: most orgs have none, and no lookup is made.)
    const more = this.revMore.size === 0 ? undefined : this.revMore.get(m)
    const n = head < 0 ? 0 : 1 + (more?.length ?? 0)
    for (let i = 0; i < n; i++) {
      const v = i === 0 ? head : more![i - 1]!
      if (!(v === u ? uInTeam : this.source.inKey(v, key, this.groupKeyNumber))) continue
      desired = true
      if (this.standing[v] === 2) ready = true
    }
    const members = (state.current ??= state.team === undefined ? EMPTY_INTS : this.target.members(state.team))
    const current = search(members, members.length, m) >= 0
    if (ready && !current) state.adds.add(m)
    else state.adds.delete(m)
    if (current && !desired) {
      if (state.cands.add(m) && state.removals !== state.cands && state.link !== undefined) {
        if (this.isManaged(state.link, m)) state.removals.add(m)
      }
    } else if (state.cands.delete(m) && state.removals !== state.cands) state.removals.delete(m)
  }

  /** Drops a user's resolution (after a change); returns the monday.com number it mapped to (-1: none). */
  private forget(u: number): number {
    const r = this.resolutions[u]
    if (r === undefined) return -1
    this.resolutions[u] = undefined
    this.standing[u] = 0
    this.deactivating.delete(u)
    const m = r.mondayIdx
    if (m >= 0) {
      const more = this.revMore.get(m)
      if (this.revHead[m] === u) this.revHead[m] = more?.pop() ?? -1
      else if (more !== undefined && more.includes(u)) more.splice(more.indexOf(u), 1)
      if (more !== undefined && more.length === 0) this.revMore.delete(m)
    }
    return m
  }

  /**
   * The monday.com user an Okta user maps to: the user link by Okta id when its monday.com user
   * still exists (kept when the email changed), else the user whose userName is the lowercased email.
   */
  mondayUserFor(oktaUserId: string): MondayUser | undefined {
    const n = this.mondayNumberFor(oktaUserId, this.source.users.get(oktaUserId))
    return n < 0 ? undefined : this.target.userOfNumber(n)
  }

  /** `mondayUserFor` as the target's first-seen number (-1: none), for a user already looked up. */
  private mondayNumberFor(oktaUserId: string, user: OktaUser | undefined): number {
    const link = this.links.users.get(oktaUserId)
    if (link !== undefined) {
      const linked = this.target.userNumber(link.mondayUserId)
      if (linked >= 0) return linked
    }
    return user === undefined ? -1 : this.target.userNumberByName(user.email.toLowerCase())
  }

  resolve(u: number): Resolution {
    let r = this.resolutions[u]
    if (r !== undefined) return r
    const userId = this.source.userIds[u]!
    const user = this.source.users.at(u)
    if (this.rules.isUserExcluded(user, userId)) {
      r = EXCLUDED
    } else {
      const mondayNumber = this.mondayNumberFor(userId, user)
      const monday = mondayNumber < 0 ? undefined : this.target.userOfNumber(mondayNumber)
      let notReady: BlockedUser | undefined = undefined
      const email = user?.email ?? ""
      const assignment = this.source.assignments.get(userId)
      const decision = this.users === undefined
        ? undefined
        : decideUser(this.users, { oktaUserId: userId, user, assignment, monday })
      // With provisioning on the engine is the provisioner: an assignment Okta has not provisioned
      // yet (PENDING, STAGED) is one the engine provisions, so it doesn't hold the user back.
      const provisioning = this.users?.config.provision === true
      let mondayId = monday?.id as string | undefined
      // Checked in this order so the reason names what an admin must fix first.
      if (user === undefined) {
        notReady = { oktaUserId: userId as BlockedUser["oktaUserId"], email, reason: "inactive-in-okta", detail: "not found in Okta" }
      } else if (!ACTIVE_USER_STATUSES.has(user.status)) {
        notReady = { oktaUserId: user.id, email, reason: "inactive-in-okta", detail: user.status }
      } else if (assignment === undefined || UNASSIGNED_STATUSES.has(assignment.status)) {
        notReady = assignment === undefined
          ? { oktaUserId: user.id, email, reason: "not-assigned" }
          : { oktaUserId: user.id, email, reason: "not-assigned", detail: assignment.status }
      } else if (!READY_ASSIGNMENT_STATUSES.has(assignment.status) && !provisioning) {
        // Assigned, not provisioned yet (PENDING, STAGED, …).
        notReady = { oktaUserId: user.id, email, reason: "not-provisioned", detail: assignment.status }
      } else if (monday === undefined) {
        if (decision?.readyAs !== undefined) mondayId = decision.readyAs
        else {
          notReady = { oktaUserId: user.id, email, reason: "not-provisioned", detail: decision?.notProvisioned ?? assignment.status }
        }
      } else if (!monday.active && decision?.readyAs !== monday.id) {
        notReady = { oktaUserId: user.id, email, reason: "deactivated-in-monday" }
      }
      let mondayIdx = mondayId === undefined
        ? -1
        : mondayId === monday?.id
        ? this.target.rankOfNumber(mondayNumber)
        : this.target.indexOf(mondayId)
      if (mondayId !== undefined && mondayIdx < 0 && placeholderOktaUserId(mondayId) !== undefined) {
        // Numbered by `numberPlaceholders` before any plan; until then the user counts as not provisioned.
        this.missingPlaceholders.add(mondayId)
        notReady = { oktaUserId: userId as BlockedUser["oktaUserId"], email, reason: "not-provisioned" }
        mondayId = undefined
        mondayIdx = -1
      }
      r = { excluded: false, mondayId, mondayIdx, notReady, decision }
      if (r.mondayIdx >= 0) {
        if (this.revHead[r.mondayIdx] === -1) this.revHead[r.mondayIdx] = u
        else {
          const more = this.revMore.get(r.mondayIdx)
          if (more === undefined) this.revMore.set(r.mondayIdx, [u])
          else more.push(u)
        }
      }
    }
    while (this.resolutions.length < u) this.resolutions.push(undefined)
    this.resolutions[u] = r
    if (u >= this.standing.length) {
      const size = Math.max(u + 1, this.source.userIds.length, this.standing.length + (this.standing.length >> 1))
      const standing = new Int8Array(size)
      standing.set(this.standing)
      this.standing = standing
      const monday = new Int32Array(size)
      monday.set(this.standingMonday)
      this.standingMonday = monday
    }
    this.standing[u] = r.excluded ? 1 : r.notReady === undefined ? 2 : 3
    this.standingMonday[u] = r.mondayIdx
    if (r.decision?.deactivate !== undefined) this.deactivating.set(u, r.decision.deactivate)
    return r
  }

  /**
   * The desired team a link belongs to: the one holding most of the link's groups, ties to the
   * smallest key. A link belongs to at most one desired team, so no two teams claim one monday.com team.
   */
  owner(link: TeamLink): { readonly key: string; readonly overlap: number } | undefined {
    // A link of one group (the usual case) belongs to that group's team: no counting, no garbage
    // (touched plans ask this of every link around their teams, twice).
    if (link.groupIds.length === 1) {
      const k = this.groupKey.get(link.groupIds[0]!)
      return k === undefined ? undefined : { key: k, overlap: 1 }
    }
    let best: string | undefined = undefined
    let bestCount = 0
    const counts = new Map<string, number>()
    for (const g of new Set(link.groupIds)) {
      const k = this.groupKey.get(g)
      if (k === undefined) continue
      const c = (counts.get(k) ?? 0) + 1
      counts.set(k, c)
      if (c > bestCount || (c === bestCount && best !== undefined && k < best)) {
        best = k
        bestCount = c
      }
    }
    return best === undefined ? undefined : { key: best, overlap: bestCount }
  }

  private unlinkedNamed(name: string): MondayTeam | undefined {
    let found: MondayTeam | undefined = undefined
    for (const t of this.target.teamsByName.get(name.toLowerCase()) ?? []) {
      if (this.links.byTeam.has(t.id)) continue
      if (found === undefined || t.id < found.id) found = t
    }
    return found
  }

  /**
   * Which monday.com team a desired team is: (1) the team of a link owning its groups (largest
   * overlap, ties by team id); (2) the team of an ownerless link with the same name; (3) an unlinked
   * team with the same name, adopted or refused by policy; (4) none: create it.
   */
  matchTeam(key: string): TeamMatch {
    const record = this.keyGroups.get(key)
    return record === undefined ? this.findMatch(key) : this.matchOf(record)
  }

  private matchOf(record: KeyRecord): TeamMatch {
    return record.match ??= this.findMatch(record.key)
  }

  /** Drops a desired team's kept match (nothing for a key not desired). */
  private forgetMatch(key: string): void {
    const record = this.keyGroups.get(key)
    if (record !== undefined) record.match = undefined
  }

  /** A desired team's groups, sorted (kept until they change). */
  private groupList(record: KeyRecord): ReadonlyArray<string> {
    return record.list ??= sorted(record.groups)
  }

  /** Keeps (or drops) a desired team's state, counting the states kept. */
  private setState(record: KeyRecord, state: TeamState | undefined): void {
    if (record.state !== undefined) this.statesKept--
    if (state !== undefined) this.statesKept++
    record.state = state
  }

  private findMatch(key: string): TeamMatch {
    const groups = this.keyGroups.get(key)?.groups ?? new Set<string>()
    let best: TeamLink | undefined = undefined
    let bestOverlap = 0
    const vanished: Array<TeamLink> = []
    const seen = new Set<TeamLink>()
    for (const g of groups) {
      for (const l of this.links.byGroup.get(g) ?? []) {
        if (seen.has(l)) continue
        seen.add(l)
        if (!this.target.teams.has(l.teamId)) {
          vanished.push(l)
          continue
        }
        const owner = this.owner(l)
        if (owner === undefined || owner.key !== key) continue
        if (owner.overlap > bestOverlap || (owner.overlap === bestOverlap && best !== undefined && l.teamId < best.teamId)) {
          best = l
          bestOverlap = owner.overlap
        }
      }
    }
    if (best === undefined) {
      for (const l of this.links.byName.get(key) ?? []) {
        if (!this.target.teams.has(l.teamId)) {
          if (!seen.has(l)) vanished.push(l)
          continue
        }
        if (this.owner(l) !== undefined) continue
        if (best === undefined || l.teamId < best.teamId) best = l
      }
    }
    if (best !== undefined) return { kind: "linked", team: this.target.teams.get(best.teamId)!, link: best }
    const existing = this.unlinkedNamed(key)
    if (existing !== undefined) {
      return this.rules.config.policies.existingTeam === "adopt"
        ? { kind: "adopt", team: existing }
        : { kind: "taken", team: existing }
    }
    return { kind: "create", vanished }
  }

  /** The monday.com team a match diffs against: none for a team to create (or one whose name is taken). */
  private static diffTeam(match: TeamMatch): MondayTeam | undefined {
    return match.kind === "linked" || match.kind === "adopt" ? match.team : undefined
  }

  /** Works a team's state out from its groups' members: O(team). */
  private buildState(
    groupIds: ReadonlyArray<string> | ReadonlySet<string>,
    match: TeamMatch,
    desired: Set<string> | undefined
  ): { readonly state: TeamState; readonly members: number; readonly ready: number } {
    const team = PlannerState.diffTeam(match)
    const link = match.kind === "linked" ? match.link : undefined
    const b = this.build
    const multi = "size" in groupIds ? groupIds.size > 1 : groupIds.length > 1
    b.begin(this.source.userIds.length, this.target.mondayIds.length, multi, desired)
    for (const g of groupIds) {
      const m = this.source.members.get(g)
      if (m === undefined) continue
      const { base, removed } = m
      if (removed === undefined) for (let i = 0; i < base.length; i++) this.visit(base[i]!)
      else for (let i = 0; i < base.length; i++) if (!removed.has(base[i]!)) this.visit(base[i]!)
      if (m.added !== undefined) for (const u of m.added) this.visit(u)
    }
    const notReadyUsers = b.notReady
    const userIds = this.source.userIds
    if (notReadyUsers.length > 1) notReadyUsers.sort((x, y) => byString(userIds[x]!, userIds[y]!))
    const notReady: Array<BlockedUser> = new Array(notReadyUsers.length)
    const notReadyKeys = new Float64Array(notReadyUsers.length)
    for (let i = 0; i < notReady.length; i++) {
      notReady[i] = this.resolutions[notReadyUsers[i]!]!.notReady!
      notReadyKeys[i] = orderKey(userIds[notReadyUsers[i]!]!)
    }
    // The members as listed (unsorted, maybe repeated): a full plan never needs them sorted.
    const current = team === undefined ? EMPTY_INTS : this.target.listed(team)
    const gen = b.gen
    const desiredMark = b.desiredMark
    const readyMark = b.readyMark
    // Current members are marked in readyMark with -gen: ready ones not marked so are adds.
    // Removal candidates are current members no group wants any more (desired-but-not-ready ones are wanted).
    let currentCount = 0
    const candList: Array<number> = []
    for (let i = 0; i < current.length; i++) {
      const m = current[i]!
      if (readyMark[m] === -gen) continue
      readyMark[m] = -gen
      currentCount++
      if (desiredMark[m] !== gen) candList.push(m)
    }
    const adds = new Int32Array(b.readyCount)
    let n = 0
    for (let i = 0; i < b.readyCount; i++) {
      const m = b.ready[i]!
      if (readyMark[m] !== -gen) adds[n++] = m
    }
    const cands = Int32Array.from(candList).sort()
    b.notReady = []
    const candSet = SortedInts.of(cands)
    return {
      state: {
        teamId: team?.id,
        team,
        currentCount,
        current: undefined,
        adds: SortedInts.of(n < adds.length ? adds.slice(0, n).sort() : adds.sort()),
        cands: candSet,
        removals: this.rules.config.policies.handAddedMembers === "remove" ? candSet : SortedInts.of(this.managedAmong(cands, link)),
        link,
        notReady,
        notReadyUsers: Int32Array.from(notReadyUsers),
        notReadyKeys,
        notReadyShared: false,
        skipped: undefined
      },
      members: b.members,
      ready: b.readyCount
    }
  }

  /**
   * The candidates (sorted numbers) that are among a link's managed members. Scans the managed
   * list against the few candidates rather than indexing every managed member.
   */
  private managedAmong(cands: Int32Array, link: TeamLink | undefined): Int32Array {
    if (cands.length === 0 || link === undefined) return EMPTY_INTS
    const cached = this.managedRanks.get(link)
    const ids = this.target.mondayIds
    const out: Array<number> = []
    if (this.links.updatable) {
      for (let i = 0; i < cands.length; i++) if (this.isManaged(link, cands[i]!)) out.push(cands[i]!)
      return Int32Array.from(out)
    }
    if (cached === undefined && cands.length <= 4) {
      // A few candidates (the usual case): scanning the list beats hashing every managed member.
      const managed = link.managedMembers
      for (let i = 0; i < cands.length; i++) if (managed.includes(ids[cands[i]!]! as MondayUserId)) out.push(cands[i]!)
      return Int32Array.from(out)
    }
    if (cached !== undefined) {
      for (let i = 0; i < cands.length; i++) if (search(cached, cached.length, cands[i]!) >= 0) out.push(cands[i]!)
    } else {
      const byId = new Map<string, number>()
      for (let i = 0; i < cands.length; i++) byId.set(ids[cands[i]!]!, cands[i]!)
      for (const id of link.managedMembers) {
        const m = byId.get(id)
        if (m !== undefined) {
          out.push(m)
          byId.delete(id)
        }
      }
    }
    return Int32Array.from(out).sort()
  }

  /** One Okta member of the team being built (see `buildState`). */
  private visit(u: number): void {
    const b = this.build
    if (b.multi) {
      if (b.userSeen[u] === b.gen) return
      b.userSeen[u] = b.gen
    }
    let standing = u < this.standing.length ? this.standing[u]! : 0
    if (standing === 0) {
      this.resolve(u)
      standing = this.standing[u]!
    }
    if (standing === 1) return
    b.members++
    const mi = this.standingMonday[u]!
    if (mi >= 0) {
      b.desiredMark[mi] = b.gen
      if (b.desired !== undefined) b.desired.add(this.target.mondayIds[mi]!)
    }
    if (standing === 3) b.notReady.push(u)
    else if (b.readyMark[mi] !== b.gen) {
      b.readyMark[mi] = b.gen
      b.ready[b.readyCount++] = mi
    }
  }

  /** A team's kept state, built when missing or made against another monday.com team. */
  private stateFor(record: KeyRecord, match: TeamMatch): TeamState {
    const kept = record.state
    if (kept !== undefined && kept.teamId === PlannerState.diffTeam(match)?.id) return kept
    const { state } = this.buildState(record.groups, match, undefined)
    this.setState(record, state)
    return state
  }

  /** A team planned from scratch, with its member figures (the preflight report, link bookkeeping). */
  planTeam(key: string, approvals: ReadonlySet<string>, collectDesired = false): TeamReport {
    const record = this.keyGroups.get(key)
    const groupIds = record === undefined ? NO_KEYS : this.groupList(record)
    const match = this.matchTeam(key)
    const desired = new Set<string>()
    const built = this.buildState(groupIds, match, collectDesired ? desired : undefined)
    return { ...this.draft(key, groupIds, match, built.state, approvals), members: built.members, ready: built.ready, desired }
  }

  /** A team's operations and blockers from its state: O(its adds, candidates and not-ready members). */
  private draft(
    key: string,
    groupIds: ReadonlyArray<string>,
    match: TeamMatch,
    state: TeamState,
    approvals: ReadonlySet<string>
  ): TeamDraft {
    const { limits, policies } = this.rules.config
    // Shared with the state rather than copied: the state copies it before its next change.
    const notReadyList = state.notReady
    state.notReadyShared = true
    // Most teams have no blocker and at most one warning: the lists are made when first needed.
    const draft: { -readonly [K in keyof TeamDraft]: TeamDraft[K] } = {
      key,
      groupIds,
      match,
      notReady: notReadyList,
      teamBlockers: NO_BLOCKERS,
      removalBlockers: NO_BLOCKERS,
      warnings: NO_WARNINGS,
      rename: undefined,
      adds: NO_IDS,
      removals: NO_IDS
    }
    const typedGroups = groupIds as Array<OktaGroupId>
    if (match.kind === "create" && match.vanished.length > 0) {
      draft.warnings = withItem(draft.warnings, {
        _tag: "Message",
        message: `Team "${key}" (${sorted(match.vanished.map((l) => l.teamId)).join(", ")}) was deleted in monday.com; it will be created again.`
      })
    }
    if (match.kind !== "create" && match.team.membersFrom === "last-applied") {
      draft.warnings = withItem(draft.warnings, { _tag: "MembersFromLastApplied", key, teamId: match.team.id })
    }
    let rename: TeamDraft["rename"] = undefined
    let taken: MondayTeam | undefined = match.kind === "taken" ? match.team : undefined
    if (match.kind === "linked" && match.team.displayName !== key) {
      rename = { from: match.team.displayName, to: key }
      taken = this.unlinkedNamed(key)
    }
    // An adopted team's name equals the desired one but maybe for case: it takes the desired case
    // in the same plan (else the next plan would rename it).
    if (match.kind === "adopt" && match.team.displayName !== key) rename = { from: match.team.displayName, to: key }
    // Two desired names equal but for case are one name to monday.com: a create of either would
    // replace the other. A team already linked keeps going; the newcomers are held.
    const twins = match.kind === "linked" ? NO_KEYS : this.caseTwins(key)
    if (twins.length > 0) {
      draft.teamBlockers = withItem(draft.teamBlockers, {
        _tag: "NameCollision",
        id: `NameCollision-${hashStrings(["NameCollision", key, ...twins])}`,
        key,
        groupIds: typedGroups,
        others: twins
      })
    }
    if (taken !== undefined) {
      draft.teamBlockers = withItem(draft.teamBlockers, {
        _tag: "NameTaken",
        id: `NameTaken-${hashStrings(["NameTaken", key, taken.id])}`,
        key,
        groupIds: typedGroups,
        teamId: taken.id,
        memberCount: taken.members.length
      })
    }
    if (notReadyList.length > 0) {
      if (policies.notReadyMembers === "block") {
        draft.teamBlockers = withItem(draft.teamBlockers, {
          _tag: "MembersNotReady",
          id: `MembersNotReady-${hashStrings(["MembersNotReady", key, ...notReadyList.map((u) => `${u.oktaUserId}:${u.reason}`)])}`,
          key,
          groupIds: typedGroups,
          users: notReadyList
        })
      } else {
        // The same list under the same key is the same warning (plans are values: nothing edits it).
        let skipped = state.skipped
        if (skipped === undefined || skipped.users !== notReadyList || skipped.key !== key) {
          state.skipped = skipped = { _tag: "MembersSkipped", key, users: notReadyList }
        }
        draft.warnings = withItem(draft.warnings, skipped)
      }
    }
    if (draft.teamBlockers.length > 0) return draft

    const ids = this.target.mondayIds
    // (Most teams a batch touches have nothing to add.)
    const adds: Ids = state.adds.length === 0 ? NO_IDS : new RankedIds(state.adds, ids)
    draft.adds = adds
    if (match.kind === "create") return draft
    const team = match.team
    const currentCount = state.currentCount
    // The engine's own members go; hand-added ones only under handAddedMembers: remove.
    const removals: Array<string> = state.removals.length === 0 ? (NO_IDS as Array<string>) : idsOf(state.removals, ids)
    if (removals.length > 0) {
      // Okta answers an empty member list when the token lacks rights: a group that had members
      // when the team was last applied and reads empty now holds the team's removals, whoever
      // they are (managed or hand-added) and however the team was linked (created or adopted).
      if (policies.emptyGroup === "block" && match.kind === "linked") {
        for (let i = 0; i < groupIds.length; i++) {
          const g = groupIds[i]!
          if (this.source.memberCount(g) > 0) continue
          const previous = lastAppliedMembers(match.link, g)
          if (previous === 0) continue
          const id = `EmptyGroup-${hashStrings(["EmptyGroup", key, g, ...removals])}`
          if (approvals.has(id)) continue
          draft.removalBlockers = withItem(draft.removalBlockers, {
            _tag: "EmptyGroup",
            id,
            key,
            groupId: g as OktaGroupId,
            groupName: this.source.groups.get(g)?.name ?? g,
            previousMembers: previous ?? match.link.managedMembers.length,
            removals: removals as Array<MondayUserId>
          })
        }
      }
      const n = removals.length
      const overCount = n > limits.maxRemovalsPerTeam
      // The share is of the team as it stands when the removals are sent (after this plan's adds),
      // so applying the adds alone never changes the verdict: planning again stays idempotent.
      const size = Math.max(currentCount + adds.length, 1)
      const overFraction = n >= FRACTION_RULE_MIN_REMOVALS && n / size > limits.maxRemovalFractionPerTeam
      if (overCount || overFraction) {
        const id = `TeamRemovalLimit-${hashStrings(["TeamRemovalLimit", key, team.id, ...removals])}`
        if (!approvals.has(id)) {
          draft.removalBlockers = withItem(draft.removalBlockers, {
            _tag: "TeamRemovalLimit",
            id,
            key,
            teamId: team.id,
            removals: removals as Array<MondayUserId>,
            currentMembers: currentCount,
            maxRemovals: limits.maxRemovalsPerTeam,
            maxFraction: limits.maxRemovalFractionPerTeam
          })
        }
      }
    }
    draft.rename = rename
    draft.removals = removals
    return draft
  }

  /**
   * Whether the engine manages a member of a link's team. A scan of the managed list (string
   * compares, no hashing) until a link is asked often; then its managed members are numbered once.
   */
  private isManaged(link: TeamLink, m: number): boolean {
    // Links in `reconcileLinks` order (every link once a commit wrote them) list their members sorted.
    if (this.links.updatable) {
      const id = this.target.mondayIds[m]!
      const managed = link.managedMembers
      const i = lowerBound(managed, id)
      return i < managed.length && managed[i] === id
    }
    let ranks = this.managedRanks.get(link)
    if (ranks === undefined) {
      const asked = (this.managedAsked.get(link) ?? 0) + 1
      this.managedAsked.set(link, asked)
      if (asked <= 8) return link.managedMembers.includes(this.target.mondayIds[m]! as MondayUserId)
      const out: Array<number> = []
      for (const id of link.managedMembers) {
        const r = this.target.indexOf(id)
        if (r >= 0) out.push(r)
      }
      ranks = Int32Array.from(out).sort()
      this.managedRanks.set(link, ranks)
    }
    return search(ranks, ranks.length, m) >= 0
  }

  /**
   * Whether a link's team is deleted: only teams the engine created, under a deleteTeams policy,
   * when no desired team owns the link and none matched it by name, and every one of its groups is
   * deleted in Okta (`group-deleted`) or, under when-unmapped, deleted or selected by no mapping.
   */
  deletion(link: TeamLink): DeleteDraft | undefined {
    const policy = this.rules.config.policies.deleteTeams
    if (policy === "never" || link.origin !== "created" || link.groupIds.length === 0) return undefined
    const team = this.target.teams.get(link.teamId)
    if (team === undefined || this.owner(link) !== undefined) return undefined
    if (this.keyGroups.has(link.displayName)) {
      const m = this.matchTeam(link.displayName)
      if (m.kind === "linked" && m.link === link) return undefined
    }
    const allDeleted = link.groupIds.every((g) => !this.source.groups.has(g))
    if (allDeleted) return { key: `delete:${link.teamId}`, link, team, reason: "group-deleted" }
    if (policy === "when-unmapped") return { key: `delete:${link.teamId}`, link, team, reason: "unmapped" }
    return undefined
  }

  /**
   * The scope of the last batch's groups and keys (as `applyDeltas` returned them), while nothing it
   * depends on changed since (a commit or a new target or links drop it).
   */
  private lastScope: {
    readonly groupIds: ReadonlyArray<string>
    readonly keys: ReadonlyArray<string>
    readonly scope: { keys: Set<string>; links: Set<TeamLink> }
  } | undefined = undefined

  /** `scope`, taken from the last batch when asked for the groups and keys `applyDeltas` returned. */
  scopeOf(groupIds: ReadonlyArray<string>, keys: ReadonlyArray<string>): { keys: Set<string>; links: Set<TeamLink> } {
    const last = this.lastScope
    if (last !== undefined && last.groupIds === groupIds && last.keys === keys) return last.scope
    return this.scope(groupIds, keys, this.deletes())
  }

  /** Whether any link's team can be deleted (deleteTeams is not `never`): else a plan needs no links. */
  private deletes(): boolean {
    return this.rules.config.policies.deleteTeams !== "never"
  }

  /**
   * Desired keys and links that a set of touched groups (and keys known to have changed) affect;
   * the links only when `withLinks` (a plan looks at links only for deletions).
   */
  scope(
    groupIds: Iterable<string>,
    keys: ReadonlyArray<string> | ReadonlySet<string>,
    withLinks = true
  ): { keys: Set<string>; links: Set<TeamLink> } {
    // Keys a group selects are desired; the others (given, a link's name, a twin) are checked.
    const outKeys = new Set<string>()
    const unsure = new Set<string>(keys)
    const links = new Set<TeamLink>()
    // Without links, a group whose links are only its own team's adds nothing more.
    const irregular = withLinks ? undefined : this.irregularGroups()
    for (const g of groupIds) {
      const k = this.groupKey.get(g)
      if (k !== undefined) outKeys.add(k)
      if (irregular !== undefined && !irregular.has(g)) continue
      // Every desired team overlapping a link of the group may gain or lose that link (the usual
      // link, of this one group under its team's name, adds nothing but itself).
      for (const l of this.links.byGroup.get(g) ?? []) {
        if (withLinks) links.add(l)
        if (l.displayName !== k) unsure.add(l.displayName)
        for (const g2 of l.groupIds) {
          if (g2 === g) continue
          const k2 = this.groupKey.get(g2)
          if (k2 !== undefined) outKeys.add(k2)
        }
      }
    }
    // The links going by any of those names (desired or not) may be the teams' or be deleted.
    if (withLinks) for (const k of outKeys) for (const l of this.links.byName.get(k) ?? []) links.add(l)
    for (const k of unsure) {
      if (withLinks) for (const l of this.links.byName.get(k) ?? []) links.add(l)
      if (this.keyGroups.has(k)) outKeys.add(k)
    }
    // A name that came or went (a key that gained or lost groups) decides whether the names equal
    // to it but for case collide.
    for (const k of keys) for (const twin of this.sameButCase(k)) if (this.keyGroups.has(twin)) outKeys.add(twin)
    return { keys: outKeys, links }
  }

  /**
   * Plans the given desired teams and candidate deletions into one Plan, with the user lifecycle's
   * operations for `users` (Okta user ids; "all" also reports unexplained monday.com users) and for
   * every user the teams' adds rely on (created or reactivated by this plan).
   */
  plan(
    keys: Iterable<string>,
    links: Iterable<TeamLink>,
    approvals: ReadonlySet<string>,
    users: "all" | Iterable<string> = "all",
    groups: "all" | Iterable<string> = "all"
  ): Plan {
    const full = users === "all"
    // (Only desired keys are planned: every key given is one a group selects.)
    const keyList = sorted(keys)
    if (full) {
      for (const r of this.keyGroups.values()) r.run = undefined
      this.runTeamTotal = 0
      this.runDeletes.clear()
      this.clearRunStale()
    } else this.completeRun(new Set(keyList))
    const drafts: Array<TeamDraft> = []
    for (const key of keyList) {
      const record = this.keyGroups.get(key)
      if (record === undefined) continue
      const match = this.matchOf(record)
      const draft = this.draft(key, this.groupList(record), match, this.stateFor(record, match), approvals)
      this.setRunTeam(record, draft.teamBlockers.length > 0 ? NO_IDS : draft.removals)
      drafts.push(draft)
    }
    const deletes: Array<DeleteDraft> = []
    for (const l of links) {
      const d = this.deletion(l)
      if (d !== undefined) deletes.push(d)
      this.setRunDelete(l, d)
    }
    deletes.sort((a, b) => byString(a.key, b.key))
    const userPart = this.userDecisions(drafts, users)
    if (full) this.runComplete = true
    return this.assemble(drafts, deletes, approvals, userPart, this.unnamedWarnings(groups))
  }

  /** A warning for each of the groups (all, or those given) a mapping selects but can't name a team for. */
  private unnamedWarnings(groups: "all" | Iterable<string>): Array<Warning> {
    const out: Array<Warning> = []
    // (Most orgs have no such group: then a touched plan looks none of its groups up.)
    if (this.unnamed.size === 0) return out
    for (const g of groups === "all" ? this.unnamed.keys() : groups) {
      const mapping = this.unnamed.get(g)
      if (mapping === undefined) continue
      const group = this.source.groups.get(g)
      if (group === undefined) continue
      out.push({
        _tag: "TeamNameEmpty",
        key: `group:${g}`,
        groupId: group.id,
        groupName: group.name,
        mapping: this.rules.mappings[mapping]!.label,
        template: this.rules.config.mappings[mapping]!.team
      })
    }
    return out
  }

  /** Records what a desired team would remove now (undefined: not worked out, or the team is gone). */
  private setRunTeam(record: KeyRecord, removals: ReadonlyArray<string> | undefined): void {
    if (record.run !== undefined) this.runTeamTotal -= record.run.length
    record.run = removals
    if (removals !== undefined) this.runTeamTotal += removals.length
  }

  private setRunDelete(link: TeamLink, d: DeleteDraft | undefined): void {
    if (d === undefined) this.runDeletes.delete(link)
    else this.runDeletes.set(link, d)
  }

  /**
   * Fills the run-wide ledger for whatever a touched plan can't see: every desired team not drafted
   * since the target or links changed (their states are kept, so later touched plans stay cheap),
   * every link's deletion, and the unexplained users. O(org) once; nothing when already complete.
   */
  private completeRun(drafting: ReadonlySet<string>): void {
    if (this.runComplete) {
      this.refreshRun(drafting)
      return
    }
    this.clearRunStale()
    for (const record of this.keyGroups.values()) {
      if (record.run === undefined && !drafting.has(record.key)) this.setRunTeam(record, this.runEntry(record))
    }
    this.runDeletes.clear()
    for (const l of this.links.teamLinks()) this.setRunDelete(l, this.deletion(l))
    if (this.users !== undefined) {
      for (let u = 0; u < this.source.userIds.length; u++) this.resolve(u)
      this.runUnexplained = this.unexplained().deactivations
    }
    this.runComplete = true
  }

  /**
   * Works out again what a commit changed of a complete ledger, but for the keys the plan drafts
   * anyway (`drafting`): O(those teams and links).
   */
  private refreshRun(drafting: ReadonlySet<string>): void {
    for (const key of this.runStaleKeys) {
      if (drafting.has(key)) continue
      // (A key no longer desired left the ledger with its record.)
      const record = this.keyGroups.get(key)
      if (record !== undefined) this.setRunTeam(record, this.runEntry(record))
    }
    for (const l of this.runStaleLinks) this.setRunDelete(l, this.links.byTeam.get(l.teamId) === l ? this.deletion(l) : undefined)
    if (this.runUnexplainedStale && this.users !== undefined) {
      for (let u = 0; u < this.source.userIds.length; u++) this.resolve(u)
      this.runUnexplained = this.unexplained().deactivations
    }
    this.clearRunStale()
  }

  private clearRunStale(): void {
    this.runStaleKeys.clear()
    this.runStaleLinks.clear()
    this.runUnexplainedStale = false
  }

  /**
   * What a desired team adds to the run-wide ledger, as its draft would: its removals, none when
   * it is held whole or to be created. Cheaper than a draft: no blocker is made.
   */
  private runEntry(record: KeyRecord): ReadonlyArray<string> {
    const match = this.matchOf(record)
    const state = this.stateFor(record, match)
    if (match.kind === "create" || this.heldWhole(record.key, match, state)) return NO_IDS
    return state.removals.length === 0 ? NO_IDS : idsOf(state.removals, this.target.mondayIds)
  }

  /** Every deactivation the whole org would make now, sorted by key (as a full plan lists them). */
  private runDeactivations(): Array<DeactivateUser> {
    // The guard of `userDecisions`: an empty assignment list deactivates nobody for being unassigned.
    const noAssignments = this.source.assignments.size === 0
    const out: Array<DeactivateUser> = []
    for (const d of this.deactivating.values()) if (!noAssignments || d.reason !== "unassigned") out.push(d)
    out.push(...this.runUnexplained)
    return out.sort((a, b) => byString(a.key, b.key))
  }

  /** The removals the whole org would make now (team removals, deleted teams' members, deactivations). */
  private runRemovals(): number {
    let n = this.runTeamTotal + this.runUnexplained.length
    for (const d of this.runDeletes.values()) n += d.team.members.length
    const noAssignments = this.source.assignments.size === 0
    for (const d of this.deactivating.values()) if (!noAssignments || d.reason !== "unassigned") n++
    return n
  }

  /** The RunRemovalLimit blocker's id and keys: every team, deletion and user the run would remove from. */
  private runBlocker(): { readonly id: string; readonly keys: Array<string> } {
    const parts: Array<string> = ["RunRemovalLimit"]
    const keys: Array<string> = []
    const removing: Array<KeyRecord> = []
    for (const r of this.keyGroups.values()) if (r.run !== undefined && r.run.length > 0) removing.push(r)
    removing.sort((a, b) => byString(a.key, b.key))
    for (const r of removing) {
      keys.push(r.key)
      parts.push(`team:${r.key}`, ...r.run!)
    }
    for (const d of [...this.runDeletes.values()].sort((a, b) => byString(a.key, b.key))) {
      keys.push(d.key)
      parts.push(`${d.key}:${d.team.members.length}`)
    }
    for (const d of this.runDeactivations()) {
      keys.push(d.key)
      parts.push(`deactivate:${d.mondayUserId}`)
    }
    return { id: `RunRemovalLimit-${hashStrings(parts)}`, keys: sorted(keys) }
  }

  /** The lifecycle decisions a plan carries (see `plan`); undefined when the lifecycle is off. */
  private userDecisions(
    drafts: ReadonlyArray<TeamDraft>,
    scope: "all" | Iterable<string>
  ): { readonly decisions: Array<UserDecision>; readonly warnings: ReadonlyArray<Warning> } | undefined {
    if (this.users === undefined) return undefined
    const numbers = new Set<number>()
    if (scope === "all") for (let u = 0; u < this.source.userIds.length; u++) numbers.add(u)
    else {
      for (const id of scope) {
        const u = this.source.userIndex.get(id)
        if (u !== undefined) numbers.add(u)
      }
      // A team add of a user this plan creates or reactivates needs that user's operation too.
      for (const d of drafts) {
        if (d.teamBlockers.length > 0) continue
        for (const id of d.adds.slice(0)) {
          const m = this.target.indexOf(id)
          if (m < 0) continue
          const head = this.revHead[m]!
          for (const v of head >= 0 ? [head, ...(this.revMore.get(m) ?? [])] : []) {
            if (this.resolutions[v]?.decision?.readyAs === id) numbers.add(v)
          }
        }
      }
    }
    const decisions: Array<UserDecision> = []
    const guard: Array<Warning> = []
    // Okta answers an empty list when the token lacks rights: with no assignment at all, nobody is
    // deactivated for being unassigned (the users would all lose their seats at once).
    const noAssignments = this.source.assignments.size === 0
    let held = 0
    for (const u of [...numbers].sort((a, b) => a - b)) {
      const d = this.resolve(u).decision
      if (d === undefined) continue
      if (noAssignments && d.deactivate?.reason === "unassigned") {
        held++
        const { deactivate: _, ...rest } = d
        decisions.push(rest)
      } else decisions.push(d)
    }
    if (held > 0) {
      guard.push({
        _tag: "Message",
        message: `Okta lists no users assigned to the monday.com app, so ${held} deactivation(s) for unassignment are held: ` +
          "check the Okta token's rights (Okta answers an empty list when it lacks an admin role)"
      })
    }
    if (scope !== "all") return { decisions, warnings: guard }
    const more = this.unexplained()
    this.runUnexplained = more.deactivations
    decisions.push(...more.decisions)
    return { decisions, warnings: [...guard, ...more.warnings] }
  }

  /** Active monday.com users no Okta user maps to, once every user is resolved: their decisions. */
  private unexplained(): {
    readonly decisions: ReadonlyArray<UserDecision>
    readonly warnings: ReadonlyArray<Warning>
    readonly deactivations: Array<DeactivateUser>
  } {
    if (this.users === undefined) return { decisions: [], warnings: [], deactivations: [] }
    const noAssignments = this.source.assignments.size === 0
    const explained = new Set<string>()
    for (let u = 0; u < this.source.userIds.length; u++) {
      if (!this.resolve(u).excluded) continue
      const m = this.mondayUserFor(this.source.userIds[u]!)
      if (m !== undefined) explained.add(m.id)
    }
    const unexplained: Array<MondayUser> = []
    for (const m of this.target.snapshot.users) {
      if (!m.active || explained.has(m.id)) continue
      const rank = this.target.indexOf(m.id)
      if (rank >= 0 && this.revHead[rank]! >= 0) continue
      unexplained.push(m)
    }
    // Likewise, unexplained users are not deactivated on the strength of an empty assignment list.
    const more = unexplainedDecisions(this.users, noAssignments ? [] : unexplained)
    const deactivations: Array<DeactivateUser> = []
    for (const d of more.decisions) if (d.deactivate !== undefined) deactivations.push(d.deactivate)
    return { ...more, deactivations }
  }

  private assemble(
    drafts: ReadonlyArray<TeamDraft>,
    deletes: ReadonlyArray<DeleteDraft>,
    approvals: ReadonlySet<string>,
    userPart: { readonly decisions: Array<UserDecision>; readonly warnings: ReadonlyArray<Warning> } | undefined,
    groupWarnings: ReadonlyArray<Warning>
  ): Plan {
    const { maxMembersPerPatch: max, maxRemovalsPerRun } = this.rules.config.limits
    const blockers: Array<Blocker> = []
    const warnings: Array<Warning> = [...groupWarnings]
    const users = userPart === undefined ? undefined : collectDecisions(userPart.decisions)
    if (userPart !== undefined && users !== undefined) {
      blockers.push(...users.blockers)
      warnings.push(...users.warnings, ...userPart.warnings)
    }
    // The run-wide limit counts every removal the whole org would make were the team limits
    // approved, deleted teams' members and deactivations included (a source that reads empty must
    // not empty the seats either), whether this plan covers every team or only the touched ones:
    // all the approvals a run needs show up in one plan, and a touched plan holds what a full would.
    const runRemovals = this.runRemovals()
    let runHeld = false
    if (runRemovals > maxRemovalsPerRun) {
      const { id, keys } = this.runBlocker()
      if (!approvals.has(id)) {
        runHeld = true
        blockers.push({ _tag: "RunRemovalLimit", id, removals: runRemovals, maxRemovals: maxRemovalsPerRun, keys })
      }
    }

    // Users to create, reactivate or update come first: the teams' adds rely on them.
    const operations: Array<Operation> = users === undefined ? [] : [...users.first]
    const counts = { teams: drafts.length, unchanged: 0, creates: 0, renames: 0, patches: 0, adds: 0, removes: 0, deletes: 0, blocked: 0 }
    const blockedKeys = new Set<string>()
    for (const d of drafts) {
      // (Loops, not spread calls: most drafts bring one warning, and a spread per draft adds up.)
      for (let i = 0; i < d.warnings.length; i++) warnings.push(d.warnings[i]!)
      for (let i = 0; i < d.teamBlockers.length; i++) blockers.push(d.teamBlockers[i]!)
      for (let i = 0; i < d.removalBlockers.length; i++) blockers.push(d.removalBlockers[i]!)
      if (d.teamBlockers.length > 0 || d.removalBlockers.length > 0) blockedKeys.add(d.key)
      if (d.teamBlockers.length > 0) continue
      const removes = runHeld || d.removalBlockers.length > 0 ? [] : d.removals
      const before = operations.length
      const groupIds = d.groupIds as Array<OktaGroupId>
      if (d.match.kind === "create") {
        const first = d.adds.slice(0, max) as Array<MondayUserId>
        operations.push({ _tag: "CreateTeam", key: d.key, displayName: d.key, groupIds, members: first })
        counts.creates++
        counts.adds += d.adds.length
        for (let i = max; i < d.adds.length; i += max) {
          operations.push({
            _tag: "PatchMembers",
            key: d.key,
            displayName: d.key,
            add: d.adds.slice(i, i + max) as Array<MondayUserId>,
            remove: []
          })
          counts.patches++
        }
        continue
      }
      const teamId = d.match.team.id
      if (d.rename !== undefined) {
        operations.push({ _tag: "RenameTeam", key: d.key, teamId, from: d.rename.from, to: d.rename.to })
        counts.renames++
      }
      // Adds and removes share PATCH requests: ceil((adds + removes) / max) of them per team.
      const total = d.adds.length + removes.length
      for (let i = 0; i < total; i += max) {
        const end = Math.min(i + max, total)
        const add = i < d.adds.length ? d.adds.slice(i, Math.min(end, d.adds.length)) : []
        const remove = end > d.adds.length ? removes.slice(Math.max(i - d.adds.length, 0), end - d.adds.length) : []
        operations.push({
          _tag: "PatchMembers",
          key: d.key,
          teamId,
          displayName: d.key,
          add: add as Array<MondayUserId>,
          remove: remove as Array<MondayUserId>
        })
        counts.patches++
      }
      counts.adds += d.adds.length
      counts.removes += removes.length
      if (operations.length === before && !blockedKeys.has(d.key)) counts.unchanged++
    }
    if (runHeld) {
      for (const d of drafts) if (d.teamBlockers.length === 0 && d.removals.length > 0) blockedKeys.add(d.key)
      for (const d of deletes) blockedKeys.add(d.key)
    } else {
      for (const d of deletes) {
        operations.push({
          _tag: "DeleteTeam",
          key: d.key,
          teamId: d.team.id,
          displayName: d.team.displayName,
          reason: d.reason,
          memberCount: d.team.members.length
        })
        counts.deletes++
      }
      // Deactivations last, after every team removal.
      operations.push(...(users?.deactivations ?? []))
    }
    counts.blocked = blockedKeys.size
    const userCounts = users === undefined ? {} : {
      userCreates: users.first.filter((o) => o._tag === "CreateUser").length,
      userUpdates: users.first.filter((o) => o._tag === "UpdateUser").length,
      userReactivations: users.first.filter((o) => o._tag === "ReactivateUser").length,
      userDeactivations: runHeld ? 0 : users.deactivations.length,
      usersBlocked: users.blockers.length + (runHeld ? users.deactivations.length : 0)
    }
    return new Plan(
      {
        version: 1,
        targetFingerprint: this.targetFingerprint(),
        operations,
        blockers: sortedWith(blockers, compareBlockers),
        warnings: sortedWith(warnings, compareWarnings),
        counts: { ...counts, ...userCounts } satisfies PlanCounts
      },
      true
    )
  }

  /**
   * Folds an applied plan's outcomes into the planner (see `Planner.commit`): the links as
   * `reconcileLinks` makes them and the target as `appliedTarget` does, worked out for the teams
   * and users that changed since the last commit, with only the kept state those changes touch
   * dropped or updated. The plan must have been made by this planner with no delta applied since.
   */
  commit(plan: Plan, outcomes: ReadonlyArray<OperationOutcome>): Committed {
    if (plan.targetFingerprint !== this.targetFingerprint()) {
      throw new Error(
        "commit: the plan was made against another monday.com snapshot than the planner holds; " +
          "commit each plan to the planner that made it, before the next"
      )
    }
    this.lastScope = undefined
    const ops = plan.operations
    const done = new Map<number, OperationOutcome>()
    for (const o of outcomes) if (o.status === "done") done.set(o.index, o)
    const real = realIdsAfter(createdUserIds(ops, outcomes))
    const full = this.reconcileAll || !this.links.updatable
    const reconciled = this.reconcileApply(plan, done, real, full)
    const { change, teamLinks, userLinks } = reconciled
    const links = full ? reconciled.links! : this.links

    // ---- monday.com: rebuilt when the apply made users (numbering) or the snapshot lists an id twice.
    let rebuild = !this.target.updatable()
    for (const [index] of done) {
      const op = ops[index]!
      const renamesUser = op._tag === "UpdateUser" && op.changes.some((c) => c.attribute === "userName")
      if (op._tag === "CreateUser" || renamesUser) rebuild = true
    }
    if (!rebuild) {
      for (const [index] of done) {
        const op = ops[index]!
        const added = op._tag === "CreateTeam" ? op.members : op._tag === "PatchMembers" ? op.add : []
        for (const m of sentMembers(added, NO_CREATED)) if (this.target.indexOf(m) < 0) rebuild = true
      }
    }
    if (rebuild) {
      if (!full) this.applyLinkChanges(links, teamLinks, userLinks)
      const value = links.links
      this.target = new TargetIndex(appliedTarget(this.target.snapshot, plan, outcomes))
      this.links = new LinkIndex(value, true)
      this.reconcileAll = true
      this.unsettled.clear()
      this.unmatched.clear()
      this.forgetResolutions()
      this.prepareUsers()
      return { links: value, target: this.target.snapshot, change }
    }
    const applied = this.applyToTarget(plan, done, outcomes)
    if (full) this.links = links
    else this.applyLinkChanges(links, teamLinks, userLinks)
    // (A key a blocker of the plan held was not settled: it stays to be looked at again.)
    for (const k of reconciled.settled) this.unsettled.delete(k)
    this.unmatched.clear()
    this.reconcileAll = false
    this.afterCommit(full, teamLinks, applied)
    return { links: this.links.links, target: this.target.snapshot, change }
  }

  /**
   * The links after an apply, as `reconcileLinks` works them out on the state the plan was made
   * against, for the teams and users that may differ (all of them when `full`): each link changed
   * (before, after), the user links changed (null: dropped), the change to save, and the keys now
   * settled. `full` also gives the whole new link index.
   */
  private reconcileApply(
    plan: Plan,
    done: ReadonlyMap<number, OperationOutcome>,
    real: (ids: ReadonlyArray<string>) => Array<string>,
    full: boolean
  ): {
    readonly teamLinks: Array<readonly [before: TeamLink | undefined, after: TeamLink | undefined]>
    readonly userLinks: Map<string, UserLink | null>
    readonly change: LinksChange
    readonly settled: ReadonlyArray<string>
    readonly links: LinkIndex | undefined
  } {
    const ops = plan.operations
    /** Links this apply changes, by team id (null: deleted). */
    const work = new Map<string, WorkLink | null>()
    const linkOf = (teamId: string): WorkLink | undefined => {
      const w = work.get(teamId)
      if (w !== undefined) return w ?? undefined
      const l = this.links.byTeam.get(teamId)
      if (l === undefined) return undefined
      const made = workLink(l)
      work.set(teamId, made)
      return made
    }
    // Teams whose removals were all sent: the only ones where a group reading empty is taken as read.
    const removing = new Map<string, boolean>()
    ops.forEach((op, index) => {
      if (op._tag !== "PatchMembers" || op.remove.length === 0) return
      removing.set(op.key, (removing.get(op.key) ?? true) && done.has(index))
    })
    const createdByKey = new Map<string, MondayTeamId>()
    const renamed = new Map<string, string>()
    /** Each team's members after the apply as against before: true added, false removed (the last operation wins). */
    const memberOps = new Map<string, Map<string, boolean>>()
    const opKeys = new Set<string>()
    ops.forEach((op, index) => {
      const outcome = done.get(index)
      if (outcome === undefined) return
      opKeys.add(op.key)
      switch (op._tag) {
        case "CreateTeam": {
          if (outcome.teamId === undefined) return
          createdByKey.set(op.key, outcome.teamId)
          work.set(outcome.teamId, {
            teamId: outcome.teamId,
            displayName: op.displayName,
            groupIds: op.groupIds,
            origin: "created",
            base: NO_IDS,
            ops: new Map(real(op.members).map((m) => [m, true])),
            managed: undefined,
            groupMembers: Object.fromEntries(op.groupIds.map((g) => [g, this.source.memberCount(g)])),
            before: undefined
          })
          return
        }
        case "RenameTeam": {
          renamed.set(op.teamId, op.to)
          const l = linkOf(op.teamId)
          if (l !== undefined) l.displayName = op.to
          return
        }
        case "PatchMembers": {
          const teamId = op.teamId ?? createdByKey.get(op.key)
          if (teamId === undefined) return
          let effects = memberOps.get(teamId)
          if (effects === undefined) memberOps.set(teamId, (effects = new Map()))
          const add = real(op.add)
          for (const m of add) effects.set(m, true)
          for (const m of op.remove) effects.set(m, false)
          const l = linkOf(teamId)
          if (l !== undefined) {
            l.ops ??= new Map()
            for (const m of add) l.ops.set(m, true)
            for (const m of op.remove) l.ops.set(m, false)
          }
          return
        }
        case "DeleteTeam": {
          work.set(op.teamId, null)
          return
        }
      }
    })
    const held = new Set<string>()
    for (const b of plan.blockers) {
      if (b._tag === "MembersNotReady" || b._tag === "NameTaken" || b._tag === "NameCollision") held.add(b.key)
    }
    const settled: Array<string> = []
    const within = new Set<string>()
    const keys = full ? [...this.keyGroups.keys()] : [...new Set([...this.unsettled, ...opKeys])]
    for (const key of keys) {
      const record = this.keyGroups.get(key)
      if (record === undefined) continue
      // A team a blocker of this plan holds keeps its link; the next commit looks at it again.
      if (held.has(key)) continue
      settled.push(key)
      const match = this.matchOf(record)
      if (match.kind !== "linked" && match.kind !== "adopt") continue
      const groupIds = this.groupList(record)
      const state = this.stateFor(record, match)
      if (this.heldWhole(key, match, state)) continue
      const teamId = match.team.id
      const w = work.get(teamId)
      const current = w === undefined ? this.links.byTeam.get(teamId) : undefined
      /** The link as it was before this apply (undefined: none, it is adopted now). */
      const before = w === undefined ? current : w === null ? undefined : w.before
      const settledRemovals = state.removals.length === 0 || removing.get(key) === true
      const counts: Array<number> = []
      for (const g of groupIds) {
        const now = this.source.memberCount(g)
        const had = before === undefined ? 0 : lastAppliedMembers(before, g)
        counts.push(now > 0 || had === 0 || settledRemovals ? now : had ?? Math.max(before!.managedMembers.length, 1))
      }
      const managed = this.reconciledManaged(match.team, state, before, memberOps.get(teamId), full)
      within.add(teamId)
      if (
        w === undefined && current !== undefined && managed === undefined && !full &&
        sameList(current.groupIds, groupIds) && sameCountList(current.groupMembers, groupIds, counts)
      ) {
        this.withinTeam.add(current)
        continue
      }
      // An adopted team (no link yet) goes by its new name when this plan renamed it to the desired case.
      const l = w ??
        (current === undefined ? adoptedLink(teamId, renamed.get(teamId) ?? match.team.displayName) : workLink(current))
      work.set(teamId, l)
      l.groupIds = groupIds
      l.groupMembers = Object.fromEntries(groupIds.map((g, i) => [g, counts[i]!]))
      if (managed !== undefined) l.managed = managed
    }
    const created = new Set<string>(createdByKey.values())
    if (full) {
      for (const l of this.links.teamLinks()) {
        if (work.has(l.teamId)) continue
        // Links of teams gone from monday.com are dropped; every other one is written out in order.
        work.set(l.teamId, this.target.teams.has(l.teamId) ? workLink(l) : null)
      }
      for (const [teamId, w] of work) {
        if (w !== null && !this.target.teams.has(teamId) && !created.has(teamId)) work.set(teamId, null)
      }
    }

    // ---- User links: kept by Okta id while their monday.com user exists, new ones by email, created users.
    const userLinks = new Map<string, UserLink | null>()
    if (full) {
      const matched = new Map(this.matchUsers().map((u) => [u.oktaUserId as string, u]))
      for (const id of this.links.users.keys()) if (!matched.has(id)) userLinks.set(id, null)
      for (const [id, u] of matched) userLinks.set(id, u)
    } else {
      for (const u of this.unmatched) {
        const user = this.source.users.at(u)
        if (user === undefined) continue
        const kept = this.links.users.get(user.id)
        if (kept !== undefined && this.target.user(kept.mondayUserId) !== undefined) continue
        const email = user.email.toLowerCase()
        const m = this.target.userNumberByName(email)
        if (m < 0) continue
        userLinks.set(user.id, new UserLink({ oktaUserId: user.id, mondayUserId: this.target.userOfNumber(m).id, email }, true))
      }
    }
    for (const [index, outcome] of done) {
      const op = ops[index]!
      if (op._tag !== "CreateUser" || outcome.userId === undefined) continue
      const link = new UserLink({ oktaUserId: op.oktaUserId, mondayUserId: outcome.userId, email: op.userName }, true)
      userLinks.set(op.oktaUserId, link)
    }

    // ---- The links as values, and what changed (as `linksChange(before, after)` says it).
    const teamLinks: Array<readonly [before: TeamLink | undefined, after: TeamLink | undefined]> = []
    const change = {
      teams: [] as Array<TeamLink>,
      removeTeams: [] as Array<MondayTeamId>,
      users: [] as Array<UserLink>,
      removeUsers: [] as Array<OktaUserId>
    }
    for (const [teamId, w] of work) {
      const old = this.links.byTeam.get(teamId)
      if (w === null) {
        if (old !== undefined) {
          teamLinks.push([old, undefined])
          change.removeTeams.push(teamId as MondayTeamId)
        }
        continue
      }
      const link = toTeamLink(w, full)
      // Out of a full pass the lists are in order and a link's members unchanged unless worked out again.
      const same = old !== undefined && (full
        ? sameTeamLink(old, link)
        : sameFields(old, link) &&
          (link.managedMembers === old.managedMembers || sameList(old.managedMembers, link.managedMembers)))
      if (!same) change.teams.push(link)
      teamLinks.push([old, link])
      const keptWithin = w.managed === undefined && w.before !== undefined && this.withinTeam.has(w.before)
      if (within.has(teamId) || w.before === undefined || keptWithin) this.withinTeam.add(link)
    }
    for (const [id, u] of userLinks) {
      const old = this.links.users.get(id)
      if (u === null) change.removeUsers.push(id as OktaUserId)
      else if (old === undefined || old.mondayUserId !== u.mondayUserId || old.email !== u.email) change.users.push(u)
      else userLinks.delete(id)
    }
    change.teams.sort((a, b) => byString(a.teamId, b.teamId))
    change.removeTeams.sort(byString)
    change.users.sort((a, b) => byString(a.oktaUserId, b.oktaUserId))
    change.removeUsers.sort(byString)

    let links: LinkIndex | undefined = undefined
    if (full) {
      const teams: Array<TeamLink> = []
      for (const [, link] of teamLinks) if (link !== undefined) teams.push(link)
      teams.sort((a, b) => byString(a.teamId, b.teamId))
      const users = new Map<string, UserLink>()
      for (const [id, u] of this.links.users) users.set(id, u)
      for (const [id, u] of userLinks) {
        if (u === null) users.delete(id)
        else users.set(id, u)
      }
      const userList = [...users.values()].sort((a, b) => byString(a.oktaUserId, b.oktaUserId))
      links = new LinkIndex(new Links({ teams, users: userList }, true), true)
    }
    return { teamLinks, userLinks, change, settled, links }
  }

  /**
   * monday.com after the operations an apply did, in place, as `appliedTarget` replays them: each
   * team and user changed (O(each changed team's size)). Returns the teams' versions before and
   * after (undefined: none), their edits, and the users changed.
   */
  private applyToTarget(
    plan: Plan,
    done: ReadonlyMap<number, OperationOutcome>,
    outcomes: ReadonlyArray<OperationOutcome>
  ): AppliedTarget {
    const ops = plan.operations
    const sent = (ids: ReadonlyArray<MondayUserId>) => sentMembers(ids, NO_CREATED)

    // ---- monday.com in place: each team and user the apply changed, as `appliedTarget` replays it.
    const edits = new Map<string, TeamEdit>()
    const createdIds = new Map<string, string>()
    for (const o of outcomes) if (o.status === "done" && o.teamId !== undefined) createdIds.set(o.key, o.teamId)
    const simCreated = new Map<string, string>()
    const edit = (id: string): TeamEdit | undefined => {
      const e = edits.get(id)
      if (e !== undefined) return e.deleted ? undefined : e
      const t = this.target.teams.get(id)
      if (t === undefined) return undefined
      const made = this.target.editTeam(id, t, t.displayName, t.membersFrom)
      edits.set(id, made)
      return made
    }
    const users = new Map<string, MondayUser>()
    for (const [index] of [...done].sort((a, b) => a[0] - b[0])) {
      const op = ops[index]!
      switch (op._tag) {
        case "CreateTeam": {
          const id = createdIds.get(op.key) ?? `pending:${op.key}`
          simCreated.set(op.key, id)
          const e = this.target.editTeam(id, undefined, op.displayName, "server")
          edits.set(id, e)
          for (const m of sent(op.members)) e.add(m)
          break
        }
        case "RenameTeam": {
          const e = edit(op.teamId)
          if (e !== undefined) e.displayName = op.to
          break
        }
        case "PatchMembers": {
          const id = op.teamId ?? simCreated.get(op.key)
          const e = id === undefined ? undefined : edit(id)
          if (e === undefined) break
          for (const m of sent(op.add)) e.add(m)
          for (const m of op.remove) e.remove(m)
          break
        }
        case "DeleteTeam": {
          const e = edit(op.teamId)
          if (e !== undefined) e.deleted = true
          break
        }
        case "UpdateUser":
        case "DeactivateUser":
        case "ReactivateUser": {
          const u = users.get(op.mondayUserId) ?? this.target.user(op.mondayUserId)
          if (u !== undefined) users.set(u.id, userAfter(u, op, (fields) => new MondayUser(fields, true)))
          break
        }
        case "CreateUser":
          break
      }
    }
    const teamsBefore = new Map<string, MondayTeam | undefined>()
    for (const id of edits.keys()) teamsBefore.set(id, this.target.teams.get(id))
    const teamsAfter = this.target.applyTeamEdits(edits.values())
    for (const u of users.values()) this.target.updateUser(u)
    return { edits, teamsBefore, teamsAfter, users }
  }

  /**
   * Drops or updates what the kept state holds of the links and teams a commit changed: the
   * matches around them, the team states diffed against them (updated in place for the members the
   * apply added or removed), the run-wide ledger's entries, and the resolutions of the Okta users
   * whose monday.com user changed.
   */
  private afterCommit(
    full: boolean,
    teamLinks: ReadonlyArray<readonly [before: TeamLink | undefined, after: TeamLink | undefined]>,
    applied: AppliedTarget
  ): void {
    const { edits, teamsBefore, teamsAfter, users } = applied
    if (full) {
      // Every link was written again: nothing kept may name an old one.
      for (const record of this.keyGroups.values()) {
        record.match = undefined
        this.runStaleKeys.add(record.key)
        this.relink(record)
      }
      this.runDeletes.clear()
      for (const l of this.links.teamLinks()) this.runStaleLinks.add(l)
      this.managedRanks.clear()
      this.managedAsked.clear()
      this.withinTeam = new Set([...this.withinTeam].filter((l) => this.links.byTeam.get(l.teamId) === l))
    }
    const affected = new Set<string>()
    const names = new Set<string>()
    const groups = new Set<string>()
    // What can change which team a key matches: a link or team that came, went, was renamed or
    // changed groups. A link written again with new members only (or a team whose members alone
    // changed) leaves every match as it was but for the objects it names.
    const moved = new Set<string>()
    const movedGroups = new Set<string>()
    const around = (l: TeamLink | undefined, shapeKept: boolean) => {
      if (l === undefined) return
      names.add(l.displayName)
      if (!shapeKept) moved.add(l.displayName)
      for (const g of l.groupIds) {
        groups.add(g)
        if (!shapeKept) movedGroups.add(g)
      }
    }
    for (const [old, now] of teamLinks) {
      const shapeKept = old !== undefined && now !== undefined && old.teamId === now.teamId &&
        old.displayName === now.displayName && old.origin === now.origin && sameList(old.groupIds, now.groupIds)
      around(old, shapeKept)
      around(now, shapeKept)
      if (old !== undefined) {
        this.runDeletes.delete(old)
        this.managedRanks.delete(old)
        this.managedAsked.delete(old)
        this.withinTeam.delete(old)
      }
      if (now !== undefined) this.runStaleLinks.add(now)
    }
    for (const [id, before] of teamsBefore) {
      const after = teamsAfter.get(id)
      const shapeKept = before !== undefined && after !== undefined && before.displayName === after.displayName
      if (before !== undefined) names.add(before.displayName)
      if (after !== undefined) names.add(after.displayName)
      if (!shapeKept) {
        if (before !== undefined) moved.add(before.displayName)
        if (after !== undefined) moved.add(after.displayName)
      }
      const link = this.links.byTeam.get(id)
      around(link, shapeKept)
      if (link !== undefined) this.runStaleLinks.add(link)
    }
    const rematch = new Set<string>()
    for (const g of groups) {
      const k = this.groupKey.get(g)
      if (k !== undefined) affected.add(k)
    }
    for (const g of movedGroups) {
      const k = this.groupKey.get(g)
      if (k !== undefined) rematch.add(k)
    }
    for (const n of names) {
      affected.add(n)
      for (const twin of this.sameButCase(n)) affected.add(twin)
    }
    for (const n of moved) {
      rematch.add(n)
      for (const twin of this.sameButCase(n)) rematch.add(twin)
    }
    for (const k of affected) {
      const record = this.keyGroups.get(k)
      if (record === undefined) continue
      if (rematch.has(k)) record.match = undefined
      else this.rebindMatch(record)
      this.unsettled.add(k)
      this.runStaleKeys.add(k)
      for (const l of this.links.byName.get(k) ?? []) this.runStaleLinks.add(l)
      const state = this.relink(record)
      if (state === undefined || state.teamId === undefined || !teamsAfter.has(state.teamId)) continue
      const team = teamsAfter.get(state.teamId)
      const e = edits.get(state.teamId)!
      // A team deleted, or made anew over its old id, has nothing left to update from.
      if (team === undefined || e.base === undefined) {
        this.setState(record, undefined)
        continue
      }
      // The team's new members: each one the apply added or removed is an add or a candidate again.
      state.team = team
      state.current = undefined
      state.currentCount = this.target.members(team).length
      const kn = record.number
      for (const m of [...e.removed, ...e.appended]) {
        const r = this.target.indexOf(m)
        if (r >= 0) this.refreshMonday(state, kn, r, -1, false)
      }
    }
    // Okta users whose monday.com user changed (deactivated, reactivated, updated) are resolved again.
    if (users.size > 0) {
      const okta: Array<number> = []
      for (const id of users.keys()) {
        const r = this.target.indexOf(id)
        const head = this.revHead[r]!
        if (head >= 0) okta.push(head, ...(this.revMore.get(r) ?? []))
      }
      const before = new Map<number, number>()
      for (const u of okta) before.set(u, this.forget(u))
      for (const u of okta) this.resolve(u)
      for (const u of okta) {
        for (const g of this.source.groupsOf(u)) {
          const k = this.groupKey.get(g)
          if (k === undefined) continue
          this.unsettled.add(k)
          this.runStaleKeys.add(k)
          const record = this.keyGroups.get(k)
          if (record?.state !== undefined) this.updatePair(record.state, record.number, u, before.get(u) ?? -1, true)
        }
      }
    }
    const lifecycle = this.users?.config
    if (lifecycle !== undefined && lifecycle.unexplained === "deactivate" && lifecycle.deactivate) this.runUnexplainedStale = true
  }

  /**
   * Points a kept match at the objects its link and team are now, after a commit that wrote them
   * again with new members only (so the match itself holds); drops it when either is gone.
   */
  private rebindMatch(record: KeyRecord): void {
    const m = record.match
    if (m === undefined) return
    if (m.kind === "create") {
      if (m.vanished.length > 0) record.match = undefined
      return
    }
    const team = this.target.teams.get(m.team.id)
    if (team === undefined) {
      record.match = undefined
      return
    }
    if (m.kind !== "linked") {
      if (team !== m.team) record.match = { kind: m.kind, team }
      return
    }
    const link = this.links.byTeam.get(m.link.teamId)
    if (link === undefined) record.match = undefined
    else if (link !== m.link || team !== m.team) record.match = { kind: "linked", team, link }
  }

  /**
   * Points a kept team state at its team's link now (an adopted team's new link, a link written
   * again): its removals stay right, as a commit only claims desired members and drops members
   * the team no longer has. A state whose link went is dropped.
   */
  private relink(record: KeyRecord): TeamState | undefined {
    const state = record.state
    if (state === undefined || state.teamId === undefined) return state
    const link = this.links.byTeam.get(state.teamId)
    if (state.link !== undefined && link === undefined) {
      this.setState(record, undefined)
      return undefined
    }
    state.link = link
    return state
  }

  /** Puts a commit's link changes into the link index in place. */
  private applyLinkChanges(
    links: LinkIndex,
    teamLinks: ReadonlyArray<readonly [TeamLink | undefined, TeamLink | undefined]>,
    userLinks: ReadonlyMap<string, UserLink | null>
  ): void {
    const groups = new Set<string>()
    for (const [old, now] of teamLinks) {
      const replaced = now !== undefined ? links.setTeam(now) : old !== undefined ? links.removeTeam(old.teamId) : undefined
      for (const l of [old, now, replaced]) if (l !== undefined) for (const g of l.groupIds) groups.add(g)
    }
    for (const u of userLinks.values()) if (u !== null) links.setUser(u)
    if (links === this.irregular?.links) for (const g of groups) this.recheckIrregular(g)
  }

  /**
   * Groups whose links reach past their own team (a link of several groups, or named other than
   * the group's team): the only ones whose links a touched scope must read (see `scope`). Built
   * on demand for the link index it names, kept as groups change team and links change in place.
   */
  private irregular: { readonly links: LinkIndex; readonly groups: Set<string> } | undefined = undefined

  private irregularGroups(): Set<string> {
    if (this.irregular === undefined || this.irregular.links !== this.links) {
      const groups = new Set<string>()
      for (const g of this.links.byGroup.keys()) if (this.reachesPast(g)) groups.add(g)
      this.irregular = { links: this.links, groups }
    }
    return this.irregular.groups
  }

  private reachesPast(g: string): boolean {
    const k = this.groupKey.get(g)
    for (const l of this.links.byGroup.get(g) ?? NO_LINKS) if (l.groupIds.length !== 1 || l.displayName !== k) return true
    return false
  }

  private recheckIrregular(g: string): void {
    if (this.irregular === undefined || this.irregular.links !== this.links) return
    if (this.reachesPast(g)) this.irregular.groups.add(g)
    else this.irregular.groups.delete(g)
  }

  /** Whether a team's draft holds it whole (NameCollision, NameTaken, MembersNotReady), without drafting it. */
  private heldWhole(key: string, match: TeamMatch, state: TeamState): boolean {
    if (match.kind !== "linked" && this.sameButCase(key).length > 1) return true
    if (match.kind === "taken") return true
    if (match.kind === "linked" && match.team.displayName !== key && this.unlinkedNamed(key) !== undefined) return true
    return state.notReady.length > 0 && this.rules.config.policies.notReadyMembers === "block"
  }

  /**
   * A linked or adopted team's managed members after an apply, as `reconcileLinks` works them out:
   * the members it has after the apply, less the candidates (members no Okta user wants) the
   * engine doesn't manage. Undefined when they are the link's own, unchanged (told in O(its
   * candidates) when the link's members are known to be within the team), else O(team).
   */
  private reconciledManaged(
    team: MondayTeam,
    state: TeamState,
    before: TeamLink | undefined,
    effects: ReadonlyMap<string, boolean> | undefined,
    always = false
  ): ReadonlyArray<string> | undefined {
    const ids = this.target.mondayIds
    const keep = state.removals !== state.cands
    // The members after the apply as ranks: those it added, and those it touched at all.
    const added: Array<number> = []
    const touched = new Set<number>()
    const extra: Array<string> = []
    const members = this.target.members(team)
    if (effects !== undefined) {
      for (const [m, present] of effects) {
        const r = this.target.indexOf(m)
        if (r < 0) {
          if (present) extra.push(m)
          continue
        }
        touched.add(r)
        if (present && search(members, members.length, r) < 0) added.push(r)
      }
      added.sort((a, b) => a - b)
    }
    // Candidates the link doesn't manage: not the engine's to keep. With the link's members known
    // to be within the team, it manages exactly the team less those when the counts agree; then
    // the apply's own changes are all that differs.
    let unmanaged = 0
    const dropped = new Set<number>()
    for (let i = 0; i < state.cands.length; i++) {
      const c = state.cands.at(i)
      const managed = keep ? state.removals.has(c) : before !== undefined && this.isManaged(before, c)
      if (managed) continue
      unmanaged++
      if (!touched.has(c)) dropped.add(c)
    }
    const within = before !== undefined && extra.length === 0 && this.withinTeam.has(before)
    if (within && before.managedMembers.length === members.length - unmanaged) {
      if (effects === undefined) return always ? before.managedMembers : undefined
      return withChanges(before.managedMembers, effects)
    }
    const out: Array<string> = []
    let i = 0
    let j = 0
    while (i < members.length || j < added.length) {
      const r = j >= added.length || (i < members.length && members[i]! < added[j]!) ? members[i++]! : added[j++]!
      if (dropped.has(r) || (touched.has(r) && effects!.get(ids[r]!) === false)) continue
      out.push(ids[r]!)
    }
    if (extra.length > 0) {
      for (const m of new Set(extra)) out.push(m)
      out.sort(byString)
    }
    if (!always && before !== undefined && effects === undefined && sameList(before.managedMembers, out)) return undefined
    return out
  }

  /** The user links after matching: kept ones whose monday.com user exists, plus new email matches. */
  matchUsers(): Array<UserLink> {
    const out = new Map<string, UserLink>()
    for (const l of this.links.users.values()) {
      if (this.target.user(l.mondayUserId) !== undefined) out.set(l.oktaUserId, l)
    }
    for (const u of this.source.users.values()) {
      if (out.has(u.id)) continue
      const email = u.email.toLowerCase()
      const m = this.target.userNumberByName(email)
      if (m >= 0) out.set(u.id, new UserLink({ oktaUserId: u.id, mondayUserId: this.target.userOfNumber(m).id, email }, true))
    }
    return Array.from(out.values()).sort((a, b) => byString(a.oktaUserId, b.oktaUserId))
  }
}

/**
 * How many members a group had when the engine last applied a link's team: its recorded count (0
 * for a group the link never applied). Links saved before counts were kept can't tell for a group
 * they already had: undefined, which the guard treats as "had members" (it errs on holding).
 */
export const lastAppliedMembers = (link: TeamLink, groupId: string): number | undefined => {
  if (link.groupMembers !== undefined) return link.groupMembers[groupId] ?? 0
  return link.groupIds.includes(groupId as OktaGroupId) ? undefined : 0
}

/**
 * Sorted by `compare`, stably; the array itself when already in order (teams are drafted by key,
 * so a plan's blockers and warnings mostly are): no sort keys are built to find that out.
 */
const sortedWith = <A>(xs: Array<A>, compare: (a: A, b: A) => number): Array<A> => {
  for (let i = 1; i < xs.length; i++) if (compare(xs[i - 1]!, xs[i]!) > 0) return xs.slice().sort(compare)
  return xs
}

/** Blockers by key (none first), kind, id. */
const compareBlockers = (a: Blocker, b: Blocker): number =>
  byString("key" in a ? a.key : "", "key" in b ? b.key : "") || byString(a._tag, b._tag) || byString(a.id, b.id)

/** Messages first (by text), then the others by key and kind. */
const compareWarnings = (a: Warning, b: Warning): number => {
  if (a._tag === "Message") return b._tag === "Message" ? byString(a.message, b.message) : -1
  if (b._tag === "Message") return 1
  return byString(a.key, b.key) || byString(a._tag, b._tag)
}

export const toApprovalSet = (approvals: ReadonlyArray<string> | ReadonlySet<string> | undefined): ReadonlySet<string> =>
  approvals === undefined ? new Set() : approvals instanceof Set ? approvals : new Set(approvals as ReadonlyArray<string>)

export { byString, sorted }
