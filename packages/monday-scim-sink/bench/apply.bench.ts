/**
 * Applying a big plan against the monday.com emulator (same process, loopback): 1,000 teams of 150
 * members drawn from 5,000 users, then a 5% membership churn; once clean, once with 5% 503s.
 *
 * The plans come from mapping-core's planner: a generated Okta snapshot, the monday.com snapshot
 * the sink reads from the emulator, the links the first apply leaves (`Planner.reconcileLinks`).
 * Only the applies are measured (the reads that feed the planner are not).
 *
 * Minimum requests of an apply: one write per operation (a CreateTeam is one POST, a PatchMembers
 * with adds and removes one PATCH under the cap), plus the same-name guard's minimal reads
 * (`MondaySink.guardReads`: the fewer of one GET per create and the pages of the team list, at least
 * one). The ratio must be 1.00 with no faults.
 */
import { NodeHttpClient } from "@effect/platform-node"
import { Domain, Planner, RuleConfig } from "@okta-monday/mapping-core"
import type { Plan } from "@okta-monday/mapping-core"
import { startMondayEmulator } from "@okta-monday/monday-scim-emulator"
import type { MondayEmulator } from "@okta-monday/monday-scim-emulator"
import { Effect, Either, Layer, Redacted } from "effect"
import os from "node:os"
import * as MondaySink from "../src/MondaySink.js"

const USERS = 5_000
const TEAMS = 1_000
const MEMBERS = 150
const CHURN = 4 // adds and removes per team: 8 of 150 members ≈ 5%
const PAGE_SIZE = 100

const bench = (name: string, value: number | string, unit: string) => console.log(`BENCH ${name} ${value} ${unit}`)

const rules = Either.getOrThrow(
  RuleConfig.decodeRuleConfigUnknown({
    version: 1,
    mappings: [{ select: { nameRegex: "^Team " }, team: "{group.name}" }],
    limits: { maxRemovalsPerRun: 1_000_000 }
  })
)

const email = (i: number) => `user${i}@bench.io`
const oktaUserId = (i: number) => Domain.OktaUserId.make(`00u${i.toString(36).padStart(6, "0")}`)
const groupId = (t: number) => Domain.OktaGroupId.make(`00g${t.toString(36).padStart(6, "0")}`)
/** Team t's Okta members, by user number; `churned` swaps CHURN of them for CHURN others. */
const membersOf = (t: number, churned: boolean): Array<number> => {
  const base = Array.from({ length: MEMBERS }, (_, i) => (t * 37 + i * 31) % USERS)
  if (!churned) return base
  const taken = new Set(base)
  const added: Array<number> = []
  for (let k = 0; added.length < CHURN; k++) {
    const candidate = (t * 37 + 4_000 + k) % USERS
    if (!taken.has(candidate)) added.push(candidate)
  }
  return [...base.slice(CHURN), ...added]
}

/** The Okta side: every user active and assigned, groups "Team t" with their members. */
const source = (churned: boolean) =>
  new Domain.SourceSnapshot({
    users: Array.from({ length: USERS }, (_, i) =>
      new Domain.OktaUser({ id: oktaUserId(i), login: email(i), email: email(i), status: "ACTIVE" }, true)),
    groups: Array.from({ length: TEAMS }, (_, t) =>
      new Domain.OktaGroup({ id: groupId(t), name: `Team ${t}`, type: "OKTA_GROUP" }, true)),
    memberships: Array.from({ length: TEAMS }, (_, t) => ({
      groupId: groupId(t),
      userIds: membersOf(t, churned).map(oktaUserId)
    })),
    assignments: Array.from({ length: USERS }, (_, i) => ({ userId: oktaUserId(i), scope: "GROUP" as const, status: "ACTIVE" })),
    assignedGroupIds: []
  }, true)

interface Measured {
  readonly requests: number
  readonly minimum: number
  readonly writes: number
  readonly guardReads: number
  readonly ms: number
  readonly retries: number
  readonly serverErrors: number
}

