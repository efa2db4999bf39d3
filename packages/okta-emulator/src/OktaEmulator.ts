/**
 * A local Okta Management API server the real `@okta/okta-sdk-nodejs` runs against: start it
 * in-process (`startOktaEmulator`, or the scoped `layer`), seed or generate an org, change it the
 * way an admin would (each change records its System Log event), and inject faults.
 */
import { Context, Effect, Layer } from "effect"
import { createServer, type Server } from "node:http"
import type { AddressInfo } from "node:net"
import { makeRng } from "./internal/ids.js"
import { type GroupType, type LogFault, Org, type UserStatus } from "./internal/org.js"
import {
  type FaultRule,
  makeHandler,
  RateLimiter,
  type RateLimitSetting,
  type RateLimitWindow,
  type ServerState,
  type ServiceApp,
  type TokenOptions
} from "./internal/server.js"

export type { FaultRule, LogFault, RateLimitSetting, RateLimitWindow, ServiceApp, TokenOptions, GroupType, UserStatus }
export { RATE_LIMIT_PRESETS } from "./internal/server.js"

export interface OktaEmulatorOptions {
  readonly port?: number
  readonly host?: string
  /** Rate-limit buckets: a preset, `"off"`, or per-bucket limits (missing buckets take the enterprise figure). */
  readonly rateLimits?: RateLimitSetting
  /** Length of a rate-limit window; Okta's is 60 s. Shorter windows let benchmarks run the limits quickly. */
  readonly rateLimitWindowMs?: number
  /** Seed for generated data (ids are sequential either way). */
  readonly seed?: number
  /** The SSWS token the emulator accepts; random when absent. */
  readonly token?: string
  /** The monday.com app instance id. */
  readonly appId?: string
  /**
   * Link `next` from every full page of a list, the last one too, so a list whose size is a multiple of
   * `limit` ends with an empty page. Okta's docs only promise `next` "when there is more"; the recorded
   * sessions never reach a second page, so neither behaviour is ruled out: this one is the costlier.
   */
  readonly nextOnFullLastPage?: boolean
}

export interface SeedUser {
  readonly id?: string
  readonly status?: UserStatus
  readonly profile: { readonly login: string; readonly email?: string; readonly firstName?: string; readonly lastName?: string } & Record<string, unknown>
}

export interface SeedGroup {
  readonly id?: string
  readonly name: string
  readonly description?: string
  readonly type?: GroupType
  /** User ids or logins. */
  readonly members?: ReadonlyArray<string>
}

export interface SeedAssignment {
  /** User id or login. */
  readonly user: string
  /** AppUser status (ACTIVE, PROVISIONED, PENDING, …). Default ACTIVE. */
  readonly status?: string
  readonly userName?: string
}

/** Plain data for an org; users and groups may be referred to by id, login or group name. */
export interface OrgSeed {
  readonly users?: ReadonlyArray<SeedUser>
  readonly groups?: ReadonlyArray<SeedGroup>
  readonly memberships?: ReadonlyArray<{ readonly group: string; readonly user: string }>
  readonly assignments?: {
    readonly users?: ReadonlyArray<string | SeedAssignment>
    /** Group ids or names assigned to the app. */
    readonly groups?: ReadonlyArray<string>
  }
}

export interface GenerateSpec {
  readonly users: number
  readonly groups: number
  /** Total memberships, spread over groups with Zipf-like sizes (a few huge groups, many small ones). */
  readonly memberships: number
  readonly seed?: number
  /** Zipf exponent for group sizes. Default 1. */
  readonly skew?: number
  /** Share of users assigned to the app directly. Default 0.9. */
  readonly assignedShare?: number
  /** Share of assigned users whose AppUser status is PENDING. Default 0.02. */
  readonly pendingShare?: number
  /** Share of users SUSPENDED in Okta. Default 0.01. */
  readonly suspendedShare?: number
  /** Share of users DEPROVISIONED in Okta. Default 0.01. */
  readonly deprovisionedShare?: number
  /** Number of groups (the largest first) assigned to the app. Default 0. */
  readonly assignedGroups?: number
  /** Group name prefix. Default "Group". */
  readonly groupPrefix?: string
}

export interface EmulatorSettings {
  readonly rateLimits?: RateLimitSetting
  readonly rateLimitWindowMs?: number
  /** Answer every list endpoint with an empty 200 list (a token without an admin role). */
  readonly emptyLists?: boolean
  readonly nextOnFullLastPage?: boolean
}

