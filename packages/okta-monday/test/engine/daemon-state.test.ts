/**
 * What the daemon's System Log path leaves in the state store. Each delta cycle folds its apply
 * into the planner it keeps (only the teams it touched are reconciled) and saves the change of
 * the links: after a run of them, the store must hold exactly the links a full sync makes, so a
 * restart, `okta-monday status` or the next full cycle starts from the truth.
 */
import { describe, expect, it } from "@effect/vitest"
import { Duration, Effect, Fiber, Schema } from "effect"
import { Domain } from "@okta-monday/mapping-core"
import { StateStore } from "../../src/state/StateStore.js"
import { inProcessDaemon } from "../support/daemon.js"
import { withEngine } from "../support/engine.js"
import { settingsOf, waitUntilEffect, world } from "../support/world.js"

const rules = `
mappings:
  - select: { nameRegex: "^Dept - (.*)$" }
    team: "{1}"
policies: { existingTeam: adopt, handAddedMembers: keep }
`

const linksJson = (l: Domain.Links) => JSON.stringify(Schema.encodeSync(Domain.Links)(l))

describe("daemon: the System Log path's links", () => {
  it.scopedLive("after delta cycles the state store holds the links a full sync makes, and that sync has nothing to do", () =>
    Effect.gen(function*() {
      const w = yield* world({
        people: ["ann", "bob", "cat", "dan", "eve", "fay"],
        groups: { "Dept - Eng": ["ann", "bob"], "Dept - Ops": ["cat"], "Dept - QA": ["dan"] },
        // A team made by hand that a group created later maps to: adopted by a delta cycle.
        handMadeTeams: { Sales: ["dan", "fay"] }
      })
      const settings = settingsOf(w, { rules })
      const d = yield* inProcessDaemon(settings, { pollInterval: Duration.millis(300), fullSyncInterval: Duration.minutes(10) })
      yield* waitUntilEffect("the teams created", () => Object.keys(w.teams()).sort().join(), (k) => k === "Eng,Ops,QA,Sales")
      const eng = w.groupId("Dept - Eng")
      w.okta.addMember(eng, w.userId("cat"))
      w.okta.removeMember(eng, w.userId("bob"))
      w.okta.addMember(w.groupId("Dept - Ops"), w.userId("eve"))
      w.okta.renameGroup(w.groupId("Dept - QA"), "Dept - Quality")
      const sales = w.okta.createGroup({ name: "Dept - Sales" })
      w.okta.addMember(sales, w.userId("eve"))
      yield* waitUntilEffect(
        "the changes carried over",
        () => w.teams(),
        (t) =>
          JSON.stringify(Object.entries(t).sort()) ===
            JSON.stringify(Object.entries({ Eng: ["ann", "cat"], Ops: ["cat", "eve"], Quality: ["dan"], Sales: ["dan", "eve", "fay"] })),
        15_000
      )
      // The cycle that carried them over may still be saving: wait for a poll that finds nothing
      // new, so the next delta cycle is the one that reads fay's change.
      const idle = d.events.filter((e) => e.kind === "idle").length
      yield* waitUntilEffect("a quiet poll", () => d.events.filter((e) => e.kind === "idle").length, (n) => n > idle, 15_000)
      // fay, in Sales by hand, joins its group: nothing to send, but she is the engine's from now on.
      const deltas = d.events.filter((e) => e.kind === "delta").length
      w.okta.addMember(sales, w.userId("fay"))
      yield* waitUntilEffect("one more delta cycle", () => d.events.filter((e) => e.kind === "delta").length, (n) => n > deltas, 15_000)
      yield* Fiber.interrupt(d.fiber)
      expect(d.events.filter((e) => e.kind === "full")).toHaveLength(1)
      expect(d.events.filter((e) => e.kind === "failed")).toEqual([])

      const saved = yield* Effect.flatMap(StateStore, (s) => s.loadLinks).pipe(Effect.provide(StateStore.layer(settings.state)))
      const full = yield* withEngine(settings, (engine) => engine.sync, "file")
      expect(full.plan.operations).toEqual([])
      expect(linksJson(saved)).toBe(linksJson(full.links))
      // dan, added by hand and in no group of the team, stays someone else's.
      expect(saved.teams.find((t) => t.displayName === "Sales")?.managedMembers).toEqual(
        [w.mondayUserId("eve"), w.mondayUserId("fay")].sort()
      )
    }))
})
