/**
 * The report's view of the state store: reads see what is there, an interrupted apply is hidden
 * (so the engine's read doesn't resume it), and every write dies before it reaches the store.
 */
import { describe, expect, it } from "@effect/vitest"
import { Cause, Effect, Exit, Option } from "effect"
import { Domain, Plan } from "@okta-monday/mapping-core"
import { readOnlyStore } from "../../src/report/ReadOnlyStore.js"
import { StateStore } from "../../src/state/StateStore.js"
import type { StateStoreService } from "../../src/state/StateStore.js"

const team = new Domain.TeamLink({
  teamId: Domain.MondayTeamId.make("t1"),
  displayName: "Sales",
  groupIds: [Domain.OktaGroupId.make("g1")],
  origin: "created",
  managedMembers: []
})

const emptyPlan = new Plan.Plan({
  version: 1,
  targetFingerprint: "f",
  operations: [],
  blockers: [],
  warnings: [],
  counts: { teams: 0, unchanged: 0, creates: 0, renames: 0, patches: 0, adds: 0, removes: 0, deletes: 0, blocked: 0 }
})

const writes = (s: StateStoreService): ReadonlyArray<[string, Effect.Effect<unknown, unknown>]> => [
  ["saveLinks", s.saveLinks({ removeTeams: [team.teamId] })],
  ["setCursor", s.setCursor("c2")],
  ["beginApply", s.beginApply({ runId: "r2", kind: "full", plan: emptyPlan })],
  ["recordOutcome", s.recordOutcome("r1", { index: 0, key: "Sales", status: "done" })],
  ["finishApply", s.finishApply("r1", { status: "succeeded" }, {})],
  ["abandonApply", s.abandonApply("r1", { status: "interrupted" })],
  ["pruneRuns", s.pruneRuns(0)],
  ["approvals.add", s.approvals.add("b1")],
  ["approvals.remove", s.approvals.remove("b0")],
  ["approvals.consume", s.approvals.consume(["b0"])],
  ["tokenOwner.set", s.tokenOwner.set({ mondayUserId: "m1", userName: "it@example.com", detectedAt: new Date(0) })],
  ["blocked.set", s.blocked.set([])],
  ["backoff.recordFailure", s.backoff.recordFailure("Sales", new Date(0))],
  ["backoff.recordSuccess", s.backoff.recordSuccess("Sales")],
  ["lease.acquire", s.lease.acquire("me", "1 minute")],
  ["lease.renew", s.lease.renew("me", "1 minute")],
  ["lease.release", s.lease.release("me")]
]


describe("the report's read-only store", () => {
  it.scoped("passes reads through, hides the interrupted apply, and dies on every write, which never lands", () =>
    Effect.gen(function*() {
      const store = yield* StateStore
      yield* store.saveLinks({ teams: [team] })
      yield* store.setCursor("c1")
      yield* store.approvals.add("b0")
      yield* store.beginApply({ runId: "r1", kind: "full", plan: emptyPlan })
      const ro = readOnlyStore(store)

      expect((yield* ro.loadLinks).teams.map((t) => t.displayName)).toEqual(["Sales"])
      expect(yield* ro.getCursor).toEqual(Option.some("c1"))
      expect((yield* ro.approvals.list).map((a) => a.blockerId)).toEqual(["b0"])
      expect(Option.isSome(yield* store.unfinishedApply)).toBe(true)
      expect(yield* ro.unfinishedApply).toEqual(Option.none())

      for (const [name, write] of writes(ro)) {
        const exit = yield* Effect.exit(write)
        expect(Exit.isFailure(exit) && Cause.isDie(exit.cause), name).toBe(true)
        expect(Exit.isFailure(exit) && Cause.pretty(exit.cause), name).toContain(`tried to write (${name})`)
      }
      // Nothing changed underneath.
      expect((yield* store.loadLinks).teams).toHaveLength(1)
      expect(yield* store.getCursor).toEqual(Option.some("c1"))
      expect((yield* store.approvals.list).map((a) => a.blockerId)).toEqual(["b0"])
      expect(Option.map(yield* store.unfinishedApply, (u) => u.runId)).toEqual(Option.some("r1"))
      expect(yield* store.lease.current).toEqual(Option.none())
      expect(Option.isNone(yield* store.tokenOwner.get)).toBe(true)
    }).pipe(Effect.provide(StateStore.layerMemory())))
})
