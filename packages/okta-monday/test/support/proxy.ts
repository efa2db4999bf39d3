/**
 * A pass-through HTTP proxy in front of an emulator that answers some requests itself: a fault
 * aimed at one resource (one team's PATCH), which the emulators' own fault injection, chosen by
 * path template, can't single out.
 */
import { Effect } from "effect"
import * as Http from "node:http"
import type { AddressInfo } from "node:net"

export interface Refusal {
  readonly status: number
  readonly body: unknown
}

export interface Proxy {
  /** `http://127.0.0.1:PORT`: the upstream's paths, under this origin. */
  readonly url: string
  /** Requests answered by `refuse` so far. */
  readonly refused: () => number
}

/** Proxies to `upstream` (an origin) for the length of a scope; `refuse` picks the requests it answers itself. */
export const refusingProxy = (upstream: string, refuse: (method: string, path: string) => Refusal | undefined) =>
  Effect.acquireRelease(
    Effect.async<{ server: Http.Server; proxy: Proxy }>((resume) => {
      const target = new URL(upstream)
      let refused = 0
      const server = Http.createServer((req, res) => {
        const refusal = refuse(req.method ?? "GET", req.url ?? "/")
        if (refusal !== undefined) {
          refused++
          req.resume()
          res.writeHead(refusal.status, { "content-type": "application/scim+json" })
          res.end(JSON.stringify(refusal.body))
          return
        }
        const forward = Http.request(
          { host: target.hostname, port: target.port, method: req.method, path: req.url, headers: req.headers },
          (answer) => {
            res.writeHead(answer.statusCode ?? 502, answer.headers)
            answer.pipe(res)
          }
        )
        forward.on("error", () => res.destroy())
        req.pipe(forward)
      })
      server.listen(0, "127.0.0.1", () => {
        const { port } = server.address() as AddressInfo
        resume(Effect.succeed({ server, proxy: { url: `http://127.0.0.1:${port}`, refused: () => refused } }))
      })
    }),
    ({ server }) =>
      Effect.async<void>((resume) => {
        server.closeAllConnections()
        server.close(() => resume(Effect.void))
      })
  ).pipe(Effect.map(({ proxy }) => proxy))