const run = async (label: string, faults: boolean) => {
  // Timings are wall time on a shared machine: the load says how much to trust them.
  console.log(`# ${label}: load average ${os.loadavg()[0]!.toFixed(2)} at the start`)
  const emu: MondayEmulator = await startMondayEmulator({ seed: 42 })
  try {
    const { token } = emu.createAccount({
      slug: "bench",
      admin: { email: "admin@bench.io" },
      users: Array.from({ length: USERS }, (_, i) => ({ email: email(i) }))
    })
    const layer = MondaySink.MondaySink.layer({ scimUrl: emu.scimUrl, token: Redacted.make(token), pageSize: PAGE_SIZE })
      .pipe(Layer.provide(NodeHttpClient.layerUndici))

    const result = await Effect.runPromise(
      Effect.gen(function*() {
        const sink = yield* MondaySink.MondaySink

        /** Reads monday.com, plans, and applies the plan; what the apply alone cost. */
        const planAndApply = (input: Omit<Planner.PlanInput, "target">) =>
          Effect.gen(function*() {
            const { snapshot } = yield* sink.readTarget()
            const full: Planner.PlanInput = { ...input, target: snapshot }
            const plan = Planner.plan(full)
            if (plan.blockers.length > 0) throw new Error(`${label}: the plan has blockers: ${JSON.stringify(plan.blockers[0])}`)
            const creates = plan.operations.filter((op) => op._tag === "CreateTeam").length
            const guardReads = MondaySink.guardReads(creates, snapshot.teams.length, PAGE_SIZE)
            const before = yield* sink.stats
            emu.resetCounters()
            if (faults) emu.setFaults({ shares: { "503": 0.05 }, seed: 7 })
            const t0 = performance.now()
            const outcomes = yield* sink.apply(plan)
            const ms = performance.now() - t0
            emu.setFaults({})
            const after = yield* sink.stats
            const failed = outcomes.filter((o) => o.status !== "done")
            if (failed.length > 0) throw new Error(`${label}: ${failed.length} operations failed: ${JSON.stringify(failed[0])}`)
            const requests = after.requests - before.requests
            if (requests !== emu.counters().total) {
              throw new Error(`${label}: the sink counted ${requests} requests, the emulator ${emu.counters().total}`)
            }
            const measured: Measured = {
              requests,
              writes: plan.operations.length,
              guardReads,
              minimum: plan.operations.length + guardReads,
              ms,
              retries: after.retries - before.retries,
              serverErrors: after.serverErrors - before.serverErrors
            }
            return { plan, outcomes, full, measured }
          })

        const first = yield* planAndApply({ rules, source: source(false), links: Domain.Links.empty })
        const links = Planner.reconcileLinks(first.full, first.plan, first.outcomes)
        const churn = yield* planAndApply({ rules, source: source(true), links })
        return { create: first.measured, churn: churn.measured, churnOps: churn.plan.operations }
      }).pipe(Effect.provide(layer))
    )

    // The end state must be exactly the churned groups', or the figures mean nothing.
    const state = emu.account("bench")
    const idOf = new Map(state.users.map((u) => [u.userName, u.id]))
    if (state.teams.length !== TEAMS) throw new Error(`expected ${TEAMS} teams, found ${state.teams.length}`)
    for (const team of state.teams) {
      const t = Number(team.displayName.slice("Team ".length))
      const expected = new Set(membersOf(t, true).map((i) => idOf.get(email(i))!))
      if (team.members.length !== expected.size || team.members.some((id) => !expected.has(id))) {
        throw new Error(`${label}: ${team.displayName} has the wrong members`)
      }
    }
    const churnShape = result.churnOps.every((op: Plan.Operation) =>
      op._tag === "PatchMembers" && op.add.length === CHURN && op.remove.length === CHURN
    )
    if (!churnShape || result.churnOps.length !== TEAMS) throw new Error(`${label}: the churn plan is not 5% per team`)

    const suffix = faults ? "-503" : ""
    const total = { requests: result.create.requests + result.churn.requests, minimum: result.create.minimum + result.churn.minimum }
    const seconds = (result.create.ms + result.churn.ms) / 1000
    bench(`monday-sink.requests-ratio${suffix}`, (total.requests / total.minimum).toFixed(2), "x")
    bench(`monday-sink.requests${suffix}`, total.requests, "req")
    bench(`monday-sink.requests-minimum${suffix}`, total.minimum, "req")
    bench(`monday-sink.requests-create${suffix}`, result.create.requests, "req")
    bench(`monday-sink.requests-churn${suffix}`, result.churn.requests, "req")
    bench(`monday-sink.guard-reads${suffix}`, result.create.guardReads + result.churn.guardReads, "req")
    bench(`monday-sink.rps${suffix}`, Math.round(total.requests / seconds), "req/s")
    bench(`monday-sink.apply-1000-teams${suffix}`, Math.round(result.create.ms), "ms")
    bench(`monday-sink.apply-churn-5pct${suffix}`, Math.round(result.churn.ms), "ms")
    for (const [phase, m] of [["create", result.create], ["churn", result.churn]] as const) {
      console.log(
        `# ${label}, ${phase}: ${m.requests} requests (minimum ${m.minimum} = ${m.writes} writes + ${m.guardReads} ` +
          `guard reads), ${m.retries} retries, ${m.serverErrors} 5xx, ${Math.round(m.ms)} ms`
      )
    }
  } finally {
    await emu.close()
  }
}

await run("clean", false)
await run("5% 503s", true)
