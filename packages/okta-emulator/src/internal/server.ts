/**
 * The HTTP side of the emulator: routing, SSWS / OAuth bearer auth with per-client scopes, the
 * OAuth client-credentials token endpoint, per-family rate-limit buckets, injected faults,
 * request counters, and Okta's paging (`limit`, opaque `after`, absolute `link` headers).
 */
import { createPublicKey, type JsonWebKey, randomBytes, verify as verifySignature } from "node:crypto"
import type { IncomingMessage, ServerResponse } from "node:http"
import { errorId, decodeCursor, encodeCursor } from "./ids.js"
import { type Expr, FilterSyntaxError, matches, parseFilter } from "../OktaFilter.js"
import {
  type Actor,
  ADMIN_ACTOR,
  type GroupRec,
  LIFECYCLE,
  type LifecycleOp,
  notFound,
  type Org,
  OrgError,
  type UserRec
} from "./org.js"
import { renderApp, renderAppGroup, renderAppUser, renderGroup, renderUser } from "./render.js"

// -----------------------------------------------------------------------------------------------
// Rate limits
// -----------------------------------------------------------------------------------------------

export type Bucket = "api/v1/apps" | "api/v1/groups" | "api/v1/groups/{id}" | "api/v1/users" | "api/v1/logs" | "oauth2/v1/token"

export const RATE_LIMIT_PRESETS: Record<"enterprise" | "workforce" | "developer", Record<Bucket, number>> = {
  enterprise: {
    "api/v1/apps": 100,
    "api/v1/groups": 600,
    "api/v1/groups/{id}": 600,
    "api/v1/users": 600,
    "api/v1/logs": 50,
    "oauth2/v1/token": 600
  },
  workforce: {
    "api/v1/apps": 100,
    "api/v1/groups": 500,
    "api/v1/groups/{id}": 1000,
    "api/v1/users": 600,
    "api/v1/logs": 120,
    "oauth2/v1/token": 600
  },
  developer: {
    "api/v1/apps": 20,
    "api/v1/groups": 100,
    "api/v1/groups/{id}": 100,
    "api/v1/users": 100,
    "api/v1/logs": 20,
    "oauth2/v1/token": 100
  }
}

export type RateLimitSetting = "enterprise" | "workforce" | "developer" | "off" | Partial<Record<string, number>>

const bucketOf = (path: string): Bucket =>
  path.startsWith("/oauth2/")
    ? "oauth2/v1/token"
    : path.startsWith("/api/v1/apps")
    ? "api/v1/apps"
    : path.startsWith("/api/v1/logs")
    ? "api/v1/logs"
    : /^\/api\/v1\/groups\/[^/]+$/.test(path)
    ? "api/v1/groups/{id}"
    : path.startsWith("/api/v1/groups")
    ? "api/v1/groups"
    : "api/v1/users"

const OFF_LIMIT = 1_000_000

/** What one bucket saw in one rate-limit window: a test control for "did the client keep its headroom". */
export interface RateLimitWindow {
  readonly bucket: Bucket
  /** Epoch ms the window began. */
  readonly start: number
  readonly limit: number
  /** Requests the bucket let through in the window. */
  readonly requests: number
  /** Answered 429 because the bucket was empty. */
  readonly rejected: number
  /** The lowest `X-Rate-Limit-Remaining` the window sent (0 once a request is refused). */
  readonly lowestRemaining: number
}

type MutableWindow = { -readonly [K in keyof RateLimitWindow]: RateLimitWindow[K] }

export class RateLimiter {
  private windows = new Map<Bucket, { start: number; used: number }>()
  private history: Array<MutableWindow> = []
  private current = new Map<Bucket, MutableWindow>()
  constructor(public setting: RateLimitSetting, public windowMs: number) {}

  limitOf(bucket: Bucket): number {
    const s = this.setting
    if (s === "off") return OFF_LIMIT
    if (typeof s === "string") return RATE_LIMIT_PRESETS[s][bucket]
    return s[bucket] ?? RATE_LIMIT_PRESETS.enterprise[bucket]
  }

  take(bucket: Bucket, now: number): { limit: number; remaining: number; reset: number; allowed: boolean } {
    const limit = this.limitOf(bucket)
    const start = Math.floor(now / this.windowMs) * this.windowMs
    let w = this.windows.get(bucket)
    if (!w || w.start !== start) this.windows.set(bucket, (w = { start, used: 0 }))
    const reset = Math.ceil((start + this.windowMs) / 1000)
    let h = this.current.get(bucket)
    if (!h || h.start !== start) {
      this.history.push(h = { bucket, start, limit, requests: 0, rejected: 0, lowestRemaining: limit })
      this.current.set(bucket, h)
    }
    if (w.used >= limit && this.setting !== "off") {
      h.rejected++
      h.lowestRemaining = 0
      return { limit, remaining: 0, reset, allowed: false }
    }
    w.used++
    const remaining = Math.max(0, limit - w.used)
    h.requests++
    h.lowestRemaining = Math.min(h.lowestRemaining, remaining)
    return { limit, remaining, reset, allowed: true }
  }

