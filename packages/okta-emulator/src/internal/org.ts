/**
 * The emulated org's state: users, groups, memberships, the monday.com app's assignments and the
 * System Log. Every change made through here records the System Log event(s) Okta records for it.
 */
import { randomUUID } from "node:crypto"
import { oktaId } from "./ids.js"

export type UserStatus =
  | "STAGED"
  | "PROVISIONED"
  | "ACTIVE"
  | "RECOVERY"
  | "PASSWORD_EXPIRED"
  | "LOCKED_OUT"
  | "SUSPENDED"
  | "DEPROVISIONED"

export type GroupType = "OKTA_GROUP" | "APP_GROUP" | "BUILT_IN"

export interface UserRec {
  readonly id: string
  readonly seq: number
  status: UserStatus
  readonly created: string
  activated: string | null
  statusChanged: string | null
  lastUpdated: string
  passwordChanged: string | null
  profile: Record<string, unknown>
}

export interface GroupRec {
  readonly id: string
  readonly seq: number
  readonly type: GroupType
  readonly created: string
  lastUpdated: string
  lastMembershipUpdated: string
  profile: { name: string; description: string | null; [k: string]: unknown }
  readonly members: Set<string>
  sortedMembers: Array<string> | undefined
}

export interface DirectAssignment {
  readonly created: string
  status: string
  userName: string | undefined
}

export interface LogTarget {
  readonly id: string
  readonly type: string
  readonly alternateId: string
  readonly displayName: string
  readonly detailEntry: null
}

export interface LogEvent {
  readonly uuid: string
  readonly published: string
  readonly eventType: string
  readonly displayMessage: string
  readonly severity: "INFO" | "WARN"
  readonly version: "0"
  readonly legacyEventType: string | null
  readonly outcome: { readonly result: "SUCCESS"; readonly reason: null }
  readonly actor: LogTarget
  readonly client: Record<string, unknown>
  readonly authenticationContext: Record<string, unknown>
  readonly securityContext: Record<string, unknown>
  readonly request: { readonly ipChain: ReadonlyArray<unknown> }
  readonly target: ReadonlyArray<LogTarget>
  readonly transaction: { readonly type: "WEB"; readonly id: string; readonly detail: Record<string, unknown> }
  readonly debugContext: { readonly debugData: Record<string, unknown> }
}

/** A persisted event: `seq` is its position in persistence order (what `after` cursors follow). */
export interface StoredEvent {
  readonly seq: number
  readonly event: LogEvent
}

/** How the next `times` recorded events misbehave (late, back-dated, recorded twice). */
export interface LogFault {
  readonly times: number
  /** Persisted (visible) this long after it was published. */
  readonly delayMs?: number
  /** Persisted twice (same uuid). */
  readonly duplicate?: boolean
}

export interface Actor {
  readonly id: string
  readonly type: string
  readonly alternateId: string
  readonly displayName: string
}

export const ADMIN_ACTOR: Actor = {
  id: "00uADMIN00000000001d7",
  type: "User",
  alternateId: "admin@example.com",
  displayName: "Org Admin"
}

export class OrgError extends Error {
  constructor(
    readonly status: number,
    readonly errorCode: string,
    readonly summary: string,
    readonly causes: ReadonlyArray<string> = []
  ) {
    super([summary, ...causes].join(" "))
  }
}

export const notFound = (id: string, type: string) =>
  new OrgError(404, "E0000007", `Not found: Resource not found: ${id} (${type})`)

const isoNow = (now: number) => new Date(now).toISOString()

export type LifecycleOp = "activate" | "reactivate" | "deactivate" | "suspend" | "unsuspend"

/** Okta's lifecycle operations: the statuses each may start from, where it lands, its System Log message. */
export const LIFECYCLE: Record<LifecycleOp, { readonly from: ReadonlyArray<UserStatus>; readonly to: UserStatus; readonly message: string }> = {
  activate: { from: ["STAGED", "DEPROVISIONED"], to: "ACTIVE", message: "Activate Okta user" },
  // Resends the activation email; the user stays PROVISIONED until they complete it.
  reactivate: { from: ["PROVISIONED"], to: "PROVISIONED", message: "Reactivate Okta user" },
  deactivate: {
    from: ["STAGED", "PROVISIONED", "ACTIVE", "RECOVERY", "PASSWORD_EXPIRED", "LOCKED_OUT", "SUSPENDED"],
    to: "DEPROVISIONED",
    message: "Deactivate Okta user"
  },
  suspend: { from: ["ACTIVE"], to: "SUSPENDED", message: "Suspend Okta user" },
  unsuspend: { from: ["SUSPENDED"], to: "ACTIVE", message: "Unsuspend Okta user" }
}

