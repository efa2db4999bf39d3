import { describe, expect, it, layer } from "@effect/vitest"
import { Effect, Layer } from "effect"
import {
  InvalidInputError,
  layer as emulatorLayer,
  MondayEmulatorTag,
  startMondayEmulator,
  UnknownAccountError
} from "../src/index.js"
import { acme, freshAcme, request, scim } from "./support.js"

describe("startMondayEmulator", () => {
  it.effect("binds 127.0.0.1 on a random port and closes", () =>
    Effect.gen(function* () {
      const emulator = yield* Effect.promise(() => startMondayEmulator())
      expect(emulator.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/)
      expect(emulator.scimUrl).toBe(`${emulator.url}/scim/v2`)
      yield* Effect.promise(() => emulator.close())
      const after = yield* Effect.either(Effect.tryPromise(() => fetch(`${emulator.scimUrl}/Users`)))
      expect(after._tag).toBe("Left")
    })
  )

  it.effect("the layer starts the server on acquire and closes it on release", () =>
    Effect.gen(function* () {
      const url = yield* Effect.scoped(
        Effect.gen(function* () {
          const emulator = yield* MondayEmulatorTag
          const created = emulator.createAccount(acme)
          expect((yield* scim(emulator, created.token).get("/Users")).status).toBe(200)
          return emulator.url
        }).pipe(Effect.provide(Layer.fresh(emulatorLayer())))
      )
      const after = yield* Effect.either(Effect.tryPromise(() => fetch(`${url}/scim/v2/Users`)))
      expect(after._tag).toBe("Left")
    })
  )
})

