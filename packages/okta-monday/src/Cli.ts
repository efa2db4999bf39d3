/**
 * The `okta-monday` command line: validate, check, plan, apply, sync, daemon, status, approve,
 * migrate, report (and `demo`, added by main.ts). Exit codes say what a script needs to know
 * (plan and check: 0 nothing to do, 2 changes pending or blocked; errors: 1). Colour, prompts and
 * progress only when attached to a terminal.
 */
import { Args, Command, Options, Prompt } from "@effect/cli"
import { Console, Context, Data, Duration, Effect, Either, Fiber, FiberRef, HashSet, Logger, Option, Schedule } from "effect"
import * as Fs from "node:fs"
import * as Path from "node:path"
import { stripVTControlCharacters } from "node:util"
import { Plan, PlanFile } from "@okta-monday/mapping-core"
import { MondaySink } from "@okta-monday/monday-scim-sink"
import { OktaSource } from "@okta-monday/okta-source"
import * as Daemon from "./Daemon.js"
import { Engine, isUserKey } from "./Engine.js"
import type { ApplyReport, CheckReport, PlanReport } from "./Engine.js"
import { checkConnections, engineLayer, testConnections } from "./Layers.js"
import type { ConnectionsReport } from "./Layers.js"
import { readOnlyStore } from "./ReadOnlyStore.js"
import { literalSecrets, loadSettings } from "./Settings.js"
import { reportCommand } from "./report/ReportCommand.js"
import { KNOWN_VERSION } from "./state/internal/migrations.js"
import { StateStore } from "./state/StateStore.js"

// ---------------------------------------------------------------------------------------------
// The terminal
// ---------------------------------------------------------------------------------------------

/** What the process is attached to, and where progress goes. Tests set their own. */
export interface TtyState {
  readonly stdin: boolean
  readonly stdout: boolean
  readonly stderr: boolean
  /** Writes progress (carriage returns, no newline) to the terminal's error stream. */
  readonly write: (text: string) => void
}

export class Tty extends Context.Reference<Tty>()("okta-monday/Cli/Tty", {
  defaultValue: (): TtyState => ({
    stdin: process.stdin.isTTY === true,
    stdout: process.stdout.isTTY === true,
    stderr: process.stderr.isTTY === true,
    write: (text) => void process.stderr.write(text)
  })
}) {}

const noColour = () => (process.env.NO_COLOR ?? "") !== ""

/** @effect/cli's help and errors are coloured: plain text when the stream isn't a terminal (or NO_COLOR is set). */
const plainWhereNotTty = <A, E, R>(self: Effect.Effect<A, E, R>) =>
  Effect.gen(function*() {
    const tty = yield* Tty
    const base = yield* Effect.console
    const strip = (on: boolean) => (args: ReadonlyArray<unknown>) =>
      on ? args.map((a) => (typeof a === "string" ? stripVTControlCharacters(a) : a)) : args
    const out = strip(!tty.stdout || noColour())
    const err = strip(!tty.stderr || noColour())
    const console: Console.Console = {
      ...base,
      log: (...args) => base.log(...out(args)),
      info: (...args) => base.info(...out(args)),
      error: (...args) => base.error(...err(args)),
      warn: (...args) => base.warn(...err(args))
    }
    return yield* Effect.withConsole(self, console)
  })

// Logs go to stderr: readable at a terminal, JSON lines otherwise (and with `daemon --json`).
const prettyStderr = Logger.withConsoleError(Logger.prettyLogger())
const jsonStderr = Logger.withConsoleError(Logger.jsonLogger)

const logsTo = (logger: Logger.Logger<unknown, void>) => <A, E, R>(self: Effect.Effect<A, E, R>) =>
  Effect.locallyWith(self, FiberRef.currentLoggers, (loggers) =>
    HashSet.add(
      HashSet.filter(loggers, (l) => l !== Logger.defaultLogger && l !== prettyStderr && l !== jsonStderr),
      logger
    ))

