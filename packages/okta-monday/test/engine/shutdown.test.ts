/**
 * Stopping the daemon while an apply is in flight: the operations in flight finish and are
 * journaled (every operation done and recorded, or known not sent), the rest wait for the next
 * start, and the daemon lets go of its connections and state store promptly, not after the apply.
 */
import { describe, expect, it } from "@effect/vitest"
import { Duration, Effect, Fiber, Option } from "effect"
import { StateStore } from "../../src/state/StateStore.js"
import { inProcessDaemon } from "../support/daemon.js"
import { withEngine } from "../support/engine.js"
import { startDaemon } from "../support/processes.js"
import { settingsOf, startWorld, teamsOf, waitUntil, waitUntilEffect, world, writeConfig } from "../support/world.js"
import type { WorldSpec } from "../support/world.js"

const rules = `
mappings:
  - select: { nameRegex: "^Dept - (.*)$" }
    team: "{1}"
`

describe("daemon shutdown mid-apply", () => {
  it.scopedLive("an apply in flight finishes and is journaled before the daemon stops", () =>
    Effect.gen(function*() {
      const w = yield* world({ people: ["ann", "bob"], groups: { "Dept - Eng": ["ann"] } })
      const settings = settingsOf(w, { rules })
      const d = yield* inProcessDaemon(settings, { pollInterval: Duration.millis(200), fullSyncInterval: Duration.minutes(10) })
      yield* waitUntilEffect("Eng created", () => w.teams().Eng, (m) => m?.length === 1)
      w.monday.setFaults({ shares: { slow: 1 }, slowMs: 1500, only: ["PATCH /Groups/{id}"] })
      const patches = () => w.monday.counters()["PATCH /Groups/{id}"] ?? 0
      const before = patches()
      w.okta.addMember(w.groupId("Dept - Eng"), w.userId("bob"))
      yield* waitUntilEffect("the PATCH in flight", patches, (n) => n > before, 10_000)
      const started = Date.now()
      yield* Fiber.interrupt(d.fiber)
      const stopping = Date.now() - started
      expect(w.teams().Eng).toEqual(["ann", "bob"])
      const journal = yield* Effect.gen(function*() {
        const store = yield* StateStore
        return { unfinished: yield* store.unfinishedApply, runs: yield* store.listRuns(5) }
      }).pipe(Effect.provide(StateStore.layer({ sqlite: (settings.state as { sqlite: string }).sqlite })))
      expect(Option.isNone(journal.unfinished)).toBe(true)
      expect(journal.runs[0]?.kind).toBe("delta")
      expect(journal.runs[0]?.outcomes).toEqual({ done: 1, failed: 0, skipped: 0 })
      // It waited for the slow request, not for a retry budget.
      expect(stopping).toBeLessThan(5_000)
    }), 30_000)
})

const TEAMS = 30
const SLOW_MS = 500
const people = Array.from({ length: TEAMS }, (_, i) => `p${String(i).padStart(2, "0")}`)
const many: WorldSpec = {
  people,
  groups: Object.fromEntries(Array.from({ length: TEAMS }, (_, t) => [`Dept - T${String(t).padStart(2, "0")}`, [people[t]!]]))
}

const readStore = (path: string) =>
  Effect.runPromise(
    Effect.gen(function*() {
      const store = yield* StateStore
      return { unfinished: yield* store.unfinishedApply, runs: yield* store.listRuns(10), links: yield* store.loadLinks }
    }).pipe(Effect.provide(StateStore.layerSqlite({ path })))
  )

describe("daemon process stopped by SIGTERM mid-apply", () => {
  it("stops after the operation in flight, journals it, and the restart ends as an uninterrupted run", async () => {
    const reference = await startWorld({ ...many, slug: "reference" })
    let expected: Record<string, ReadonlyArray<string>>
    try {
      await Effect.runPromise(withEngine(settingsOf(reference, { rules }), (e) => e.sync))
      expected = reference.teams()
    } finally {
      await reference.close()
    }
    expect(Object.keys(expected)).toHaveLength(TEAMS)

    const w = await startWorld(many)
    const daemons: Array<ReturnType<typeof startDaemon>> = []
    try {
      const sqlite = `${w.dir}/state.sqlite`
      const config = writeConfig(w, { rules, mondayConcurrency: 1, pollSeconds: 1 })
      // One team at a time, each create taking SLOW_MS: the whole apply takes TEAMS × SLOW_MS.
      w.monday.setFaults({ shares: { slow: 1 }, slowMs: SLOW_MS, only: ["POST /Groups"] })
      const first = startDaemon(config, w.env)
      daemons.push(first)
      const atStop = await waitUntil(
        "a few teams created",
        () => w.monday.account(w.slug).teams.length,
        (n) => n >= 3 || first.child.exitCode !== null,
        60_000,
        10
      )
      const sentAt = Date.now()
      const exit = await first.stop("SIGTERM")
      const took = Date.now() - sentAt
      expect(exit.code, first.output()).toBe(0)
      const created = w.monday.account(w.slug).teams
      // Only the create in flight at the signal was let finish; the others were never sent.
      expect(created.length).toBeGreaterThanOrEqual(atStop)
      expect(created.length).toBeLessThanOrEqual(atStop + 1)
      expect(w.monday.counters()["POST /Groups"]).toBe(created.length)
      // Promptly: well before the (TEAMS - created) × SLOW_MS the rest of the apply would have taken.
      expect(took).toBeLessThan(((TEAMS - created.length) * SLOW_MS) / 2)

      // The journal: the run closed as interrupted, every team that exists recorded and linked.
      const stopped = await readStore(sqlite)
      expect(Option.isNone(stopped.unfinished)).toBe(true)
      const run = stopped.runs[0]!
      expect(Option.getOrThrow(run.summary).status).toBe("interrupted")
      expect(run.outcomes).toEqual({ done: created.length, failed: 0, skipped: 0 })
      expect(stopped.links.teams.map((t) => t.teamId).sort()).toEqual(created.map((t) => t.id).sort())

      w.monday.setFaults({})
      const second = startDaemon(config, w.env)
      daemons.push(second)
      await waitUntil("monday.com to converge", () => teamsOf(w.monday, w.slug), (t) =>
        JSON.stringify(t, Object.keys(t).sort()) === JSON.stringify(expected, Object.keys(expected).sort()), 60_000)
      expect((await second.stop("SIGTERM")).code, second.output()).toBe(0)
      const final = w.monday.account(w.slug).teams
      expect(teamsOf(w.monday, w.slug)).toEqual(expected)
      expect(new Set(final.map((t) => t.displayName)).size).toBe(final.length)
      for (const t of created) expect(final.find((f) => f.id === t.id)?.displayName).toBe(t.displayName)
      expect(w.monday.counters()["POST /Groups"]).toBe(TEAMS)
    } finally {
      for (const d of daemons) await d.stop("SIGKILL")
      await w.close()
    }
  }, 120_000)
})
