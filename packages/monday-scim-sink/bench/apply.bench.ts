/**
 * Applying a big plan against the monday.com emulator (same process, loopback): 1,000 teams of
 * 150 members drawn from 5,000 users, then a 5% membership churn; once clean, once with 5% 503s.
 *
 * The minimum request count is the plan's operation count plus one same-name lookup per
 * CreateTeam (GET /Groups?filter=displayName eq …), which the sink always makes before a POST.
 */
import { NodeHttpClient } from "@effect/platform-node"
import { Domain, Plan } from "@okta-monday/mapping-core"
import { startMondayEmulator } from "@okta-monday/monday-scim-emulator"
import { Effect, Layer, Redacted } from "effect"
import * as MondaySink from "../src/MondaySink.js"

const USERS = 5_000
const TEAMS = 1_000
const MEMBERS = 150
const FIRST_POST = 100 // the planner's default maxMembersPerPatch: the rest follow as a PatchMembers
const CHURN = 4 // adds and removes per team: 8 of 150 members ≈ 5%

const makePlan = (operations: ReadonlyArray<Plan.Operation>) =>
  new Plan.Plan({
    version: 1,
    targetFingerprint: "bench",
    operations,
    blockers: [],
    warnings: [],
    counts: { teams: 0, unchanged: 0, creates: 0, renames: 0, patches: 0, adds: 0, removes: 0, deletes: 0, blocked: 0 }
  })

const run = async (label: string, faults: boolean) => {
  const emu = await startMondayEmulator({ seed: 42 })
  try {
    const { token } = emu.createAccount({
      slug: "bench",
      admin: { email: "admin@bench.io" },
      users: Array.from({ length: USERS }, (_, i) => ({ email: `user${i}@bench.io` }))
    })
    const userIds = emu.account("bench").users.filter((u) => u.userName.startsWith("user")).map((u) => u.id)
    const membersOf = (t: number) =>
      Array.from({ length: MEMBERS }, (_, i) => Domain.MondayUserId.make(userIds[(t * 37 + i * 31) % USERS]))

    const create: Array<Plan.Operation> = []
    for (let t = 0; t < TEAMS; t++) {
      const members = membersOf(t)
      const key = `Team ${t}`
      create.push({ _tag: "CreateTeam", key, displayName: key, groupIds: [], members: members.slice(0, FIRST_POST) })
      create.push({ _tag: "PatchMembers", key, displayName: key, add: members.slice(FIRST_POST), remove: [] })
    }

    if (faults) emu.setFaults({ shares: { "503": 0.05 }, seed: 7 })
    const layer = MondaySink.MondaySink.layer({ scimUrl: emu.scimUrl, token: Redacted.make(token) }).pipe(
      Layer.provide(NodeHttpClient.layerUndici)
    )
    const result = await Effect.runPromise(
      Effect.gen(function*() {
        const sink = yield* MondaySink.MondaySink
        const t0 = performance.now()
        const created = yield* sink.apply(makePlan(create))
        const t1 = performance.now()
        const failed = created.filter((o) => o.status !== "done")
        if (failed.length > 0) throw new Error(`${failed.length} operations failed: ${JSON.stringify(failed[0])}`)

        const teamIds = created.filter((o) => o.teamId !== undefined).map((o) => o.teamId!)
        const churn: Array<Plan.Operation> = teamIds.map((teamId, t) => {
          const members = membersOf(t)
          const add = Array.from({ length: CHURN }, (_, i) => userIds[(t * 37 + 4000 + i) % USERS])
            .map((id) => Domain.MondayUserId.make(id))
            .filter((id) => !members.includes(id))
          return {
            _tag: "PatchMembers",
            key: `Team ${t}`,
            teamId,
            displayName: `Team ${t}`,
            add,
            remove: members.slice(0, CHURN)
          }
        })
        const t2 = performance.now()
        const churned = yield* sink.apply(makePlan(churn))
        const t3 = performance.now()
        if (churned.some((o) => o.status !== "done")) throw new Error("churn operations failed")
        return { stats: yield* sink.stats, createMs: t1 - t0, churnMs: t3 - t2, churn, teamIds }
      }).pipe(Effect.provide(layer))
    )

    // The end state must be exactly the plan's, or the figures mean nothing.
    const state = emu.account("bench")
    if (state.teams.length !== TEAMS) throw new Error(`expected ${TEAMS} teams, found ${state.teams.length}`)
    const byId = new Map(state.teams.map((team) => [team.id, new Set(team.members)]))
    result.churn.forEach((op, t) => {
      if (op._tag !== "PatchMembers") return
      const expected = new Set(membersOf(t).slice(CHURN))
      op.add.forEach((id) => expected.add(id))
      const actual = byId.get(result.teamIds[t])!
      if (actual.size !== expected.size || [...expected].some((id) => !actual.has(id))) {
        throw new Error(`team ${t} has the wrong members`)
      }
    })

    const operations = create.length + result.churn.length
    const minimum = operations + TEAMS // one same-name lookup per create
    const seconds = (result.createMs + result.churnMs) / 1000
    const suffix = faults ? "-503" : ""
    console.log(`BENCH monday-sink.requests-ratio${suffix} ${(result.stats.requests / minimum).toFixed(2)} x`)
    if (!faults) console.log(`BENCH monday-sink.rps ${Math.round(result.stats.requests / seconds)} req/s`)
    console.log(`BENCH monday-sink.apply-1000-teams${suffix} ${Math.round(result.createMs)} ms`)
    console.log(`BENCH monday-sink.apply-churn-5pct${suffix} ${Math.round(result.churnMs)} ms`)
    console.log(
      `# ${label}: ${result.stats.requests} requests (minimum ${minimum}), ${result.stats.retries} retries, ` +
        `${result.stats.serverErrors} 5xx; emulator counted ${emu.counters().total}`
    )
  } finally {
    await emu.close()
  }
}

await run("clean", false)
await run("5% 503s", true)
