/**
 * The daemon against both emulators: a change in Okta reaches monday.com within a poll or two, a
 * hand edit in monday.com is repaired at the next full sync, faults on both sides don't stop it
 * converging or make it remove anyone it shouldn't, `/healthz` and `/metrics` say what happened,
 * and a second daemon on the same state store refuses to start.
 */
import { afterAll, beforeAll, describe, expect, it } from "@effect/vitest"
import { Duration, Effect, Option } from "effect"
import * as Os from "node:os"
import { getHealth, getMetrics, inProcessDaemon, parseMetrics } from "../support/daemon.js"
import { StateStore } from "../../src/state/StateStore.js"
import { startDaemon } from "../support/processes.js"
import { storeBackends } from "../support/stores.js"
import { envOf, handRemove, settingsOf, storeLayerOf, waitUntilEffect, world, writeConfig } from "../support/world.js"
import type { World } from "../support/world.js"

const rules = `
mappings:
  - select: { nameRegex: "^Dept - (.*)$" }
    team: "{1}"
`

/** What monday.com should hold for `rules` when everyone is ready: team X = members of "Dept - X". */
const desired = (w: World): Record<string, ReadonlyArray<string>> => {
  const state = w.okta.state()
  const handles = new Map(state.users.map((u) => [u.id, String(u.profile.login).replace("@example.com", "")]))
  const out: Record<string, ReadonlyArray<string>> = {}
  for (const g of state.groups) {
    const m = /^Dept - (.*)$/.exec(g.name)
    if (m) out[m[1]!] = g.members.map((id) => handles.get(id)!).sort()
  }
  return out
}

const people = Array.from({ length: 40 }, (_, i) => `p${String(i).padStart(2, "0")}`)
const bigGroups = Object.fromEntries(
  ["A", "B", "C", "D", "E", "F"].map((d, i) => [`Dept - ${d}`, people.filter((_, j) => j % 6 === i || j % 7 === i)])
)

