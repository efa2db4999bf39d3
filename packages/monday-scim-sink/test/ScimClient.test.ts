/**
 * The HTTP edge: malformed answers end in MalformedResponse naming the endpoint and the field
 * (and nothing is written on the strength of them), the HTTPS rule, Retry-After as a date, and
 * what goes on the wire.
 */
import { describe, expect, it } from "@effect/vitest"
import { NodeHttpClient } from "@effect/platform-node"
import { Effect, Redacted } from "effect"
import * as MondaySink from "../src/MondaySink.js"
import { json, list, rawServer } from "./support/raw.js"
import { create, liveSink, patch, plan } from "./support/plan.js"

const user = (id: string, userName?: string) => ({ id, ...(userName ? { userName } : {}), active: true })

describe("malformed answers", () => {
  it.scopedLive("a body that is not JSON is MalformedResponse naming the endpoint", () =>
    Effect.gen(function*() {
      const server = yield* rawServer((_req, res) => json(res, 200, "<html>maintenance</html>"))
      const sink = yield* liveSink(server.scimUrl, "t0ken-xyz")
      const error = yield* Effect.flip(sink.readTarget())
      expect(error._tag).toBe("MalformedResponse")
      expect(error.message).toMatch(/GET \/(Users|Groups)\?scim_provisioned_only=false/)
      expect(error.message).toContain("not JSON")
    }))

  it.scopedLive("a resource missing a field names the record and the field", () =>
    Effect.gen(function*() {
      const server = yield* rawServer((req, res) =>
        json(res, 200, req.path === "/Users" ? list([user("1", "a@x.io"), user("2")]) : list([]))
      )
      const sink = yield* liveSink(server.scimUrl, "t0ken-xyz")
      const error = yield* Effect.flip(sink.readTarget())
      expect(error._tag).toBe("MalformedResponse")
      expect(error.message).toContain("Resources[1].userName")
      expect(error.message).toContain("is missing")
    }))

  it.scopedLive("a 200 carrying another message than a ListResponse is refused", () =>
    Effect.gen(function*() {
      const server = yield* rawServer((_req, res) =>
        json(res, 200, { schemas: ["urn:ietf:params:scim:api:messages:2.0:Error"], totalResults: 0, status: "500" })
      )
      const sink = yield* liveSink(server.scimUrl, "t0ken-xyz")
      const error = yield* Effect.flip(sink.testConnection)
      expect(error._tag).toBe("MalformedResponse")
      expect(error.message).toContain("schemas")
    }))

  it.scopedLive("a created team without an id fails its create, and nothing more is sent for it", () =>
    Effect.gen(function*() {
      const server = yield* rawServer((req, res) => {
        if (req.method === "GET") return json(res, 200, list([]))
        if (req.method === "POST") return json(res, 201, { displayName: "Eng", members: [] })
        json(res, 204, "")
      })
      const sink = yield* liveSink(server.scimUrl, "t0ken-xyz")
      const outcomes = yield* sink.apply(plan([create("Eng", ["1"]), patch("Eng", { add: ["2"] })]))
      expect(outcomes[0]).toMatchObject({ status: "failed", error: { tag: "MalformedResponse" } })
      expect(outcomes[0].error?.message).toContain("POST /Groups")
      expect(outcomes[0].error?.message).toContain("id")
      expect(outcomes[1].status).toBe("skipped")
      expect(server.requests.map((r) => r.method)).toEqual(["GET", "POST"])
    }))

  it.scopedLive("a server that ignores startIndex can't pass a short read off as the whole account", () =>
    Effect.gen(function*() {
      const page = Array.from({ length: 10 }, (_, i) => user(String(i), `u${i}@x.io`))
      const server = yield* rawServer((req, res) => json(res, 200, req.path === "/Users" ? list(page, 25) : list([])))
      const sink = yield* liveSink(server.scimUrl, "t0ken-xyz")
      const error = yield* Effect.flip(sink.readTarget())
      expect(error._tag).toBe("MalformedResponse")
      expect(error.message).toContain("totalResults is 25")
    }))

  it.scopedLive("a wrong base URL (404 on a list) says to check the SCIM URL", () =>
    Effect.gen(function*() {
      const server = yield* rawServer((_req, res) => json(res, 404, { detail: "no route" }))
      const sink = yield* liveSink(server.scimUrl, "t0ken-xyz")
      const error = yield* Effect.flip(sink.readTarget())
      expect(error.message).toContain("/scim/v2")
    }))
})

