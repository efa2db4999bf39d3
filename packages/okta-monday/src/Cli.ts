/**
 * The `okta-monday` command line: validate, check, plan, apply, sync, daemon, status, approve,
 * demo. Every command takes `--config` and `--json`; exit codes say what a script needs to know
 * (plan: 0 nothing to do, 2 changes pending or blocked; errors: 1).
 */
import { Args, Command, Options, Prompt } from "@effect/cli"
import { Console, Duration, Effect, Either, Option } from "effect"
import * as Fs from "node:fs"
import * as Path from "node:path"
import { Plan, PlanFile } from "@okta-monday/mapping-core"
import * as Daemon from "./Daemon.js"
import { Engine } from "./Engine.js"
import type { ApplyReport, CheckReport } from "./Engine.js"
import { connectionsLayer, engineLayer, testConnections } from "./Layers.js"
import { literalSecrets, loadSettings } from "./Settings.js"
import type { Settings } from "./Settings.js"
import { reportCommand } from "./report/ReportCommand.js"
import { StateStore } from "./state/StateStore.js"

const configOption = Options.file("config").pipe(
  Options.withAlias("c"),
  Options.withDescription("The config file (YAML or JSON): rules + okta, monday, state, daemon"),
  Options.withDefault(process.env.OKTA_MONDAY_CONFIG ?? "okta-monday.yaml")
)
const jsonOption = Options.boolean("json").pipe(Options.withDescription("Print machine-readable JSON instead of text"))

const isTty = () => process.stdout.isTTY === true
/** Progress for people at a terminal; nothing in pipes and logs. */
const progress = (line: string) => (process.stderr.isTTY ? Console.error(line) : Effect.void)
const setExit = (code: number) => Effect.sync(() => (process.exitCode = code))

const load = (path: string) => loadSettings(path)

/** Read-only commands must not create a state file: without one, they plan against empty links. */
const readOnlyStore = (settings: Settings) =>
  "sqlite" in settings.state && !Fs.existsSync(settings.state.sqlite)
    ? StateStore.layerMemory({ tenant: settings.state.tenant })
    : StateStore.layer({ ...settings.state })

// ---------------------------------------------------------------------------------------------
// Rendering
// ---------------------------------------------------------------------------------------------

const REASONS: Record<Plan.NotReadyReason, string> = {
  "not-assigned": "not assigned to the monday.com app in Okta",
  "not-provisioned": "assigned, but not yet provisioned in monday.com",
  "deactivated-in-monday": "deactivated in monday.com",
  "inactive-in-okta": "suspended, deprovisioned or not active in Okta"
}

export const renderCheck = (report: CheckReport): string => {
  const lines: Array<string> = []
  for (const team of report.teams) {
    const groups = team.groups.map((g) => g.name).join(", ")
    const state = team.team.kind === "name-taken"
      ? "BLOCKED: a monday.com team with this name exists and the engine did not create it"
      : team.notReady.length === 0
      ? "ready"
      : `${team.notReady.length} not ready`
    lines.push(`${team.key}  ←  ${groups}  (${team.ready}/${team.members} ready; ${state})`)
    for (const u of team.notReady) lines.push(`    ${u.email}: ${REASONS[u.reason]}${u.detail ? ` (${u.detail})` : ""}`)
  }
  for (const w of report.warnings) lines.push(`warning: ${w._tag === "Message" ? w.message : JSON.stringify(w)}`)
  const blocked = report.teams.filter((t) => t.notReady.length > 0 || t.team.kind === "name-taken").length
  lines.push(`${report.teams.length} mapped teams, ${blocked} with members not ready or blocked`)
  return lines.join("\n")
}

const renderOutcomes = (report: ApplyReport): string => {
  const lines: Array<string> = []
  if (report.status === "nothing-to-do") lines.push("nothing to do")
  for (const o of report.outcomes) {
    if (o.status === "done") continue
    const op = report.plan.operations[o.index]
    lines.push(`${o.status}: ${op?._tag ?? "operation"} "${o.key}"${o.error ? `: ${o.error.message}` : ""}`)
  }
  for (const key of report.backedOff) lines.push(`backed off: "${key}" (failing repeatedly; retried later)`)
  const done = report.outcomes.filter((o) => o.status === "done").length
  lines.push(`${report.status}: ${done}/${report.outcomes.length} operations done`)
  return lines.join("\n")
}