  reset(): void {
    this.windows.clear()
  }

  /** Every window seen since the last `clearHistory`, oldest first. */
  recorded(): ReadonlyArray<RateLimitWindow> {
    return this.history.map((h) => ({ ...h }))
  }

  clearHistory(): void {
    this.history = []
    this.current.clear()
  }
}

// -----------------------------------------------------------------------------------------------
// Auth
// -----------------------------------------------------------------------------------------------

export interface TokenOptions {
  /** Answer every list endpoint with an empty 200 (what Okta does for a token without an admin role). */
  readonly emptyLists?: boolean
  /**
   * The token's admin has no role that allows any Management API call: every one is answered
   * 403 E0000006 (no `WWW-Authenticate` scope challenge: SSWS tokens have no scopes).
   */
  readonly noRole?: boolean
}

export interface ServiceApp {
  readonly clientId: string
  readonly publicJwk: JsonWebKey
  /** Scopes granted to the client (e.g. `okta.groups.read`). */
  readonly scopes: ReadonlyArray<string>
}

interface Principal {
  readonly scopes: ReadonlySet<string> | "all"
  readonly emptyLists: boolean
  readonly noRole: boolean
  readonly actor: Actor
}

// -----------------------------------------------------------------------------------------------
// Faults
// -----------------------------------------------------------------------------------------------

export interface FaultRule {
  /**
   * Substring of `"METHOD /path/template"` (e.g. `"GET /api/v1/groups/{groupId}/users"`) or of the
   * concrete `"METHOD /path"` (e.g. `"/api/v1/groups/00g…/users"`, one group); all requests when absent.
   */
  readonly match?: string
  /** Answer with this status (429 gives `E0000047` and rate-limit headers, 5xx an Okta error body). */
  readonly status?: number
  /** Hold the answer this long first. */
  readonly delayMs?: number
  /** Drop the connection without answering (the client sees a reset / socket hang-up). */
  readonly reset?: boolean
  /**
   * Spoil a successful answer's body: `truncated` cuts it in half (a consistent Content-Length, broken
   * JSON), `garbled` sends bytes that aren't JSON under the JSON content type, `empty` answers a list
   * with `[]` and no `next` link (a broken page).
   */
  readonly body?: "truncated" | "garbled" | "empty"
  /** For a 429: seconds until `X-Rate-Limit-Reset`. Default 1. */
  readonly resetInSeconds?: number
  /** How many matching requests this rule applies to. */
  readonly times: number
}

// -----------------------------------------------------------------------------------------------
// Routing
// -----------------------------------------------------------------------------------------------

interface Ctx {
  readonly method: string
  readonly url: URL
  readonly params: Record<string, string>
  readonly principal: Principal
  readonly body: unknown
}

interface Answer {
  readonly status: number
  readonly body?: unknown
  readonly links?: ReadonlyArray<string>
}

type Handler = (ctx: Ctx) => Answer

interface Route {
  readonly method: string
  readonly template: string
  readonly pattern: RegExp
  readonly keys: ReadonlyArray<string>
  readonly scope: string | undefined
  readonly handler: Handler
}

const compile = (method: string, template: string, scope: string | undefined, handler: Handler): Route => {
  const keys: Array<string> = []
  const pattern = new RegExp(
    "^" +
      template.replace(/\{(\w+)\}/g, (_, k: string) => {
        keys.push(k)
        return "([^/]+)"
      }) +
      "$"
  )
  return { method, template, pattern, keys, scope, handler }
}

const oktaError = (status: number, errorCode: string, errorSummary: string, causes: ReadonlyArray<string> = []) => ({
  errorCode,
  errorSummary,
  errorLink: errorCode,
  errorId: errorId(),
  errorCauses: causes.map((c) => ({ errorSummary: c }))
})

const badRequest = (summary: string, cause?: string) =>
  new OrgError(400, "E0000001", `Api validation failed: ${summary}`, cause ? [cause] : [])

const parseLimit = (url: URL, def: number, max: number): number => {
  const raw = url.searchParams.get("limit")
  if (raw === null) return def
  const n = Number(raw)
  if (!Number.isInteger(n) || n < 1) throw badRequest("limit", `limit: '${raw}' is not a positive integer`)
  return Math.min(n, max)
}

const parseAfter = (url: URL): number => {
  const raw = url.searchParams.get("after")
  if (raw === null || raw === "") return 0
  const n = decodeCursor(raw)
  if (n === undefined) throw badRequest("after", "after: not a cursor this server issued; follow the next link")
  return n
}

const parseExpr = (raw: string | null, field: string): Expr | undefined => {
  if (raw === null || raw.trim() === "") return undefined
  try {
    return parseFilter(raw)
  } catch (e) {
    if (e instanceof FilterSyntaxError) {
      throw new OrgError(400, "E0000031", "Invalid search criteria.", [`${field}: ${e.reason} at character ${e.position}`])
    }
    throw e
  }
}