export class Org {
  readonly users = new Map<string, UserRec>()
  readonly usersByLogin = new Map<string, string>()
  readonly groups = new Map<string, GroupRec>()
  /** Group name → ids of the groups with that name (APP_GROUPs may share one), oldest first. */
  private readonly groupsByName = new Map<string, Array<string>>()
  /** userId → groups the user is a member of. */
  readonly userGroups = new Map<string, Set<string>>()
  readonly direct = new Map<string, DirectAssignment>()
  /** Groups assigned to the app → priority and when. */
  readonly appGroups = new Map<string, { priority: number; created: string }>()
  /** userId → number of app-assigned groups the user is in (GROUP-scope app users). */
  readonly groupAssignCount = new Map<string, number>()
  /** AppUser status for GROUP-scope app users, when not the default. */
  readonly appUserStatus = new Map<string, string>()
  readonly appUserCreated = new Map<string, string>()
  readonly log: Array<StoredEvent> = []
  private pending: Array<{ readonly due: number; readonly event: LogEvent }> = []
  private logFaults: Array<LogFault> = []
  private userSeq = 0
  private groupSeq = 0
  private logSeq = 0
  private sortedUsers: Array<UserRec> | undefined
  private sortedGroups: Array<GroupRec> | undefined

  constructor(
    readonly orgUrl: () => string,
    readonly app: { readonly id: string; readonly label: string; readonly name: string; readonly created: string },
    readonly clock: () => number = Date.now
  ) {}

  // ---------------------------------------------------------------------------------------------
  // Lookups
  // ---------------------------------------------------------------------------------------------

  user(idOrLogin: string): UserRec {
    const u = this.users.get(idOrLogin) ?? this.users.get(this.usersByLogin.get(idOrLogin.toLowerCase()) ?? "")
    if (!u) throw notFound(idOrLogin, "User")
    return u
  }

  group(id: string): GroupRec {
    const g = this.groups.get(id)
    if (!g) throw notFound(id, "UserGroup")
    return g
  }

  groupByName(name: string): GroupRec | undefined {
    const ids = this.groupsByName.get(name)
    return ids === undefined ? undefined : this.groups.get(ids[0]!)
  }

  private indexName(g: GroupRec, name: string | undefined): void {
    const old = this.groupsByName.get(g.profile.name)
    if (old) {
      const rest = old.filter((id) => id !== g.id)
      if (rest.length === 0) this.groupsByName.delete(g.profile.name)
      else this.groupsByName.set(g.profile.name, rest)
    }
    if (name !== undefined) {
      // Insertion order (= seq order), so the oldest group of a name is found first.
      const ids = [...(this.groupsByName.get(name) ?? []), g.id].sort((a, b) => this.groups.get(a)!.seq - this.groups.get(b)!.seq)
      this.groupsByName.set(name, ids)
    }
  }

  usersInOrder(): ReadonlyArray<UserRec> {
    if (!this.sortedUsers) this.sortedUsers = [...this.users.values()].sort((a, b) => a.seq - b.seq)
    return this.sortedUsers
  }

  groupsInOrder(): ReadonlyArray<GroupRec> {
    if (!this.sortedGroups) this.sortedGroups = [...this.groups.values()].sort((a, b) => a.seq - b.seq)
    return this.sortedGroups
  }

  membersInOrder(g: GroupRec): ReadonlyArray<string> {
    if (!g.sortedMembers) {
      g.sortedMembers = [...g.members].sort((a, b) => this.users.get(a)!.seq - this.users.get(b)!.seq)
    }
    return g.sortedMembers
  }

  /** The AppUser scope of a user, or undefined when the user is not assigned to the app. */
  appScope(userId: string): "USER" | "GROUP" | undefined {
    if (this.direct.has(userId)) return "USER"
    return (this.groupAssignCount.get(userId) ?? 0) > 0 ? "GROUP" : undefined
  }

  appUserStatusOf(userId: string): string {
    return this.direct.get(userId)?.status ?? this.appUserStatus.get(userId) ?? "ACTIVE"
  }

  // ---------------------------------------------------------------------------------------------
  // Creation (seeding records no events; the public mutations below do)
  // ---------------------------------------------------------------------------------------------

