/**
 * Faults: 429 storms, 5xx, slow answers and dropped connections, injected by the emulator (and,
 * for answers lost after the server acted, by the client hook). Whatever happens on the way, the
 * teams end with exactly the plan's members: no change lost, no team created twice.
 */
import { HttpClient, HttpClientError } from "@effect/platform"
import { describe, expect, it } from "@effect/vitest"
import { Domain, Plan } from "@okta-monday/mapping-core"
import { Effect, Logger, LogLevel } from "effect"
import { emulator, type MondayEmulator } from "./support/emulator.js"
import { create, liveSink, patch, plan, remove, rename } from "./support/plan.js"

const seed = (emu: MondayEmulator) => {
  const { token } = emu.createAccount({
    slug: "acme",
    admin: { email: "admin@acme.io" },
    users: Array.from({ length: 60 }, (_, i) => ({ email: `u${i}@acme.io` })),
    teams: Array.from({ length: 5 }, (_, t) => ({
      displayName: `Old ${t}`,
      members: Array.from({ length: 6 }, (_, i) => `u${t * 6 + i}@acme.io`)
    }))
  })
  const state = emu.account("acme")
  const id = (email: string) => state.users.find((u) => u.userName === email)!.id
  return { token, state, id }
}

const createUser = (n: number): Plan.Operation => ({
  _tag: "CreateUser",
  key: `user:00unew${n}`,
  oktaUserId: Domain.OktaUserId.make(`00unew${n}`),
  userName: `new${n}@acme.io`,
  displayName: `New ${n}`,
  userType: "member",
  attributes: {}
})

/**
 * A plan touching every kind of write (user creates, team creates with created users, member
 * patches, renames, a delete), and the membership it must leave, by team name. `People` holds the
 * created users, whose ids are known only after the apply.
 */
const busyPlan = (
  state: ReturnType<typeof seed>["state"],
  id: (email: string) => string
): { plan: Plan.Plan; expected: Map<string, Set<string>> } => {
  const operations: Array<Plan.Operation> = [createUser(0), createUser(1), createUser(2)]
  operations.push(create("People", [0, 1, 2].map((n) => Plan.newUserPlaceholder(`00unew${n}`))))
  const expected = new Map<string, Set<string>>()
  for (let t = 0; t < 8; t++) {
    const members = Array.from({ length: 6 }, (_, i) => id(`u${30 + ((t * 3 + i) % 30)}@acme.io`))
    const more = Array.from({ length: 3 }, (_, i) => id(`u${(t + i * 7) % 30}@acme.io`))
    operations.push(create(`New ${t}`, members.slice(0, 4)), patch(`New ${t}`, { add: [...members.slice(4), ...more] }))
    expected.set(`New ${t}`, new Set([...members, ...more]))
  }
  state.teams.forEach((team, t) => {
    if (t === 4) {
      operations.push(remove(team.displayName, team.id))
      return
    }
    const add = [id(`u${40 + t}@acme.io`), id(`u${50 + t}@acme.io`)]
    const removed = team.members.slice(0, 3)
    const name = t % 2 === 0 ? `Renamed ${t}` : team.displayName
    if (t % 2 === 0) operations.push(rename(team.displayName, team.id, team.displayName, name))
    operations.push(patch(team.displayName, { teamId: team.id, add, remove: removed }))
    expected.set(name, new Set([...team.members.slice(3), ...add]))
  })
  const u27 = Domain.MondayUserId.make(id("u27@acme.io"))
  const u28 = Domain.MondayUserId.make(id("u28@acme.io"))
  operations.push(
    { _tag: "UpdateUser", key: "user:00u27", mondayUserId: u27, userName: "u27@acme.io", changes: [{ attribute: "title", to: "Lead" }] },
    { _tag: "DeactivateUser", key: "user:00u28", mondayUserId: u28, userName: "u28@acme.io", reason: "inactive-in-okta", detail: "SUSPENDED" }
  )
  return { plan: plan(operations), expected }
}

const membership = (state: { teams: ReadonlyArray<{ displayName: string; members: ReadonlyArray<string> }> }) =>
  new Map(state.teams.map((team) => [team.displayName, new Set(team.members)]))

