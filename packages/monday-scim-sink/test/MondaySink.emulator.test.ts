/**
 * The sink against the monday.com emulator: whole-account reads, monday.com's rules (same-name
 * replace, members must be users, Enterprise only, the token owner's standing), and the errors
 * a person gets when they break.
 */
import { describe, expect, it } from "@effect/vitest"
import { Domain } from "@okta-monday/mapping-core"
import { Effect, Logger, LogLevel } from "effect"
import { emulator } from "./support/emulator.js"
import { json, rawServer } from "./support/raw.js"
import { create, liveSink, patch, plan, rename, teamId, userId } from "./support/plan.js"

const emails = (n: number, prefix = "user") => Array.from({ length: n }, (_, i) => `${prefix}${i}@acme.io`)

describe("MondaySink against the monday.com emulator", () => {
  it.scopedLive("reads the whole account, SCIM-provisioned or not, over capped pages", () =>
    Effect.gen(function*() {
      const emu = yield* emulator({ maxPageSize: 7 })
      const { token } = emu.createAccount({
        slug: "acme",
        admin: { email: "admin@acme.io" },
        users: [
          ...emails(20).map((email) => ({ email })),
          { email: "ui-made@acme.io", scimProvisioned: false, userType: "viewer" },
          { email: "gone@acme.io", active: false }
        ],
        teams: [
          { displayName: "Design", members: ["user0@acme.io", "user1@acme.io"] },
          { displayName: "Made in UI", members: ["ui-made@acme.io"], scimProvisioned: false }
        ]
      })
      const sink = yield* liveSink(emu.scimUrl, token, { pageSize: 100 })

      const { snapshot, warnings } = yield* sink.readTarget()

      const state = emu.account("acme")
      expect(snapshot.users.length).toBe(state.users.length)
      expect(snapshot.users.find((u) => u.userName === "ui-made@acme.io")?.userType).toBe("viewer")
      expect(snapshot.users.find((u) => u.userName === "gone@acme.io")?.active).toBe(false)
      const ui = snapshot.teams.find((t) => t.displayName === "Made in UI")!
      expect(ui.members).toEqual(state.teams.find((t) => t.displayName === "Made in UI")!.members)
      expect(warnings).toEqual([])
      // 23 users at 7 a page → 4 pages; 2 teams → 1 page.
      expect(emu.counters()["GET /Users"]).toBe(4)
      expect(emu.counters()["GET /Groups"]).toBe(1)
      expect(emu.counters()["GET /Groups/{id}"]).toBeUndefined()
    }))

  it.scopedLive("tells SCIM-provisioned users from the others when asked, with a second /Users pass", () =>
    Effect.gen(function*() {
      const emu = yield* emulator()
      const { token } = emu.createAccount({
        slug: "acme",
        admin: { email: "admin@acme.io" },
        users: [{ email: "scim@acme.io" }, { email: "ui@acme.io", scimProvisioned: false }]
      })
      const sink = yield* liveSink(emu.scimUrl, token)

      const plain = yield* sink.readTarget()
      expect(plain.snapshot.users.every((u) => u.scimProvisioned === undefined)).toBe(true)
      const { snapshot } = yield* sink.readTarget({ scimProvisioned: true })

      const flags = Object.fromEntries(snapshot.users.map((u) => [u.userName, u.scimProvisioned]))
      expect(flags).toEqual({ "admin@acme.io": false, "scim@acme.io": true, "ui@acme.io": false })
      expect(emu.counters()["GET /Users"]).toBe(3)
    }))

  it.scopedLive("when members are left out, uses the last-applied members and says so", () =>
    Effect.gen(function*() {
      const emu = yield* emulator({ omitMembers: true })
      const { token } = emu.createAccount({
        slug: "acme",
        admin: { email: "admin@acme.io" },
        users: emails(3).map((email) => ({ email })),
        teams: [{ displayName: "Design", members: ["user0@acme.io", "user1@acme.io"] }]
      })
      const state = emu.account("acme")
      const design = state.teams[0]
      const sink = yield* liveSink(emu.scimUrl, token)
      const managed = [userId(design.members[0])]
      const lastApplied = new Domain.Links({
        teams: [
          new Domain.TeamLink({
            teamId: teamId(design.id),
            displayName: "Design",
            groupIds: [],
            origin: "created",
            managedMembers: managed
          })
        ],
        users: []
      })

      const { snapshot, warnings } = yield* sink.readTarget({ lastApplied })

      expect(snapshot.teams[0]).toMatchObject({ id: design.id, members: managed, membersFrom: "last-applied" })
      expect(warnings).toEqual([{ _tag: "MembersFromLastApplied", key: "Design", teamId: design.id }])
      expect(emu.counters()["GET /Groups/{id}"]).toBe(1)
    }))

  it.scopedLive("guards the same-name replace: a team of that name (any case, made anywhere) stops the create", () =>
    Effect.gen(function*() {
      const emu = yield* emulator()
      const { token } = emu.createAccount({
        slug: "acme",
        admin: { email: "admin@acme.io" },
        users: emails(2).map((email) => ({ email })),
        teams: [{ displayName: "Design", members: ["user0@acme.io"], scimProvisioned: false }]
      })
      const before = emu.account("acme").teams[0]
      const sink = yield* liveSink(emu.scimUrl, token)

      const outcomes = yield* sink.apply(plan([create("DESIGN", [emu.account("acme").users[1].id])]))

      expect(outcomes[0]).toMatchObject({ status: "failed", error: { tag: "Conflict", retryable: false } })
      expect(outcomes[0].error?.message).toContain(before.id)
      expect(emu.counters()["POST /Groups"]).toBeUndefined()
      expect(emu.account("acme").teams).toEqual([before])
    }))

  it.scopedLive("creates a team and fills it past the first POST; the create guard costs one lookup", () =>
    Effect.gen(function*() {
      const emu = yield* emulator()
      const { token } = emu.createAccount({
        slug: "acme",
        admin: { email: "admin@acme.io" },
        users: emails(6).map((email) => ({ email }))
      })
      const ids = emu.account("acme").users.filter((u) => u.userName.startsWith("user")).map((u) => u.id)
      const sink = yield* liveSink(emu.scimUrl, token)

      const outcomes = yield* sink.apply(
        plan([
          create("Eng", ids.slice(0, 2)),
          patch("Eng", { add: ids.slice(2, 4) }),
          patch("Eng", { add: ids.slice(4) })
        ])
      )

      expect(outcomes.map((o) => o.status)).toEqual(["done", "done", "done"])
      const team = emu.account("acme").teams.find((t) => t.id === outcomes[0].teamId)!
      expect([...team.members].sort()).toEqual([...ids].sort())
      expect(emu.counters()).toMatchObject({ "GET /Groups": 1, "POST /Groups": 1, "PATCH /Groups/{id}": 2, total: 4 })
      expect(yield* sink.stats).toMatchObject({ requests: 4, retries: 0, rateLimited: 0 })
    }))

  it.scopedLive("a member who is not a user of the account is UserNotInAccount", () =>
    Effect.gen(function*() {
      const emu = yield* emulator()
      const { token } = emu.createAccount({ slug: "acme", admin: { email: "admin@acme.io" } })
      const sink = yield* liveSink(emu.scimUrl, token)

      const outcomes = yield* sink.apply(plan([create("Eng", ["no-such-user"]), patch("Eng", { add: ["x"] })]))

      expect(outcomes[0]).toMatchObject({ status: "failed", error: { tag: "UserNotInAccount", retryable: false } })
      expect(outcomes[0].error?.message).toContain("no-such-user")
      expect(outcomes[0].error?.message).toContain("Provision the user first")
      expect(outcomes[1].status).toBe("skipped")
    }))

  it.scopedLive("a PATCH over monday.com's unpublished member cap is split in halves, and the cap that worked reported", () =>
    Effect.gen(function*() {
      const emu = yield* emulator({ maxMembersPerPatch: 3 })
      const { token } = emu.createAccount({
        slug: "acme",
        admin: { email: "admin@acme.io" },
        users: emails(20).map((email) => ({ email })),
        teams: [
          { displayName: "Eng", members: ["user0@acme.io", "user1@acme.io"] },
          { displayName: "Ops", members: [] }
        ]
      })
      const state = emu.account("acme")
      const ids = state.users.filter((u) => u.userName.startsWith("user")).map((u) => u.id)
      const [eng, ops] = state.teams
      const warnings: Array<string> = []
      const capture = Logger.replace(
        Logger.defaultLogger,
        Logger.make(({ logLevel, message }) => {
          if (logLevel === LogLevel.Warning) warnings.push(String(message))
        })
      )
      const sink = yield* liveSink(emu.scimUrl, token, { concurrency: 1 })

      const outcomes = yield* sink.apply(plan([
        patch("Eng", { teamId: eng!.id, add: ids.slice(2, 10), remove: ids.slice(0, 2) }),
        patch("Ops", { teamId: ops!.id, add: ids.slice(10, 17) })
      ])).pipe(Effect.provide(capture))

      expect(outcomes.map((o) => o.status)).toEqual(["done", "done"])
      const after = emu.account("acme")
      expect(new Set(after.teams.find((t) => t.id === eng!.id)!.members)).toEqual(new Set(ids.slice(2, 10)))
      expect(new Set(after.teams.find((t) => t.id === ops!.id)!.members)).toEqual(new Set(ids.slice(10, 17)))
      // Eng's 10 changes: 10 refused → 5 refused → 3 + 2; 5 refused → 3 + 2: 7 PATCHes. Ops' 7 changes then go
      // straight out in chunks of the learnt 3: 3 + 3 + 1.
      expect(emu.applied()["PATCH /Groups/{id}"]).toBe(4 + 3)
      expect(emu.counters()["PATCH /Groups/{id}"]).toBe(7 + 3)
      expect(yield* sink.stats).toMatchObject({ patchSplits: 3, memberCap: 3, retries: 0 })
      expect(warnings.filter((w) => w.includes("limits.maxMembersPerPatch: 3"))).toHaveLength(1)
    }))

  it.scopedLive("a single member change still refused as too large fails with InvalidAttribute, halving no further", () =>
    Effect.gen(function*() {
      const server = yield* rawServer((_req, res) =>
        json(res, 413, {
          schemas: ["urn:ietf:params:scim:api:messages:2.0:Error"],
          status: "413",
          scimType: "tooMany",
          detail: "Request too large"
        })
      )
      const sink = yield* liveSink(server.scimUrl, "t0ken-xyz")
      const outcomes = yield* sink.apply(plan([patch("Eng", { teamId: "7", add: ["1", "2", "3"], remove: ["4"] })]))
      expect(outcomes[0]).toMatchObject({ status: "failed", error: { tag: "InvalidAttribute", retryable: false } })
      expect(outcomes[0]!.error?.message).toContain("maxMembersPerPatch")
      // 4 changes (an add of 3, a remove) → the first half (add 1, 2) → its first half (add 1): refused, stop.
      expect(server.requests.map((r) => JSON.parse(r.body).Operations)).toEqual([
        [{ op: "add", path: "members", value: [{ value: "1" }, { value: "2" }, { value: "3" }] }, {
          op: "remove",
          path: "members[value eq \"4\"]"
        }],
        [{ op: "add", path: "members", value: [{ value: "1" }, { value: "2" }] }],
        [{ op: "add", path: "members", value: [{ value: "1" }] }]
      ])
      expect(yield* sink.stats).toMatchObject({ patchSplits: 2 })
      expect((yield* sink.stats).memberCap).toBeUndefined()
    }))

  it.scopedLive("renaming onto another team's name is a Conflict", () =>
    Effect.gen(function*() {
      const emu = yield* emulator()
      const { token } = emu.createAccount({
        slug: "acme",
        admin: { email: "admin@acme.io" },
        teams: [{ displayName: "A", members: [] }, { displayName: "B", members: [] }]
      })
      const a = emu.account("acme").teams.find((t) => t.displayName === "A")!
      const sink = yield* liveSink(emu.scimUrl, token)
      const outcomes = yield* sink.apply(plan([rename("A", a.id, "A", "B")]))
      expect(outcomes[0]).toMatchObject({ status: "failed", error: { tag: "Conflict" } })
    }))

  it.scopedLive("a token whose admin was demoted is TokenRejected; an account off Enterprise is NotEnterprise", () =>
    Effect.gen(function*() {
      const emu = yield* emulator()
      const { adminUserId, token } = emu.createAccount({
        slug: "acme",
        admin: { email: "admin@acme.io" },
        users: [{ email: "second-admin@acme.io", userType: "admin" }]
      })
      const sink = yield* liveSink(emu.scimUrl, token)
      const info = yield* sink.testConnection
      expect(info).toMatchObject({ reachable: true, enterprise: true, users: 2 })

      emu.setPlan("acme", "pro")
      const notEnterprise = yield* Effect.flip(sink.testConnection)
      expect(notEnterprise._tag).toBe("NotEnterprise")
      expect(notEnterprise.message).toContain("Enterprise plan")

      emu.setPlan("acme", "enterprise")
      emu.updateUser("acme", adminUserId, { userType: "member" })
      const rejected = yield* Effect.flip(sink.readTarget())
      expect(rejected._tag).toBe("TokenRejected")
      expect(rejected.message).toContain("Admin → Security → SCIM")
      for (const text of [rejected.message, JSON.stringify(rejected), String(rejected)]) {
        expect(text).not.toContain(token)
      }
    }))
})