  insertUser(input: { id?: string; status?: UserStatus; profile: Record<string, unknown> }): UserRec {
    const now = isoNow(this.clock())
    const seq = ++this.userSeq
    const id = input.id ?? oktaId("00u", seq)
    const login = String(input.profile.login ?? input.profile.email ?? "")
    if (login === "") throw new OrgError(400, "E0000001", "Api validation failed: login", ["login: The field cannot be left blank"])
    if (this.users.has(id)) throw new OrgError(400, "E0000001", `Api validation failed: id ${id} already exists`)
    if (this.usersByLogin.has(login.toLowerCase())) {
      throw new OrgError(400, "E0000001", "Api validation failed: login", [
        "login: An object with this field already exists in the current organization"
      ])
    }
    const status = input.status ?? "ACTIVE"
    const profile: Record<string, unknown> = {
      firstName: null,
      lastName: null,
      mobilePhone: null,
      secondEmail: null,
      ...input.profile,
      login,
      email: input.profile.email ?? login
    }
    const rec: UserRec = {
      id,
      seq,
      status,
      created: now,
      activated: status === "STAGED" ? null : now,
      statusChanged: status === "STAGED" ? null : now,
      lastUpdated: now,
      passwordChanged: now,
      profile
    }
    this.users.set(id, rec)
    this.usersByLogin.set(login.toLowerCase(), id)
    this.sortedUsers = undefined
    return rec
  }

  insertGroup(input: { id?: string; name: string; description?: string | null; type?: GroupType }): GroupRec {
    const now = isoNow(this.clock())
    const seq = ++this.groupSeq
    const id = input.id ?? oktaId("00g", seq)
    if (this.groups.has(id)) throw new OrgError(400, "E0000001", `Api validation failed: id ${id} already exists`)
    if ((input.type ?? "OKTA_GROUP") === "OKTA_GROUP" && this.groupByName(input.name)) {
      throw new OrgError(400, "E0000001", "Api validation failed: name", [
        "name: An object with this field already exists in the current organization"
      ])
    }
    const rec: GroupRec = {
      id,
      seq,
      type: input.type ?? "OKTA_GROUP",
      created: now,
      lastUpdated: now,
      lastMembershipUpdated: now,
      profile: { name: input.name, description: input.description ?? null },
      members: new Set(),
      sortedMembers: undefined
    }
    this.groups.set(id, rec)
    this.indexName(rec, input.name)
    this.sortedGroups = undefined
    return rec
  }

  // ---------------------------------------------------------------------------------------------
  // Mutations that Okta logs
  // ---------------------------------------------------------------------------------------------

  createUser(profile: Record<string, unknown>, activate: boolean, actor: Actor = ADMIN_ACTOR): UserRec {
    const u = this.insertUser({ status: activate ? "ACTIVE" : "STAGED", profile })
    this.record(actor, "user.lifecycle.create", "Create Okta user", [this.userTarget(u)])
    if (activate) this.record(actor, "user.lifecycle.activate", "Activate Okta user", [this.userTarget(u)])
    return u
  }

  createGroup(input: { name: string; description?: string | null }, actor: Actor = ADMIN_ACTOR): GroupRec {
    const g = this.insertGroup(input)
    this.record(actor, "group.lifecycle.create", "Create okta user group", [this.groupTarget(g)])
    return g
  }

  updateGroup(id: string, profile: { name: string; description?: string | null }, actor: Actor = ADMIN_ACTOR): GroupRec {
    const g = this.group(id)
    if (g.type !== "OKTA_GROUP") {
      throw new OrgError(400, "E0000060", "Unsupported operation.", [
        "Profile of an APP_GROUP or BUILT_IN group can't be updated"
      ])
    }
    const other = this.groupByName(profile.name)
    if (other && other.id !== id) {
      throw new OrgError(400, "E0000001", "Api validation failed: name", [
        "name: An object with this field already exists in the current organization"
      ])
    }
    this.indexName(g, profile.name)
    g.profile = { ...g.profile, name: profile.name, description: profile.description ?? g.profile.description }
    g.lastUpdated = isoNow(this.clock())
    this.record(actor, "group.profile.update", "Update group profile", [this.groupTarget(g)])
    return g
  }