describe("daemon (in-process) against both emulators", () => {
  it.scopedLive("a membership change in Okta arrives with a 1 s poll; /healthz and /metrics report it", () =>
    Effect.gen(function*() {
      const w = yield* world({
        people: ["ann", "bob", "cat", "dan", "eve"],
        groups: { "Dept - Eng": ["ann", "bob"], "Dept - Ops": ["cat"] },
        handMadeTeams: { Ops: ["dan"] }
      })
      const d = yield* inProcessDaemon(settingsOf(w, { rules, pollSeconds: 1 }))
      yield* waitUntilEffect("the first full cycle", () => d.events.map((e) => e.kind), (k) => k.includes("full"))
      expect(w.teams()).toEqual({ Ops: ["dan"], Eng: ["ann", "bob"] })

      const health = yield* getHealth(d.url)
      expect(health.status).toBe(200)
      expect(health.body.status).toBe("ok")
      expect(String(health.body.holder)).toContain(`${Os.hostname()}:${process.pid}:`)

      const started = Date.now()
      w.okta.addMember(w.groupId("Dept - Eng"), w.userId("eve"))
      yield* waitUntilEffect("eve in Eng", () => w.teams().Eng, (m) => m?.includes("eve") === true, 15_000)
      expect(Date.now() - started).toBeLessThan(15_000)
      // It came by the System Log poll, not a full reconcile (whose event follows the PATCH once it is saved).
      yield* waitUntilEffect(
        "the delta cycle's event",
        () => d.events.some((e) => e.kind === "delta" && e.deltas > 0 && e.report.status === "succeeded"),
        (seen) => seen,
        5_000
      )
      expect(d.events.filter((e) => e.kind === "full")).toHaveLength(1)

      const metrics = yield* getMetrics(d.url)
      expect(metrics.status).toBe(200)
      expect(metrics.contentType).toContain("text/plain")
      const m = parseMetrics(metrics.text)
      expect(m.get('okta_monday_cycles_total{kind="full",result="ok"}')).toBe(1)
      expect(m.get('okta_monday_cycles_total{kind="delta",result="ok"}')).toBeGreaterThanOrEqual(1)
      expect(m.get('okta_monday_operations_total{kind="CreateTeam",outcome="done"}')).toBe(1)
      expect(m.get('okta_monday_operations_total{kind="PatchMembers",outcome="done"}')).toBe(1)
      // The hand-made "Ops" blocks its team (name taken).
      expect(m.get("okta_monday_blocked_teams")).toBe(1)
      const last = m.get("okta_monday_last_success_timestamp_seconds")!
      expect(Math.abs(last - Date.now() / 1000)).toBeLessThan(60)
      expect(m.get('okta_monday_api_requests_total{side="okta"}')).toBeGreaterThan(0)
      expect(m.get('okta_monday_api_requests_total{side="monday"}')).toBeGreaterThan(0)
      expect(m.get('okta_monday_api_rate_limited_total{side="okta"}')).toBe(0)
      expect(m.get('okta_monday_api_rate_limited_total{side="monday"}')).toBe(0)
      const notFound = yield* Effect.promise(() => fetch(`${d.url}/nope`).then((r) => r.status))
      expect(notFound).toBe(404)
    }))

  it.scopedLive("a member removed by hand in monday.com comes back at the next full sync", () =>
    Effect.gen(function*() {
      const w = yield* world({ people: ["ann", "bob", "cat"], groups: { "Dept - Eng": ["ann", "bob", "cat"] } })
      const d = yield* inProcessDaemon(settingsOf(w, { rules }), {
        pollInterval: Duration.millis(300),
        fullSyncInterval: Duration.seconds(2)
      })
      yield* waitUntilEffect("Eng created", () => w.teams().Eng, (m) => m?.length === 3)
      yield* Effect.promise(() => handRemove(w, "Eng", "bob"))
      expect(w.teams().Eng).toEqual(["ann", "cat"])
      const fullsBefore = d.events.filter((e) => e.kind === "full").length
      yield* waitUntilEffect("bob back in Eng", () => w.teams().Eng, (m) => m?.includes("bob") === true, 15_000)
      // By a full sync (nothing changed in Okta): its event comes once the cycle has finished.
      yield* waitUntilEffect("the full cycle's event", () => d.events.filter((e) => e.kind === "full").length, (n) => n > fullsBefore)
      expect(d.events.filter((e) => e.kind === "delta" && e.report.plan.operations.length > 0)).toEqual([])
      expect(w.teams()).toEqual({ Eng: ["ann", "bob", "cat"] })
    }))

  it.scopedLive("with 429s, 503s and dropped connections on both sides it converges and removes no one wrongly", () =>
    Effect.gen(function*() {
      const w = yield* world({ people, groups: bigGroups, monday: { seed: 11 } })
      w.monday.setFaults({ shares: { "429": 0.15, "503": 0.1, drop: 0.05 }, retryAfterSeconds: 1, seed: 11 })
      w.okta.setFaults([
        { match: "GET /api/v1/groups", status: 429, times: 3, resetInSeconds: 1 },
        { match: "GET /api/v1/apps", status: 503, times: 2 },
        { match: "GET /api/v1/logs", status: 500, times: 2 }
      ])
      // Sample monday.com all along: a member who is wanted throughout must never disappear once there.
      const changed = new Set(["p00", "p01", "p02", "p03", "p39"])
      const wantedThroughout = Object.fromEntries(
        Object.entries(desired(w)).map(([team, members]) => [team, members.filter((h) => !changed.has(h))])
      )
      const seen = new Map<string, Set<string>>()
      const wrongRemovals: Array<string> = []
      const sample = () => {
        const now = w.teams()
        for (const [team, members] of Object.entries(wantedThroughout)) {
          const present = new Set(now[team] ?? [])
          const before = seen.get(team) ?? new Set<string>()
          for (const h of before) if (!present.has(h)) wrongRemovals.push(`${h} left ${team}`)
          for (const h of members) if (present.has(h)) before.add(h)
          seen.set(team, before)
        }
      }
      const sampler = setInterval(sample, 20)
      yield* Effect.addFinalizer(() => Effect.sync(() => clearInterval(sampler)))

      const d = yield* inProcessDaemon(settingsOf(w, { rules, mondayConcurrency: 4 }), {
        pollInterval: Duration.millis(500),
        fullSyncInterval: Duration.minutes(10)
      })
      yield* waitUntilEffect("a first successful full cycle", () => d.events.map((e) => e.kind), (k) => k.includes("full"), 60_000)
      // Changes while faults continue.
      const A = w.groupId("Dept - A")
      const B = w.groupId("Dept - B")
      w.okta.setFaults([{ match: "GET /api/v1/logs", status: 429, times: 2, resetInSeconds: 1 }])
      w.okta.addMember(A, w.userId("p39"))
      w.okta.removeMember(A, w.userId("p00"))
      w.okta.addMember(B, w.userId("p02"))
      w.okta.removeMember(B, w.userId("p01"))
      w.okta.addMember(B, w.userId("p03"))
      const want = desired(w)
      yield* waitUntilEffect("monday.com equal to the desired state", () => w.teams(), (t) =>
        JSON.stringify(t) === JSON.stringify(Object.fromEntries(Object.keys(t).map((k) => [k, want[k]]))) &&
        Object.keys(t).length === Object.keys(want).length, 60_000)
      sample()
      expect(wrongRemovals).toEqual([])
      // No team twice, nothing beyond the desired teams.
      expect(Object.keys(w.teams()).sort()).toEqual(Object.keys(want).sort())
      const m = parseMetrics((yield* getMetrics(d.url)).text)
      expect(m.get('okta_monday_api_rate_limited_total{side="monday"}')).toBeGreaterThan(0)
      expect(m.get('okta_monday_api_rate_limited_total{side="okta"}')).toBeGreaterThan(0)
    }), 90_000)

})

describe.each(storeBackends)("one daemon per state store ($kind)", (backend) => {
  beforeAll(backend.setup)
  afterAll(backend.teardown)

  it.scopedLive("a second daemon on the same state store exits non-zero naming the lease holder", () =>
    Effect.gen(function*() {
      const w = yield* world({ people: ["ann"], groups: { "Dept - Eng": ["ann"] } })
      const parts = { rules, ...backend.fresh() }
      const config = writeConfig(w, parts)
      const d = yield* inProcessDaemon(settingsOf(w, parts))
      yield* waitUntilEffect("the first full cycle", () => d.events.length, (n) => n > 0)
      const lease = yield* Effect.flatMap(StateStore, (s) => s.lease.current).pipe(Effect.provide(storeLayerOf(w, parts)))
      expect(Option.getOrThrow(lease).holder).toContain(`${Os.hostname()}:${process.pid}:`)
      const second = startDaemon(config, envOf(w, parts))
      const exit = yield* Effect.promise(() => second.exited)
      expect(exit.code).not.toBe(0)
      expect(exit.code).not.toBeNull()
      const out = second.output()
      expect(out).toContain(`another okta-monday daemon (${Option.getOrThrow(lease).holder})`)
      expect(out).toContain("only one may run per state store")
      expect(out).not.toContain(w.env.OKTA_API_TOKEN!)
      expect(out).not.toContain(w.env.MONDAY_SCIM_TOKEN!)
      // The first one is unaffected.
      expect((yield* getHealth(d.url)).status).toBe(200)
      expect(w.teams()).toEqual({ Eng: ["ann"] })
    }), 60_000)
})