/** Link header values: `self` with the request's parameters (limit first), `next` with `after`. */
const linkHeaders = (base: string, url: URL, limit: number, next: string | undefined): Array<string> => {
  const build = (after: string | undefined) => {
    const p = new URLSearchParams()
    p.set("limit", String(limit))
    for (const [k, v] of url.searchParams) if (k !== "limit" && k !== "after") p.append(k, v)
    if (after !== undefined) p.set("after", after)
    return `<${base}${url.pathname}?${p.toString()}>`
  }
  const out = [`${build(url.searchParams.get("after") ?? undefined)}; rel="self"`]
  if (next !== undefined) out.push(`${build(next)}; rel="next"`)
  return out
}

/** First index whose seq is > after, in an array sorted by seq. */
const lowerBound = <A>(items: ReadonlyArray<A>, seqOf: (a: A) => number, after: number): number => {
  let lo = 0
  let hi = items.length
  while (lo < hi) {
    const mid = (lo + hi) >>> 1
    if (seqOf(items[mid]!) <= after) lo = mid + 1
    else hi = mid
  }
  return lo
}

/**
 * Pages a seq-ordered list: up to `limit` items after the cursor that pass `keep`. `next` is linked
 * when more items follow, or, with `nextOnFullPage`, whenever the page is full (a server that doesn't
 * look ahead: the last page of a list whose size is a multiple of `limit` then links to an empty one).
 */
const pageOf = <A>(
  items: ReadonlyArray<A>,
  seqOf: (a: A) => number,
  after: number,
  limit: number,
  keep: (a: A) => boolean,
  nextOnFullPage: boolean
): { page: Array<A>; next: string | undefined } => {
  const page: Array<A> = []
  for (let i = lowerBound(items, seqOf, after); i < items.length; i++) {
    const item = items[i]!
    if (!keep(item)) continue
    if (page.length === limit) return { page, next: encodeCursor(seqOf(page[page.length - 1]!)) }
    page.push(item)
  }
  return { page, next: nextOnFullPage && page.length === limit ? encodeCursor(seqOf(page[page.length - 1]!)) : undefined }
}

const userView = (u: UserRec) => ({
  id: u.id,
  status: u.status,
  created: u.created,
  lastUpdated: u.lastUpdated,
  profile: u.profile,
  type: { id: "default" }
})
const groupView = (g: GroupRec) => ({
  id: g.id,
  type: g.type,
  created: g.created,
  lastUpdated: g.lastUpdated,
  lastMembershipUpdated: g.lastMembershipUpdated,
  profile: g.profile
})

const startsWithCI = (value: unknown, q: string) => typeof value === "string" && value.toLowerCase().startsWith(q)

export interface ServerState {
  readonly org: Org
  readonly limiter: RateLimiter
  readonly tokens: Map<string, TokenOptions>
  readonly serviceApps: Map<string, ServiceApp>
  readonly accessTokens: Map<string, { clientId: string; scopes: ReadonlySet<string>; expiresAt: number }>
  readonly usedJtis: Set<string>
  readonly counters: Map<string, number>
  faults: Array<FaultRule & { remaining: number }>
  emptyLists: boolean
  /** Link `next` from every full page, even the last (see `pageOf`). */
  nextOnFullLastPage: boolean
}