  deleteGroup(id: string, actor: Actor = ADMIN_ACTOR): void {
    const g = this.group(id)
    if (g.type === "BUILT_IN") throw new OrgError(403, "E0000006", "You do not have permission to perform the requested action")
    if (this.appGroups.has(id)) this.unassignGroup(id, actor)
    for (const userId of g.members) this.userGroups.get(userId)?.delete(id)
    this.indexName(g, undefined)
    this.groups.delete(id)
    this.sortedGroups = undefined
    this.record(actor, "group.lifecycle.delete", "Delete Okta group", [this.groupTarget(g)])
  }

  addMember(groupId: string, userId: string, actor: Actor = ADMIN_ACTOR): void {
    const g = this.group(groupId)
    const u = this.user(userId)
    if (g.type !== "OKTA_GROUP") {
      throw new OrgError(400, "E0000060", "Unsupported operation.", ["Members of an APP_GROUP can't be changed in Okta"])
    }
    if (g.members.has(u.id)) return
    g.members.add(u.id)
    g.sortedMembers = undefined
    g.lastMembershipUpdated = isoNow(this.clock())
    let set = this.userGroups.get(u.id)
    if (!set) this.userGroups.set(u.id, (set = new Set()))
    set.add(g.id)
    this.record(actor, "group.user_membership.add", "Add user to group membership", [
      this.userTarget(u),
      this.groupTarget(g)
    ])
    if (this.appGroups.has(g.id)) this.bumpGroupAssign(u, +1, actor)
  }

  removeMember(groupId: string, userId: string, actor: Actor = ADMIN_ACTOR): void {
    const g = this.group(groupId)
    const u = this.user(userId)
    if (!g.members.has(u.id)) return
    g.members.delete(u.id)
    g.sortedMembers = undefined
    g.lastMembershipUpdated = isoNow(this.clock())
    this.userGroups.get(u.id)?.delete(g.id)
    this.record(actor, "group.user_membership.remove", "Remove user from group membership", [
      this.userTarget(u),
      this.groupTarget(g)
    ])
    if (this.appGroups.has(g.id)) this.bumpGroupAssign(u, -1, actor)
  }

  assignUser(userId: string, opts: { status?: string; userName?: string } = {}, actor: Actor = ADMIN_ACTOR): void {
    const u = this.user(userId)
    const had = this.appScope(u.id)
    const existing = this.direct.get(u.id)
    const userName = opts.userName ?? existing?.userName
    this.direct.set(u.id, {
      created: existing?.created ?? isoNow(this.clock()),
      status: opts.status ?? existing?.status ?? this.appUserStatus.get(u.id) ?? "ACTIVE",
      userName
    })
    if (!this.appUserCreated.has(u.id)) this.appUserCreated.set(u.id, isoNow(this.clock()))
    if (had === undefined) this.recordAppUser(u, "application.user_membership.add", "Add user to application membership", actor)
  }

  unassignUser(userId: string, actor: Actor = ADMIN_ACTOR): void {
    const u = this.user(userId)
    if (!this.direct.has(u.id)) throw notFound(u.id, "AppUser")
    const d = this.direct.get(u.id)!
    this.direct.delete(u.id)
    if (this.appScope(u.id) === undefined) {
      this.appUserCreated.delete(u.id)
      this.recordAppUser(u, "application.user_membership.remove", "Remove user from application membership", actor)
    } else if (d.status !== "ACTIVE") {
      this.appUserStatus.set(u.id, d.status)
    }
  }

  assignGroup(groupId: string, priority: number | undefined, actor: Actor = ADMIN_ACTOR): void {
    const g = this.group(groupId)
    if (this.appGroups.has(g.id)) return
    this.appGroups.set(g.id, { priority: priority ?? this.appGroups.size, created: isoNow(this.clock()) })
    this.record(actor, "group.application_assignment.add", "Add assigned application to group", [
      this.groupTarget(g),
      this.appTarget()
    ])
    for (const userId of this.membersInOrder(g)) this.bumpGroupAssign(this.users.get(userId)!, +1, actor)
  }

  unassignGroup(groupId: string, actor: Actor = ADMIN_ACTOR): void {
    const g = this.group(groupId)
    if (!this.appGroups.has(g.id)) throw notFound(g.id, "ApplicationGroupAssignment")
    this.appGroups.delete(g.id)
    this.record(actor, "group.application_assignment.remove", "Remove assigned application from group", [
      this.groupTarget(g),
      this.appTarget()
    ])
    for (const userId of this.membersInOrder(g)) this.bumpGroupAssign(this.users.get(userId)!, -1, actor)
  }