/** Counts for a person at a terminal, updated in place on stderr; nothing at all in pipes, files and with --json. */
interface Progress {
  /** Runs a read of both sides showing the requests sent so far; `summary` is the line left behind. */
  readonly reading: <A, E, R>(
    self: Effect.Effect<A, E, R>,
    summary?: (a: A) => string
  ) => Effect.Effect<A, E, R | OktaSource | MondaySink.MondaySink>
  readonly applied: (done: number, total: number) => Effect.Effect<void>
}

const makeProgress = (tty: TtyState, json: boolean): Progress => {
  const enabled = tty.stdout && tty.stderr && !json
  const show = (text: string) => Effect.sync(() => tty.write(`\r\x1b[2K${text}`))
  return {
    reading: (self, summary) =>
      !enabled ? self : Effect.gen(function*() {
        const okta = yield* OktaSource
        const sink = yield* MondaySink.MondaySink
        const counts = Effect.all([okta.stats, sink.stats]).pipe(
          Effect.map(([o, m]) => `Okta ${o.requests} requests, monday.com ${m.requests} requests`)
        )
        const ticker = yield* counts.pipe(
          Effect.flatMap((c) => show(`reading: ${c}…`)),
          Effect.repeat(Schedule.spaced(Duration.millis(200))),
          Effect.fork
        )
        const result = yield* self.pipe(Effect.ensuring(Fiber.interrupt(ticker)))
        const c = yield* counts
        yield* show(`${summary ? `${summary(result)} ` : "read "}(${c})\n`)
        return result
      }),
    applied: (done, total) => (enabled ? show(done < total ? `applying: ${done}/${total} operations` : "") : Effect.void)
  }
}

const readSummary = (report: PlanReport) => {
  const { source, target } = report.input
  return `read ${source.users.length} Okta users in ${source.groups.length} groups, ` +
    `${target.users.length} monday.com users in ${target.teams.length} teams`
}

// ---------------------------------------------------------------------------------------------
// Options shared by the commands
// ---------------------------------------------------------------------------------------------

const configOption = Options.file("config").pipe(
  Options.withAlias("c"),
  Options.withDescription("The config file (YAML or JSON): rules + okta, monday, state, daemon"),
  Options.withDefault(process.env.OKTA_MONDAY_CONFIG ?? "okta-monday.yaml")
)
const jsonOption = Options.boolean("json").pipe(Options.withDescription("Print machine-readable JSON instead of text"))

const setExit = (code: number) => Effect.sync(() => (process.exitCode = code))

const load = (path: string) => loadSettings(path)

// ---------------------------------------------------------------------------------------------
// Errors a person acts on
// ---------------------------------------------------------------------------------------------

export class NotConfirmed extends Data.TaggedError("NotConfirmed")<{
  readonly operations: number
  readonly reason: "not-a-terminal" | "declined"
}> {
  override get message(): string {
    return this.reason === "declined"
      ? "not applied: you answered no. Nothing was changed."
      : `refusing to apply ${this.operations} operations without confirmation: standard input is not a terminal. ` +
        "Pass --yes to apply without asking, or save the plan with `okta-monday plan --out plan.json` and apply " +
        "that file. Nothing was changed."
  }
}

export class UnknownBlockers extends Data.TaggedError("UnknownBlockers")<{
  readonly ids: ReadonlyArray<string>
  /** Approvable blockers of now: id and what each holds back. */
  readonly current: ReadonlyArray<{ readonly id: string; readonly description: string }>
}> {
  override get message(): string {
    const which = this.ids.length === 1 ? `${this.ids[0]} is not a current blocker` : `${this.ids.join(", ")} are not current blockers`
    const list = this.current.length === 0
      ? "Nothing is held for approval now."
      : `Current blockers:\n${this.current.map((c) => `  ${c.id}  ${c.description}`).join("\n")}`
    return `${which}: nothing was approved. A blocker's id changes when what it holds back changes, so approve the ` +
      `id \`okta-monday status\` or \`okta-monday plan\` shows now.\n${list}\n` +
      "To record an approval for an id anyway (it releases a blocker with that id if one appears), pass --force."
  }
}

