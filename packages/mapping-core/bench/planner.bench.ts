/**
 * Planner benchmark: a full plan of a 100k-user org (indexes built and every team planned), then
 * batches of 1,000 deltas applied and the touched teams planned, against a target left with its
 * backlog (the worst case) and, as the daemon runs, against a target in step with each batch
 * committed as applied. Targets: full plan ≤ 1 s, delta batch (applyDeltas + planTouched) ≤ 20 ms,
 * peak RSS ≤ 600 MB (`peak-rss`, before the daemon case's second planner).
 */
import { Either } from "effect"
import os from "node:os"
import type { MondayTeamId } from "../src/Domain.js"
import type { OperationOutcome, Plan } from "../src/Plan.js"
import * as Planner from "../src/Planner.js"
import { decodeRuleConfigUnknown } from "../src/RuleConfig.js"
import { DeltaStream, generateOrg } from "./org.js"

const size = { users: 100_000, groups: 10_000, memberships: 1_000_000 }
const rules = Either.getOrThrow(
  decodeRuleConfigUnknown({
    version: 1,
    mappings: [{ select: { nameRegex: "^(.*)$" }, team: "{1}" }],
    policies: { notReadyMembers: "skip" },
    limits: { maxRemovalsPerRun: 10_000_000, maxRemovalsPerTeam: 1_000_000, maxRemovalFractionPerTeam: 1 }
  })
)

const input = generateOrg(size, rules)
const memberships = input.source.memberships.reduce((n, m) => n + m.userIds.length, 0)
console.log(`BENCH mapping-core.org-users ${input.source.users.length} users`)
console.log(`BENCH mapping-core.org-groups ${input.source.groups.length} groups`)
console.log(`BENCH mapping-core.org-memberships ${memberships} memberships`)
console.log(`BENCH mapping-core.org-teams ${input.target.teams.length} teams`)
console.log(`BENCH mapping-core.load-before ${os.loadavg()[0]!.toFixed(2)} load`)
globalThis.gc?.()

/** CPU time of this process (all its threads, GC included): less sensitive than wall time to other load. */
const cpuMs = () => {
  const c = process.cpuUsage()
  return (c.user + c.system) / 1000
}

const quantile = (xs: ReadonlyArray<number>, q: number) => {
  const s = [...xs].sort((a, b) => a - b)
  return s[Math.min(s.length - 1, Math.ceil(q * s.length) - 1)]!
}

// The full plan from snapshots: what `Planner.plan(input)` does (indexes, then every team).
const fullTimes: Array<number> = []
const fullCpu: Array<number> = []
let planner: Planner.Planner | undefined = undefined
let ops = 0
for (let i = 0; i < 3; i++) {
  planner = undefined
  globalThis.gc?.()
  const t0 = performance.now()
  const c0 = cpuMs()
  planner = Planner.make(input)
  const plan = planner.planAll()
  fullTimes.push(performance.now() - t0)
  fullCpu.push(cpuMs() - c0)
  ops = plan.operations.length
}
console.log(`BENCH mapping-core.full-plan ${quantile(fullTimes, 0.5).toFixed(1)} ms`)
console.log(`BENCH mapping-core.full-plan-best ${Math.min(...fullTimes).toFixed(1)} ms`)
console.log(`BENCH mapping-core.full-plan-cpu ${quantile(fullCpu, 0.5).toFixed(1)} ms`)
console.log(`BENCH mapping-core.full-plan-operations ${ops} operations`)

// Batches of deltas against the live org (each changes something; big groups are hit), the target
// left in its partial state, so every touched team's pending work is planned again each time.
const stream = new DeltaStream(input, 7)
const batches = Array.from({ length: 40 }, () => stream.next(1000))
const deltaTimes: Array<number> = []
const deltaCpu: Array<number> = []
let touchedTeams = 0
let changes = 0
batches.forEach((batch) => {
  const t0 = performance.now()
  const c0 = cpuMs()
  const touched = planner!.applyDeltas(batch)
  const plan = planner!.planTouched(touched)
  const dt = performance.now() - t0
  deltaCpu.push(cpuMs() - c0)
  // The first batches also pay for turning each group they touch into an editable set: counted.
  deltaTimes.push(dt)
  touchedTeams += plan.counts.teams
  changes += plan.counts.adds + plan.counts.removes
})
console.log(`BENCH mapping-core.delta-plan-1000 ${quantile(deltaTimes, 0.5).toFixed(1)} ms`)
console.log(`BENCH mapping-core.delta-plan-1000-p95 ${quantile(deltaTimes, 0.95).toFixed(1)} ms`)
console.log(`BENCH mapping-core.delta-plan-1000-cpu ${quantile(deltaCpu, 0.5).toFixed(1)} ms`)
console.log(`BENCH mapping-core.delta-plan-1000-cpu-p95 ${quantile(deltaCpu, 0.95).toFixed(1)} ms`)
console.log(`BENCH mapping-core.delta-plan-1000-max ${Math.max(...deltaTimes).toFixed(1)} ms`)
console.log(`BENCH mapping-core.delta-batches ${deltaTimes.length} batches`)
console.log(`BENCH mapping-core.delta-touched-teams ${Math.round(touchedTeams / deltaTimes.length)} teams`)
console.log(`BENCH mapping-core.delta-planned-member-changes ${Math.round(changes / deltaTimes.length)} members`)
console.log(`BENCH mapping-core.load-after ${os.loadavg()[0]!.toFixed(2)} load`)
// The kernel's high-water mark of the process (KB): a timer could not sample a synchronous script.
console.log(`BENCH mapping-core.peak-rss ${(process.resourceUsage().maxRSS / 1024).toFixed(0)} MB`)

