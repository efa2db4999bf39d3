/**
 * The engine end to end against both emulators at scale: 20,000 users, 1,000 mapped groups and
 * 200,000 memberships. Measures the initial sync (wall time; requests per side against the
 * minimum), an idle daemon cycle, and how long a membership change in Okta takes to reach monday.com
 * with a 1 s System Log poll.
 *
 * Minimums, from the org and the account (never from the engine's plan, so an operation or a read
 * it could have done without counts against it), at the largest page each API serves:
 * - Okta: the selected groups' search, ceil(groups / 10,000) pages; each selected group's members,
 *   ceil(members / 1,000) pages; the app's user and group assignments, ceil(n / 500) and
 *   ceil(n / 200) pages; at least one page each.
 * - SCIM: reading monday.com once, ceil(users / 100) user pages and ceil(teams / 100) team pages;
 *   per selected group a team create carrying its first maxMembersPerPatch ready members and
 *   ceil(the rest / maxMembersPerPatch) PATCHes; the same-name guard before the creates (monday.com
 *   replaces a team of the same name on POST), the fewer of one GET per create and the pages of the
 *   team list.
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
/** The mapping's selector (`nameRegex` below). */
const SELECTED = /^Group /

/** The largest page each list serves (Okta's documented maximums; the emulator's SCIM page). */
const PAGE = { oktaGroups: 10_000, oktaMembers: 1_000, oktaAppUsers: 500, oktaAppGroups: 200, scim: 100 } as const
const pages = (items: number, size: number) => Math.max(1, Math.ceil(items / size))

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
    const teamsBefore = monday.account("bench").teams.length
    okta.resetCounters()
    monday.resetCounters()
    const started = performance.now()
    const report: ApplyReport = await quiet(Effect.flatMap(Engine, (e) => e.sync))
    const seconds = (performance.now() - started) / 1000
    if (report.status !== "succeeded") throw new Error(`initial sync ${report.status}`)
    const oktaSent = sum(okta.counters())
    const scimSent = sum(monday.counters())
    const selected = org.groups.filter((g) => SELECTED.test(g.name))
    const oktaMin = pages(selected.length, PAGE.oktaGroups) +
      selected.reduce((n, g) => n + pages(g.members.length, PAGE.oktaMembers), 0) +
      pages(org.assignments.length, PAGE.oktaAppUsers) +
      pages(org.assignedGroupIds.length, PAGE.oktaAppGroups)
    // Who can be a member (notReadyMembers: skip): active in Okta, assigned, and in monday.com.
    const readyIds = new Set(readyUsers.map((u) => u.id))
    const perPatch = settings.rules.limits.maxMembersPerPatch
    const creates = selected.length
    const patches = selected.reduce((n, g) => {
      const ready = g.members.filter((id) => readyIds.has(id)).length
      return n + Math.ceil(Math.max(0, ready - perPatch) / perPatch)
    }, 0)
    const scimReads = pages(readyUsers.length + 1, PAGE.scim) + pages(teamsBefore, PAGE.scim)
    const guard = Math.min(creates, pages(teamsBefore, PAGE.scim))
    const scimMin = scimReads + creates + patches + guard
    const teams = monday.account("bench").teams
    const members = teams.reduce((n, t) => n + t.members.length, 0)
    console.log(`# initial sync: ${teams.length} teams, ${members} memberships; plan: ${JSON.stringify(report.plan.counts)}`)
    console.log(`# scim minimum: ${scimReads} reads + ${creates} creates + ${patches} PATCHes + ${guard} same-name guard`)
    console.log(`# scim sent: ${JSON.stringify(monday.counters())}`)
    if (oktaSent < oktaMin || scimSent < scimMin) {
      throw new Error(`fewer requests than the minimum (okta ${oktaSent} < ${oktaMin} or scim ${scimSent} < ${scimMin}): the minimum is wrong, or work was skipped`)
    }
    bench("engine.initial-sync", Number(seconds.toFixed(2)), "s")
    bench("engine.okta-requests", oktaSent, "req")
    bench("engine.okta-requests-min", oktaMin, "req")
    bench("engine.okta-requests-ratio", Number((oktaSent / oktaMin).toFixed(3)), "x")
    bench("engine.scim-requests", scimSent, "req")
    bench("engine.scim-requests-min", scimMin, "req")
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