export const makeRoutes = (state: ServerState): ReadonlyArray<Route> => {
  const org = state.org
  const base = () => org.orgUrl()
  const appId = org.app.id
  const checkApp = (ctx: Ctx) => {
    if (ctx.params.appId !== appId) throw notFound(ctx.params.appId!, "AppInstance")
  }
  const empty = (ctx: Ctx, limit: number): Answer | undefined =>
    ctx.principal.emptyLists || state.emptyLists
      ? { status: 200, body: [], links: linkHeaders(base(), ctx.url, limit, undefined) }
      : undefined
  const actor = (ctx: Ctx) => ctx.principal.actor
  const paged = <A>(items: ReadonlyArray<A>, seqOf: (a: A) => number, after: number, limit: number, keep: (a: A) => boolean) =>
    pageOf(items, seqOf, after, limit, keep, state.nextOnFullLastPage)
  const profileOf = (body: unknown): Record<string, unknown> => {
    const p = (body as { profile?: unknown } | null)?.profile
    if (p === null || typeof p !== "object" || Array.isArray(p)) throw badRequest("profile", "profile: must be an object")
    return p as Record<string, unknown>
  }

  return [
    compile("GET", "/api/v1/groups", "okta.groups.read", (ctx) => {
      const limit = parseLimit(ctx.url, 10000, 10000)
      const e = empty(ctx, limit)
      if (e) return e
      const stats = ctx.url.searchParams.get("expand") === "stats"
      const q = ctx.url.searchParams.get("q")
      if (q !== null) {
        const needle = q.toLowerCase()
        const page = org
          .groupsInOrder()
          .filter((g) => startsWithCI(g.profile.name, needle))
          .slice(0, limit)
        return { status: 200, body: page.map((g) => renderGroup(org, g, stats)) }
      }
      const search = parseExpr(ctx.url.searchParams.get("search"), "search")
      const filter = parseExpr(ctx.url.searchParams.get("filter"), "filter")
      const { page, next } = paged(org.groupsInOrder(), (g) => g.seq, parseAfter(ctx.url), limit, (g) => {
        const v = groupView(g)
        return (!search || matches(search, v)) && (!filter || matches(filter, v))
      })
      return { status: 200, body: page.map((g) => renderGroup(org, g, stats)), links: linkHeaders(base(), ctx.url, limit, next) }
    }),
    compile("POST", "/api/v1/groups", "okta.groups.manage", (ctx) => {
      const p = profileOf(ctx.body)
      if (typeof p.name !== "string" || p.name === "") throw badRequest("name", "name: The field cannot be left blank")
      const g = org.createGroup({ name: p.name, description: typeof p.description === "string" ? p.description : null }, actor(ctx))
      return { status: 200, body: renderGroup(org, g) }
    }),
    compile("GET", "/api/v1/groups/{groupId}", "okta.groups.read", (ctx) => ({
      status: 200,
      body: renderGroup(org, org.group(ctx.params.groupId!), ctx.url.searchParams.get("expand") === "stats")
    })),
    compile("PUT", "/api/v1/groups/{groupId}", "okta.groups.manage", (ctx) => {
      const p = profileOf(ctx.body)
      if (typeof p.name !== "string" || p.name === "") throw badRequest("name", "name: The field cannot be left blank")
      const g = org.updateGroup(
        ctx.params.groupId!,
        { name: p.name, description: typeof p.description === "string" ? p.description : null },
        actor(ctx)
      )
      return { status: 200, body: renderGroup(org, g) }
    }),
    compile("DELETE", "/api/v1/groups/{groupId}", "okta.groups.manage", (ctx) => {
      org.deleteGroup(ctx.params.groupId!, actor(ctx))
      return { status: 204 }
    }),
    compile("GET", "/api/v1/groups/{groupId}/users", "okta.groups.read", (ctx) => {
      const limit = parseLimit(ctx.url, 1000, 1000)
      const g = org.group(ctx.params.groupId!)
      const e = empty(ctx, limit)
      if (e) return e
      const { page, next } = paged(org.membersInOrder(g), (id) => org.users.get(id)!.seq, parseAfter(ctx.url), limit, () => true)
      return {
        status: 200,
        body: page.map((id) => renderUser(org, org.users.get(id)!)),
        links: linkHeaders(base(), ctx.url, limit, next)
      }
    }),
    compile("PUT", "/api/v1/groups/{groupId}/users/{userId}", "okta.groups.manage", (ctx) => {
      org.addMember(ctx.params.groupId!, ctx.params.userId!, actor(ctx))
      return { status: 204 }
    }),
    compile("DELETE", "/api/v1/groups/{groupId}/users/{userId}", "okta.groups.manage", (ctx) => {
      org.removeMember(ctx.params.groupId!, ctx.params.userId!, actor(ctx))
      return { status: 204 }
    }),
    compile("GET", "/api/v1/users", "okta.users.read", (ctx) => {
      const limit = parseLimit(ctx.url, 200, 200)
      const e = empty(ctx, limit)
      if (e) return e
      const sp = ctx.url.searchParams
      const search = parseExpr(sp.get("search"), "search")
      const filter = parseExpr(sp.get("filter"), "filter")
      const q = sp.get("q")?.toLowerCase()
      const all = search === undefined && filter === undefined && q === undefined
      const { page, next } = paged(org.usersInOrder(), (u) => u.seq, parseAfter(ctx.url), limit, (u) => {
        if (all) return u.status !== "DEPROVISIONED"
        if (q !== undefined) {
          return startsWithCI(u.profile.firstName, q) || startsWithCI(u.profile.lastName, q) || startsWithCI(u.profile.email, q)
        }
        const v = userView(u)
        return (!search || matches(search, v)) && (!filter || matches(filter, v))
      })
      return { status: 200, body: page.map((u) => renderUser(org, u)), links: linkHeaders(base(), ctx.url, limit, next) }
    }),
    compile("POST", "/api/v1/users", "okta.users.manage", (ctx) => {
      const activate = ctx.url.searchParams.get("activate") !== "false"
      const u = org.createUser(profileOf(ctx.body), activate, actor(ctx))
      return { status: 200, body: renderUser(org, u, true) }
    }),
    compile("GET", "/api/v1/users/{userId}", "okta.users.read", (ctx) => ({
      status: 200,
      body: renderUser(org, org.user(decodeURIComponent(ctx.params.userId!)), true)
    })),
    compile("POST", "/api/v1/users/{userId}", "okta.users.manage", (ctx) => ({
      status: 200,
      body: renderUser(org, org.updateUser(ctx.params.userId!, profileOf(ctx.body), actor(ctx)), true)
    })),
    compile("PUT", "/api/v1/users/{userId}", "okta.users.manage", (ctx) => {
      const u = org.user(ctx.params.userId!)
      const profile = profileOf(ctx.body)
      // PUT replaces the profile: attributes left out are cleared.
      const cleared = Object.fromEntries(Object.keys(u.profile).map((k) => [k, null]))
      return { status: 200, body: renderUser(org, org.updateUser(u.id, { ...cleared, ...profile }, actor(ctx)), true) }
    }),
    compile("DELETE", "/api/v1/users/{userId}", "okta.users.manage", (ctx) => {
      org.deleteUser(decodeURIComponent(ctx.params.userId!), actor(ctx))
      return { status: 204 }
    }),
    compile("POST", "/api/v1/users/{userId}/lifecycle/{op}", "okta.users.manage", (ctx) => {
      const op = ctx.params.op!
      if (!Object.hasOwn(LIFECYCLE, op)) throw notFound(op, "Lifecycle operation")
      org.lifecycle(ctx.params.userId!, op as LifecycleOp, actor(ctx))
      return { status: 200, body: {} }
    }),
    compile("GET", "/api/v1/apps/{appId}", "okta.apps.read", (ctx) => {
      checkApp(ctx)
      return { status: 200, body: renderApp(org) }
    }),
    compile("GET", "/api/v1/apps/{appId}/users", "okta.apps.read", (ctx) => {
      checkApp(ctx)
      const limit = parseLimit(ctx.url, 50, 500)
      const e = empty(ctx, limit)
      if (e) return e
      const expandUser = ctx.url.searchParams.get("expand") === "user"
      const q = ctx.url.searchParams.get("q")?.toLowerCase()
      const { page, next } = paged(org.usersInOrder(), (u) => u.seq, parseAfter(ctx.url), limit, (u) => {
        if (org.appScope(u.id) === undefined) return false
        return q === undefined || startsWithCI(u.profile.email, q) || startsWithCI(u.profile.firstName, q) ||
          startsWithCI(u.profile.lastName, q)
      })
      return {
        status: 200,
        body: page.map((u) => renderAppUser(org, u, expandUser)),
        links: linkHeaders(base(), ctx.url, limit, next)
      }
    }),
    compile("POST", "/api/v1/apps/{appId}/users", "okta.apps.manage", (ctx) => {
      checkApp(ctx)
      const body = (ctx.body ?? {}) as { id?: unknown; credentials?: { userName?: unknown } }
      if (typeof body.id !== "string") throw badRequest("id", "id: the Okta user id to assign is required")
      const userName = typeof body.credentials?.userName === "string" ? body.credentials.userName : undefined
      org.assignUser(body.id, userName === undefined ? {} : { userName }, actor(ctx))
      return { status: 200, body: renderAppUser(org, org.user(body.id), false) }
    }),
    compile("GET", "/api/v1/apps/{appId}/users/{userId}", "okta.apps.read", (ctx) => {
      checkApp(ctx)
      const u = org.user(ctx.params.userId!)
      if (org.appScope(u.id) === undefined) throw notFound(u.id, "AppUser")
      return { status: 200, body: renderAppUser(org, u, ctx.url.searchParams.get("expand") === "user") }
    }),
    compile("DELETE", "/api/v1/apps/{appId}/users/{userId}", "okta.apps.manage", (ctx) => {
      checkApp(ctx)
      org.unassignUser(ctx.params.userId!, actor(ctx))
      return { status: 204 }
    }),
    compile("GET", "/api/v1/apps/{appId}/groups", "okta.apps.read", (ctx) => {
      checkApp(ctx)
      const limit = parseLimit(ctx.url, 20, 200)
      const e = empty(ctx, limit)
      if (e) return e
      const q = ctx.url.searchParams.get("q")?.toLowerCase()
      const { page, next } = paged(org.groupsInOrder(), (g) => g.seq, parseAfter(ctx.url), limit, (g) =>
        org.appGroups.has(g.id) && (q === undefined || startsWithCI(g.profile.name, q))
      )
      return { status: 200, body: page.map((g) => renderAppGroup(org, g)), links: linkHeaders(base(), ctx.url, limit, next) }
    }),
    compile("GET", "/api/v1/apps/{appId}/groups/{groupId}", "okta.apps.read", (ctx) => {
      checkApp(ctx)
      const g = org.group(ctx.params.groupId!)
      if (!org.appGroups.has(g.id)) throw notFound(g.id, "ApplicationGroupAssignment")
      return { status: 200, body: renderAppGroup(org, g) }
    }),
    compile("PUT", "/api/v1/apps/{appId}/groups/{groupId}", "okta.apps.manage", (ctx) => {
      checkApp(ctx)
      const priority = (ctx.body as { priority?: unknown } | null)?.priority
      org.assignGroup(ctx.params.groupId!, typeof priority === "number" ? priority : undefined, actor(ctx))
      return { status: 200, body: renderAppGroup(org, org.group(ctx.params.groupId!)) }
    }),
    compile("DELETE", "/api/v1/apps/{appId}/groups/{groupId}", "okta.apps.manage", (ctx) => {
      checkApp(ctx)
      org.unassignGroup(ctx.params.groupId!, actor(ctx))
      return { status: 204 }
    }),
    compile("GET", "/api/v1/logs", "okta.logs.read", (ctx) => logs(state, ctx))
  ]
}

