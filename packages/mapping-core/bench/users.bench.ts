/**
 * User lifecycle benchmark: the planner's full plan of a 100k-user org with provision, update and
 * deactivate on (every user decided, unexplained users found), against the same org with the
 * lifecycle off; then batches of 1,000 deltas, user status and assignment changes among them.
 */
import { Either } from "effect"
import type { OktaUserId } from "../src/Domain.js"
import type { Delta } from "../src/Delta.js"
import * as Planner from "../src/Planner.js"
import { decodeRuleConfigUnknown } from "../src/RuleConfig.js"
import { DeltaStream, generateOrg, prng } from "./org.js"

const size = { users: 100_000, groups: 10_000, memberships: 1_000_000 }
const config = (users: Record<string, unknown> | undefined) =>
  Either.getOrThrow(decodeRuleConfigUnknown({
    version: 1,
    mappings: [{ select: { nameRegex: "^(.*)$" }, team: "{1}" }],
    policies: { notReadyMembers: "skip" },
    limits: { maxRemovalsPerRun: 10_000_000, maxRemovalsPerTeam: 1_000_000, maxRemovalFractionPerTeam: 1 },
    ...(users !== undefined ? { users } : {})
  }))

const median = (xs: ReadonlyArray<number>) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!

const off = generateOrg(size, config(undefined))
const on = { ...off, rules: config({ provision: true, update: true, deactivate: true }) }

const full = (input: Planner.PlanInput) => {
  const times: Array<number> = []
  let plan = Planner.plan(input)
  for (let i = 0; i < 3; i++) {
    globalThis.gc?.()
    const t0 = performance.now()
    plan = Planner.plan(input)
    times.push(performance.now() - t0)
  }
  return { ms: median(times), plan }
}

const before = full(off)
const after = full(on)
const c = after.plan.counts
console.log(`BENCH mapping-core.users-full-plan-off ${before.ms.toFixed(1)} ms`)
console.log(`BENCH mapping-core.users-full-plan-on ${after.ms.toFixed(1)} ms`)
console.log(`BENCH mapping-core.users-full-plan-user-ops ${(c.userCreates ?? 0) + (c.userUpdates ?? 0) + (c.userDeactivations ?? 0) + (c.userReactivations ?? 0)} operations`)

// Deltas: the usual membership churn, with one in ten a user suspended, reactivated or unassigned
// (each touches every team of the user). The same batches with the lifecycle off, for comparison.
const deltaRun = (input: Planner.PlanInput) => {
  const planner = Planner.make(input)
  const stream = new DeltaStream(input, 7)
  const rand = prng(11)
  const ids = input.source.users.map((u) => u.id as OktaUserId)
  const userDelta = (): Delta => {
    const userId = ids[Math.floor(rand() * ids.length)]!
    const r = rand()
    return r < 0.4
      ? { _tag: "UserStatusChanged", userId, status: "SUSPENDED" }
      : r < 0.8
      ? { _tag: "UserStatusChanged", userId, status: "ACTIVE" }
      : { _tag: "UserUnassigned", userId }
  }
  const times: Array<number> = []
  let userOps = 0
  for (let b = 0; b < 20; b++) {
    const batch: Array<Delta> = [...stream.next(900), ...Array.from({ length: 100 }, userDelta)]
    const t0 = performance.now()
    const plan = planner.planTouched(planner.applyDeltas(batch))
    times.push(performance.now() - t0)
    userOps += (plan.counts.userDeactivations ?? 0) + (plan.counts.userReactivations ?? 0) + (plan.counts.userCreates ?? 0)
  }
  return { ms: median(times), userOps: Math.round(userOps / times.length) }
}
const deltaOff = deltaRun(off)
const deltaOn = deltaRun(on)
console.log(`BENCH mapping-core.users-delta-plan-1000-off ${deltaOff.ms.toFixed(1)} ms`)
console.log(`BENCH mapping-core.users-delta-plan-1000-on ${deltaOn.ms.toFixed(1)} ms`)
console.log(`BENCH mapping-core.users-delta-user-ops ${deltaOn.userOps} operations`)
