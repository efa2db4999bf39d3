/**
 * How refusals become errors: by status, scimType and what the request was (a team write carrying
 * members, a deactivation, a userType change), never by the words of the server's detail. Member
 * refusals are explained by asking monday.com about the members: missing ones are
 * UserNotInAccount, deactivated ones MemberDeactivated.
 */
import { describe, expect, it } from "@effect/vitest"
import type { Plan } from "@okta-monday/mapping-core"
import { Effect } from "effect"
import { emulator } from "./support/emulator.js"
import { create, liveSink, patch, plan, userId } from "./support/plan.js"
import { json, list, rawServer } from "./support/raw.js"

const scimError = (status: number, detail: string, scimType?: string) => ({
  schemas: ["urn:ietf:params:scim:api:messages:2.0:Error"],
  status: String(status),
  ...(scimType ? { scimType } : {}),
  detail
})

const deactivate = (id: string, userName: string): Plan.Operation => ({
  _tag: "DeactivateUser",
  key: `user:${id}`,
  mondayUserId: userId(id),
  userName,
  reason: "inactive-in-okta",
  detail: "SUSPENDED"
})

const update = (id: string, userName: string, attribute: string, to: string): Plan.Operation => ({
  _tag: "UpdateUser",
  key: `user:${id}`,
  mondayUserId: userId(id),
  userName,
  changes: [{ attribute, to }]
} as Plan.Operation)

describe("member refusals against the emulator", () => {
  it.scopedLive("a deactivated member is MemberDeactivated, named, and never told to be provisioned", () =>
    Effect.gen(function*() {
      const emu = yield* emulator()
      const { token } = emu.createAccount({
        slug: "acme",
        admin: { email: "admin@acme.io" },
        users: [{ email: "ok@acme.io" }, { email: "gone@acme.io", active: false }],
        teams: [{ displayName: "Eng", members: [] }]
      })
      const state = emu.account("acme")
      const id = (email: string) => state.users.find((u) => u.userName === email)!.id
      const sink = yield* liveSink(emu.scimUrl, token)

      const outcomes = yield* sink.apply(plan([
        create("New", [id("ok@acme.io"), id("gone@acme.io")]),
        patch("Eng", { teamId: state.teams[0]!.id, add: [id("ok@acme.io"), id("gone@acme.io")] })
      ]))

      for (const outcome of outcomes) {
        expect(outcome.error?.tag).toBe("MemberDeactivated")
        expect(outcome.error?.message).toContain(`"${id("gone@acme.io")}" is deactivated in monday.com`)
        expect(outcome.error?.message).toContain("reactivate")
        expect(outcome.error?.message).not.toContain("Provision the user first")
        expect(outcome.error?.message).not.toContain("not in the monday.com account")
      }
      // Only the member the detail named was looked up.
      expect(emu.counters()["GET /Users/{id}"]).toBe(2)
    }))

  it.scopedLive("missing members are UserNotInAccount, named, with deactivated ones of the same write listed apart", () =>
    Effect.gen(function*() {
      const emu = yield* emulator()
      const { token } = emu.createAccount({
        slug: "acme",
        admin: { email: "admin@acme.io" },
        users: [{ email: "gone@acme.io", active: false }]
      })
      const gone = emu.account("acme").users.find((u) => u.userName === "gone@acme.io")!.id
      const sink = yield* liveSink(emu.scimUrl, token)

      const outcomes = yield* sink.apply(plan([create("New", ["no-such-user", gone])]))

      expect(outcomes[0]!.error?.tag).toBe("UserNotInAccount")
      const message = outcomes[0]!.error!.message
      expect(message).toContain(`user "no-such-user" is not in the monday.com account`)
      expect(message).toContain("Provision the user first")
      expect(message).toContain(`Also deactivated in monday.com: "${gone}"`)
    }))
})