describe("on the wire", () => {
  it.scopedLive("sends the bearer token, JSON headers, PatchOp bodies and a quoted name filter", () =>
    Effect.gen(function*() {
      const server = yield* rawServer((req, res) => {
        if (req.method === "GET") return json(res, 200, list([]))
        if (req.method === "POST") return json(res, 201, { id: 77, displayName: "He said \"hi\"" })
        json(res, 204, "")
      })
      const sink = yield* liveSink(server.scimUrl, "t0ken-xyz")
      const outcomes = yield* sink.apply(
        plan([create("He said \"hi\"", ["1"]), patch("He said \"hi\"", { add: ["2", "3"], remove: ["4", "5\"x"] })])
      )
      expect(outcomes.map((o) => o.status)).toEqual(["done", "done"])
      // Numeric ids (monday.com's internalId style) decode to strings.
      expect(outcomes[0].teamId).toBe("77")
      const [guard, post, patchRequest] = server.requests
      expect(server.requests.every((r) => r.headers.authorization === "Bearer t0ken-xyz")).toBe(true)
      expect(guard.headers.accept).toContain("application/json")
      expect(post.headers["content-type"]).toBe("application/scim+json")
      expect(guard.query.get("filter")).toBe("displayName eq \"He said \\\"hi\\\"\"")
      expect(guard.query.get("scim_provisioned_only")).toBe("false")
      expect(JSON.parse(post.body)).toEqual({
        schemas: ["urn:ietf:params:scim:schemas:core:2.0:Group"],
        displayName: "He said \"hi\"",
        members: [{ value: "1" }]
      })
      expect(patchRequest.path).toBe("/Groups/77")
      expect(JSON.parse(patchRequest.body)).toEqual({
        schemas: ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
        Operations: [
          { op: "add", path: "members", value: [{ value: "2" }, { value: "3" }] },
          { op: "remove", path: "members[value eq \"4\"]" },
          { op: "remove", path: "members[value eq \"5\\\"x\"]" }
        ]
      })
    }))

  it.scopedLive("waits out a Retry-After given as an HTTP date", () =>
    Effect.gen(function*() {
      let first = true
      const server = yield* rawServer((_req, res) => {
        if (first) {
          first = false
          return json(res, 429, { status: "429" }, { "retry-after": new Date(Date.now() + 2000).toUTCString() })
        }
        json(res, 200, list([]))
      })
      const sink = yield* liveSink(server.scimUrl, "t0ken-xyz")
      const started = Date.now()
      yield* sink.testConnection
      // HTTP dates have whole seconds, so the wait is between 1 and 2 seconds.
      expect(Date.now() - started).toBeGreaterThanOrEqual(1000)
      expect(server.requests.length).toBe(3)
    }))
})

describe("the HTTPS rule", () => {
  const makeWith = (scimUrl: string) =>
    MondaySink.make({ scimUrl, token: Redacted.make("secret-token-123") }).pipe(
      Effect.provide(NodeHttpClient.layerUndici),
      Effect.as("accepted"),
      Effect.catchAll((error) => Effect.succeed(String(error)))
    )

  it.effect("accepts https anywhere and plain http only on loopback", () =>
    Effect.gen(function*() {
      for (
        const url of [
          "https://acme.monday.com/scim/v2",
          "https://acme.monday.com/scim/v2/",
          "http://127.0.0.1:8080/scim/v2",
          "http://127.8.9.10/scim/v2",
          "http://localhost:3000/scim/v2",
          "http://[::1]:3000/scim/v2"
        ]
      ) {
        expect([url, yield* makeWith(url)]).toEqual([url, "accepted"])
      }
    }))

  it.effect("refuses plain http elsewhere, and other schemes, with a config error saying what to use", () =>
    Effect.gen(function*() {
      const refused = yield* makeWith("http://acme.monday.com/scim/v2")
      expect(refused).toContain("scimUrl")
      expect(refused).toContain("refusing to send the SCIM token over plain http to acme.monday.com")
      expect(refused).toContain("https://acme.monday.com/scim/v2")
      for (const url of ["http://10.0.0.1/scim/v2", "http://128.0.0.1/scim/v2", "ftp://acme.monday.com/scim/v2"]) {
        expect(yield* makeWith(url)).not.toBe("accepted")
      }
      expect(yield* makeWith("not a url")).toContain("is not a URL")
      expect(yield* makeWith("https://user:pw@acme.monday.com/scim/v2")).toContain("credentials")
      expect(refused).not.toContain("secret-token-123")
    }))
})
