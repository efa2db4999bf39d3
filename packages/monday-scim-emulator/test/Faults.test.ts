import { describe, expect, layer } from "@effect/vitest"
import { Effect, Either, FastCheck } from "effect"
import { layer as emulatorLayer } from "../src/index.js"
import { makeRandom, TokenBuckets } from "../src/Faults.js"
import { freshAcme, request, scim } from "./support.js"

layer(emulatorLayer({ seed: 7 }))("Faults, rate limit and counters", (it) => {
  describe("faults", () => {
    it.effect("next-N form: 429 with Retry-After, then 500/502/503, then normal answers", () =>
      Effect.gen(function* () {
        const { emulator, client } = yield* freshAcme
        emulator.setFaults({ next: ["429", "500", "502", "503"], retryAfterSeconds: 7 })
        const throttled = yield* client.get("/Users")
        expect(throttled.status).toBe(429)
        expect(throttled.headers.get("retry-after")).toBe("7")
        expect(throttled.body.status).toBe("429")
        const statuses = [
          (yield* client.get("/Users")).status,
          (yield* client.get("/Users")).status,
          (yield* client.get("/Users")).status
        ]
        expect(statuses).toEqual([500, 502, 503])
        expect((yield* client.get("/Users")).status).toBe(200)
      })
    )

    it.effect("faults can target one path template and leave the rest alone", () =>
      Effect.gen(function* () {
        const { emulator, client } = yield* freshAcme
        emulator.setFaults({ next: ["503"], only: ["PATCH /Groups/{id}"] })
        expect((yield* client.get("/Groups/201")).status).toBe(200)
        const patch = yield* client.ops("/Groups/201", { op: "add", path: "members", value: [{ value: "104" }] })
        expect(patch.status).toBe(503)
        expect(emulator.account("acme").teams[0]!.members).toEqual(["101", "102"])
        expect(
          (yield* client.ops("/Groups/201", { op: "add", path: "members", value: [{ value: "104" }] })).status
        ).toBe(204)
      })
    )

    it.effect("a dropped connection destroys the socket without an answer", () =>
      Effect.gen(function* () {
        const { emulator, created } = yield* freshAcme
        emulator.setFaults({ next: ["drop"] })
        const dropped = yield* Effect.either(
          Effect.tryPromise(() =>
            fetch(`${emulator.scimUrl}/Users`, { headers: { authorization: `Bearer ${created.token}` } })
          )
        )
        expect(Either.isLeft(dropped)).toBe(true)
        expect((yield* scim(emulator, created.token).get("/Users")).status).toBe(200)
      })
    )

    it.effect("drop-after and 500-after let the store act, then lose the answer", () =>
      Effect.gen(function* () {
        const { emulator, client, created } = yield* freshAcme
        emulator.setFaults({ next: ["drop-after", "500-after", "500-after"], only: ["PATCH /Groups/{id}", "POST /Groups"] })
        const dropped = yield* Effect.either(
          Effect.tryPromise(() =>
            fetch(`${emulator.scimUrl}/Groups/201`, {
              method: "PATCH",
              headers: { authorization: `Bearer ${created.token}`, "content-type": "application/scim+json" },
              body: JSON.stringify({
                schemas: ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
                Operations: [{ op: "add", path: "members", value: [{ value: "104" }] }]
              })
            })
          )
        )
        expect(Either.isLeft(dropped)).toBe(true)
        expect(emulator.account("acme").teams[0]!.members).toEqual(["101", "102", "104"])

        const posted = yield* client.post("/Groups", { displayName: "Ops", members: [{ value: "101" }] })
        expect(posted.status).toBe(500)
        expect(emulator.account("acme").teams.find((t) => t.displayName === "Ops")?.members).toEqual(["101"])

        // A refused request loses its refusal the same way, and changes nothing.
        const refused = yield* client.ops("/Groups/201", { op: "add", path: "members", value: [{ value: "nobody" }] })
        expect(refused.status).toBe(500)
        expect(emulator.account("acme").teams[0]!.members).toEqual(["101", "102", "104"])

        expect(emulator.injectedFaults()).toEqual({
          "drop-after PATCH /Groups/{id}": 1,
          "500-after POST /Groups": 1,
          "500-after PATCH /Groups/{id}": 1
        })
        expect(emulator.counters()).toMatchObject({ "PATCH /Groups/{id}": 2, "POST /Groups": 1 })
        // The refused PATCH was not carried out; the other two were, though neither client heard of it.
        expect(emulator.applied()).toEqual({ "PATCH /Groups/{id}": 1, "POST /Groups": 1 })
        expect((yield* request(`${emulator.url}/_emulator/applied`, {})).body).toEqual(emulator.applied())
        const admin = yield* request(`${emulator.url}/_emulator/faults`, {})
        expect(admin.body.injected).toEqual(emulator.injectedFaults())
        emulator.resetCounters()
        expect(emulator.injectedFaults()).toEqual({})
        expect(emulator.applied()).toEqual({})
      })
    )

    it.effect("a slow answer arrives after the configured delay, and is otherwise normal", () =>
      Effect.gen(function* () {
        const { emulator, client } = yield* freshAcme
        emulator.setFaults({ next: ["slow"], slowMs: 150 })
        const start = performance.now()
        const reply = yield* client.get("/Users/101")
        expect(performance.now() - start).toBeGreaterThanOrEqual(140)
        expect(reply.status).toBe(200)
      })
    )

    it.effect("shares are drawn from a seeded generator: same seed, same faults", () =>
      Effect.gen(function* () {
        const { emulator, client } = yield* freshAcme
        const run = Effect.gen(function* () {
          emulator.setFaults({ shares: { "429": 0.3, "500": 0.2 }, seed: 42, retryAfterSeconds: 0 })
          const statuses: Array<number> = []
          for (let i = 0; i < 60; i++) statuses.push((yield* client.get("/Users/101")).status)
          return statuses
        })
        const first = yield* run
        const second = yield* run
        expect(second).toEqual(first)
        const share = (status: number) => first.filter((s) => s === status).length / first.length
        expect(share(429)).toBeGreaterThan(0.1)
        expect(share(429)).toBeLessThan(0.55)
        expect(share(500)).toBeGreaterThan(0.03)
        expect(share(200)).toBeGreaterThan(0.3)
        emulator.setFaults({})
        for (let i = 0; i < 10; i++) expect((yield* client.get("/Users/101")).status).toBe(200)
      })
    )

    it.effect("faults are validated: shares over 1 are refused with a clear reason", () =>
      Effect.gen(function* () {
        const { emulator } = yield* freshAcme
        expect(() => emulator.setFaults({ shares: { "500": 0.7, "503": 0.6 } })).toThrow(/add up to more than 1/)
        expect(() => emulator.setFaults({ shares: { "500": 2 } })).toThrow(/shares\.500/)
      })
    )

    it.prop("the generator stays in [0, 1) and repeats for a seed", [FastCheck.integer()], ([seed]) => {
      const a = makeRandom(seed)
      const b = makeRandom(seed)
      for (let i = 0; i < 50; i++) {
        const value = a()
        expect(value).toBeGreaterThanOrEqual(0)
        expect(value).toBeLessThan(1)
        expect(b()).toBe(value)
      }
    })
  })

  describe("rate limit", () => {
    it.effect("per-account token bucket answers 429 with Retry-After when empty", () =>
      Effect.gen(function* () {
        const { emulator, client } = yield* freshAcme
        const other = emulator.createAccount({ slug: "other", admin: { email: "root@other.com" } })
        emulator.setOptions({ rateLimit: { capacity: 3, refillPerSecond: 0.5 } })
        for (let i = 0; i < 3; i++) expect((yield* client.get("/Users")).status).toBe(200)
        const limited = yield* client.get("/Users")
        expect(limited.status).toBe(429)
        expect(Number(limited.headers.get("retry-after"))).toBeGreaterThanOrEqual(1)
        expect(limited.body.detail).toContain("acme")
        expect((yield* scim(emulator, other.token).get("/Users")).status).toBe(200)
      })
    )

    it.effect("the bucket refills over time", () =>
      Effect.gen(function* () {
        const { emulator, client } = yield* freshAcme
        emulator.setOptions({ rateLimit: { capacity: 1, refillPerSecond: 2 } })
        expect((yield* client.get("/Users")).status).toBe(200)
        expect((yield* client.get("/Users")).status).toBe(429)
        // Real time: the bucket reads the wall clock, not the TestClock. Wait on the condition, not a fixed sleep.
        let status = 429
        const deadline = Date.now() + 5_000
        while (status === 429 && Date.now() < deadline) {
          yield* Effect.promise(() => new Promise((resolve) => setTimeout(resolve, 50)))
          status = (yield* client.get("/Users")).status
        }
        expect(status).toBe(200)
        emulator.setOptions({ rateLimit: undefined })
        for (let i = 0; i < 5; i++) expect((yield* client.get("/Users")).status).toBe(200)
      })
    )

    it.prop(
      "a bucket lets capacity requests through at once, then one per 1/refill seconds",
      [FastCheck.integer({ min: 1, max: 20 }), FastCheck.integer({ min: 1, max: 50 }), FastCheck.integer({ min: 1, max: 40 })],
      ([capacity, refillPerSecond, extra]) => {
        let now = 0
        const buckets = new TokenBuckets({ capacity, refillPerSecond }, () => now)
        for (let i = 0; i < capacity; i++) expect(buckets.take("a")).toBe(0)
        const wait = buckets.take("a")
        expect(wait).toBe(Math.max(1, Math.ceil(1 / refillPerSecond)))
        expect(buckets.take("b")).toBe(0)
        let granted = 0
        for (let step = 0; step < extra; step++) {
          now += 1000 / refillPerSecond + 1e-6 // a hair over, against float rounding
          if (buckets.take("a") === 0) granted++
        }
        expect(granted).toBe(extra)
      }
    )
  })

  describe("counters", () => {
    it.effect("in flight: requests being served now, and the most at once", () =>
      Effect.gen(function* () {
        const { emulator, client } = yield* freshAcme
        emulator.resetCounters()
        emulator.setFaults({ shares: { slow: 1 }, slowMs: 150 })
        yield* Effect.all(Array.from({ length: 5 }, () => client.get("/Users/101")), { concurrency: "unbounded" })
        expect(emulator.inFlight()).toEqual({ now: 0, peak: 5 })
        emulator.setFaults({})
        yield* Effect.all(Array.from({ length: 3 }, () => client.get("/Users/101")), { concurrency: 1 })
        emulator.resetCounters()
        expect(emulator.inFlight()).toEqual({ now: 0, peak: 0 })
        yield* client.get("/Users/101")
        expect(emulator.inFlight()).toEqual({ now: 0, peak: 1 })
      })
    )

    it.effect("count every SCIM request by method and path template, plus total; resettable", () =>
      Effect.gen(function* () {
        const { emulator, client } = yield* freshAcme
        emulator.resetCounters()
        yield* client.get("/Groups/201")
        yield* client.get("/Groups/202")
        yield* client.ops("/Groups/201", { op: "add", path: "members", value: [{ value: "104" }] })
        yield* client.get("/Users?count=1")
        yield* scim(emulator, "wrong").get("/Users")
        expect(emulator.counters()).toEqual({
          "GET /Groups/{id}": 2,
          "PATCH /Groups/{id}": 1,
          "GET /Users": 2,
          total: 5
        })
        emulator.resetCounters()
        expect(emulator.counters()).toEqual({})
      })
    )
  })
})