describe("classification ignores the detail's words", () => {
  it.scopedLive("a bare 400 on a team push is explained by looking the members up", () =>
    Effect.gen(function*() {
      const server = yield* rawServer((req, res) => {
        if (req.method === "GET" && req.path === "/Groups") return json(res, 200, list([]))
        if (req.method === "POST") return json(res, 400, scimError(400, "Bad request"))
        if (req.path === "/Users/1") return json(res, 200, { id: "1", userName: "a@x.io", active: true })
        if (req.path === "/Users/2") return json(res, 404, scimError(404, "Resource 2 not found"))
        json(res, 500, {})
      })
      const sink = yield* liveSink(server.scimUrl, "t0ken-xyz")
      const outcomes = yield* sink.apply(plan([create("Eng", ["1", "2"])]))
      expect(outcomes[0]!.error?.tag).toBe("UserNotInAccount")
      expect(outcomes[0]!.error?.message).toContain(`user "2" is not in the monday.com account`)
      expect(server.requests.filter((r) => r.path.startsWith("/Users/")).map((r) => r.path).sort()).toEqual([
        "/Users/1",
        "/Users/2"
      ])
    }))

  it.scopedLive("a detail that talks of missing users, when every member is there and active, is no member refusal", () =>
    Effect.gen(function*() {
      const server = yield* rawServer((req, res) => {
        if (req.method === "GET" && req.path === "/Groups") return json(res, 200, list([]))
        if (req.method === "POST") {
          return json(res, 400, scimError(400, "user not found: member does not exist", "invalidValue"))
        }
        if (req.path === "/Users/1") return json(res, 200, { id: "1", userName: "a@x.io", active: true })
        json(res, 500, {})
      })
      const sink = yield* liveSink(server.scimUrl, "t0ken-xyz")
      const outcomes = yield* sink.apply(plan([create("Eng", ["1"])]))
      expect(outcomes[0]!.error?.tag).toBe("InvalidAttribute")
    }))

  it.scopedLive("a 400 naming another attribute of the write (displayName) is not taken for a member refusal", () =>
    Effect.gen(function*() {
      const server = yield* rawServer((req, res) => {
        if (req.method === "GET" && req.path === "/Groups") return json(res, 200, list([]))
        if (req.method === "POST") return json(res, 400, scimError(400, "displayName is too long", "invalidValue"))
        json(res, 500, {})
      })
      const sink = yield* liveSink(server.scimUrl, "t0ken-xyz")
      const outcomes = yield* sink.apply(plan([create("Eng", ["1"])]))
      expect(outcomes[0]!.error?.tag).toBe("InvalidAttribute")
      expect(outcomes[0]!.error?.message).toContain(`attribute "displayName"`)
      expect(server.requests.some((r) => r.path.startsWith("/Users/"))).toBe(false)
    }))

  it.scopedLive("a 404 on a PATCH adding members: TeamNotFound when the team is gone, else the missing member", () =>
    Effect.gen(function*() {
      const server = yield* rawServer((req, res) => {
        if (req.method === "PATCH") return json(res, 404, scimError(404, "Not found"))
        if (req.path === "/Groups/10") return json(res, 200, { id: "10", displayName: "Here", members: [] })
        if (req.path === "/Groups/11") return json(res, 404, scimError(404, "Not found"))
        if (req.path === "/Users/1") return json(res, 404, scimError(404, "Not found"))
        json(res, 500, {})
      })
      const sink = yield* liveSink(server.scimUrl, "t0ken-xyz")
      const outcomes = yield* sink.apply(plan([
        patch("Here", { teamId: "10", add: ["1"] }),
        patch("Gone", { teamId: "11", add: ["1"] }),
        patch("Gone too", { teamId: "12", remove: ["1"] })
      ]))
      expect(outcomes.map((o) => o.error?.tag)).toEqual(["UserNotInAccount", "TeamNotFound", "TeamNotFound"])
      // A remove carries no member to refuse: its 404 is the team's, with no lookup.
      expect(server.requests.some((r) => r.path === "/Groups/12" && r.method === "GET")).toBe(false)
    }))

  it.scopedLive("a 404 on a user is that user missing, worded for a user operation", () =>
    Effect.gen(function*() {
      const server = yield* rawServer((_req, res) => json(res, 404, scimError(404, "member user not in account")))
      const sink = yield* liveSink(server.scimUrl, "t0ken-xyz")
      const outcomes = yield* sink.apply(plan([deactivate("7", "x@acme.io")]))
      expect(outcomes[0]!.error?.tag).toBe("UserNotInAccount")
      expect(outcomes[0]!.error?.message).toContain(`monday.com has no user "7"`)
      expect(outcomes[0]!.error?.message).not.toContain("team")
    }))

  it.scopedLive("a deactivation refused with 400 and no scimType is UserNotScimProvisioned, whatever the words", () =>
    Effect.gen(function*() {
      const server = yield* rawServer((req, res) => {
        const body = JSON.parse(req.body || "{}")
        const value = body.Operations?.[0]?.value ?? {}
        if (value.active === false) return json(res, 400, scimError(400, "Operation failed"))
        json(res, 400, scimError(400, "Operation failed", "invalidValue"))
      })
      const sink = yield* liveSink(server.scimUrl, "t0ken-xyz")
      const outcomes = yield* sink.apply(plan([deactivate("7", "x@acme.io"), update("8", "y@acme.io", "title", "Lead")]))
      expect(outcomes.map((o) => o.error?.tag)).toEqual(["UserNotScimProvisioned", "InvalidAttribute"])
    }))

  it.scopedLive("a 403 is the token owner's protection only on a deactivation or a userType change", () =>
    Effect.gen(function*() {
      const server = yield* rawServer((_req, res) => json(res, 403, scimError(403, "Forbidden")))
      const sink = yield* liveSink(server.scimUrl, "t0ken-xyz")
      const outcomes = yield* sink.apply(plan([
        deactivate("7", "a@acme.io"),
        update("8", "b@acme.io", "userType", "viewer"),
        update("9", "c@acme.io", "title", "Lead")
      ]))
      expect(outcomes.map((o) => o.error?.tag)).toEqual(["TokenOwnerProtected", "TokenOwnerProtected", "NotEnterprise"])
    }))
})