const WRITES = ["POST /Users", "PATCH /Users/{id}", "POST /Groups", "PATCH /Groups/{id}", "DELETE /Groups/{id}"]

/** Faults of `kind` injected on writes (answers lost after the server acted, when the kind says so). */
const onWrites = (injected: Record<string, number>, kind: string) =>
  Object.entries(injected)
    .filter(([key]) => key.startsWith(`${kind} `) && WRITES.some((write) => key.endsWith(` ${write}`)))
    .reduce((n, [, count]) => n + count, 0)

/**
 * The plan applied exactly: every team's members as planned, no team or user made twice, and each
 * write carried out by the server once, even when its answer never reached the sink.
 */
const expectExactly = (emu: MondayEmulator, expected: Map<string, Set<string>>) => {
  expect(emu.applied()).toEqual({
    "POST /Users": 3,
    "POST /Groups": 9,
    "PATCH /Groups/{id}": 8 + 4 + 2,
    "DELETE /Groups/{id}": 1,
    "PATCH /Users/{id}": 2
  })
  const after = emu.account("acme")
  const newUsers = [0, 1, 2].map((n) => after.users.filter((u) => u.userName === `new${n}@acme.io`))
  expect(newUsers.map((users) => users.length)).toEqual([1, 1, 1])
  const all = new Map(expected).set("People", new Set(newUsers.map(([user]) => user!.id)))
  expect(after.teams.length).toBe(all.size)
  expect(membership(after)).toEqual(all)
  expect(after.users.length).toBe(61 + 3)
  expect(after.users.find((u) => u.userName === "u27@acme.io")?.title).toBe("Lead")
  expect(after.users.filter((u) => !u.active).map((u) => u.userName)).toEqual(["u28@acme.io"])
}

