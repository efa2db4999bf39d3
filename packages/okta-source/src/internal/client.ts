/**
 * Builds the `@okta/okta-sdk-nodejs` client the source talks through, isolated from the machine
 * (no `~/.okta/okta.yaml`, `./okta.yaml`, `OKTA_CLIENT_*` or `HTTPS_PROXY`), without its response
 * cache, and with our own request executor: it keeps a share of every rate-limit bucket free for
 * the org's other integrations and, on a 429, waits for `X-Rate-Limit-Reset` (a bounded number of times).
 */
import okta from "@okta/okta-sdk-nodejs"
import { createRequire } from "node:module"
import { Redacted } from "effect"

const require = createRequire(import.meta.url)

/**
 * The SDK's private config loader: its `applyDefaults` is what reads `~/.okta/okta.yaml`, `./okta.yaml` and
 * `OKTA_CLIENT_*`. There is no public switch to turn that off, so `makeSdkClient` replaces the method for
 * the duration of the constructor. If an SDK upgrade moves or renames it, fail at load, loudly, rather
 * than silently read the machine's config again.
 */
export const SDK_CONFIG_LOADER = "@okta/okta-sdk-nodejs/src/config-loader.js"
const { ConfigLoader } = require(SDK_CONFIG_LOADER) as {
  ConfigLoader?: { prototype?: { applyDefaults?: () => void; apply?: (c: unknown) => void } }
}
if (typeof ConfigLoader?.prototype?.applyDefaults !== "function" || typeof ConfigLoader.prototype.apply !== "function") {
  throw new Error(
    `@okta/okta-sdk-nodejs changed: ${SDK_CONFIG_LOADER} no longer has ConfigLoader.prototype.applyDefaults/apply, ` +
      `which okta-source patches to keep the SDK from reading ~/.okta/okta.yaml, ./okta.yaml and OKTA_CLIENT_*. ` +
      `Pin the SDK to a version this okta-source supports, or update src/internal/client.ts.`
  )
}
const loaderPrototype = ConfigLoader.prototype as { applyDefaults: () => void; apply: (c: unknown) => void }

export type AuthConfig =
  | { readonly _tag: "Ssws"; readonly token: Redacted.Redacted }
  | {
    readonly _tag: "PrivateKey"
    readonly clientId: string
    readonly privateKey: Redacted.Redacted
    readonly keyId?: string
    readonly scopes?: ReadonlyArray<string>
  }

export const DEFAULT_SCOPES: ReadonlyArray<string> = ["okta.groups.read", "okta.users.read", "okta.apps.read", "okta.logs.read"]

/** Okta's rate-limit families (by path), as the server counts them. */
export const bucketOf = (path: string): string =>
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
    : path.startsWith("/api/v1/users")
    ? "api/v1/users"
    : path

interface BucketState {
  limit: number
  remaining: number
  /** Epoch ms of the window's reset. */
  reset: number
  inFlight: number
  waiters: Array<() => void>
}

export interface GovernorOptions {
  /** Share of each bucket left free for others (0–0.9). */
  readonly headroom: number
  /** Requests on the wire at once, all buckets together. */
  readonly maxInFlight: number
  /** 429 answers waited out per request before giving up. */
  readonly maxRateLimitWaits: number
  readonly onRequest: () => void
  readonly onRateLimited: () => void
}

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms))

/**
 * Tracks each bucket from the response headers and admits a request only while
 * `remaining - inFlight` stays above `limit × headroom`; otherwise it waits for the reset. At most
 * `maxInFlight` requests are on the wire at once; one waiting for its bucket's reset holds no slot.
 */
export class Governor {
  private buckets = new Map<string, BucketState>()
  private inFlight = 0
  private slotWaiters: Array<() => void> = []
  constructor(readonly options: GovernorOptions) {}

  private state(bucket: string): BucketState {
    let s = this.buckets.get(bucket)
    if (!s) this.buckets.set(bucket, (s = { limit: 0, remaining: 0, reset: 0, inFlight: 0, waiters: [] }))
    return s
  }