  private bumpGroupAssign(u: UserRec, by: 1 | -1, actor: Actor): void {
    const before = this.appScope(u.id)
    const n = (this.groupAssignCount.get(u.id) ?? 0) + by
    if (n <= 0) this.groupAssignCount.delete(u.id)
    else this.groupAssignCount.set(u.id, n)
    const after = this.appScope(u.id)
    if (before === undefined && after !== undefined) {
      this.appUserCreated.set(u.id, isoNow(this.clock()))
      this.recordAppUser(u, "application.user_membership.add", "Add user to application membership", actor)
    } else if (before !== undefined && after === undefined) {
      this.appUserCreated.delete(u.id)
      this.appUserStatus.delete(u.id)
      this.recordAppUser(u, "application.user_membership.remove", "Remove user from application membership", actor)
    }
  }

  /**
   * One of Okta's lifecycle operations (`POST /users/{id}/lifecycle/{op}`), logged as Okta logs that
   * operation: the event follows the operation, not the status it lands in (activating a deactivated
   * user is `user.lifecycle.activate`; `reactivate` resends activation to a PROVISIONED user).
   */
  lifecycle(userId: string, op: LifecycleOp, actor: Actor = ADMIN_ACTOR): UserRec {
    const u = this.user(userId)
    const rule = LIFECYCLE[op]
    if (!rule.from.includes(u.status)) {
      throw new OrgError(403, "E0000001", `Api validation failed: Cannot ${op} a user that is ${u.status}`)
    }
    this.moveTo(u, rule.to, actor, `user.lifecycle.${op}`, rule.message)
    return u
  }

  /**
   * A test shortcut: puts a user in `status` through the operation an admin would use for it, or, for
   * statuses no admin operation reaches (LOCKED_OUT, PASSWORD_EXPIRED, RECOVERY), directly.
   */
  setUserStatus(userId: string, status: UserStatus, actor: Actor = ADMIN_ACTOR): void {
    const u = this.user(userId)
    if (u.status === status) return
    const op = (Object.keys(LIFECYCLE) as Array<LifecycleOp>).find((o) =>
      LIFECYCLE[o].to === status && LIFECYCLE[o].from.includes(u.status)
    )
    if (op !== undefined) this.lifecycle(u.id, op, actor)
    else this.moveTo(u, status, actor, "user.account.update_profile", "Update user profile for Okta")
  }

  private moveTo(u: UserRec, status: UserStatus, actor: Actor, eventType: string, message: string): void {
    const now = isoNow(this.clock())
    u.status = status
    u.statusChanged = now
    u.lastUpdated = now
    if (status === "ACTIVE" && u.activated === null) u.activated = now
    this.record(actor, eventType, message, [this.userTarget(u)])
  }

  /** Okta deletes only deactivated users; a second DELETE of an active user deactivates it first. */
  deleteUser(userId: string, actor: Actor = ADMIN_ACTOR): void {
    const u = this.user(userId)
    if (u.status !== "DEPROVISIONED") {
      this.setUserStatus(u.id, "DEPROVISIONED", actor)
      return
    }
    for (const gid of [...(this.userGroups.get(u.id) ?? [])]) {
      const g = this.groups.get(gid)
      if (g) {
        g.members.delete(u.id)
        g.sortedMembers = undefined
      }
    }
    this.userGroups.delete(u.id)
    this.direct.delete(u.id)
    this.groupAssignCount.delete(u.id)
    this.appUserStatus.delete(u.id)
    this.appUserCreated.delete(u.id)
    this.users.delete(u.id)
    this.usersByLogin.delete(String(u.profile.login).toLowerCase())
    this.sortedUsers = undefined
    this.record(actor, "user.lifecycle.delete.completed", "Delete Okta user completed", [this.userTarget(u)])
  }

