/**
 * The Promise API, for IdP and IT-automation tools that don't use Effect: the same engine, with
 * plain async functions. Errors reject with the engine's typed errors (each an Error with a `_tag`
 * and a message a person can act on).
 */
import { Cause, Duration, Effect, Exit, Fiber, ManagedRuntime } from "effect"
import type { Plan } from "@okta-monday/mapping-core"
import * as Daemon from "./Daemon.js"
import { Engine } from "./Engine.js"
import type { ApplyReport, CheckReport, PlanReport } from "./Engine.js"
import { engineLayer } from "./Layers.js"
import { loadSettings, parseSettings } from "./Settings.js"
import type { Settings } from "./Settings.js"

export type { ApplyReport, CheckReport, PlanReport }

/** How the daemon runs; what isn't given comes from the config's `daemon` section. */
export interface DaemonStartOptions {
  /** Full reconcile every… (`"60 minutes"`, or milliseconds). */
  readonly fullSyncInterval?: Duration.DurationInput
  /** System Log poll every… (`"10 seconds"`, or milliseconds). */
  readonly pollInterval?: Duration.DurationInput
  /** Where `/healthz` and `/metrics` listen; `false` for nowhere. */
  readonly http?: { readonly host: string; readonly port: number } | false
  readonly leaseTtl?: Duration.DurationInput
  /**
   * Called after every cycle with what it did (`full`, `delta`, `idle` or `failed` and its report);
   * a returned promise is awaited. A callback that throws is logged and the daemon goes on.
   */
  readonly onCycle?: (event: Daemon.CycleEvent) => void | Promise<void>
  /** Called once `/healthz` and `/metrics` listen, with their base URL. */
  readonly onListening?: (url: string) => void | Promise<void>
}

export interface DaemonHandle {
  /** Stops polling; the operation in flight finishes first (the rest of an apply resumes at the next start). */
  readonly stop: () => Promise<void>
  /** Settles when the daemon stops (rejects if it failed, e.g. another daemon holds the lease). */
  readonly done: Promise<void>
}

export interface EngineHandle {
  /** The preflight report: per mapped team, who is not ready and why. */
  readonly check: () => Promise<CheckReport>
  /** Reads both sides and plans; nothing is written. */
  readonly plan: () => Promise<PlanReport>
  /**
   * Applies a plan. Without an argument: plans afresh and applies. With a `PlanReport` from `plan()`:
   * applies it as computed. With a `Plan` (e.g. decoded from a file): applies it exactly, or
   * rejects with `TargetChanged` if monday.com changed since it was computed.
   */
  readonly apply: (plan?: PlanReport | Plan.Plan) => Promise<ApplyReport>
  /** One full cycle: read, plan, apply. */
  readonly sync: () => Promise<ApplyReport>
  /** Runs the daemon in this process until `stop()` (or until it fails: see `done`). */
  readonly startDaemon: (options?: DaemonStartOptions) => DaemonHandle
  /** Closes connections and the state store. */
  readonly close: () => Promise<void>
}

export type EngineSource =
  | { readonly configPath: string; readonly env?: Readonly<Record<string, string | undefined>> }
  | { readonly configText: string; readonly env?: Readonly<Record<string, string | undefined>> }
  | { readonly settings: Settings }

const settingsOf = (source: EngineSource): Promise<Settings> => {
  if ("settings" in source) return Promise.resolve(source.settings)
  const effect = "configPath" in source
    ? loadSettings(source.configPath, source.env ?? process.env)
    : parseSettings(source.configText, { env: source.env ?? process.env })
  return runOrThrow(effect as Effect.Effect<Settings, unknown>)
}

/** A caller's callback: awaited; if it throws, that is logged and the daemon goes on. */
const callback = (name: string, f: () => void | Promise<void>) =>
  Effect.tryPromise(async () => {
    await f()
  }).pipe(Effect.catchAll((error) => Effect.logWarning(`the daemon's ${name} callback failed: ${String(error.cause)}`)))

/** Runs an Effect and rejects with its typed failure itself (not a wrapper), so `instanceof`/`_tag` work. */
const runOrThrow = async <A, E>(effect: Effect.Effect<A, E>): Promise<A> => {
  const exit = await Effect.runPromiseExit(effect)
  if (Exit.isSuccess(exit)) return exit.value
  throw Cause.squash(exit.cause)
}

/**
 * ```ts
 * const engine = await createEngine({ configPath: "okta-monday.yaml" })
 * const { plan, rendered } = await engine.plan()
 * console.log(rendered)
 * const result = await engine.apply(plan)   // refused if monday.com moved since
 * await engine.close()
 * ```
 */
export const createEngine = async (source: EngineSource): Promise<EngineHandle> => {
  const settings = await settingsOf(source)
  const runtime = ManagedRuntime.make(engineLayer(settings))
  const run = async <A, E>(effect: Effect.Effect<A, E, Engine>): Promise<A> => {
    const exit = await runtime.runPromiseExit(effect)
    if (Exit.isSuccess(exit)) return exit.value
    throw Cause.squash(exit.cause)
  }
  return {
    check: () => run(Effect.flatMap(Engine, (e) => e.check)),
    plan: () => run(Effect.flatMap(Engine, (e) => e.plan)),
    apply: (plan) =>
      run(Effect.flatMap(Engine, (e) =>
        plan === undefined
          ? e.sync
          : "input" in plan
          ? e.applyReport(plan)
          : e.applySaved(plan)
      )),
    sync: () => run(Effect.flatMap(Engine, (e) => e.sync)),
    startDaemon: (options = {}) => {
      const { onCycle, onListening } = options
      const fiber = runtime.runFork(
        Daemon.run({
          fullSyncInterval: options.fullSyncInterval ?? Duration.minutes(settings.daemon.fullSyncMinutes),
          pollInterval: options.pollInterval ?? Duration.seconds(settings.daemon.pollSeconds),
          http: options.http ?? settings.daemon.http,
          ...(onCycle ? { onCycle: (event: Daemon.CycleEvent) => callback("onCycle", () => onCycle(event)) } : {}),
          ...(onListening ? { onListening: (url: string) => callback("onListening", () => onListening(url)) } : {}),
          ...(options.leaseTtl ? { leaseTtl: options.leaseTtl } : {})
        })
      )
      const done = runtime.runPromiseExit(Fiber.join(fiber)).then((exit) => {
        if (Exit.isFailure(exit) && !Cause.isInterruptedOnly(exit.cause)) throw Cause.squash(exit.cause)
      })
      // Callers that never await `done` must not get an unhandled rejection.
      done.catch(() => undefined)
      return { stop: () => runtime.runPromise(Fiber.interrupt(fiber)).then(() => undefined), done }
    },
    close: () => runtime.dispose()
  }
}