// ---- The daemon's case: monday.com in step, each batch applied in full and committed ----------
// The full plan is applied (every operation done) and committed, then each batch of 1,000 deltas is
// applied, its touched teams planned, and the plan committed as fully applied, as the daemon's
// delta cycle does: planning (applyDeltas + planTouched) and the commit are timed apart.
planner = undefined
globalThis.gc?.()
const done = (plan: Plan): Array<OperationOutcome> =>
  plan.operations.map((op, index) => ({
    index,
    key: op.key,
    status: "done" as const,
    ...(op._tag === "CreateTeam" ? { teamId: `created-${op.key}` as MondayTeamId } : {})
  }))
const daemon = Planner.make(input)
const initial = daemon.planAll()
let t0 = performance.now()
daemon.commit(initial, done(initial))
const firstCommit = performance.now() - t0
const settled = daemon.planAll()
console.log(`BENCH mapping-core.insync-first-commit ${firstCommit.toFixed(1)} ms`)
console.log(`BENCH mapping-core.insync-full-plan-operations ${settled.operations.length} operations`)
const live = new DeltaStream(input, 11)
const insyncBatches = Array.from({ length: 40 }, () => live.next(1000))
const planTimes: Array<number> = []
const planCpu: Array<number> = []
const commitTimes: Array<number> = []
let insyncTeams = 0
let insyncOps = 0
insyncBatches.forEach((batch) => {
  t0 = performance.now()
  const c0 = cpuMs()
  const plan = daemon.planTouched(daemon.applyDeltas(batch))
  const t1 = performance.now()
  planCpu.push(cpuMs() - c0)
  daemon.commit(plan, done(plan))
  commitTimes.push(performance.now() - t1)
  planTimes.push(t1 - t0)
  insyncTeams += plan.counts.teams
  insyncOps += plan.operations.length
})
console.log(`BENCH mapping-core.delta-plan-1000-insync ${quantile(planTimes, 0.5).toFixed(1)} ms`)
console.log(`BENCH mapping-core.delta-plan-1000-insync-p95 ${quantile(planTimes, 0.95).toFixed(1)} ms`)
console.log(`BENCH mapping-core.delta-plan-1000-insync-max ${Math.max(...planTimes).toFixed(1)} ms`)
console.log(`BENCH mapping-core.delta-plan-1000-insync-cpu ${quantile(planCpu, 0.5).toFixed(1)} ms`)
console.log(`BENCH mapping-core.delta-commit-1000-insync ${quantile(commitTimes, 0.5).toFixed(1)} ms`)
console.log(`BENCH mapping-core.delta-commit-1000-insync-p95 ${quantile(commitTimes, 0.95).toFixed(1)} ms`)
console.log(`BENCH mapping-core.delta-commit-1000-insync-max ${Math.max(...commitTimes).toFixed(1)} ms`)
console.log(`BENCH mapping-core.delta-insync-touched-teams ${Math.round(insyncTeams / planTimes.length)} teams`)
console.log(`BENCH mapping-core.delta-insync-operations ${Math.round(insyncOps / planTimes.length)} operations`)
// Committed batch by batch, the planner still plans what a fresh one would: nothing left to do.
const after = daemon.planAll()
const fresh = Planner.make({ ...input, source: daemon.source(), target: daemon.target(), links: daemon.links() }).planAll()
if (after.operations.length !== fresh.operations.length || after.targetFingerprint !== fresh.targetFingerprint) {
  throw new Error(`after the committed batches the planner plans ${after.operations.length} operations, a fresh one ${fresh.operations.length}`)
}
console.log(`BENCH mapping-core.insync-operations-left ${after.operations.length} operations`)
console.log(`BENCH mapping-core.peak-rss-insync ${(process.resourceUsage().maxRSS / 1024).toFixed(0)} MB`)