export interface OrgState {
  readonly users: ReadonlyArray<{ id: string; status: UserStatus; profile: Record<string, unknown> }>
  readonly groups: ReadonlyArray<{ id: string; name: string; type: GroupType; description: string | null; members: ReadonlyArray<string> }>
  readonly assignments: ReadonlyArray<{ userId: string; scope: "USER" | "GROUP"; status: string; userName: string }>
  readonly assignedGroupIds: ReadonlyArray<string>
  readonly logEvents: number
}

export interface OktaEmulator {
  /** `http://127.0.0.1:PORT`, no trailing slash. */
  readonly orgUrl: string
  /** An SSWS API token with full rights. */
  readonly token: string
  /** The monday.com app instance id. */
  readonly appId: string
  seed(org: OrgSeed): void
  generate(spec: GenerateSpec): { userIds: ReadonlyArray<string>; groupIds: ReadonlyArray<string> }
  addMember(groupId: string, userId: string): void
  removeMember(groupId: string, userId: string): void
  createGroup(input: { name: string; description?: string }): string
  renameGroup(id: string, name: string): void
  deleteGroup(id: string): void
  assignUser(userId: string, opts?: { status?: string; userName?: string }): void
  unassignUser(userId: string): void
  assignGroup(groupId: string, priority?: number): void
  unassignGroup(groupId: string): void
  setUserStatus(userId: string, status: UserStatus): void
  updateUser(userId: string, profilePatch: Record<string, unknown>): void
  createUser(profile: SeedUser["profile"], opts?: { activate?: boolean }): string
  /** Hard-deletes a DEPROVISIONED user (deactivates an active one first, as Okta does). */
  deleteUser(userId: string): void
  addToken(token: string, opts?: TokenOptions): void
  removeToken(token: string): void
  registerServiceApp(app: ServiceApp): void
  /** The next matching requests fail or wait (replaces earlier rules). */
  setFaults(faults: ReadonlyArray<FaultRule>): void
  /** The next recorded System Log events arrive late and/or twice. */
  setLogFaults(faults: ReadonlyArray<LogFault>): void
  setOptions(settings: EmulatorSettings): void
  /** Requests per `"METHOD /path/template"`. */
  counters(): Record<string, number>
  /**
   * Each rate-limit window per bucket since the last `resetCounters`: requests, 429s, and the lowest
   * `X-Rate-Limit-Remaining` sent, to check that a client leaves the share of the bucket it promised free.
   */
  rateLimitWindows(): ReadonlyArray<RateLimitWindow>
  /** The most requests the server was answering at once since the last `resetCounters`. */
  peakInFlight(): number
  /** Clears the counters, the rate-limit window history (not the buckets themselves) and the peak. */
  resetCounters(): void
  state(): OrgState
  close(): Promise<void>
}

const resolveUser = (org: Org, ref: string): string => org.user(ref).id
const resolveGroup = (org: Org, ref: string): string => (org.groups.get(ref) ?? org.groupByName(ref) ?? org.group(ref)).id