  updateUser(userId: string, patch: Record<string, unknown>, actor: Actor = ADMIN_ACTOR): UserRec {
    const u = this.user(userId)
    const oldLogin = String(u.profile.login).toLowerCase()
    const before = u.profile.email
    const next = { ...u.profile, ...patch }
    const newLogin = String(next.login ?? "").toLowerCase()
    if (newLogin === "") throw new OrgError(400, "E0000001", "Api validation failed: login", ["login: The field cannot be left blank"])
    if (newLogin !== oldLogin && this.usersByLogin.has(newLogin)) {
      throw new OrgError(400, "E0000001", "Api validation failed: login", [
        "login: An object with this field already exists in the current organization"
      ])
    }
    u.profile = next
    u.lastUpdated = isoNow(this.clock())
    this.usersByLogin.delete(oldLogin)
    this.usersByLogin.set(newLogin, u.id)
    this.record(actor, "user.account.update_profile", "Update user profile for Okta", [this.userTarget(u)])
    // The app's username template is ${source.email}: a new email renames the app user.
    if (this.appScope(u.id) !== undefined && this.direct.get(u.id)?.userName === undefined && before !== next.email) {
      this.recordAppUser(u, "application.user_membership.change_username", "Change app user name", actor)
    }
    return u
  }

  // ---------------------------------------------------------------------------------------------
  // System Log
  // ---------------------------------------------------------------------------------------------

  setLogFaults(faults: ReadonlyArray<LogFault>): void {
    this.logFaults = faults.map((f) => ({ ...f }))
  }

  /** Makes every event whose persistence time has come visible, in persistence order. */
  flushLog(): void {
    if (this.pending.length === 0) return
    const now = this.clock()
    const due = this.pending.filter((p) => p.due <= now).sort((a, b) => a.due - b.due)
    if (due.length === 0) return
    this.pending = this.pending.filter((p) => p.due > now)
    for (const p of due) this.log.push({ seq: ++this.logSeq, event: p.event })
  }

  /** The highest persistence seq so far (polling cursors start past it). */
  get lastLogSeq(): number {
    return this.logSeq
  }

  private record(actor: Actor, eventType: string, displayMessage: string, target: ReadonlyArray<LogTarget>): void {
    const now = this.clock()
    const event: LogEvent = {
      uuid: randomUUID(),
      published: isoNow(now),
      eventType,
      displayMessage,
      severity: "INFO",
      version: "0",
      legacyEventType: null,
      outcome: { result: "SUCCESS", reason: null },
      actor: { ...actor, detailEntry: null },
      client: { userAgent: { rawUserAgent: "okta-emulator", os: "Unknown", browser: "UNKNOWN" }, zone: "null", device: "Unknown", id: null, ipAddress: "127.0.0.1", geographicalContext: null },
      authenticationContext: { authenticationProvider: null, credentialProvider: null, credentialType: null, issuer: null, interface: null, authenticationStep: 0, externalSessionId: "trs-emulator" },
      securityContext: { asNumber: null, asOrg: null, isp: null, domain: null, isProxy: null },
      request: { ipChain: [] },
      target,
      transaction: { type: "WEB", id: randomUUID().replaceAll("-", "").slice(0, 20), detail: {} },
      debugContext: { debugData: { requestUri: "/api/v1", threatSuspected: "false" } }
    }
    const fault = this.logFaults[0]
    if (fault) {
      this.logFaults[0] = { ...fault, times: fault.times - 1 }
      if (this.logFaults[0].times <= 0) this.logFaults.shift()
    }
    const delay = fault?.delayMs ?? 0
    if (delay > 0) this.pending.push({ due: now + delay, event })
    else {
      this.flushLog()
      this.log.push({ seq: ++this.logSeq, event })
    }
    if (fault?.duplicate) this.pending.push({ due: now + Math.max(delay, 1), event })
  }

  private recordAppUser(u: UserRec, eventType: string, message: string, actor: Actor): void {
    this.record(actor, eventType, message, [
      {
        id: `0ua${u.id.slice(3)}`,
        type: "AppUser",
        alternateId: String(u.profile.email ?? u.profile.login),
        displayName: displayName(u),
        detailEntry: null
      },
      this.appTarget(),
      this.userTarget(u)
    ])
  }

  userTarget(u: UserRec): LogTarget {
    return { id: u.id, type: "User", alternateId: String(u.profile.login), displayName: displayName(u), detailEntry: null }
  }

  groupTarget(g: GroupRec): LogTarget {
    return { id: g.id, type: "UserGroup", alternateId: "unknown", displayName: g.profile.name, detailEntry: null }
  }

  appTarget(): LogTarget {
    return { id: this.app.id, type: "AppInstance", alternateId: this.app.label, displayName: this.app.label, detailEntry: null }
  }
}

const displayName = (u: UserRec): string =>
  [u.profile.firstName, u.profile.lastName].filter((s) => typeof s === "string" && s.length > 0).join(" ") ||
  String(u.profile.login)
