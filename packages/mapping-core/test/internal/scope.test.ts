/**
 * The touched scope without links (what a plan under deleteTeams: never reads) skips the links of
 * groups whose links are only their own team's. That shortcut is kept as groups change team and
 * commits rewrite links: for every group, at every step, it must give the keys the full walk of
 * the group's links gives.
 */
import { describe, expect, it } from "@effect/vitest"
import { FastCheck as fc } from "effect"
import type { MondayTeamId } from "../../src/Domain.js"
import { PlannerState } from "../../src/internal/core.js"
import type { OperationOutcome } from "../../src/Plan.js"
import { deltaArb, GROUPS, inputArb } from "../util/arbitraries.js"

const keysOf = (state: PlannerState, groupId: string, withLinks: boolean) =>
  [...state.scope([groupId], [], withLinks).keys].sort()

describe("the touched scope without links", () => {
  it.prop(
    "names the keys the walk of every link names, after batches and commits",
    [inputArb, fc.array(fc.tuple(deltaArb(5), fc.array(fc.boolean(), { minLength: 1, maxLength: 8 })), { minLength: 1, maxLength: 5 })],
    ([input, steps]) => {
      const state = new PlannerState(input)
      const check = () => {
        const groups = new Set<string>([...GROUPS, ...state.source.groups.keys()])
        for (const g of groups) expect(keysOf(state, g, false)).toStrictEqual(keysOf(state, g, true))
      }
      check()
      steps.forEach(([deltas, done], n) => {
        const touched = state.applyDeltas(deltas)
        check()
        const scope = state.scopeOf(touched.groupIds, touched.keys)
        const plan = state.plan(scope.keys, scope.links, new Set(), touched.userIds, touched.groupIds)
        const outcomes = plan.operations.map((op, index): OperationOutcome => ({
          index,
          key: op.key,
          status: done[index % done.length] ? "done" : "failed",
          ...(op._tag === "CreateTeam" ? { teamId: `c${n}-${op.key}` as MondayTeamId } : {})
        }))
        state.commit(plan, outcomes)
        check()
      })
    },
    { fastCheck: { numRuns: 300 } }
  )
})