  private async admit(bucket: string): Promise<void> {
    const s = this.state(bucket)
    for (;;) {
      const now = Date.now()
      if (s.limit === 0) {
        // Nothing known yet: one request at a time until the first headers arrive.
        if (s.inFlight === 0) break
        await new Promise<void>((r) => s.waiters.push(r))
        continue
      }
      if (now >= s.reset) {
        // The window has turned over: assume a fresh bucket; the next answer corrects it.
        s.remaining = s.limit
        s.reset = now + 60_000
      }
      const floor = Math.ceil(s.limit * this.options.headroom)
      if (s.remaining - s.inFlight > floor) break
      if (s.inFlight > 0) await new Promise<void>((r) => s.waiters.push(r))
      else await sleep(Math.max(10, s.reset - now + 20))
    }
    s.inFlight++
  }

  /** Admits a request: first its bucket, then a slot on the wire. */
  async acquire(bucket: string): Promise<void> {
    for (;;) {
      await this.admit(bucket)
      if (this.inFlight < this.options.maxInFlight) break
      // No slot: give the bucket's place back (others of the bucket may go), wait for a slot, re-check.
      this.state(bucket).inFlight--
      this.wake(bucket)
      await new Promise<void>((r) => this.slotWaiters.push(r))
    }
    this.inFlight++
  }

  private wake(bucket: string): void {
    const s = this.state(bucket)
    const waiters = s.waiters.splice(0)
    for (const w of waiters) w()
  }

  release(bucket: string, headers: { get(name: string): string | null } | undefined): void {
    const s = this.state(bucket)
    s.inFlight--
    this.inFlight--
    const slot = this.slotWaiters.splice(0)
    for (const w of slot) w()
    const limit = Number(headers?.get("x-rate-limit-limit"))
    const remaining = Number(headers?.get("x-rate-limit-remaining"))
    const reset = Number(headers?.get("x-rate-limit-reset")) * 1000
    if (headers && Number.isFinite(limit) && limit > 0 && Number.isFinite(remaining) && Number.isFinite(reset) && reset > 0) {
      s.limit = limit
      if (reset > s.reset || s.remaining === s.limit) {
        s.reset = reset
        s.remaining = remaining
      } else if (reset === s.reset) {
        s.remaining = Math.min(s.remaining, remaining)
      }
    }
    const waiters = s.waiters.splice(0)
    for (const w of waiters) w()
  }

  /** Marks a bucket empty until the reset a 429 named (the server's word on when to come back). */
  exhaust(bucket: string, reset: number): void {
    const s = this.state(bucket)
    s.remaining = 0
    s.reset = reset
  }

  snapshot(): Record<string, { limit: number; remaining: number; reset: number }> {
    return Object.fromEntries([...this.buckets].map(([k, v]) => [k, { limit: v.limit, remaining: v.remaining, reset: v.reset }]))
  }
}

interface FetchResponse {
  readonly status: number
  readonly headers: { get(name: string): string | null }
  clone(): { text(): Promise<string> }
}

/**
 * The OAuth token endpoint refused the service app (a scope never granted, a key it doesn't know…).
 * The SDK (8.1) doesn't check that answer (its `Http.errorFilter` is undefined in oauth.js), and would go
 * on to send `Authorization: Bearer undefined`, which Okta answers with a bare 401; so the executor
 * stops there with Okta's own explanation instead.
 */
export class TokenEndpointRefused extends Error {
  constructor(
    readonly httpStatus: number,
    readonly error: string,
    readonly description: string,
    readonly requestedScopes: ReadonlyArray<string>
  ) {
    super(`Okta's token endpoint answered ${httpStatus} ${error}: ${description}`)
  }
}

