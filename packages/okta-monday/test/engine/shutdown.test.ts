/**
 * Stopping the daemon while an apply is in flight: the engine promises the apply runs to its end
 * (every operation done and recorded, or known not sent) before the daemon lets go of its
 * connections and state store.
 */
import { describe, expect, it } from "@effect/vitest"
import { Duration, Effect, Fiber, Option } from "effect"
import { StateStore } from "../../src/state/StateStore.js"
import { inProcessDaemon } from "../support/daemon.js"
import { settingsOf, waitUntilEffect, world } from "../support/world.js"

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