const parseTime = (raw: string | null, field: string): number | undefined => {
  if (raw === null) return undefined
  const t = Date.parse(raw)
  if (Number.isNaN(t)) throw badRequest(field, `${field}: '${raw}' is not an ISO 8601 timestamp`)
  return t
}

/**
 * System Log. A polling request (no `until`) reads in persistence order and always links `next`,
 * so events persisted late (published earlier) are still delivered. A bounded request (`until`)
 * reads by `published` and ends.
 */
const logs = (state: ServerState, ctx: Ctx): Answer => {
  const org = state.org
  org.flushLog()
  const sp = ctx.url.searchParams
  const limit = parseLimit(ctx.url, 100, 1000)
  const filter = parseExpr(sp.get("filter"), "filter")
  const q = sp.get("q")
  const keep = (e: (typeof org.log)[number]) =>
    (!filter || matches(filter, e.event)) && (q === null || JSON.stringify(e.event).includes(q))
  const since = parseTime(sp.get("since"), "since") ?? Date.now() - 7 * 86_400_000
  const until = parseTime(sp.get("until"), "until")
  const sortOrder = sp.get("sortOrder") ?? "ASCENDING"
  if (sortOrder !== "ASCENDING" && sortOrder !== "DESCENDING") {
    throw badRequest("sortOrder", "sortOrder: must be ASCENDING or DESCENDING")
  }
  if (until === undefined && sortOrder === "ASCENDING") {
    const afterRaw = sp.get("after")
    const after = afterRaw === null ? undefined : parseAfter(ctx.url)
    const page: Array<(typeof org.log)[number]> = []
    let cursor = after ?? 0
    let i = lowerBound(org.log, (e) => e.seq, cursor)
    for (; i < org.log.length; i++) {
      const e = org.log[i]!
      if (after === undefined && Date.parse(e.event.published) <= since) continue
      if (!keep(e)) continue
      if (page.length === limit) break
      page.push(e)
    }
    // A full page resumes after its last event; otherwise everything visible has been scanned.
    cursor = page.length === limit && i < org.log.length ? page[page.length - 1]!.seq : Math.max(cursor, org.lastLogSeq)
    return { status: 200, body: page.map((e) => e.event), links: linkHeaders(org.orgUrl(), ctx.url, limit, encodeCursor(cursor)) }
  }
  const end = until ?? Date.now()
  const sorted = org.log
    .filter((e) => {
      const t = Date.parse(e.event.published)
      return t > since && t < end && keep(e)
    })
    .sort((a, b) => a.event.published.localeCompare(b.event.published) || a.seq - b.seq)
  if (sortOrder === "DESCENDING") sorted.reverse()
  const offset = parseAfter(ctx.url)
  const page = sorted.slice(offset, offset + limit)
  const next = offset + limit < sorted.length ? encodeCursor(offset + limit) : undefined
  return { status: 200, body: page.map((e) => e.event), links: linkHeaders(org.orgUrl(), ctx.url, limit, next) }
}