const applyJson = (report: ApplyReport) => ({
  runId: report.runId ?? null,
  status: report.status,
  counts: report.plan.counts,
  outcomes: report.outcomes,
  blockers: report.plan.blockers,
  backedOff: report.backedOff
})

const exitForApply = (report: ApplyReport) => setExit(report.status === "succeeded" || report.status === "nothing-to-do" ? 0 : 1)

// ---------------------------------------------------------------------------------------------
// Commands
// ---------------------------------------------------------------------------------------------

const validate = Command.make(
  "validate",
  {
    config: configOption,
    json: jsonOption,
    connect: Options.boolean("connect").pipe(
      Options.withDescription("Also test both connections: token accepted, app id exists, monday.com on Enterprise")
    )
  },
  ({ config, connect, json }) =>
    Effect.gen(function*() {
      const settings = yield* load(config)
      const literal = literalSecrets(Fs.readFileSync(config, "utf8"))
      const warnings = literal.map((k) => `${k} is written in the file: use \${ENV_VAR} or \${file:/path} so it stays out of version control`)
      let connections: unknown = undefined
      if (connect) {
        connections = yield* testConnections.pipe(Effect.provide(connectionsLayer(settings)))
      }
      if (json) yield* Console.log(JSON.stringify({ valid: true, warnings, connections: connections ?? null }, null, 2))
      else {
        for (const w of warnings) yield* Console.log(`warning: ${w}`)
        yield* Console.log(`${config}: valid (${settings.rules.mappings.length} mappings)`)
        if (connect) yield* Console.log("connections: Okta token accepted and app found; monday.com reachable on the Enterprise plan")
      }
    })
).pipe(Command.withDescription("Check the config file; with --connect, test the Okta and monday.com credentials too"))

const check = Command.make("check", { config: configOption, json: jsonOption }, ({ config, json }) =>
  Effect.gen(function*() {
    const settings = yield* load(config)
    yield* progress("reading Okta and monday.com…")
    const report = yield* Effect.flatMap(Engine, (e) => e.check).pipe(
      Effect.provide(engineLayer(settings, { store: readOnlyStore(settings) }))
    )
    yield* Console.log(json ? JSON.stringify(report, null, 2) : renderCheck(report))
    yield* setExit(report.teams.some((t) => t.notReady.length > 0 || t.team.kind === "name-taken") ? 2 : 0)
  })
).pipe(Command.withDescription("Preflight: for each mapped group, who is not assigned, not provisioned or deactivated, and which teams that blocks"))

const plan = Command.make(
  "plan",
  {
    config: configOption,
    json: jsonOption,
    out: Options.file("out").pipe(Options.withDescription("Save the plan to this file, to apply it later exactly as previewed"), Options.optional)
  },
  ({ config, json, out }) =>
    Effect.gen(function*() {
      const settings = yield* load(config)
      yield* progress("reading Okta and monday.com…")
      const report = yield* Effect.flatMap(Engine, (e) => e.plan).pipe(
        Effect.provide(engineLayer(settings, { store: readOnlyStore(settings) }))
      )
      if (Option.isSome(out)) {
        Fs.mkdirSync(Path.dirname(Path.resolve(out.value)), { recursive: true })
        Fs.writeFileSync(out.value, PlanFile.encodePlan(report.plan))
      }
      yield* Console.log(json ? PlanFile.encodePlan(report.plan) : report.rendered)
      for (const w of report.warnings) if (!json) yield* Console.log(`warning: ${w._tag === "Message" ? w.message : JSON.stringify(w)}`)
      if (Option.isSome(out) && !json) yield* Console.log(`plan saved to ${out.value}; apply it with: okta-monday apply ${out.value}`)
      yield* setExit(report.plan.operations.length === 0 && report.plan.blockers.length === 0 ? 0 : 2)
    })
).pipe(Command.withDescription("Read both sides and print what a sync would change (exit 0: nothing to do, 2: changes pending or blocked)"))