export class NotApprovable extends Data.TaggedError("NotApprovable")<{
  readonly blockers: ReadonlyArray<Plan.Blocker>
}> {
  override get message(): string {
    return `approve releases held removals only (removal limits, the empty-group guard); ${
      this.blockers.map((b) => `${b.id} (${describeBlocker(b)})`).join(", ")
    } can't be released that way: fix its cause (see \`okta-monday check\`). Nothing was approved.`
  }
}

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

const warningText = (w: Plan.Warning) => (w._tag === "Message" ? w.message : JSON.stringify(w))

const connectionsJson = (report: ConnectionsReport) => {
  const side = <A extends object>(e: Either.Either<A, { readonly _tag: string; readonly message: string }>) =>
    Either.match(e, {
      onLeft: (error) => ({ ok: false as const, error: { tag: error._tag, message: error.message } }),
      onRight: (info) => ({ ok: true as const, ...info })
    })
  return { okta: side(report.okta), monday: side(report.monday) }
}

const connectionsText = (report: ConnectionsReport): Array<string> => [
  Either.match(report.okta, {
    onLeft: (e) => `Okta: ${e.message}`,
    onRight: (o) =>
      `Okta: ${o.authMode === "SSWS" ? "API token" : "OAuth service app"} accepted; ` +
      `app "${o.appLabel}" (${o.appId}) is ${o.appStatus}`
  }),
  Either.match(report.monday, {
    onLeft: (e) => `monday.com: ${e.message}`,
    onRight: (m) => `monday.com: SCIM token accepted on the Enterprise plan (${m.users} users in the account)`
  })
]

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
      const loaded = yield* Effect.either(load(config))
      if (Either.isLeft(loaded)) {
        if (!json) return yield* Effect.fail(loaded.left)
        yield* Console.log(JSON.stringify({ valid: false, config, issues: loaded.left.issues }, null, 2))
        return yield* setExit(1)
      }
      const settings = loaded.right
      const literal = literalSecrets(Fs.readFileSync(config, "utf8"))
      const warnings = literal.map((k) => `${k} is written in the file: use \${ENV_VAR} or \${file:/path} so it stays out of version control`)
      const connections = connect ? Option.some(yield* checkConnections(settings)) : Option.none()
      const failed = Option.exists(connections, (c) => Either.isLeft(c.okta) || Either.isLeft(c.monday))
      if (json) {
        yield* Console.log(JSON.stringify(
          { valid: true, config, warnings, connections: Option.getOrNull(Option.map(connections, connectionsJson)) },
          null,
          2
        ))
      } else {
        for (const w of warnings) yield* Console.log(`warning: ${w}`)
        yield* Console.log(`${config}: valid (${settings.rules.mappings.length} mappings)`)
        if (Option.isSome(connections)) for (const line of connectionsText(connections.value)) yield* Console.log(line)
      }
      yield* setExit(failed ? 1 : 0)
    })
).pipe(Command.withDescription("Check the config file; with --connect, test the Okta and monday.com credentials too"))