// -----------------------------------------------------------------------------------------------
// The request handler
// -----------------------------------------------------------------------------------------------

const readBody = (req: IncomingMessage): Promise<string> =>
  new Promise((resolve, reject) => {
    const chunks: Array<Buffer> = []
    req.on("data", (c: Buffer) => chunks.push(c))
    req.on("end", () => resolve(Buffer.concat(chunks).toString("utf8")))
    req.on("error", reject)
  })

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms))

const JSON_TYPE = "application/json;charset=UTF-8"

export const makeHandler = (state: ServerState) => {
  const routes = makeRoutes(state)
  const send = (
    res: ServerResponse,
    status: number,
    body: unknown,
    headers: Record<string, string | Array<string>>,
    contentType = JSON_TYPE,
    spoil?: "truncated" | "garbled"
  ) => {
    const h: Record<string, string | Array<string>> = {
      ...headers,
      "x-okta-request-id": randomBytes(12).toString("base64url"),
      date: new Date().toUTCString()
    }
    if (status === 204 || body === undefined) {
      res.writeHead(status, h)
      res.end()
      return
    }
    const json = JSON.stringify(body)
    const text = spoil === "truncated"
      ? json.slice(0, Math.max(1, Math.floor(json.length / 2)))
      : spoil === "garbled"
      ? `\u0000\u00ff<html>${Buffer.from(json).toString("base64").slice(0, 64)}`
      : json
    h["content-type"] = contentType
    h["content-length"] = String(Buffer.byteLength(text))
    res.writeHead(status, h)
    res.end(text)
  }

  return async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const method = (req.method ?? "GET").toUpperCase()
    const url = new URL(req.url ?? "/", state.org.orgUrl())
    const path = url.pathname.length > 1 ? url.pathname.replace(/\/$/, "") : url.pathname
    let route: Route | undefined
    let params: Record<string, string> = {}
    let pathMatched = false
    for (const r of routes) {
      const m = r.pattern.exec(path)
      if (!m) continue
      pathMatched = true
      if (r.method !== method) continue
      route = r
      params = Object.fromEntries(r.keys.map((k, i) => [k, decodeURIComponent(m[i + 1]!)]))
      break
    }
    const isToken = path === "/oauth2/v1/token"
    const template = route?.template ?? (isToken ? "/oauth2/v1/token" : path)
    const key = `${method} ${template}`
    state.counters.set(key, (state.counters.get(key) ?? 0) + 1)
    const body = await readBody(req)

    const bucket = bucketOf(path)
    const now = Date.now()
    const concrete = `${method} ${path}`
    const fault = state.faults.find((f) =>
      f.remaining > 0 && (f.match === undefined || key.includes(f.match) || concrete.includes(f.match))
    )
    if (fault) {
      fault.remaining--
      state.faults = state.faults.filter((f) => f.remaining > 0)
      if (fault.delayMs) await sleep(fault.delayMs)
      if (fault.reset) {
        req.socket.destroy()
        return
      }
      if (fault.status === 429) {
        const limit = state.limiter.limitOf(bucket)
        const reset = Math.ceil(now / 1000) + (fault.resetInSeconds ?? 1)
        return send(res, 429, oktaError(429, "E0000047", "API call exceeded rate limit due to too many requests."), {
          "x-rate-limit-limit": String(limit),
          "x-rate-limit-remaining": "0",
          "x-rate-limit-reset": String(reset)
        })
      }
    }
    const rl = state.limiter.take(bucket, now)
    const rlHeaders = {
      "x-rate-limit-limit": String(rl.limit),
      "x-rate-limit-remaining": String(rl.remaining),
      "x-rate-limit-reset": String(rl.reset)
    }
    if (fault?.status !== undefined) {
      const s = fault.status
      return send(res, s, oktaError(s, s === 503 ? "E0000010" : "E0000009", s === 503 ? "Service is temporarily unavailable" : "Internal Server Error"), rlHeaders, "application/json")
    }
    if (!rl.allowed) {
      return send(res, 429, oktaError(429, "E0000047", "API call exceeded rate limit due to too many requests."), rlHeaders, "application/json")
    }

    try {
      if (isToken && method === "POST") {
        const answer = tokenEndpoint(state, body)
        return send(res, answer.status, answer.body, rlHeaders, "application/json")
      }
      const principal = authenticate(state, req.headers.authorization)
      if (!principal) {
        return send(res, 401, oktaError(401, "E0000011", "Invalid token provided"), rlHeaders, "application/json")
      }
      if (!route) {
        if (pathMatched) {
          return send(res, 405, oktaError(405, "E0000022", `The endpoint does not support the provided HTTP method`), rlHeaders, "application/json")
        }
        throw new OrgError(404, "E0000007", `Not found: Resource not found: ${path} (Endpoint)`)
      }
      if (principal.noRole) {
        return send(res, 403, oktaError(403, "E0000006", "You do not have permission to perform the requested action"), rlHeaders, "application/json")
      }
      if (route.scope && principal.scopes !== "all" && !hasScope(principal.scopes, route.scope)) {
        return send(res, 403, oktaError(403, "E0000006", "You do not have permission to perform the requested action"), {
          ...rlHeaders,
          "www-authenticate": `Bearer authorization_uri="${state.org.orgUrl()}/oauth2/v1/authorize", realm="${state.org.orgUrl()}", scope="${route.scope}", error="insufficient_scope", error_description="The access token provided does not contain the required scopes.", resource="${path}"`
        }, "application/json")
      }
      let parsed: unknown = undefined
      if (body.length > 0) {
        try {
          parsed = JSON.parse(body)
        } catch {
          throw new OrgError(400, "E0000003", "The request body was not well-formed.")
        }
      }
      const answer = route.handler({ method, url, params, principal, body: parsed })
      const headers: Record<string, string | Array<string>> = { ...rlHeaders }
      const spoil = answer.status >= 200 && answer.status < 300 ? fault?.body : undefined
      if (spoil === "empty") {
        // A broken page: an empty list, and nothing after it.
        const self = answer.links?.filter((l) => l.endsWith(`rel="self"`))
        if (self && self.length > 0) headers.link = self
        return send(res, answer.status, [], headers)
      }
      if (answer.links) headers.link = [...answer.links]
      return send(res, answer.status, answer.body, headers, JSON_TYPE, spoil)
    } catch (e) {
      if (e instanceof OrgError) {
        return send(res, e.status, oktaError(e.status, e.errorCode, e.summary, e.causes), rlHeaders, "application/json")
      }
      return send(res, 500, oktaError(500, "E0000009", `Internal Server Error: ${(e as Error).message}`), rlHeaders, "application/json")
    }
  }
}