layer(emulatorLayer())("programmatic and HTTP admin surface", (it) => {
  it.effect("createAccount returns the token (given or random) and the admin's id", () =>
    Effect.gen(function* () {
      const { emulator, created } = yield* freshAcme
      expect(created.slug).toBe("acme")
      expect(created.token.length).toBeGreaterThan(20)
      const state = emulator.account("acme")
      expect(state.users.find((user) => user.id === created.adminUserId)).toMatchObject({
        userName: "admin@acme.com",
        userType: "admin",
        scimProvisioned: false
      })
      const chosen = emulator.createAccount({
        slug: "beta",
        plan: "pro",
        admin: { email: "b@beta.io" },
        token: "tok-beta"
      })
      expect(chosen.token).toBe("tok-beta")
      expect(emulator.account("beta").plan).toBe("pro")
    })
  )

  it.effect("bad seeds are refused with the record and the fix named, and leave nothing behind", () =>
    Effect.gen(function* () {
      const { emulator } = yield* freshAcme
      const attempt = (seed: Parameters<typeof emulator.createAccount>[0]) =>
        Effect.try({ try: () => emulator.createAccount(seed), catch: (error) => error })
      const cases: ReadonlyArray<[Parameters<typeof emulator.createAccount>[0], RegExp]> = [
        [acme, /already exists/],
        [
          { slug: "x", admin: { email: "a@x.io" }, teams: [{ displayName: "T", members: ["ghost@x.io"] }] },
          /teams\[0\].*ghost@x\.io/
        ],
        [{ slug: "x", admin: { email: "a@x.io" }, users: [{ email: "u@x.io", userType: "boss" }] }, /users\[0\].*boss/],
        [
          { slug: "x", admin: { email: "a@x.io" }, users: [{ email: "u@x.io", id: "101" }] },
          /id "101" is already taken/
        ],
        [{ slug: "x", admin: { email: "a@x.io" }, users: [{ email: "A@x.io" }] }, /appears twice/],
        [{ slug: "", admin: { email: "a@x.io" } } as never, /slug/]
      ]
      for (const [seed, reason] of cases) {
        const error = yield* Effect.flip(attempt(seed))
        expect(error).toBeInstanceOf(InvalidInputError)
        expect((error as InvalidInputError).message).toMatch(reason)
      }
      expect(() => emulator.account("x")).toThrow(UnknownAccountError)
    })
  )

  it.effect("reset drops accounts, counters and faults", () =>
    Effect.gen(function* () {
      const { emulator, client } = yield* freshAcme
      emulator.setFaults({ next: ["500", "500"] })
      yield* client.get("/Users")
      emulator.reset()
      expect(emulator.counters()).toEqual({})
      expect(() => emulator.account("acme")).toThrow(/No emulated account/)
      const again = emulator.createAccount(acme)
      expect((yield* scim(emulator, again.token).get("/Users")).status).toBe(200)
    })
  )

  it.effect(
    "the HTTP admin surface mirrors the API: seed, state, tokens, users, plan, faults, options, counters, reset",
    () =>
      Effect.gen(function* () {
        const { emulator } = yield* freshAcme
        emulator.reset()
        const admin = (method: string, path: string, body?: unknown) =>
          request(`${emulator.url}/_emulator${path}`, { method, ...(body === undefined ? {} : { body }) })
        const seeded = yield* admin("POST", "/accounts", acme)
        expect(seeded.status).toBe(201)
        const client = scim(emulator, seeded.body.token)
        expect((yield* admin("GET", "/accounts")).body).toEqual({ accounts: ["acme"] })
        const state = yield* admin("GET", "/accounts/acme")
        expect(state.body.teams[0]).toMatchObject({ id: "201", members: ["101", "102"] })
        expect((yield* admin("GET", "/accounts/nope")).status).toBe(404)
        const bad = yield* admin("POST", "/accounts", { slug: "y", admin: {} })
        expect(bad.status).toBe(400)
        expect(bad.body.message).toContain("admin.email")

        expect((yield* admin("PATCH", "/accounts/acme/users/bob@acme.com", { userType: "admin" })).status).toBe(200)
        const token = yield* admin("POST", "/accounts/acme/tokens", { owner: "bob@acme.com" })
        expect((yield* scim(emulator, token.body.token).get("/Users")).status).toBe(200)
        expect((yield* admin("PUT", "/accounts/acme/plan", { plan: "standard" })).status).toBe(204)
        expect((yield* client.get("/Users")).status).toBe(403)
        yield* admin("PUT", "/accounts/acme/plan", { plan: "enterprise" })

        expect((yield* admin("PUT", "/faults", { next: ["502"] })).status).toBe(204)
        expect((yield* admin("GET", "/faults")).body.next).toEqual(["502"])
        expect((yield* client.get("/Users")).status).toBe(502)
        expect((yield* admin("PUT", "/faults", { shares: { "500": 3 } })).status).toBe(400)
        yield* admin("DELETE", "/faults")

        const options = yield* admin("PATCH", "/options", { omitMembers: true, maxMembersPerPatch: 5 })
        expect(options.body).toMatchObject({ omitMembers: true, maxMembersPerPatch: 5 })
        expect((yield* client.get("/Groups/201")).body.members).toBeUndefined()
        const cleared = yield* admin("PATCH", "/options", { omitMembers: false, maxMembersPerPatch: null })
        expect(cleared.body.maxMembersPerPatch).toBeNull()
        expect((yield* admin("PATCH", "/options", { bogus: 1 })).status).toBe(400)

        const counters = yield* admin("GET", "/counters")
        expect(counters.body["GET /Users"]).toBe(3)
        expect(counters.body["GET /Groups/{id}"]).toBe(1)
        expect((yield* admin("DELETE", "/counters")).status).toBe(204)
        expect((yield* admin("GET", "/counters")).body).toEqual({})
        expect((yield* admin("POST", "/reset")).status).toBe(204)
        expect((yield* admin("GET", "/accounts")).body).toEqual({ accounts: [] })
        expect((yield* admin("GET", "/nothing")).status).toBe(404)
      })
  )

  it.effect("state is plain data: changing a returned value does not change the emulator", () =>
    Effect.gen(function* () {
      const { emulator } = yield* freshAcme
      const state = emulator.account("acme")
      ;(state.teams[0]!.members as Array<string>).push("999")
      expect(emulator.account("acme").teams[0]!.members).toEqual(["101", "102"])
      expect(JSON.parse(JSON.stringify(state))).toEqual(state)
    })
  )
})