const check = Command.make("check", { config: configOption, json: jsonOption }, ({ config, json }) =>
  Effect.gen(function*() {
    const settings = yield* load(config)
    const progress = makeProgress(yield* Tty, json)
    const report = yield* Effect.flatMap(Engine, (e) => progress.reading(e.check)).pipe(
      Effect.provide(engineLayer(settings, { store: readOnlyStore(settings.state) }))
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
      const progress = makeProgress(yield* Tty, json)
      const report = yield* Effect.flatMap(Engine, (e) => progress.reading(e.plan, readSummary)).pipe(
        Effect.provide(engineLayer(settings, { store: readOnlyStore(settings.state) }))
      )
      if (Option.isSome(out)) {
        Fs.mkdirSync(Path.dirname(Path.resolve(out.value)), { recursive: true })
        Fs.writeFileSync(out.value, PlanFile.encodePlan(report.plan))
      }
      yield* Console.log(json ? PlanFile.encodePlan(report.plan) : report.rendered)
      for (const w of report.warnings) if (!json) yield* Console.log(`warning: ${warningText(w)}`)
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
      yield* testConnections(settings)
      const tty = yield* Tty
      const progress = makeProgress(tty, json)
      const writable = engineLayer(settings, { onApplyProgress: (done, total) => progress.applied(done, total) })

      if (Option.isSome(planFile)) {
        const saved = PlanFile.decodePlan(Fs.readFileSync(planFile.value, "utf8"))
        if (Either.isLeft(saved)) return yield* Effect.fail(saved.left)
        const report = yield* Effect.flatMap(Engine, (e) => e.applySaved(saved.right)).pipe(Effect.provide(writable))
        yield* Console.log(json ? JSON.stringify(applyJson(report), null, 2) : renderOutcomes(report))
        return yield* exitForApply(report)
      }

      if (yes) {
        const report = yield* Effect.gen(function*() {
          const engine = yield* Engine
          const planned = yield* progress.reading(engine.plan, readSummary)
          if (!json) yield* Console.log(planned.rendered)
          return yield* engine.applyReport(planned)
        }).pipe(Effect.provide(writable))
        yield* Console.log(json ? JSON.stringify(applyJson(report), null, 2) : renderOutcomes(report))
        return yield* exitForApply(report)
      }

      // Reviewed first on the read-only store: nothing is written unless the answer is yes.
      const preview = yield* Effect.flatMap(Engine, (e) => progress.reading(e.plan, readSummary)).pipe(
        Effect.provide(engineLayer(settings, { store: readOnlyStore(settings.state) }))
      )
      if (!json) yield* Console.log(preview.rendered)
      const operations = preview.plan.operations.length
      if (operations === 0) {
        const { blockers, counts } = preview.plan
        const idle = { runId: null, status: "nothing-to-do", counts, outcomes: [], blockers, backedOff: [] }
        yield* Console.log(json ? JSON.stringify(idle, null, 2) : "nothing to do")
        return yield* setExit(0)
      }
      if (!tty.stdin || !tty.stdout) return yield* new NotConfirmed({ operations, reason: "not-a-terminal" })
      const ok = yield* Prompt.confirm({ message: `Apply these ${operations} operations to monday.com?`, initial: false })
      if (!ok) return yield* new NotConfirmed({ operations, reason: "declined" })
      // Exactly what was shown: refused (TargetChanged) if monday.com changed while you decided.
      const report = yield* Effect.flatMap(Engine, (e) => e.applySaved(preview.plan)).pipe(Effect.provide(writable))
      yield* Console.log(json ? JSON.stringify(applyJson(report), null, 2) : renderOutcomes(report))
      yield* exitForApply(report)
    })
).pipe(Command.withDescription("Apply a fresh plan after confirmation (--yes to skip), or a saved plan exactly as previewed"))

const sync = Command.make("sync", { config: configOption, json: jsonOption }, ({ config, json }) =>
  Effect.gen(function*() {
    const settings = yield* load(config)
    yield* testConnections(settings)
    const progress = makeProgress(yield* Tty, json)
    const report = yield* Effect.gen(function*() {
      const engine = yield* Engine
      const planned = yield* progress.reading(engine.plan, readSummary)
      return yield* engine.applyReport(planned)
    }).pipe(Effect.provide(engineLayer(settings, { onApplyProgress: (done, total) => progress.applied(done, total) })))
    yield* Console.log(json ? JSON.stringify(applyJson(report), null, 2) : renderOutcomes(report))
    yield* exitForApply(report)
  })
).pipe(Command.withDescription("One full sync without asking (for cron): read, plan, apply"))

const daemon = Command.make(
  "daemon",
  {
    config: configOption,
    json: Options.boolean("json").pipe(Options.withDescription("Log JSON lines (even at a terminal) instead of readable text"))
  },
  ({ config, json }) =>
    Effect.gen(function*() {
      const settings = yield* load(config)
      yield* testConnections(settings)
      yield* Daemon.run({
        fullSyncInterval: Duration.minutes(settings.daemon.fullSyncMinutes),
        pollInterval: Duration.seconds(settings.daemon.pollSeconds),
        http: settings.daemon.http,
        onListening: (url) => Effect.logInfo(`serving ${url}/healthz and ${url}/metrics`)
      }).pipe(Effect.provide(engineLayer(settings)))
    }).pipe((self) => (json ? logsTo(jsonStderr)(self) : self))
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
        unfinished: Option.isSome(yield* store.unfinishedApply),
        tokenOwner: Option.getOrNull(yield* store.tokenOwner.get)
      }
    })
    const s = yield* state.pipe(Effect.provide(readOnlyStore(settings.state)))
    if (json) return yield* Console.log(JSON.stringify(s, null, 2))
    const lines: Array<string> = []
    lines.push(s.lease && s.lease.expiresAt.getTime() > Date.now() ? `daemon: running (${s.lease.holder})` : "daemon: not running")
    if (s.unfinished) lines.push("an apply was interrupted: the next sync resumes it")
    lines.push(`blocked (${s.blocked.length}):`)
    for (const b of s.blocked) lines.push(`  ${b.blocker.id}  ${describeBlocker(b.blocker)}  (since ${b.since.toISOString()})`)
    if (s.blocked.some((b) => APPROVABLE.has(b.blocker._tag))) lines.push("  release one with: okta-monday approve <id>")
    for (const b of s.backoff) {
      const what = isUserKey(b.key) ? `user ${b.key.slice(b.key.indexOf(":") + 1)}` : `team "${b.key}"`
      lines.push(`backed off: ${what} failed ${b.failures}x, next try ${b.nextAttemptAt.toISOString()}`)
    }
    if (s.tokenOwner !== null) {
      lines.push(`SCIM token owner: ${s.tokenOwner.userName} (learnt ${s.tokenOwner.detectedAt.toISOString()}); never deactivated or demoted`)
    }
    for (const a of s.approvals) lines.push(`approved: ${a.blockerId}`)
    lines.push("recent runs:")
    for (const r of s.runs) {
      lines.push(`  ${r.startedAt.toISOString()} ${r.kind} ${r.state} ${Option.match(r.summary, { onNone: () => "", onSome: (x) => x.status })} ` +
        `(${r.outcomes.done} done, ${r.outcomes.failed} failed)`)
    }
    yield* Console.log(lines.join("\n"))
  })
).pipe(Command.withDescription("The daemon's lease, blocked work, backed-off teams, approvals and recent runs"))