/** `okta.x.manage` implies `okta.x.read`, as in Okta. */
const hasScope = (granted: ReadonlySet<string>, needed: string): boolean =>
  granted.has(needed) || (needed.endsWith(".read") && granted.has(needed.replace(/\.read$/, ".manage")))

const authenticate = (state: ServerState, header: string | undefined): Principal | undefined => {
  if (!header) return undefined
  const [scheme, value] = header.split(" ", 2)
  if (!value) return undefined
  if (scheme === "SSWS") {
    const t = state.tokens.get(value)
    return t ? { scopes: "all", emptyLists: t.emptyLists ?? false, noRole: t.noRole ?? false, actor: ADMIN_ACTOR } : undefined
  }
  if (scheme === "Bearer") {
    const t = state.accessTokens.get(value)
    if (!t || t.expiresAt < Date.now()) return undefined
    return {
      scopes: t.scopes,
      emptyLists: false,
      noRole: false,
      actor: { id: t.clientId, type: "PublicClientApp", alternateId: t.clientId, displayName: t.clientId }
    }
  }
  return undefined
}

const oauthError = (status: number, error: string, description: string): Answer => ({
  status,
  body: { error, error_description: description }
})

const b64json = (s: string): Record<string, unknown> | undefined => {
  try {
    const v = JSON.parse(Buffer.from(s, "base64url").toString("utf8"))
    return v && typeof v === "object" ? (v as Record<string, unknown>) : undefined
  } catch {
    return undefined
  }
}

