/**
 * The daemon's System Log path when monday.com or Okta moved under it: hand edits it has not seen
 * (a member removed, a team deleted or renamed), an approval given while it runs, renames and
 * deletions arriving as events, and an Okta token that suddenly reads every list empty.
 */
import { describe, expect, it } from "@effect/vitest"
import { Duration, Effect } from "effect"
import { StateStore } from "../../src/state/StateStore.js"
import { withEngine } from "../support/engine.js"
import { inProcessDaemon } from "../support/daemon.js"
import { deleteTeam, handRemove, patchTeam, settingsOf, waitUntilEffect, world } from "../support/world.js"

const rules = (extra = "") => `
mappings:
  - select: { nameRegex: "^Dept - (.*)$" }
    team: "{1}"
${extra}`

const fast = { pollInterval: Duration.millis(300), fullSyncInterval: Duration.minutes(10) }

describe("daemon: changes on both sides between full syncs", () => {
  it.scopedLive("a member removed by hand whom Okta then re-adds is back at the latest at the next full sync", () =>
    Effect.gen(function*() {
      const w = yield* world({ people: ["ann", "bob", "cat"], groups: { "Dept - Eng": ["ann", "bob", "cat"] } })
      const d = yield* inProcessDaemon(settingsOf(w, { rules: rules() }), {
        pollInterval: Duration.millis(300),
        fullSyncInterval: Duration.seconds(3)
      })
      yield* waitUntilEffect("Eng created", () => w.teams().Eng, (m) => m?.length === 3)
      yield* Effect.promise(() => handRemove(w, "Eng", "bob"))
      // The System Log path plans against monday.com as the last full sync saw it (bob still there),
      // so this re-add is a no-op until the next full sync reads monday.com again.
      w.okta.removeMember(w.groupId("Dept - Eng"), w.userId("bob"))
      w.okta.addMember(w.groupId("Dept - Eng"), w.userId("bob"))
      w.okta.removeMember(w.groupId("Dept - Eng"), w.userId("cat"))
      yield* waitUntilEffect("Eng = ann, bob", () => w.teams().Eng, (m) => JSON.stringify(m) === JSON.stringify(["ann", "bob"]), 15_000)
      expect(d.events.filter((e) => e.kind === "failed")).toEqual([])
    }))

  it.scopedLive("a team deleted by hand in monday.com is created again soon after its group changes", () =>
    Effect.gen(function*() {
      const w = yield* world({ people: ["ann", "bob", "cat"], groups: { "Dept - Eng": ["ann", "bob"] } })
      yield* inProcessDaemon(settingsOf(w, { rules: rules() }), fast)
      yield* waitUntilEffect("Eng created", () => w.teams().Eng, (m) => m?.length === 2)
      const old = w.teamId("Eng")
      yield* Effect.promise(() => deleteTeam(w, old))
      w.okta.addMember(w.groupId("Dept - Eng"), w.userId("cat"))
      yield* waitUntilEffect(
        "Eng again, with cat",
        () => w.teams().Eng,
        (m) => JSON.stringify(m) === JSON.stringify(["ann", "bob", "cat"]),
        5_000
      )
      expect(w.teamId("Eng")).not.toBe(old)
    }))

  it.scopedLive("a deleted team is recreated by the next full sync even after several changes to its group", () =>
    Effect.gen(function*() {
      const w = yield* world({ people: ["ann", "bob", "cat", "dan"], groups: { "Dept - Eng": ["ann"] } })
      const d = yield* inProcessDaemon(settingsOf(w, { rules: rules() }), {
        pollInterval: Duration.millis(300),
        fullSyncInterval: Duration.seconds(6)
      })
      yield* waitUntilEffect("Eng created", () => w.teams().Eng, (m) => m?.length === 1)
      yield* Effect.promise(() => deleteTeam(w, w.teamId("Eng")))
      const eng = w.groupId("Dept - Eng")
      const failedOps = () =>
        d.events.flatMap((e) => (e.kind === "delta" ? e.report.outcomes.filter((o) => o.status === "failed") : [])).length
      for (const [i, h] of ["bob", "cat", "dan"].entries()) {
        w.okta.addMember(eng, w.userId(h))
        yield* waitUntilEffect(`the failed change for ${h}`, failedOps, (n) => n === i + 1, 5_000)
      }
      expect(d.events.filter((e) => e.kind === "full")).toHaveLength(1)
      // The next full sync (6 s after the first) reads monday.com and should recreate the team.
      yield* waitUntilEffect("Eng again", () => w.teams().Eng, (m) => m?.length === 4, 8_000)
    }))

  it.scopedLive("a team renamed by hand is renamed back at the next full sync", () =>
    Effect.gen(function*() {
      const w = yield* world({ people: ["ann"], groups: { "Dept - Eng": ["ann"] } })
      yield* inProcessDaemon(settingsOf(w, { rules: rules() }), { pollInterval: Duration.millis(300), fullSyncInterval: Duration.seconds(1) })
      yield* waitUntilEffect("Eng created", () => w.teams().Eng, (m) => m?.length === 1)
      const id = w.teamId("Eng")
      yield* Effect.promise(() => patchTeam(w, id, [{ op: "replace", path: "displayName", value: "Engineering (old)" }]))
      yield* waitUntilEffect("Eng renamed back", () => w.teams(), (t) => t.Eng !== undefined, 15_000)
      expect(w.teamId("Eng")).toBe(id)
      expect(Object.keys(w.teams())).toEqual(["Eng"])
    }))

  it.scopedLive("a rename and a deletion in Okta arrive through the System Log", () =>
    Effect.gen(function*() {
      const w = yield* world({ people: ["ann", "bob"], groups: { "Dept - Eng": ["ann"], "Dept - Ops": ["bob"] } })
      const d = yield* inProcessDaemon(settingsOf(w, { rules: rules("policies: { deleteTeams: when-group-deleted }") }), fast)
      yield* waitUntilEffect("both teams", () => Object.keys(w.teams()).length, (n) => n === 2)
      const eng = w.teamId("Eng")
      w.okta.renameGroup(w.groupId("Dept - Eng"), "Dept - Engineering")
      w.okta.deleteGroup(w.groupId("Dept - Ops"))
      yield* waitUntilEffect("Engineering only", () => Object.keys(w.teams()), (k) => JSON.stringify(k) === JSON.stringify(["Engineering"]), 15_000)
      expect(w.teamId("Engineering")).toBe(eng)
      expect(d.events.filter((e) => e.kind === "full")).toHaveLength(1)
    }))

  it.scopedLive("an approval given while the daemon runs releases held removals at its next poll", () =>
    Effect.gen(function*() {
      const w = yield* world({ people: ["ann", "bob", "cat", "dan"], groups: { "Dept - Eng": ["ann", "bob", "cat", "dan"] } })
      const settings = settingsOf(w, { rules: rules("limits: { maxRemovalsPerTeam: 1, maxRemovalFractionPerTeam: 1 }") })
      yield* inProcessDaemon(settings, fast)
      yield* waitUntilEffect("Eng created", () => w.teams().Eng, (m) => m?.length === 4)
      w.okta.removeMember(w.groupId("Dept - Eng"), w.userId("ann"))
      w.okta.removeMember(w.groupId("Dept - Eng"), w.userId("bob"))
      // What `okta-monday status` and `approve` do: read the blocker from the same store, write the approval there.
      const store = (settings.state as { sqlite: string }).sqlite
      const onStore = <A>(f: (s: typeof StateStore.Service) => Effect.Effect<A, unknown>) =>
        Effect.runPromise(Effect.flatMap(StateStore, f).pipe(Effect.provide(StateStore.layer({ sqlite: store }))))
      const blocked = yield* waitUntilEffect(
        "the removal limit blocker",
        () => onStore((s) => s.blocked.get),
        (b) => b.some((x) => x.blocker._tag === "TeamRemovalLimit")
      )
      expect(w.teams().Eng).toEqual(["ann", "bob", "cat", "dan"])
      yield* Effect.promise(() => onStore((s) => s.approvals.add(blocked[0]!.blocker.id, "alice")))
      yield* waitUntilEffect("the removals", () => w.teams().Eng, (m) => JSON.stringify(m) === JSON.stringify(["cat", "dan"]), 15_000)
    }))

  it.scopedLive("a token that suddenly reads every Okta list empty removes no one", () =>
    Effect.gen(function*() {
      const w = yield* world({ people: ["ann", "bob", "cat"], groups: { "Dept - Eng": ["ann", "bob", "cat"] } })
      yield* withEngine(settingsOf(w, { rules: rules() }), (engine) =>
        Effect.gen(function*() {
          yield* engine.sync
          w.okta.setOptions({ emptyLists: true })
          const report = yield* engine.sync
          expect(w.teams()).toEqual({ Eng: ["ann", "bob", "cat"] })
          expect(report.plan.operations.filter((op) => op._tag !== "PatchMembers" || op.remove.length > 0)).toEqual([])
          expect(report.warnings.length + report.plan.blockers.length).toBeGreaterThan(0)
        })
      )
    }))
})