/** Starts an emulator on 127.0.0.1 (port 0 = random unless given). */
export const startOktaEmulator = async (options: OktaEmulatorOptions = {}): Promise<OktaEmulator> => {
  let orgUrl = ""
  const appId = options.appId ?? "0oaMONDAY0000000001d7"
  const org = new Org(() => orgUrl, { id: appId, label: "monday.com", name: "mondaycom", created: new Date().toISOString() })
  const token = options.token ?? `00${Buffer.from(crypto.getRandomValues(new Uint8Array(30))).toString("base64url")}`
  const state: ServerState = {
    org,
    limiter: new RateLimiter(options.rateLimits ?? "off", options.rateLimitWindowMs ?? 60_000),
    tokens: new Map([[token, {}]]),
    serviceApps: new Map(),
    accessTokens: new Map(),
    usedJtis: new Set(),
    counters: new Map(),
    faults: [],
    emptyLists: false,
    nextOnFullLastPage: options.nextOnFullLastPage ?? false
  }
  const handler = makeHandler(state)
  const load = { now: 0, peak: 0 }
  const server: Server = createServer((req, res) => {
    load.now++
    load.peak = Math.max(load.peak, load.now)
    res.once("close", () => load.now--)
    handler(req, res).catch((e) => {
      res.statusCode = 500
      res.end(String(e))
    })
  })
  server.keepAliveTimeout = 5_000
  const host = options.host ?? "127.0.0.1"
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject)
    server.listen(options.port ?? 0, host, () => resolve())
  })
  const port = (server.address() as AddressInfo).port
  orgUrl = `http://${host}:${port}`
  const rngSeed = options.seed ?? 1

  const emulator: OktaEmulator = {
    orgUrl,
    token,
    appId,
    seed(seed) {
      for (const u of seed.users ?? []) {
        org.insertUser({ ...(u.id ? { id: u.id } : {}), ...(u.status ? { status: u.status } : {}), profile: { ...u.profile } })
      }
      const quietly = <A>(f: () => A): A => withoutLog(org, f)
      for (const g of seed.groups ?? []) {
        const rec = org.insertGroup({
          ...(g.id ? { id: g.id } : {}),
          name: g.name,
          description: g.description ?? null,
          ...(g.type ? { type: g.type } : {})
        })
        for (const m of g.members ?? []) quietly(() => addMemberRaw(org, rec.id, resolveUser(org, m)))
      }
      for (const m of seed.memberships ?? []) {
        quietly(() => addMemberRaw(org, resolveGroup(org, m.group), resolveUser(org, m.user)))
      }
      for (const a of seed.assignments?.users ?? []) {
        const s = typeof a === "string" ? { user: a } : a
        quietly(() =>
          org.assignUser(resolveUser(org, s.user), {
            ...(s.status ? { status: s.status } : {}),
            ...(s.userName ? { userName: s.userName } : {})
          })
        )
      }
      for (const g of seed.assignments?.groups ?? []) quietly(() => org.assignGroup(resolveGroup(org, g), undefined))
    },
    generate(spec) {
      return withoutLog(org, () => generateOrg(org, { seed: rngSeed, ...spec }))
    },
    addMember: (g, u) => org.addMember(g, u),
    removeMember: (g, u) => org.removeMember(g, u),
    createGroup: (input) => org.createGroup(input).id,
    renameGroup: (id, name) => void org.updateGroup(id, { name }),
    deleteGroup: (id) => org.deleteGroup(id),
    assignUser: (u, opts) => org.assignUser(u, opts ?? {}),
    unassignUser: (u) => org.unassignUser(u),
    assignGroup: (g, p) => org.assignGroup(g, p),
    unassignGroup: (g) => org.unassignGroup(g),
    setUserStatus: (u, s) => org.setUserStatus(u, s),
    updateUser: (u, p) => void org.updateUser(u, p),
    createUser: (profile, opts) => org.createUser({ ...profile }, opts?.activate ?? true).id,
    deleteUser: (u) => org.deleteUser(u),
    addToken: (t, opts) => void state.tokens.set(t, opts ?? {}),
    removeToken: (t) => void state.tokens.delete(t),
    registerServiceApp: (app) => void state.serviceApps.set(app.clientId, app),
    setFaults: (faults) => {
      state.faults = faults.map((f) => ({ ...f, remaining: f.times }))
    },
    setLogFaults: (faults) => org.setLogFaults(faults),
    setOptions: (s) => {
      if (s.rateLimits !== undefined) state.limiter.setting = s.rateLimits
      if (s.rateLimitWindowMs !== undefined) state.limiter.windowMs = s.rateLimitWindowMs
      if (s.rateLimits !== undefined || s.rateLimitWindowMs !== undefined) state.limiter.reset()
      if (s.emptyLists !== undefined) state.emptyLists = s.emptyLists
      if (s.nextOnFullLastPage !== undefined) state.nextOnFullLastPage = s.nextOnFullLastPage
    },
    counters: () => Object.fromEntries(state.counters),
    rateLimitWindows: () => state.limiter.recorded(),
    peakInFlight: () => load.peak,
    resetCounters: () => {
      state.counters.clear()
      state.limiter.clearHistory()
      load.peak = load.now
    },
    state: () => {
      org.flushLog()
      return {
        users: org.usersInOrder().map((u) => ({ id: u.id, status: u.status, profile: { ...u.profile } })),
        groups: org.groupsInOrder().map((g) => ({
          id: g.id,
          name: g.profile.name,
          type: g.type,
          description: g.profile.description,
          members: [...org.membersInOrder(g)]
        })),
        assignments: org.usersInOrder().flatMap((u) => {
          const scope = org.appScope(u.id)
          return scope === undefined
            ? []
            : [{
              userId: u.id,
              scope,
              status: org.appUserStatusOf(u.id),
              userName: org.direct.get(u.id)?.userName ?? String(u.profile.email ?? u.profile.login)
            }]
        }),
        assignedGroupIds: org.groupsInOrder().filter((g) => org.appGroups.has(g.id)).map((g) => g.id),
        logEvents: org.log.length
      }
    },
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.closeAllConnections()
        server.close((e) => (e ? reject(e) : resolve()))
      })
  }
  return emulator
}

/** Seeding and generating build the starting org: nothing of it belongs in the System Log. */
const withoutLog = <A>(org: Org, f: () => A): A => {
  const before = org.log.length
  const result = f()
  org.log.length = before
  return result
}

