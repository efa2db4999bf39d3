/**
 * The engine end to end against both emulators at scale: 20,000 users, 1,000 mapped groups and
 * 200,000 memberships. Measures the initial sync (wall time; requests per side against the
 * minimum), an idle daemon cycle, and how long a membership change in Okta takes to reach monday.com
 * with a 1 s System Log poll.
 *
 * Minimums. Okta: the pages the read can't avoid — one page of groups (10,000 a page), per group
 * ceil(members / 1,000) member pages (at least one), ceil(assigned users / 500) app-user pages and
 * ceil(assigned groups / 200) app-group pages. SCIM: one request per operation in the plan, plus
 * reading monday.com once: ceil(users / 100) user pages and max(1, ceil(teams / 100)) team pages.
 */
import { Deferred, Duration, Effect, Either, Fiber, Logger, LogLevel, ManagedRuntime } from "effect"
import * as Fs from "node:fs"
import * as Os from "node:os"
import * as Path from "node:path"
import { startMondayEmulator } from "@okta-monday/monday-scim-emulator"
import { startOktaEmulator } from "@okta-monday/okta-emulator"
import * as Daemon from "../src/Daemon.js"
import { Engine } from "../src/Engine.js"
import type { ApplyReport } from "../src/Engine.js"
import { engineLayer } from "../src/Layers.js"
import { parseSettings } from "../src/Settings.js"

const USERS = 20_000
const GROUPS = 1_000
const MEMBERSHIPS = 200_000
const CHANGES = 20
const IDLE_POLLS = 5

const sum = (c: Record<string, number>, keep: (key: string) => boolean = () => true) =>
  Object.entries(c).filter(([k]) => k !== "total" && keep(k)).reduce((n, [, v]) => n + v, 0)
const isWrite = (key: string) => /^(POST|PATCH|PUT|DELETE) /.test(key)
const percentile = (xs: ReadonlyArray<number>, p: number) => {
  const s = [...xs].sort((a, b) => a - b)
  return s[Math.min(s.length - 1, Math.ceil((p / 100) * s.length) - 1)]!
}
const bench = (name: string, value: number, unit: string) => console.log(`BENCH ${name} ${value} ${unit}`)

