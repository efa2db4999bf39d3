/**
 * The daemon's Prometheus metrics (prom-client does the text format) and the small HTTP server
 * that serves them with `/healthz`. Bound to 127.0.0.1 unless the config says otherwise.
 */
import { Context, Effect, Layer } from "effect"
import * as Http from "node:http"
import * as Prom from "prom-client"

export interface EngineMetrics {
  readonly registry: Prom.Registry
  readonly cycles: Prom.Counter<"kind" | "result">
  readonly operations: Prom.Counter<"kind" | "outcome">
  readonly blockedTeams: Prom.Gauge
  readonly blockedUsers: Prom.Gauge
  readonly runRemovalsHeld: Prom.Gauge
  readonly backedOffTeams: Prom.Gauge
  readonly backedOffUsers: Prom.Gauge
  readonly lastSuccess: Prom.Gauge
  readonly apiRequests: Prom.Counter<"side">
  readonly apiRateLimited: Prom.Counter<"side">
}

export class Metrics extends Context.Tag("okta-monday/Metrics")<Metrics, EngineMetrics>() {
  static readonly layer = Layer.sync(Metrics, () => makeMetrics())
}

export const makeMetrics = (): EngineMetrics => {
  const registry = new Prom.Registry()
  return {
    registry,
    cycles: new Prom.Counter({
      name: "okta_monday_cycles_total",
      help: "Sync cycles run, by kind (full, delta) and result (ok, failed)",
      labelNames: ["kind", "result"] as const,
      registers: [registry]
    }),
    operations: new Prom.Counter({
      name: "okta_monday_operations_total",
      help: "Team operations applied, by kind and outcome",
      labelNames: ["kind", "outcome"] as const,
      registers: [registry]
    }),
    blockedTeams: new Prom.Gauge({
      name: "okta_monday_blocked_teams",
      help: "Teams held back (whole, or their removals) by a blocker of their own after the last cycle",
      registers: [registry]
    }),
    blockedUsers: new Prom.Gauge({
      name: "okta_monday_blocked_users",
      help: "Users held back by a blocker (an unknown user type) after the last cycle",
      registers: [registry]
    }),
    runRemovalsHeld: new Prom.Gauge({
      name: "okta_monday_run_removals_held",
      help: "1 when the run-wide removal limit holds every removal, deletion and deactivation until approved",
      registers: [registry]
    }),
    backedOffTeams: new Prom.Gauge({
      name: "okta_monday_backed_off_teams",
      help: "Teams whose changes wait for their back-off after failing repeatedly (okta-monday status lists them)",
      registers: [registry]
    }),
    backedOffUsers: new Prom.Gauge({
      name: "okta_monday_backed_off_users",
      help: "Users whose changes wait for their back-off after failing repeatedly",
      registers: [registry]
    }),
    lastSuccess: new Prom.Gauge({
      name: "okta_monday_last_success_timestamp_seconds",
      help: "Unix time of the last cycle that finished without error",
      registers: [registry]
    }),
    apiRequests: new Prom.Counter({
      name: "okta_monday_api_requests_total",
      help: "HTTP requests sent (retries included), by side (okta, monday)",
      labelNames: ["side"] as const,
      registers: [registry]
    }),
    apiRateLimited: new Prom.Counter({
      name: "okta_monday_api_rate_limited_total",
      help: "HTTP 429 answers received, by side (okta, monday)",
      labelNames: ["side"] as const,
      registers: [registry]
    })
  }
}

/**
 * Feeds a counter from a running total read elsewhere (a client's request count): increments by
 * what it grew since the last reading. A total that went down was restarted: all of it is new.
 */
export const totalFeeder = <L extends string>(counter: Prom.Counter<L>) => {
  const last = new Map<string, number>()
  return (labels: Prom.LabelValues<L>, total: number): void => {
    const key = JSON.stringify(labels)
    const before = last.get(key) ?? 0
    const grown = total >= before ? total - before : total
    last.set(key, total)
    // Also by 0: the series is then listed from the first reading on.
    counter.inc(labels, grown)
  }
}

export interface HealthState {
  /** True once the first full reconcile succeeded and the last cycle did not fail. */
  readonly healthy: () => boolean
  readonly detail: () => Record<string, unknown>
}

/** Serves `GET /healthz` (200 or 503, JSON) and `GET /metrics` (Prometheus text) until the scope closes. */
export const serveHttp = (options: { host: string; port: number; metrics: EngineMetrics; health: HealthState }) =>
  Effect.acquireRelease(
    Effect.async<{ server: Http.Server; url: string }, Error>((resume) => {
      const server = Http.createServer((req, res) => {
        const path = (req.url ?? "/").split("?")[0]
        if (req.method === "GET" && path === "/healthz") {
          const ok = options.health.healthy()
          res.writeHead(ok ? 200 : 503, { "content-type": "application/json" })
          res.end(JSON.stringify({ status: ok ? "ok" : "unhealthy", ...options.health.detail() }))
          return
        }
        if (req.method === "GET" && path === "/metrics") {
          options.metrics.registry.metrics().then(
            (text) => {
              res.writeHead(200, { "content-type": options.metrics.registry.contentType })
              res.end(text)
            },
            (e: Error) => {
              res.writeHead(500, { "content-type": "text/plain" })
              res.end(e.message)
            }
          )
          return
        }
        res.writeHead(404, { "content-type": "text/plain" })
        res.end("not found: try /healthz or /metrics\n")
      })
      server.once("error", (e) => resume(Effect.fail(e)))
      server.listen(options.port, options.host, () => {
        const address = server.address()
        const port = typeof address === "object" && address !== null ? address.port : options.port
        resume(Effect.succeed({ server, url: `http://${options.host}:${port}` }))
      })
    }),
    ({ server }) => Effect.promise(() => new Promise<void>((resolve) => server.close(() => resolve())))
  )