const addMemberRaw = (org: Org, groupId: string, userId: string) => {
  const g = org.group(groupId)
  if (g.type !== "OKTA_GROUP") {
    // Seeds may fill APP_GROUPs (their members come from an app in a real org).
    if (g.members.has(userId)) return
    g.members.add(userId)
    g.sortedMembers = undefined
    let s = org.userGroups.get(userId)
    if (!s) org.userGroups.set(userId, (s = new Set()))
    s.add(groupId)
    return
  }
  org.addMember(groupId, userId)
}

const generateOrg = (org: Org, spec: GenerateSpec & { seed: number }) => {
  const rng = makeRng(spec.seed)
  const userIds: Array<string> = []
  const suspended = spec.suspendedShare ?? 0.01
  const deprovisioned = spec.deprovisionedShare ?? 0.01
  const offset = org.users.size
  for (let i = 0; i < spec.users; i++) {
    const r = rng()
    const status: UserStatus = r < deprovisioned ? "DEPROVISIONED" : r < deprovisioned + suspended ? "SUSPENDED" : "ACTIVE"
    const n = offset + i
    const u = org.insertUser({
      status,
      profile: {
        firstName: `First${n}`,
        lastName: `Last${n}`,
        login: `user${n}@example.com`,
        email: `user${n}@example.com`,
        department: `Dept${n % 17}`
      }
    })
    userIds.push(u.id)
  }
  const groupIds: Array<string> = []
  const prefix = spec.groupPrefix ?? "Group"
  const gOffset = org.groups.size
  for (let i = 0; i < spec.groups; i++) {
    groupIds.push(org.insertGroup({ name: `${prefix} ${gOffset + i}`, description: `Generated group ${gOffset + i}` }).id)
  }
  // Zipf-like sizes: weight 1/rank^s, scaled to the requested total, capped at the user count.
  const s = spec.skew ?? 1
  const weights = groupIds.map((_, i) => 1 / Math.pow(i + 1, s))
  const total = weights.reduce((a, b) => a + b, 0)
  let remaining = Math.min(spec.memberships, spec.users * spec.groups)
  const sizes = weights.map((w) => Math.min(spec.users, Math.max(1, Math.round((w / total) * spec.memberships))))
  // Fix rounding so the sizes add up exactly (where the caps allow).
  let sum = sizes.reduce((a, b) => a + b, 0)
  for (let i = sizes.length - 1; sum > remaining && i >= 0; i--) {
    const cut = Math.min(sizes[i]! - 1, sum - remaining)
    sizes[i]! -= cut
    sum -= cut
  }
  for (let i = 0; sum < remaining && i < sizes.length; i++) {
    const add = Math.min(spec.users - sizes[i]!, remaining - sum)
    sizes[i]! += add
    sum += add
  }
  for (let gi = 0; gi < groupIds.length && spec.users > 0; gi++) {
    const g = org.groups.get(groupIds[gi]!)!
    const size = Math.min(sizes[gi]!, spec.users, remaining)
    remaining -= size
    // A random window of users (with random start) keeps generation O(memberships).
    const start = Math.floor(rng() * spec.users)
    const stride = size >= spec.users ? 1 : 1 + Math.floor(rng() * Math.max(1, Math.floor(spec.users / size) - 1))
    for (let k = 0; k < size; k++) {
      const uid = userIds[(start + k * stride) % spec.users]!
      if (g.members.has(uid)) {
        // Stride collisions wrap around: take the next free user.
        let j = (start + k * stride + 1) % spec.users
        while (g.members.has(userIds[j]!)) j = (j + 1) % spec.users
        addMemberRaw(org, g.id, userIds[j]!)
      } else {
        addMemberRaw(org, g.id, uid)
      }
    }
  }
  const assigned = spec.assignedShare ?? 0.9
  const pending = spec.pendingShare ?? 0.02
  for (const uid of userIds) {
    if (rng() < assigned) org.assignUser(uid, { status: rng() < pending ? "PENDING" : "ACTIVE" })
  }
  for (const gid of groupIds.slice(0, spec.assignedGroups ?? 0)) org.assignGroup(gid, undefined)
  return { userIds, groupIds }
}

/** The emulator as a scoped service: started when the layer builds, closed with its scope. */
export class OktaEmulatorService extends Context.Tag("@okta-monday/okta-emulator/OktaEmulator")<
  OktaEmulatorService,
  OktaEmulator
>() {
  static readonly layer = (options: OktaEmulatorOptions = {}): Layer.Layer<OktaEmulatorService> =>
    Layer.scoped(
      OktaEmulatorService,
      Effect.acquireRelease(
        Effect.promise(() => startOktaEmulator(options)),
        (emulator) => Effect.promise(() => emulator.close())
      )
    )
}
