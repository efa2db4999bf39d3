/**
 * `/metrics` after one known full cycle: every family has the type Prometheus expects of its name
 * (`_total` only on counters), the API request counters equal what the emulators received, and
 * `blocked_teams` counts teams held by blockers of their own, not the run-wide removal limit nor
 * users held back.
 */
import { describe, expect, it } from "@effect/vitest"
import { Duration, Effect } from "effect"
import { getMetrics, inProcessDaemon, metricTypes, parseMetrics } from "../support/daemon.js"
import { withEngine } from "../support/engine.js"
import { settingsOf, waitUntilEffect, world } from "../support/world.js"

const rules = `
mappings:
  - select: { nameRegex: "^Dept - (.*)$" }
    team: "{1}"
limits: { maxRemovalsPerRun: 1 }
users: { provision: true, userType: { attribute: mondayRole } }
`

const sum = (counters: Record<string, number>) =>
  Object.entries(counters).filter(([k]) => k !== "total").reduce((n, [, v]) => n + v, 0)

describe("daemon /metrics", () => {
  it.scopedLive("types and values after a known full cycle; blocked_teams counts team blockers only", () =>
    Effect.gen(function*() {
      const w = yield* world({
        people: ["ann", "bob", "cat", "dan", { handle: "wiz", monday: false, profile: { mondayRole: "wizard" } }],
        groups: { "Dept - Eng": ["ann", "bob", "cat"], "Dept - Ops": ["dan"] },
        // "Ops" exists already and was not made by the engine: the team is blocked (name taken).
        handMadeTeams: { Ops: ["dan"] }
      })
      const settings = settingsOf(w, { rules })
      yield* withEngine(settings, (engine) => engine.sync, "file")
      expect(w.teams().Eng).toEqual(["ann", "bob", "cat"])
      // Two removals in one run, over the run-wide limit of 1: all removals held until approved.
      w.okta.removeMember(w.groupId("Dept - Eng"), w.userId("ann"))
      w.okta.removeMember(w.groupId("Dept - Eng"), w.userId("bob"))
      w.okta.resetCounters()
      w.monday.resetCounters()

      // No poll within the test: the one full cycle at start is all that talks to the emulators.
      const d = yield* inProcessDaemon(settings, { pollInterval: Duration.minutes(5), fullSyncInterval: Duration.minutes(60) })
      const full = yield* waitUntilEffect("the full cycle", () => d.events.filter((e) => e.kind === "full"), (e) => e.length === 1)
      const blockers = full[0]!.kind === "full" ? full[0]!.report.plan.blockers.map((b) => b._tag).sort() : []
      expect(blockers).toEqual(["NameTaken", "RunRemovalLimit", "UnknownUserType"])

      const text = (yield* getMetrics(d.url)).text
      const types = metricTypes(text)
      for (const [name, type] of types) {
        if (name.startsWith("okta_monday_")) expect([name, type]).toEqual([name, name.endsWith("_total") ? "COUNTER" : "GAUGE"])
      }
      expect(types.get("okta_monday_api_requests_total")).toBe("COUNTER")
      expect(types.get("okta_monday_api_rate_limited_total")).toBe("COUNTER")

      const m = parseMetrics(text)
      expect(m.get("okta_monday_blocked_teams")).toBe(1)
      expect(m.get("okta_monday_blocked_users")).toBe(1)
      expect(m.get("okta_monday_run_removals_held")).toBe(1)
      expect(m.get('okta_monday_cycles_total{kind="full",result="ok"}')).toBe(1)
      expect(m.get('okta_monday_api_requests_total{side="okta"}')).toBe(sum(w.okta.counters()))
      expect(m.get('okta_monday_api_requests_total{side="monday"}')).toBe(w.monday.counters().total)
      expect(m.get('okta_monday_api_requests_total{side="monday"}')).toBeGreaterThan(0)
      expect(m.get('okta_monday_api_rate_limited_total{side="okta"}')).toBe(0)
      expect(m.get('okta_monday_api_rate_limited_total{side="monday"}')).toBe(0)
    }))
})