const main = async () => {
  const dir = Fs.mkdtempSync(Path.join(Os.tmpdir(), "okta-monday-bench-"))
  const okta = await startOktaEmulator({ rateLimits: "off", seed: 7 })
  const monday = await startMondayEmulator({ seed: 7 })
  try {
    okta.generate({ users: USERS, groups: GROUPS, memberships: MEMBERSHIPS, seed: 7 })
    const org = okta.state()
    const ready = new Set(org.assignments.filter((a) => a.status === "ACTIVE").map((a) => a.userId))
    const readyUsers = org.users.filter((u) => u.status === "ACTIVE" && ready.has(u.id))
    const account = monday.createAccount({
      slug: "bench",
      admin: { email: "it-admin@example.com", name: "IT Admin" },
      users: readyUsers.map((u) => ({ email: String(u.profile.email), name: String(u.profile.login) }))
    })
    const config = `version: 1
okta: { orgUrl: ${okta.orgUrl}, appId: ${okta.appId}, token: "\${OKTA_API_TOKEN}", concurrency: 8 }
monday: { scimUrl: ${monday.scimUrl}, token: "\${MONDAY_SCIM_TOKEN}", concurrency: 8 }
state: { sqlite: ${Path.join(dir, "state.sqlite")} }
daemon: { pollSeconds: 1, fullSyncMinutes: 60, http: { host: 127.0.0.1, port: 0 } }
mappings:
  - select: { nameRegex: "^Group " }
    team: "{group.name}"
policies: { notReadyMembers: skip }
limits: { maxRemovalsPerRun: 100000 }
`
    const settings = Either.getOrThrow(
      parseSettings(config, { env: { OKTA_API_TOKEN: okta.token, MONDAY_SCIM_TOKEN: account.token } })
    )
    const runtime = ManagedRuntime.make(engineLayer(settings))
    const quiet = <A, E>(e: Effect.Effect<A, E, Engine>) => runtime.runPromise(e.pipe(Logger.withMinimumLogLevel(LogLevel.Warning)))

    // ---- Initial sync -------------------------------------------------------------------------
    okta.resetCounters()
    monday.resetCounters()
    const started = performance.now()
    const report: ApplyReport = await quiet(Effect.flatMap(Engine, (e) => e.sync))
    const seconds = (performance.now() - started) / 1000
    if (report.status !== "succeeded") throw new Error(`initial sync ${report.status}`)
    const oktaSent = sum(okta.counters())
    const scimSent = sum(monday.counters())
    const oktaMin = 1 +
      org.groups.reduce((n, g) => n + Math.max(1, Math.ceil(g.members.length / 1000)), 0) +
      Math.max(1, Math.ceil(org.assignments.length / 500)) +
      Math.max(1, Math.ceil(org.assignedGroupIds.length / 200))
    const scimMin = report.plan.operations.length + Math.ceil((readyUsers.length + 1) / 100) + 1
    const teams = monday.account("bench").teams
    const members = teams.reduce((n, t) => n + t.members.length, 0)
    console.log(`# initial sync: ${teams.length} teams, ${members} memberships; plan: ${JSON.stringify(report.plan.counts)}`)
    console.log(`# okta: ${oktaSent} requests (minimum ${oktaMin}); scim: ${scimSent} requests (minimum ${scimMin})`)
    bench("engine.initial-sync", Number(seconds.toFixed(2)), "s")
    bench("engine.okta-requests-ratio", Number((oktaSent / oktaMin).toFixed(3)), "x")
    bench("engine.scim-requests-ratio", Number((scimSent / scimMin).toFixed(3)), "x")

    // ---- The daemon: idle polls -----------------------------------------------------------------
    const events: Array<Daemon.CycleEvent> = []
    const deltaDoneAt: Array<number> = []
    const listening = await Effect.runPromise(Deferred.make<string>())
    const daemon = runtime.runFork(
      Daemon.run({
        fullSyncInterval: Duration.minutes(60),
        pollInterval: Duration.seconds(1),
        http: { host: "127.0.0.1", port: 0 },
        onListening: (url) => Deferred.succeed(listening, url).pipe(Effect.asVoid),
        onCycle: (e) =>
          Effect.sync(() => {
            events.push(e)
            if (e.kind === "delta") deltaDoneAt.push(performance.now())
          })
      }).pipe(Logger.withMinimumLogLevel(LogLevel.Warning))
    )
    const until = async (what: string, check: () => boolean, timeoutMs: number, everyMs = 20) => {
      const deadline = Date.now() + timeoutMs
      while (!check()) {
        if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`)
        await new Promise((r) => setTimeout(r, everyMs))
      }
    }
    await until("the daemon's startup reconcile", () => events.some((e) => e.kind === "full"), 300_000)
    const startup = events.find((e) => e.kind === "full")
    if (startup?.kind === "full" && startup.report.plan.operations.length !== 0) {
      console.log(`# note: the startup reconcile after a converged sync planned ${startup.report.plan.operations.length} operations`)
    }
    const idleFrom = events.length
    okta.resetCounters()
    monday.resetCounters()
    await until(`${IDLE_POLLS} idle polls`, () => events.slice(idleFrom).filter((e) => e.kind === "idle").length >= IDLE_POLLS, 60_000)
    const idleEvents = events.slice(idleFrom)
    const polls = idleEvents.filter((e) => e.kind === "idle").length
    if (idleEvents.some((e) => e.kind !== "idle")) console.log(`# note: non-idle cycles during the idle window: ${idleEvents.map((e) => e.kind)}`)
    bench("engine.idle-scim-writes", sum(monday.counters(), isWrite), "req")
    console.log(`# idle: ${sum(monday.counters())} SCIM requests in ${polls} polls`)
    bench("engine.idle-okta-requests", Number((sum(okta.counters()) / polls).toFixed(2)), "req/poll")

    // ---- Latency: change in Okta → visible in monday.com ----------------------------------------
    const teamIdOf = new Map(monday.account("bench").teams.map((t) => [t.displayName, t.id]))
    const mondayIdOf = new Map(monday.account("bench").users.map((u) => [u.userName, u.id]))
    const hasMember = async (teamId: string, userId: string) => {
      const res = await fetch(`${monday.scimUrl}/Groups/${teamId}`, { headers: { authorization: `Bearer ${account.token}` } })
      const body = (await res.json()) as { members?: ReadonlyArray<{ value: string }> }
      return (body.members ?? []).some((m) => m.value === userId)
    }
    const latencies: Array<number> = []
    /** From the System Log poll that saw the change to the end of the delta cycle that applied it. */
    const processing: Array<number> = []
    const logPolls = () => okta.counters()["GET /api/v1/logs"] ?? 0
    // Mid-sized groups, and ready users who are not yet members: each change is one add, then its removal.
    for (let i = 0; i < CHANGES / 2; i++) {
      const group = org.groups[200 + i * 37]!
      const inGroup = new Set(group.members)
      const user = readyUsers.find((u, k) => k > i * 101 && !inGroup.has(u.id))!
      const teamId = teamIdOf.get(group.name)!
      const mondayId = mondayIdOf.get(String(user.profile.email))!
      for (const add of [true, false]) {
        const t0 = performance.now()
        const pollsBefore = logPolls()
        let polledAt: number | undefined
        if (add) okta.addMember(group.id, user.id)
        else okta.removeMember(group.id, user.id)
        const deadline = Date.now() + 30_000
        while ((await hasMember(teamId, mondayId)) !== add) {
          if (polledAt === undefined && logPolls() > pollsBefore) polledAt = performance.now()
          if (Date.now() > deadline) throw new Error(`change ${i} (${add ? "add" : "remove"}) did not arrive in 30 s`)
          await new Promise((r) => setTimeout(r, 10))
        }
        latencies.push(performance.now() - t0)
        const done = deltaDoneAt.find((t) => t > t0)
        if (polledAt !== undefined && done !== undefined) processing.push(done - polledAt)
      }
    }
    console.log(`# latencies (ms): ${latencies.map((l) => Math.round(l)).join(" ")}`)
    console.log(`# poll → delta cycle done (ms): ${processing.map((l) => Math.round(l)).join(" ")}`)
    bench("engine.latency-p50", Math.round(percentile(latencies, 50)), "ms")
    bench("engine.latency-p95", Math.round(percentile(latencies, 95)), "ms")

    await runtime.runPromise(Fiber.interrupt(daemon))
    await runtime.dispose()
  } finally {
    await okta.close()
    await monday.close()
    Fs.rmSync(dir, { recursive: true, force: true })
  }
}

main().catch((e) => {
  console.error(e)
  process.exit(1)
})