describe("faults", () => {
  it.scopedLive("under 429 storms, 5xx, slow answers, drops and lost answers, the teams end exactly as planned", () =>
    Effect.gen(function*() {
      const emu = yield* emulator()
      const { id, state, token } = seed(emu)
      const { expected, plan } = busyPlan(state, id)
      emu.setFaults({
        shares: {
          "429": 0.15,
          "500": 0.05,
          "502": 0.05,
          "503": 0.1,
          drop: 0.1,
          slow: 0.05,
          "drop-after": 0.08,
          "500-after": 0.08
        },
        retryAfterSeconds: 0,
        slowMs: 20,
        seed: 11
      })
      const sink = yield* liveSink(emu.scimUrl, token, {
        retry: { baseDelay: "1 millis", maxDelay: "5 millis", maxAttempts: 30 }
      })

      const outcomes = yield* sink.apply(plan, { concurrency: 4 })

      expect(outcomes.filter((o) => o.status !== "done")).toEqual([])
      const injected = emu.injectedFaults()
      emu.setFaults({})
      expectExactly(emu, expected)
      // Writes did take and lose their answers, both ways, so a change applied twice would show.
      expect(onWrites(injected, "drop-after")).toBeGreaterThan(0)
      expect(onWrites(injected, "500-after")).toBeGreaterThan(0)
      const stats = yield* sink.stats
      expect(stats.retries).toBeGreaterThan(0)
      expect(stats.rateLimited).toBeGreaterThan(0)
      expect(stats.serverErrors).toBeGreaterThan(0)
      expect(stats.transportErrors).toBeGreaterThan(0)
      expect(stats.requests).toBe(emu.counters().total)
    }))

  it.scopedLive("when every kind of write loses its answer after acting, nothing is applied twice or lost", () =>
    Effect.gen(function*() {
      const emu = yield* emulator()
      const { id, state, token } = seed(emu)
      const { expected, plan } = busyPlan(state, id)
      emu.setFaults({ shares: { "drop-after": 0.3, "500-after": 0.3 }, only: WRITES, seed: 1 })
      const sink = yield* liveSink(emu.scimUrl, token, {
        retry: { baseDelay: "1 millis", maxDelay: "5 millis", maxAttempts: 30 }
      })

      // One team at a time: the writes come in the same order every run, so the seeded draws land
      // on the same requests and every kind of write is sure to lose an answer.
      const outcomes = yield* sink.apply(plan, { concurrency: 1 })

      expect(outcomes.filter((o) => o.status !== "done")).toEqual([])
      const injected = emu.injectedFaults()
      emu.setFaults({})
      expectExactly(emu, expected)
      for (const write of WRITES) {
        const lost = Object.entries(injected).filter(([key]) => key.endsWith(` ${write}`)).length
        expect([write, lost > 0]).toEqual([write, true])
      }
      // A create whose answer was lost is found by name and adopted, never POSTed again.
      expect(emu.counters()["POST /Groups"]).toBe(9)
      expect(emu.counters()["POST /Users"]).toBe(3)
    }))

  it.scopedLive("under the account's rate limit, every change lands and each 429 is counted", () =>
    Effect.gen(function*() {
      const emu = yield* emulator({ rateLimit: { capacity: 10, refillPerSecond: 20 } })
      const { id, state, token } = seed(emu)
      const operations = Array.from({ length: 30 }, (_, i) => {
        const team = state.teams[i % 5]
        return patch(`${team.displayName}`, { teamId: team.id, add: [id(`u${30 + i}@acme.io`)] })
      })
      const sink = yield* liveSink(emu.scimUrl, token, { concurrency: 5 })

      const outcomes = yield* sink.apply(plan(operations))

      expect(outcomes.every((o) => o.status === "done")).toBe(true)
      const after = emu.account("acme")
      after.teams.forEach((team, t) => {
        const added = Array.from({ length: 6 }, (_, k) => id(`u${30 + t + 5 * k}@acme.io`))
        expect(new Set(team.members)).toEqual(new Set([...state.teams[t].members, ...added]))
      })
      const stats = yield* sink.stats
      expect(stats.rateLimited).toBeGreaterThan(0)
      expect(stats.requests).toBe(30 + stats.rateLimited)
    }))

  it.scopedLive("honours Retry-After before sending again", () =>
    Effect.gen(function*() {
      const emu = yield* emulator()
      const { token } = seed(emu)
      emu.setFaults({ next: ["429"], retryAfterSeconds: 1 })
      const sink = yield* liveSink(emu.scimUrl, token, { concurrency: 4 })
      const started = Date.now()
      yield* sink.readTarget()
      // The first list answered 429 with Retry-After: 1; nothing may be re-sent sooner.
      expect(Date.now() - started).toBeGreaterThanOrEqual(1000)
      expect(yield* sink.stats).toMatchObject({ rateLimited: 1, retries: 1 })
    }))

  it.scopedLive("gives up with RateLimited when Retry-After is longer than the budget, without waiting it out", () =>
    Effect.gen(function*() {
      const emu = yield* emulator()
      const { token } = seed(emu)
      emu.setFaults({ next: ["429"], retryAfterSeconds: 120 })
      const sink = yield* liveSink(emu.scimUrl, token, { retry: { maxTotalWait: "1 second" } })
      const error = yield* Effect.flip(sink.testConnection.pipe(Effect.timeout("5 seconds")))
      expect(error._tag).toBe("RateLimited")
      expect(error.message).toContain("Retry-After: 120 s")
      expect(emu.counters().total).toBe(1)
    }))

  it.scopedLive("5xx after every attempt ends in ServerUnavailable, retryable, after maxAttempts", () =>
    Effect.gen(function*() {
      const emu = yield* emulator()
      const { token } = seed(emu)
      emu.setFaults({ shares: { "503": 1 } })
      const sink = yield* liveSink(emu.scimUrl, token, { retry: { maxAttempts: 3, baseDelay: "1 millis" } })
      const error = yield* Effect.flip(sink.readTarget())
      expect(error).toMatchObject({ _tag: "ServerUnavailable", attempts: 3, status: 503, retryable: true })
      expect(emu.counters()["GET /Users"]).toBe(3)
    }))

  it.scopedLive("never re-sends what can't succeed (401, 403, 404, 409, 400; a 413 only as halves)", () =>
    Effect.gen(function*() {
      const emu = yield* emulator({ maxMembersPerPatch: 1 })
      const { id, state, token } = seed(emu)
      const sink = yield* liveSink(emu.scimUrl, token)
      const outcomes = yield* sink.apply(
        plan([
          patch("Gone", { teamId: "404404", add: [id("u1@acme.io")] }),
          rename("Old 0", state.teams[0].id, "Old 0", "Old 1"),
          patch("Old 2", { teamId: state.teams[2].id, add: ["nobody"] }),
          patch("Old 3", { teamId: state.teams[3].id, add: [id("u1@acme.io"), id("u2@acme.io")] })
        ])
      )
      expect(outcomes.map((o) => o.error?.tag)).toEqual([
        "TeamNotFound",
        "Conflict",
        "UserNotInAccount",
        undefined
      ])
      // The 413 (two changes over a cap of one) went out again as two single changes, never whole.
      expect(emu.counters()["PATCH /Groups/{id}"]).toBe(4 + 2)
      expect(emu.applied()["PATCH /Groups/{id}"]).toBe(2)
      expect((yield* sink.stats).retries).toBe(0)

      // 401: a token monday.com doesn't know (or whose admin was demoted) is sent exactly once.
      const change = plan([patch("Old 4", { teamId: state.teams[4].id, add: [id("u59@acme.io")] })])
      emu.resetCounters()
      const wrongToken = yield* liveSink(emu.scimUrl, "not-the-token")
      const rejected = yield* wrongToken.apply(change)
      expect(rejected[0]!.error?.tag).toBe("TokenRejected")
      expect(emu.counters()).toEqual({ "PATCH /Groups/{id}": 1, total: 1 })
      expect((yield* wrongToken.stats).retries).toBe(0)

      // 403: an account off the Enterprise plan is refused once, not retried.
      emu.setPlan("acme", "pro")
      emu.resetCounters()
      const refused = yield* sink.apply(change)
      expect(refused[0]!.error?.tag).toBe("NotEnterprise")
      expect(emu.counters()).toEqual({ "PATCH /Groups/{id}": 1, total: 1 })
      expect((yield* sink.stats).retries).toBe(0)
      expect(emu.account("acme").teams[4]!.members).toEqual(state.teams[4]!.members)
    }))

  it.scopedLive("a POST whose answer was lost after the team was made is adopted, not made twice", () =>
    Effect.gen(function*() {
      const emu = yield* emulator()
      const { id, token } = seed(emu)
      let lost = 0
      // The answer is lost in the client after the server acted (drop-after does the same on the server side).
      const loseFirstPostAnswer = (client: HttpClient.HttpClient) =>
        HttpClient.transform(client, (response, request) =>
          Effect.flatMap(response, (res) =>
            request.method === "POST" && lost++ === 0
              ? Effect.fail(
                new HttpClientError.RequestError({ request, reason: "Transport", description: "socket hang up" })
              )
              : Effect.succeed(res)))
      const sink = yield* liveSink(emu.scimUrl, token, { transformClient: loseFirstPostAnswer })

      const outcomes = yield* sink.apply(
        plan([create("Eng", [id("u1@acme.io")]), patch("Eng", { add: [id("u2@acme.io")] })])
      )

      expect(outcomes.map((o) => o.status)).toEqual(["done", "done"])
      const teams = emu.account("acme").teams.filter((t) => t.displayName === "Eng")
      expect(teams.length).toBe(1)
      expect(outcomes[0].teamId).toBe(teams[0].id)
      expect([...teams[0].members].sort()).toEqual([id("u1@acme.io"), id("u2@acme.io")].sort())
      expect(emu.counters()["POST /Groups"]).toBe(1)
      // guard lookup, POST, lookup that found the team, PATCH
      expect(emu.counters()["GET /Groups"]).toBe(2)
    }))

  it.scopedLive("a slow POST that timed out but went through is adopted", () =>
    Effect.gen(function*() {
      const emu = yield* emulator()
      const { id, token } = seed(emu)
      emu.setFaults({ next: ["slow"], only: ["POST /Groups"], slowMs: 300 })
      const sink = yield* liveSink(emu.scimUrl, token, {
        requestTimeout: "100 millis",
        retry: { baseDelay: "600 millis", maxDelay: "600 millis" }
      })

      const outcomes = yield* sink.apply(plan([create("Eng", [id("u1@acme.io")])]))

      expect(outcomes[0].status).toBe("done")
      expect(emu.account("acme").teams.filter((t) => t.displayName === "Eng").map((t) => t.id)).toEqual([
        outcomes[0].teamId
      ])
      expect(emu.counters()["POST /Groups"]).toBe(1)
      expect((yield* sink.stats).transportErrors).toBe(1)
    }))

  it.scopedLive("a PATCH whose answer was lost after it took is checked, not re-sent", () =>
    Effect.gen(function*() {
      const emu = yield* emulator()
      const { id, state, token } = seed(emu)
      let lost = 0
      const loseFirstPatchAnswer = (client: HttpClient.HttpClient) =>
        HttpClient.transform(client, (response, request) =>
          Effect.flatMap(response, (res) =>
            request.method === "PATCH" && lost++ === 0
              ? Effect.fail(new HttpClientError.RequestError({ request, reason: "Transport" }))
              : Effect.succeed(res)))
      const sink = yield* liveSink(emu.scimUrl, token, { transformClient: loseFirstPatchAnswer })
      const team = state.teams[0]

      const outcomes = yield* sink.apply(
        plan([patch("Old 0", { teamId: team.id, add: [id("u59@acme.io")], remove: [team.members[0]] })])
      )

      expect(outcomes[0].status).toBe("done")
      expect(emu.counters()["PATCH /Groups/{id}"]).toBe(1)
      expect(emu.counters()["GET /Groups/{id}"]).toBe(1)
      expect(new Set(emu.account("acme").teams[0].members)).toEqual(
        new Set([...team.members.slice(1), id("u59@acme.io")])
      )
    }))

  it.scopedLive("one team's failure doesn't stop the others", () =>
    Effect.gen(function*() {
      const emu = yield* emulator()
      const { id, state, token } = seed(emu)
      emu.setFaults({ shares: { "503": 1 }, only: ["POST /Groups"] })
      const sink = yield* liveSink(emu.scimUrl, token, { retry: { maxAttempts: 2, baseDelay: "1 millis" } })
      const outcomes = yield* sink.apply(
        plan([
          create("Eng", [id("u1@acme.io")]),
          patch("Eng", { add: [id("u2@acme.io")] }),
          patch("Old 1", { teamId: state.teams[1].id, add: [id("u59@acme.io")] })
        ])
      )
      expect(outcomes.map((o) => o.status)).toEqual(["failed", "skipped", "done"])
      expect(outcomes[0].error).toMatchObject({ tag: "ServerUnavailable", retryable: true })
    }))

  it.scopedLive("the token never appears in logs, errors or outcomes, even with retries logged", () =>
    Effect.gen(function*() {
      const emu = yield* emulator()
      const { id, token } = seed(emu)
      emu.setFaults({ shares: { "503": 0.5, drop: 0.2 }, seed: 3 })
      const lines: Array<string> = []
      const capture = Logger.replace(
        Logger.defaultLogger,
        Logger.make((options) => lines.push(Logger.logfmtLogger.log(options)))
      )
      const sink = yield* liveSink(emu.scimUrl, token, { retry: { maxAttempts: 2, baseDelay: "1 millis" } })
      const outcomes = yield* sink.apply(
        plan(Array.from({ length: 6 }, (_, i) => create(`T${i}`, [id(`u${i}@acme.io`)]))),
        { concurrency: 2 }
      ).pipe(Effect.provide(capture), Logger.withMinimumLogLevel(LogLevel.All))
      const read = yield* Effect.either(sink.readTarget()).pipe(Effect.provide(capture))

      expect(lines.length).toBeGreaterThan(0)
      expect(outcomes.some((o) => o.status === "failed")).toBe(true)
      const everything = [...lines, JSON.stringify(outcomes), JSON.stringify(read), String(read)].join("\n")
      expect(everything).not.toContain(token)
    }))
})