const refusalOf = async (response: FetchResponse, body: unknown): Promise<TokenEndpointRefused | undefined> => {
  let parsed: { error?: unknown; error_description?: unknown } = {}
  try {
    parsed = JSON.parse(await response.clone().text()) as typeof parsed
  } catch {
    // Not JSON: keep the status alone.
  }
  const error = typeof parsed.error === "string" ? parsed.error : "unknown_error"
  // Okta asks for a DPoP proof this way; the SDK handles that answer itself.
  if (error === "use_dpop_nonce") return undefined
  const scope = typeof body === "string" ? new URLSearchParams(body).get("scope") ?? "" : ""
  return new TokenEndpointRefused(
    response.status,
    error,
    typeof parsed.error_description === "string" ? parsed.error_description : "",
    scope.split(" ").filter((s) => s.length > 0)
  )
}

/** The SDK's executor contract (`fetch(request) → Promise<Response>`), governed. */
class GovernedExecutor extends (okta.RequestExecutor as unknown as new () => {
  fetch(request: { url: string; method?: string; body?: unknown }): Promise<FetchResponse>
}) {
  constructor(private readonly governor: Governor) {
    super()
  }

  override async fetch(request: { url: string; method?: string; body?: unknown }): Promise<FetchResponse> {
    const bucket = bucketOf(new URL(request.url).pathname)
    for (let attempt = 0; ; attempt++) {
      await this.governor.acquire(bucket)
      let response: FetchResponse | undefined
      try {
        this.governor.options.onRequest()
        response = await super.fetch(request)
      } finally {
        this.governor.release(bucket, response?.headers)
      }
      if (bucket === "oauth2/v1/token" && response.status !== 429 && (response.status < 200 || response.status >= 300)) {
        const refused = await refusalOf(response, request.body)
        if (refused) throw refused
      }
      if (response.status !== 429) return response
      this.governor.options.onRateLimited()
      const reset = Number(response.headers.get("x-rate-limit-reset")) * 1000
      const resetAt = Number.isFinite(reset) && reset > 0 ? reset : Date.now() + 1000
      this.governor.exhaust(bucket, resetAt)
      if (attempt >= this.governor.options.maxRateLimitWaits) return response
      // Never retry into a ban: wait for the window named by the server.
      await sleep(Math.max(0, resetAt - Date.now()) + 50)
    }
  }
}

export interface SdkClient {
  readonly http: {
    http(uri: string, request?: Record<string, unknown>): Promise<{
      status: number
      headers: { get(name: string): string | null }
      json(): Promise<unknown>
    }>
    agent?: unknown
  }
}

/**
 * `new okta.Client` with every setting explicit. The SDK's ConfigLoader merges `~/.okta/okta.yaml`,
 * `./okta.yaml` and `OKTA_CLIENT_*` under the given config; for the duration of the (synchronous)
 * constructor its `applyDefaults` only sets the built-in default, so nothing leaks in.
 */
export const makeSdkClient = (orgUrl: string, auth: AuthConfig, governor: Governor): SdkClient => {
  const proto = loaderPrototype
  const original = proto.applyDefaults
  proto.applyDefaults = function(this: { apply: (c: unknown) => void }) {
    this.apply({ client: { authorizationMode: "SSWS" } })
  }
  try {
    const common = {
      orgUrl,
      cacheMiddleware: null,
      requestExecutor: new GovernedExecutor(governor),
      userAgent: "okta-monday"
    }
    const config = auth._tag === "Ssws"
      ? { ...common, authorizationMode: "SSWS", token: Redacted.value(auth.token) }
      : {
        ...common,
        authorizationMode: "PrivateKey",
        clientId: auth.clientId,
        scopes: [...(auth.scopes ?? DEFAULT_SCOPES)],
        privateKey: Redacted.value(auth.privateKey),
        keyId: auth.keyId ?? ""
      }
    const client = new okta.Client(config as never) as unknown as SdkClient
    // HTTPS_PROXY from the environment would route every request (loopback included) through a proxy.
    delete client.http.agent
    return client
  } finally {
    proto.applyDefaults = original
  }
}
