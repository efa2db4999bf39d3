/** A tiny node:http server answering whatever a test says, to play a broken or odd SCIM server. */
import { createServer } from "node:http"
import type { IncomingMessage, ServerResponse } from "node:http"
import type { AddressInfo } from "node:net"
import { Effect } from "effect"

export interface RawRequest {
  readonly method: string
  readonly path: string
  readonly query: URLSearchParams
  readonly body: string
  readonly headers: IncomingMessage["headers"]
}

export type Handler = (request: RawRequest, res: ServerResponse) => void

export const rawServer = (handler: Handler) =>
  Effect.acquireRelease(
    Effect.async<{ scimUrl: string; requests: Array<RawRequest>; close: () => void }>((resume) => {
      const requests: Array<RawRequest> = []
      const server = createServer((req: IncomingMessage, res) => {
        let body = ""
        req.on("data", (chunk) => (body += chunk))
        req.on("end", () => {
          const url = new URL(req.url ?? "/", "http://127.0.0.1")
          const request = {
            method: req.method ?? "GET",
            path: url.pathname.replace(/^\/scim\/v2/, ""),
            query: url.searchParams,
            body,
            headers: req.headers
          }
          requests.push(request)
          handler(request, res)
        })
      })
      server.listen(0, "127.0.0.1", () => {
        const { port } = server.address() as AddressInfo
        resume(Effect.succeed({
          scimUrl: `http://127.0.0.1:${port}/scim/v2`,
          requests,
          close: () => {
            server.closeAllConnections()
            server.close()
          }
        }))
      })
    }),
    (server) => Effect.sync(server.close)
  )

export const json = (res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}) => {
  res.writeHead(status, { "content-type": "application/scim+json", ...headers })
  res.end(typeof body === "string" ? body : JSON.stringify(body))
}

export const list = (resources: ReadonlyArray<unknown>, totalResults = resources.length) => ({
  schemas: ["urn:ietf:params:scim:api:messages:2.0:ListResponse"],
  totalResults,
  startIndex: 1,
  itemsPerPage: resources.length,
  Resources: resources
})