const APPROVABLE = new Set<Plan.Blocker["_tag"]>(["EmptyGroup", "TeamRemovalLimit", "RunRemovalLimit"])

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
    json: jsonOption,
    ids: Args.text({ name: "blocker-id" }).pipe(
      Args.atLeast(1),
      Args.withDescription("Blocker ids from `okta-monday status` or `okta-monday plan`")
    ),
    by: Options.text("by").pipe(Options.withDescription("Who approves (kept in the state store)"), Options.optional),
    force: Options.boolean("force").pipe(
      Options.withDescription("Record the approval even if no current blocker has that id")
    )
  },
  ({ by, config, force, ids, json }) =>
    Effect.gen(function*() {
      const settings = yield* load(config)
      const stored = yield* Effect.flatMap(StateStore, (s) => Effect.all({ blocked: s.blocked.get, approvals: s.approvals.list }))
        .pipe(Effect.provide(readOnlyStore(settings.state)))
      const current = new Map(stored.blocked.map((b) => [b.blocker.id, b.blocker]))
      const approved = new Set(stored.approvals.map((a) => a.blockerId))
      const unknown = () => ids.filter((id) => !current.has(id) && !approved.has(id))
      if (!force && unknown().length > 0) {
        // The stored blockers are the last apply's; `plan` shows those of a fresher read, so read both sides.
        yield* testConnections(settings)
        const progress = makeProgress(yield* Tty, json)
        const fresh = yield* Effect.flatMap(Engine, (e) => progress.reading(e.plan)).pipe(
          Effect.provide(engineLayer(settings, { store: readOnlyStore(settings.state) }))
        )
        for (const b of fresh.plan.blockers) current.set(b.id, b)
        const missing = unknown()
        if (missing.length > 0) {
          return yield* new UnknownBlockers({
            ids: missing,
            current: Array.from(current.values())
              .filter((b) => APPROVABLE.has(b._tag))
              .map((b) => ({ id: b.id, description: describeBlocker(b) }))
          })
        }
      }
      const notApprovable = ids.flatMap((id) => {
        const b = current.get(id)
        return b !== undefined && !APPROVABLE.has(b._tag) ? [b] : []
      })
      if (!force && notApprovable.length > 0) return yield* new NotApprovable({ blockers: notApprovable })
      yield* Effect.flatMap(StateStore, (store) =>
        Effect.forEach(ids, (id) => store.approvals.add(id, Option.getOrUndefined(by)), { discard: true })).pipe(
          Effect.provide(StateStore.layer({ ...settings.state }))
        )
      const result = ids.map((id) => {
        const b = current.get(id)
        return { id, blocker: b === undefined ? null : describeBlocker(b), alreadyApproved: approved.has(id) }
      })
      if (json) return yield* Console.log(JSON.stringify({ approved: result, by: Option.getOrNull(by) }, null, 2))
      for (const r of result) {
        yield* Console.log(`approved ${r.id}${r.blocker ? `: ${r.blocker}` : " (no current blocker has this id)"}`)
      }
      yield* Console.log(`approved ${ids.length}; the next sync (or the daemon's next poll) releases ${ids.length === 1 ? "it" : "them"}`)
    })
).pipe(Command.withDescription("Release held removals (removal limits, empty-group guard) by blocker id"))

