/**
 * The links held as indexes (by team, by group, by name; user links by Okta id). Links in the
 * order `reconcileLinks` gives them (teams by id, users by Okta id, each once) can change in place
 * link by link; the `Links` value they stand for is rebuilt from sorted lists when asked, with a
 * copy of a list only after a value that shares it was handed out.
 */
import { Links } from "../Domain.js"
import type { TeamLink, UserLink } from "../Domain.js"


const pushTo = <K, V>(map: Map<K, Array<V>>, k: K, v: V) => {
  const xs = map.get(k)
  if (xs === undefined) map.set(k, [v])
  else xs.push(v)
}

const pull = <K, V>(map: Map<K, Array<V>>, k: K, v: V) => {
  const xs = map.get(k)
  if (xs === undefined) return
  const i = xs.indexOf(v)
  if (i >= 0) xs.splice(i, 1)
  if (xs.length === 0) map.delete(k)
}

/** A list sorted by a string id, shared with a handed-out value until it changes (then copied once). */
class SortedList<A> {
  private shared = true
  constructor(private items: Array<A>, private readonly idOf: (a: A) => string) {}

  /** The list as it is now; it stays as it is (a later change copies it first). */
  share(): ReadonlyArray<A> {
    this.shared = true
    return this.items
  }

  private find(id: string): number {
    let lo = 0
    let hi = this.items.length
    while (lo < hi) {
      const mid = (lo + hi) >>> 1
      if (this.idOf(this.items[mid]!) < id) lo = mid + 1
      else hi = mid
    }
    return lo
  }

  private own(): Array<A> {
    if (this.shared) {
      this.items = this.items.slice()
      this.shared = false
    }
    return this.items
  }

  set(a: A): void {
    const id = this.idOf(a)
    const i = this.find(id)
    const items = this.own()
    if (i < items.length && this.idOf(items[i]!) === id) items[i] = a
    else items.splice(i, 0, a)
  }

  delete(id: string): void {
    const i = this.find(id)
    if (i < this.items.length && this.idOf(this.items[i]!) === id) this.own().splice(i, 1)
  }
}

export class LinkIndex {
  readonly byTeam = new Map<string, TeamLink>()
  readonly byGroup = new Map<string, Array<TeamLink>>()
  readonly byName = new Map<string, Array<TeamLink>>()
  readonly users = new Map<string, UserLink>()
  private value: Links | undefined
  /** Set when the links are in `reconcileLinks` order, each once: then they can change in place. */
  private readonly sortedTeams: SortedList<TeamLink> | undefined
  private readonly sortedUsers: SortedList<UserLink> | undefined

  /** `ordered`: the links are sorted (teams by id, users by Okta id) and list each id once. */
  constructor(links: Links, ordered = false) {
    this.value = links
    for (const l of links.teams) {
      this.byTeam.set(l.teamId, l)
      for (const g of new Set(l.groupIds)) pushTo(this.byGroup, g, l)
      pushTo(this.byName, l.displayName, l)
    }
    for (const u of links.users) this.users.set(u.oktaUserId, u)
    if (ordered) {
      this.sortedTeams = new SortedList(links.teams as Array<TeamLink>, (l) => l.teamId)
      this.sortedUsers = new SortedList(links.users as Array<UserLink>, (u) => u.oktaUserId)
    }
  }

  /** Whether the links can change in place (see the constructor). */
  get updatable(): boolean {
    return this.sortedTeams !== undefined
  }

  /**
   * The links as they stand: the value given until a change, then rebuilt (O(1) plus a copy of
   * the lists changed since the last one).
   */
  get links(): Links {
    if (this.value === undefined) {
      this.value = new Links({ teams: this.sortedTeams!.share(), users: this.sortedUsers!.share() }, true)
    }
    return this.value
  }

  /** Every team link (every entry of the value given, until a change). */
  teamLinks(): Iterable<TeamLink> {
    return this.sortedTeams === undefined ? this.value!.teams : this.byTeam.values()
  }

  /** Adds or replaces the link of a team; returns the link it replaced. */
  setTeam(link: TeamLink): TeamLink | undefined {
    if (this.sortedTeams === undefined) throw new Error("links given out of order can't change in place")
    const old = this.byTeam.get(link.teamId)
    if (old !== undefined) this.unindex(old)
    this.byTeam.set(link.teamId, link)
    for (const g of new Set(link.groupIds)) pushTo(this.byGroup, g, link)
    pushTo(this.byName, link.displayName, link)
    this.sortedTeams.set(link)
    this.value = undefined
    return old
  }

  /** Drops the link of a team; returns it. */
  removeTeam(teamId: string): TeamLink | undefined {
    if (this.sortedTeams === undefined) throw new Error("links given out of order can't change in place")
    const old = this.byTeam.get(teamId)
    if (old === undefined) return undefined
    this.byTeam.delete(teamId)
    this.unindex(old)
    this.sortedTeams.delete(teamId)
    this.value = undefined
    return old
  }

  private unindex(old: TeamLink): void {
    for (const g of new Set(old.groupIds)) pull(this.byGroup, g, old)
    pull(this.byName, old.displayName, old)
  }

  setUser(link: UserLink): void {
    if (this.sortedUsers === undefined) throw new Error("links given out of order can't change in place")
    this.users.set(link.oktaUserId, link)
    this.sortedUsers.set(link)
    this.value = undefined
  }
}
