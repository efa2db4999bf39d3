/**
 * The empty-group guard across runs, with the state store in between: Okta answers an empty member
 * list when the token lacks rights, so a group that had members and reads empty holds its team's
 * removals until approved, while a group that was always empty holds nothing.
 */
import { describe, expect, it } from "@effect/vitest"
import { TeamLink } from "@okta-monday/mapping-core/Domain"
import { Effect } from "effect"
import { StateStore } from "../../src/state/StateStore.js"
import { withEngine } from "../support/engine.js"
import { settingsOf, world } from "../support/world.js"

// Both groups feed the team "Eng"; "Dept - Eng Contractors" has never had a member.
const rules = `
mappings:
  - select: { nameRegex: "^Dept - (Eng)" }
    team: "{1}"
limits: { maxRemovalFractionPerTeam: 1 }
`

const people = ["ann", "bob", "cat", "dan"]

describe("the empty-group guard across runs", () => {
  it.scopedLive("holds a group that emptied, not one that was always empty, and remembers it between runs", () =>
    Effect.gen(function*() {
      const w = yield* world({ people, groups: { "Dept - Eng": people, "Dept - Eng Contractors": [] } })
      const eng = w.groupId("Dept - Eng")
      const contractors = w.groupId("Dept - Eng Contractors")
      yield* withEngine(settingsOf(w, { rules }), (engine) =>
        Effect.gen(function*() {
          const store = yield* StateStore
          const counts = Effect.map(store.loadLinks, (l) => l.teams[0]!.groupMembers)
          yield* engine.sync
          expect(w.teams().Eng).toEqual(people)
          expect(yield* counts).toEqual({ [eng]: 4, [contractors]: 0 })

          // An ordinary removal goes: the always-empty group is no reason to hold it.
          w.okta.removeMember(eng, w.userId("ann"))
          const removed = yield* engine.sync
          expect(removed.plan.blockers).toEqual([])
          expect(w.teams().Eng).toEqual(["bob", "cat", "dan"])

          // Links saved before counts were kept get them at the next apply, even with nothing else to change.
          const [link] = (yield* store.loadLinks).teams
          const { groupMembers: _, ...old } = link!
          yield* store.saveLinks({ teams: [new TeamLink(old)] })
          yield* engine.sync
          expect(yield* counts).toEqual({ [eng]: 3, [contractors]: 0 })

          // The group reads empty: its removals wait, run after run, until approved.
          for (const h of ["bob", "cat", "dan"]) w.okta.removeMember(eng, w.userId(h))
          const held = yield* engine.sync
          expect(held.plan.blockers).toMatchObject([{ _tag: "EmptyGroup", key: "Eng", groupId: eng, previousMembers: 3 }])
          expect((yield* engine.sync).plan.blockers.map((b) => b.id)).toEqual([held.plan.blockers[0]!.id])
          expect(w.teams().Eng).toEqual(["bob", "cat", "dan"])
          expect(yield* counts).toEqual({ [eng]: 3, [contractors]: 0 })

          yield* engine.approve([held.plan.blockers[0]!.id], "alice")
          yield* engine.sync
          expect(w.teams().Eng ?? []).toEqual([])
          expect(yield* counts).toEqual({ [eng]: 0, [contractors]: 0 })
        }))
    }))
})