const migrate = Command.make("migrate", { config: configOption, json: jsonOption }, ({ config, json }) =>
  Effect.gen(function*() {
    const settings = yield* load(config)
    yield* Effect.flatMap(StateStore, () => Effect.void).pipe(Effect.provide(StateStore.layer({ ...settings.state })))
    const where = "sqlite" in settings.state ? settings.state.sqlite : "the Postgres database"
    yield* Console.log(
      json ? JSON.stringify({ schemaVersion: KNOWN_VERSION }) : `state store at ${where}: schema version ${KNOWN_VERSION}, ready`
    )
  })
).pipe(Command.withDescription("Create or upgrade the state store's tables (apply, sync and daemon also do this when they start)"))

/** The commands every deployment has; `main.ts` adds `demo` (which itself runs these). */
export const commands = [validate, check, plan, apply, sync, daemon, status, approve, migrate, reportCommand] as const

export const ROOT_DESCRIPTION = "Keeps monday.com teams in step with Okta groups over SCIM"

/** A runnable `okta-monday` with these subcommands; colour only where the output is a terminal. */
export const makeCli = <
  const Subcommands extends readonly [Command.Command<any, any, any, any>, ...Array<Command.Command<any, any, any, any>>]
>(subcommands: Subcommands) => {
  const run = Command.run(
    Command.make("okta-monday").pipe(Command.withDescription(ROOT_DESCRIPTION), Command.withSubcommands(subcommands)),
    { name: "okta-monday", version: "0.1.0" }
  )
  return (args: ReadonlyArray<string>) =>
    Effect.flatMap(Tty, (tty) => plainWhereNotTty(run(args)).pipe(logsTo(tty.stderr ? prettyStderr : jsonStderr)))
}

/** The CLI without the demo command (the demo runs this one in-process). */
export const cli = makeCli(commands)