/** `POST /oauth2/v1/token`: client credentials with a `private_key_jwt` client assertion. */
const tokenEndpoint = (state: ServerState, raw: string): Answer => {
  const form = new URLSearchParams(raw)
  if (form.get("grant_type") !== "client_credentials") {
    return oauthError(400, "unsupported_grant_type", "The authorization grant type is not supported by the authorization server.")
  }
  if (form.get("client_assertion_type") !== "urn:ietf:params:oauth:client-assertion-type:jwt-bearer") {
    return oauthError(401, "invalid_client", "client_assertion_type must be urn:ietf:params:oauth:client-assertion-type:jwt-bearer")
  }
  const jwt = form.get("client_assertion") ?? ""
  const parts = jwt.split(".")
  const header = parts.length === 3 ? b64json(parts[0]!) : undefined
  const claims = parts.length === 3 ? b64json(parts[1]!) : undefined
  if (!header || !claims) return oauthError(401, "invalid_client", "The client_assertion is not a well-formed JWT.")
  const clientId = String(claims.iss ?? "")
  const app = state.serviceApps.get(clientId)
  if (!app || claims.sub !== clientId) {
    return oauthError(401, "invalid_client", "The client_assertion token is not valid: unknown client (iss/sub).")
  }
  const alg = String(header.alg)
  let ok = false
  try {
    const key = createPublicKey({ key: app.publicJwk, format: "jwk" })
    const data = Buffer.from(`${parts[0]}.${parts[1]}`)
    const sig = Buffer.from(parts[2]!, "base64url")
    if (alg === "RS256") ok = verifySignature("sha256", data, key, sig)
    else if (alg === "ES256") ok = verifySignature("sha256", data, { key, dsaEncoding: "ieee-p1363" }, sig)
  } catch {
    ok = false
  }
  if (!ok) return oauthError(401, "invalid_client", "The client_assertion signature is invalid.")
  const now = Math.floor(Date.now() / 1000)
  if (claims.aud !== `${state.org.orgUrl()}/oauth2/v1/token`) {
    return oauthError(401, "invalid_client", "The audience claim of the client_assertion is invalid.")
  }
  if (typeof claims.exp !== "number" || claims.exp < now) {
    return oauthError(401, "invalid_client", "The client_assertion token is expired.")
  }
  const jti = typeof claims.jti === "string" ? claims.jti : undefined
  if (jti !== undefined) {
    if (state.usedJtis.has(jti)) return oauthError(401, "invalid_client", "The client_assertion token has already been used (jti).")
    state.usedJtis.add(jti)
  }
  const requested = (form.get("scope") ?? "").split(" ").filter((s) => s.length > 0)
  if (requested.length === 0) return oauthError(400, "invalid_scope", "The authorization server requires at least one scope.")
  const missing = requested.filter((s) => !app.scopes.includes(s))
  if (missing.length > 0) {
    return oauthError(400, "invalid_scope", `The following scopes are not configured for this client: ${missing.join(" ")}`)
  }
  const accessToken = randomBytes(32).toString("base64url")
  state.accessTokens.set(accessToken, { clientId, scopes: new Set(requested), expiresAt: Date.now() + 3600_000 })
  return {
    status: 200,
    body: { token_type: "Bearer", expires_in: 3600, access_token: accessToken, scope: requested.join(" ") }
  }
}