const apply = Command.make(
  "apply",
  {
    config: configOption,
    json: jsonOption,
    yes: Options.boolean("yes").pipe(Options.withAlias("y"), Options.withDescription("Don't ask for confirmation")),
    planFile: Args.file({ name: "plan.json", exists: "yes" }).pipe(
      Args.withDescription("A plan saved by `plan --out`: applied exactly as previewed, refused if monday.com changed"),
      Args.optional
    )
  },
  ({ config, json, planFile, yes }) =>
    Effect.gen(function*() {
      const settings = yield* load(config)
      // Credentials are checked before the state store is opened: a wrong token writes nothing.
      yield* testConnections.pipe(Effect.provide(connectionsLayer(settings)))
      const program = Effect.gen(function*() {
        const engine = yield* Engine
        if (Option.isSome(planFile)) {
          const saved = PlanFile.decodePlan(Fs.readFileSync(planFile.value, "utf8"))
          if (Either.isLeft(saved)) return yield* Effect.fail(saved.left)
          return yield* engine.applySaved(saved.right)
        }
        yield* progress("reading Okta and monday.com…")
        const report = yield* engine.plan
        if (!json) yield* Console.log(report.rendered)
        if (report.plan.operations.length > 0 && !yes) {
          if (!isTty()) {
            return yield* Effect.fail(new Error("refusing to apply without confirmation: pass --yes, or run in a terminal"))
          }
          const ok = yield* Prompt.confirm({ message: `Apply ${report.plan.operations.length} operations?`, initial: false })
          if (!ok) return yield* Effect.fail(new Error("not applied"))
        }
        yield* progress(`applying ${report.plan.operations.length} operations…`)
        return yield* engine.applyReport(report)
      })
      const report = yield* program.pipe(Effect.provide(engineLayer(settings)))
      yield* Console.log(json ? JSON.stringify(applyJson(report), null, 2) : renderOutcomes(report))
      yield* exitForApply(report)
    })
).pipe(Command.withDescription("Apply a fresh plan after confirmation, or a saved plan exactly as previewed"))

const sync = Command.make("sync", { config: configOption, json: jsonOption }, ({ config, json }) =>
  Effect.gen(function*() {
    const settings = yield* load(config)
    yield* testConnections.pipe(Effect.provide(connectionsLayer(settings)))
    const report = yield* Effect.flatMap(Engine, (e) => e.sync).pipe(Effect.provide(engineLayer(settings)))
    yield* Console.log(json ? JSON.stringify(applyJson(report), null, 2) : renderOutcomes(report))
    yield* exitForApply(report)
  })
).pipe(Command.withDescription("One full sync without asking (for cron): read, plan, apply"))

const daemon = Command.make("daemon", { config: configOption }, ({ config }) =>
  Effect.gen(function*() {
    const settings = yield* load(config)
    yield* testConnections.pipe(Effect.provide(connectionsLayer(settings)))
    yield* Daemon.run({
      fullSyncInterval: Duration.minutes(settings.daemon.fullSyncMinutes),
      pollInterval: Duration.seconds(settings.daemon.pollSeconds),
      http: settings.daemon.http,
      onListening: (url) => Effect.logInfo(`serving ${url}/healthz and ${url}/metrics`)
    }).pipe(Effect.provide(engineLayer(settings)))
  })
).pipe(Command.withDescription("Full reconcile at start and every N minutes; System Log polling between"))

