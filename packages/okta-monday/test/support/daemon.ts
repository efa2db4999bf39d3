/**
 * The daemon run in-process (Daemon.run on the engine layer of a config) for the length of a
 * scope, with its cycle events recorded and the URL of its `/healthz` and `/metrics` server.
 */
import { Deferred, Duration, Effect, Fiber, Logger, LogLevel } from "effect"
import parsePrometheus from "parse-prometheus-text-format"
import * as Daemon from "../../src/Daemon.js"
import type { Settings } from "../../src/Settings.js"
import { engineFor } from "./engine.js"

export interface RunningDaemon {
  /** `http://127.0.0.1:PORT` */
  readonly url: string
  readonly events: ReadonlyArray<Daemon.CycleEvent>
  readonly fiber: Fiber.RuntimeFiber<unknown, unknown>
}

export interface InProcessDaemonOptions {
  readonly pollInterval?: Duration.DurationInput
  readonly fullSyncInterval?: Duration.DurationInput
  readonly leaseTtl?: Duration.DurationInput
  /** Default "file": the config's SQLite file, so other processes see the lease. */
  readonly store?: "memory" | "file"
}

export const inProcessDaemon = (settings: Settings, options: InProcessDaemonOptions = {}) =>
  Effect.gen(function*() {
    const listening = yield* Deferred.make<string>()
    const events: Array<Daemon.CycleEvent> = []
    const fiber = yield* Daemon.run({
      fullSyncInterval: options.fullSyncInterval ?? Duration.minutes(settings.daemon.fullSyncMinutes),
      pollInterval: options.pollInterval ?? Duration.seconds(settings.daemon.pollSeconds),
      http: { host: "127.0.0.1", port: 0 },
      ...(options.leaseTtl !== undefined ? { leaseTtl: options.leaseTtl } : {}),
      onListening: (url) => Deferred.succeed(listening, url).pipe(Effect.asVoid),
      onCycle: (event) => Effect.sync(() => void events.push(event))
    }).pipe(
      Effect.provide(engineFor(settings, options.store ?? "file")),
      Logger.withMinimumLogLevel(LogLevel.Warning),
      Effect.forkScoped
    )
    // If the daemon fails before it listens, say why instead of waiting forever.
    const url = yield* Deferred.await(listening).pipe(
      Effect.raceFirst(Fiber.join(fiber).pipe(Effect.flatMap(() => Effect.dieMessage("the daemon stopped before listening"))))
    )
    return { url, events, fiber } satisfies RunningDaemon
  })

/**
 * Prometheus text (parsed by parse-prometheus-text-format, which throws on what it can't read) →
 * `name{label="value",…}` → value, labels in the order the text gives them.
 */
export const parseMetrics = (text: string): Map<string, number> => {
  const out = new Map<string, number>()
  for (const family of parsePrometheus(text)) {
    for (const sample of family.metrics) {
      const labels = Object.entries(sample.labels ?? {}).map(([k, v]) => `${k}=${JSON.stringify(v)}`)
      out.set(labels.length === 0 ? family.name : `${family.name}{${labels.join(",")}}`, Number(sample.value))
    }
  }
  return out
}

/** Each metric family's declared type (`# TYPE` line): name → COUNTER, GAUGE, … */
export const metricTypes = (text: string): Map<string, string> =>
  new Map(parsePrometheus(text).map((family) => [family.name, family.type]))

export const getMetrics = (url: string) =>
  Effect.promise(async () => {
    const res = await fetch(`${url}/metrics`)
    return { status: res.status, contentType: res.headers.get("content-type") ?? "", text: await res.text() }
  })

export const getHealth = (url: string) =>
  Effect.promise(async () => {
    const res = await fetch(`${url}/healthz`)
    return { status: res.status, body: (await res.json()) as Record<string, unknown> }
  })
