/**
 * An approval releases one reviewed change, once. A blocker's id is a hash of what it holds back
 * (team and removals), so the same removals coming back later carry the same id: the approval must
 * be spent by the apply that used it, or it would silently release them again without review.
 */
import { describe, expect, it } from "@effect/vitest"
import { Duration, Effect } from "effect"
import { StateStore } from "../../src/state/StateStore.js"
import { inProcessDaemon } from "../support/daemon.js"
import { withEngine } from "../support/engine.js"
import { settingsOf, waitUntilEffect, world } from "../support/world.js"

const rules = `
mappings:
  - select: { nameRegex: "^Dept - (.*)$" }
    team: "{1}"
limits: { maxRemovalsPerTeam: 1, maxRemovalFractionPerTeam: 1 }
`

const people = ["ann", "bob", "cat", "dan"]

describe("approvals are spent by the apply that uses them", () => {
  it.scopedLive("the same removals again after an approved removal are held for a new review", () =>
    Effect.gen(function*() {
      const w = yield* world({ people, groups: { "Dept - Eng": people } })
      const eng = w.groupId("Dept - Eng")
      yield* withEngine(settingsOf(w, { rules }), (engine) =>
        Effect.gen(function*() {
          const store = yield* StateStore
          yield* engine.sync
          w.okta.removeMember(eng, w.userId("ann"))
          w.okta.removeMember(eng, w.userId("bob"))
          const held = yield* engine.sync
          const blocker = held.plan.blockers.find((b) => b._tag === "TeamRemovalLimit")!
          expect(blocker).toBeDefined()
          expect(w.teams().Eng).toEqual(people)

          yield* engine.approve([blocker.id], "alice")
          const released = yield* engine.sync
          expect(released.plan.blockers).toEqual([])
          expect(w.teams().Eng).toEqual(["cat", "dan"])
          expect(yield* store.approvals.list).toEqual([])

          // The same two people come back, then leave again: the very same blocker, a new review.
          w.okta.addMember(eng, w.userId("ann"))
          w.okta.addMember(eng, w.userId("bob"))
          yield* engine.sync
          expect(w.teams().Eng).toEqual(people)
          w.okta.removeMember(eng, w.userId("ann"))
          w.okta.removeMember(eng, w.userId("bob"))
          const again = yield* engine.sync
          expect(again.plan.blockers.map((b) => b.id)).toEqual([blocker.id])
          expect(again.plan.operations).toEqual([])
          expect(w.teams().Eng).toEqual(people)
          expect((yield* store.blocked.get).map((b) => b.blocker.id)).toEqual([blocker.id])
        }))
    }))

  it.scopedLive("an approval no plan acts on yet is kept until one does", () =>
    Effect.gen(function*() {
      const w = yield* world({ people, groups: { "Dept - Eng": people } })
      const eng = w.groupId("Dept - Eng")
      yield* withEngine(settingsOf(w, { rules }), (engine) =>
        Effect.gen(function*() {
          const store = yield* StateStore
          yield* engine.sync
          w.okta.removeMember(eng, w.userId("ann"))
          w.okta.removeMember(eng, w.userId("bob"))
          const blocker = (yield* engine.plan).plan.blockers[0]!
          yield* engine.approve([blocker.id])
          // Okta changes again before the next sync: this plan's removals differ, its blocker too.
          w.okta.removeMember(eng, w.userId("cat"))
          const other = yield* engine.sync
          expect(other.plan.blockers.map((b) => b.id)).not.toContain(blocker.id)
          expect(other.plan.blockers).toHaveLength(1)
          expect(w.teams().Eng).toEqual(people)
          expect((yield* store.approvals.list).map((a) => a.blockerId)).toEqual([blocker.id])
          // Back to the reviewed removals: the kept approval releases them.
          w.okta.addMember(eng, w.userId("cat"))
          yield* engine.sync
          expect(w.teams().Eng).toEqual(["cat", "dan"])
          expect(yield* store.approvals.list).toEqual([])
        }))
    }))

  it.scopedLive("the daemon spends the approval it acts on and holds the same removals again later", () =>
    Effect.gen(function*() {
      const w = yield* world({ people, groups: { "Dept - Eng": people } })
      const settings = settingsOf(w, { rules })
      yield* inProcessDaemon(settings, { pollInterval: Duration.millis(300), fullSyncInterval: Duration.minutes(10) })
      yield* waitUntilEffect("Eng created", () => w.teams().Eng, (m) => m?.length === 4)
      const sqlite = (settings.state as { sqlite: string }).sqlite
      const onStore = <A>(f: (s: typeof StateStore.Service) => Effect.Effect<A, unknown>) =>
        Effect.runPromise(Effect.flatMap(StateStore, f).pipe(Effect.provide(StateStore.layer({ sqlite }))))
      const eng = w.groupId("Dept - Eng")
      const cycle = async () => {
        w.okta.removeMember(eng, w.userId("ann"))
        w.okta.removeMember(eng, w.userId("bob"))
        return waitUntilEffect(
          "the removal limit blocker",
          () => onStore((s) => s.blocked.get),
          (b) => b.some((x) => x.blocker._tag === "TeamRemovalLimit")
        ).pipe(Effect.runPromise)
      }
      const first = yield* Effect.promise(cycle)
      const id = first.find((b) => b.blocker._tag === "TeamRemovalLimit")!.blocker.id
      yield* Effect.promise(() => onStore((s) => s.approvals.add(id, "alice")))
      yield* waitUntilEffect("the removals", () => w.teams().Eng, (m) => JSON.stringify(m) === JSON.stringify(["cat", "dan"]))
      yield* waitUntilEffect("the approval spent", () => onStore((s) => s.approvals.list), (a) => a.length === 0)

      w.okta.addMember(eng, w.userId("ann"))
      w.okta.addMember(eng, w.userId("bob"))
      yield* waitUntilEffect("ann and bob back", () => w.teams().Eng, (m) => m?.length === 4)
      const second = yield* Effect.promise(cycle)
      expect(second.map((b) => b.blocker.id)).toContain(id)
      expect(w.teams().Eng).toEqual(people)
    }))
})