const status = Command.make("status", { config: configOption, json: jsonOption }, ({ config, json }) =>
  Effect.gen(function*() {
    const settings = yield* load(config)
    const state = Effect.gen(function*() {
      const store = yield* StateStore
      return {
        lease: Option.getOrNull(yield* store.lease.current),
        blocked: yield* store.blocked.get,
        backoff: yield* store.backoff.list,
        approvals: yield* store.approvals.list,
        runs: yield* store.listRuns(10),
        unfinished: Option.isSome(yield* store.unfinishedApply)
      }
    })
    const s = yield* state.pipe(Effect.provide(readOnlyStore(settings)))
    if (json) return yield* Console.log(JSON.stringify(s, null, 2))
    const lines: Array<string> = []
    lines.push(s.lease && s.lease.expiresAt.getTime() > Date.now() ? `daemon: running (${s.lease.holder})` : "daemon: not running")
    if (s.unfinished) lines.push("an apply was interrupted: the next sync resumes it")
    lines.push(`blocked (${s.blocked.length}):`)
    for (const b of s.blocked) lines.push(`  ${b.blocker.id}  ${describeBlocker(b.blocker)}  (since ${b.since.toISOString()})`)
    if (s.blocked.some((b) => APPROVABLE.has(b.blocker._tag))) lines.push("  release one with: okta-monday approve <id>")
    for (const b of s.backoff) lines.push(`backed off: "${b.key}" failed ${b.failures}x, next try ${b.nextAttemptAt.toISOString()}`)
    for (const a of s.approvals) lines.push(`approved: ${a.blockerId}`)
    lines.push("recent runs:")
    for (const r of s.runs) {
      lines.push(`  ${r.startedAt.toISOString()} ${r.kind} ${r.state} ${Option.match(r.summary, { onNone: () => "", onSome: (x) => x.status })} ` +
        `(${r.outcomes.done} done, ${r.outcomes.failed} failed)`)
    }
    yield* Console.log(lines.join("\n"))
  })
).pipe(Command.withDescription("The daemon's lease, blocked work, backed-off teams, approvals and recent runs"))

const APPROVABLE = new Set(["EmptyGroup", "TeamRemovalLimit", "RunRemovalLimit"])

export const describeBlocker = (b: Plan.Blocker): string => {
  switch (b._tag) {
    case "MembersNotReady":
      return `team "${b.key}": ${b.users.length} members not ready (${b.users.slice(0, 3).map((u) => u.email).join(", ")}${b.users.length > 3 ? ", …" : ""})`
    case "NameCollision":
      return `team "${b.key}": differs only in letter case from ${b.others.map((o) => `"${o}"`).join(", ")}, which monday.com treats as the same team`
    case "NameTaken":
      return `team "${b.key}": a monday.com team of that name (${b.teamId}, ${b.memberCount} members) exists and the engine did not create it`
    case "EmptyGroup":
      return `team "${b.key}": group "${b.groupName}" reads empty but had ${b.previousMembers} members; removals held`
    case "TeamRemovalLimit":
      return `team "${b.key}": ${b.removals.length} removals of ${b.currentMembers} members exceed the limit; held`
    case "RunRemovalLimit":
      return `this run: ${b.removals} removals and deactivations exceed the run limit of ${b.maxRemovals}; held`
    case "UnknownUserType":
      return `user ${b.email}: Okta attribute ${b.attribute} is "${b.value}", not a monday.com user type; not created`
  }
}

const approve = Command.make(
  "approve",
  {
    config: configOption,
    ids: Args.text({ name: "blocker-id" }).pipe(Args.atLeast(1), Args.withDescription("Blocker ids from `okta-monday status`")),
    by: Options.text("by").pipe(Options.withDescription("Who approves (kept in the state store)"), Options.optional)
  },
  ({ by, config, ids }) =>
    Effect.gen(function*() {
      const settings = yield* load(config)
      const program = Effect.gen(function*() {
        const store = yield* StateStore
        const blocked = new Set((yield* store.blocked.get).map((b) => b.blocker.id))
        for (const id of ids) {
          if (!blocked.has(id)) yield* Console.log(`note: ${id} is not among the current blockers; approved anyway`)
          yield* store.approvals.add(id, Option.getOrUndefined(by))
        }
      })
      yield* program.pipe(Effect.provide(StateStore.layer({ ...settings.state })))
      yield* Console.log(`approved ${ids.length}; the next sync (or the daemon's next poll) releases it`)
    })
).pipe(Command.withDescription("Release held removals (removal limits, empty-group guard) by blocker id"))

/** The commands every deployment has; `main.ts` adds `demo` (which itself runs these). */
export const commands = [validate, check, plan, apply, sync, daemon, status, approve, reportCommand] as const

export const ROOT_DESCRIPTION = "Keeps monday.com teams in step with Okta groups over SCIM"

/** The CLI without the demo command (the demo runs this one in-process). */
export const cli = Command.run(
  Command.make("okta-monday").pipe(Command.withDescription(ROOT_DESCRIPTION), Command.withSubcommands(commands)),
  { name: "okta-monday", version: "0.1.0" }
)
