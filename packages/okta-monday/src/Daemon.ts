/**
 * The daemon: a full reconcile at start and every N minutes (which also repairs edits made by
 * hand in monday.com), and between them a System Log poll every M seconds that applies only the
 * teams the changes touch. One daemon per state store (a lease); `/healthz` and `/metrics`.
 */
import { Clock, Data, Duration, Effect, Option } from "effect"
import * as Os from "node:os"
import { Plan, Planner } from "@okta-monday/mapping-core"
import { MondaySink } from "@okta-monday/monday-scim-sink"
import { OktaSource } from "@okta-monday/okta-source"
import type { FeedCursor } from "@okta-monday/okta-source"
import { Engine, isUserKey, markTokenOwner, protectTokenOwner, releasedBy } from "./Engine.js"
import type { ApplyReport, SyncInput } from "./Engine.js"
import { Metrics, serveHttp, totalFeeder } from "./Metrics.js"
import type { EngineMetrics } from "./Metrics.js"
import { StateStore } from "./state/StateStore.js"
import type { TokenOwner } from "./state/StateStore.js"

export class DaemonAlreadyRunning extends Data.TaggedError("DaemonAlreadyRunning")<{
  readonly holder: string
  readonly expiresAt: Date
}> {
  override get message(): string {
    return `another okta-monday daemon (${this.holder}) holds this state store's lease until ${this.expiresAt.toISOString()}; ` +
      "only one may run per state store. Stop it, or wait for its lease to expire if it died."
  }
}

export class LeaseLost extends Data.TaggedError("LeaseLost")<{ readonly holder: string }> {
  override get message(): string {
    return `the daemon ${this.holder} lost its lease on the state store (another process took it over); stopping`
  }
}

export interface DaemonOptions {
  readonly fullSyncInterval: Duration.DurationInput
  readonly pollInterval: Duration.DurationInput
  /** Where `/healthz` and `/metrics` listen; `false` for none. */
  readonly http: { readonly host: string; readonly port: number } | false
  /** Lease time-to-live; renewed every third of it. Default 30 seconds. */
  readonly leaseTtl?: Duration.DurationInput
  /** Called after every cycle (logging, tests, the demo). */
  readonly onCycle?: (event: CycleEvent) => Effect.Effect<void>
  /** Called once the HTTP server listens. */
  readonly onListening?: (url: string) => Effect.Effect<void>
}

export type CycleEvent =
  | { readonly kind: "full"; readonly report: ApplyReport }
  | { readonly kind: "delta"; readonly deltas: number; readonly report: ApplyReport }
  | { readonly kind: "idle" }
  | { readonly kind: "failed"; readonly cycle: "full" | "delta"; readonly error: unknown }

/** `host:pid:nonce` of a process on this host that no longer exists. */
export const isDeadLocalHolder = (holder: string): boolean => {
  const [host, pid] = holder.split(":")
  if (host !== Os.hostname() || pid === undefined || !/^\d+$/.test(pid) || Number(pid) === process.pid) return false
  try {
    process.kill(Number(pid), 0)
    return false
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === "ESRCH"
  }
}

const countOutcomes = (metrics: EngineMetrics, report: ApplyReport) => {
  report.outcomes.forEach((o) => {
    const op = report.plan.operations[o.index]
    if (op !== undefined) metrics.operations.inc({ kind: op._tag, outcome: o.status })
  })
  // Blockers of a team (whole, or its removals); the run-wide limit and users' blockers apart.
  const teams = new Set<string>()
  const users = new Set<string>()
  let runHeld = 0
  for (const b of report.plan.blockers) {
    if (b._tag === "RunRemovalLimit") runHeld = 1
    else if (isUserKey(b.key)) users.add(b.key)
    else teams.add(b.key)
  }
  metrics.blockedTeams.set(teams.size)
  metrics.blockedUsers.set(users.size)
  metrics.runRemovalsHeld.set(runHeld)
  const backedOffUsers = report.backedOff.filter(isUserKey).length
  metrics.backedOffUsers.set(backedOffUsers)
  metrics.backedOffTeams.set(report.backedOff.length - backedOffUsers)
}

/** Runs until interrupted (SIGINT/SIGTERM through the runtime) or until the lease is lost. */
export const run = (options: DaemonOptions) =>
  Effect.gen(function*() {
    const engine = yield* Engine
    const store = yield* StateStore
    const okta = yield* OktaSource
    const sink = yield* MondaySink.MondaySink
    const metrics = yield* Metrics
    const holder = `${Os.hostname()}:${process.pid}:${globalThis.crypto.randomUUID().slice(0, 8)}`
    const ttl = Duration.decode(options.leaseTtl ?? Duration.seconds(30))

    if (!(yield* store.lease.acquire(holder, ttl))) {
      // A lease left by a daemon on this host whose process is gone (kill -9, power cut of a
      // container) is released at once instead of making the restart wait for it to expire.
      const stale = yield* store.lease.current
      if (Option.isSome(stale) && isDeadLocalHolder(stale.value.holder)) {
        yield* Effect.logWarning(`taking over the lease of ${stale.value.holder}: that process is gone`)
        yield* store.lease.release(stale.value.holder)
      }
    }
    if (!(yield* store.lease.acquire(holder, ttl))) {
      const current = yield* store.lease.current
      return yield* new DaemonAlreadyRunning(
        Option.match(current, {
          onNone: () => ({ holder: "unknown", expiresAt: new Date(0) }),
          onSome: (l) => ({ holder: l.holder, expiresAt: l.expiresAt })
        })
      )
    }
    yield* Effect.addFinalizer(() => store.lease.release(holder).pipe(Effect.ignore))
    yield* Effect.logInfo(`daemon ${holder} started`)

    // The lease is renewed in the background; losing it stops the daemon at its next poll. (The
    // loop is not raced against this fiber: a race would let an interrupted apply run on past the
    // daemon's scope, on closed connections.)
    let leaseLost = false
    yield* Effect.gen(function*() {
      yield* Effect.sleep(Duration.times(ttl, 1 / 3))
      if (!(yield* store.lease.renew(holder, ttl).pipe(Effect.orElseSucceed(() => false)))) {
        leaseLost = true
        return yield* Effect.never
      }
    }).pipe(Effect.forever, Effect.forkScoped)

    let healthy = false
    let lastError: string | undefined
    let lastSuccessAt: Date | undefined
    if (options.http !== false) {
      const server = yield* serveHttp({
        ...options.http,
        metrics,
        health: {
          healthy: () => healthy,
          detail: () => ({ holder, lastSuccessAt: lastSuccessAt?.toISOString() ?? null, lastError: lastError ?? null })
        }
      })
      if (options.onListening) yield* options.onListening(server.url)
    }

    const requests = totalFeeder(metrics.apiRequests)
    const rateLimited = totalFeeder(metrics.apiRateLimited)
    const updateApiMetrics = Effect.gen(function*() {
      const o = yield* okta.stats
      const m = yield* sink.stats
      requests({ side: "okta" }, o.requests)
      rateLimited({ side: "okta" }, o.rateLimited)
      requests({ side: "monday" }, m.requests)
      rateLimited({ side: "monday" }, m.rateLimited)
    })

    const succeeded = (kind: "full" | "delta") =>
      Effect.gen(function*() {
        healthy = true
        lastError = undefined
        lastSuccessAt = new Date(yield* Clock.currentTimeMillis)
        metrics.cycles.inc({ kind, result: "ok" })
        metrics.lastSuccess.set(lastSuccessAt.getTime() / 1000)
        yield* updateApiMetrics
      })

    const failed = (cycle: "full" | "delta", error: unknown) =>
      Effect.gen(function*() {
        healthy = false
        lastError = error instanceof Error ? error.message : String(error)
        metrics.cycles.inc({ kind: cycle, result: "failed" })
        yield* Effect.logError(`${cycle} cycle failed: ${lastError}`)
        yield* updateApiMetrics
        if (options.onCycle) yield* options.onCycle({ kind: "failed", cycle, error })
      })

    /**
     * The state the delta path plans against: made from the last full cycle, then kept in step by
     * each delta cycle (its batch applied, its apply committed). `held` is the input it was made
     * from, with the links and monday.com of the last apply; the planner holds the Okta side now.
     */
    let planner: Planner.Planner | undefined
    let held: SyncInput | undefined
    let tokenOwner: TokenOwner | undefined
    /** When the Okta read behind `planner` began: late feed events older than it are already in it. */
    let snapshotTakenAt: Date | undefined
    let approvalsSeen = ""

    const approvalsKey = store.approvals.list.pipe(Effect.map((a) => a.map((x) => x.blockerId).sort().join(",")))

    const fullCycle = Effect.gen(function*() {
      // The cursor is taken before the read, so changes made during it are polled again: harmless, deltas are idempotent.
      const t = new Date(yield* Clock.currentTimeMillis)
      const existing = yield* store.getCursor
      const cursor = Option.getOrElse(existing, () => okta.startCursor(t) as string)
      const report = yield* engine.plan
      const applied = yield* engine.applyReport(report, "full", Option.isNone(existing) ? cursor : undefined)
      tokenOwner = applied.tokenOwner ?? report.tokenOwner
      const input = {
        ...report.input,
        rules: protectTokenOwner(report.input.rules, tokenOwner),
        target: applied.target,
        links: applied.links
      }
      planner = Planner.make(input)
      held = { input, warnings: [] }
      snapshotTakenAt = report.sourceReadAt
      approvalsSeen = yield* approvalsKey
      countOutcomes(metrics, applied)
      yield* succeeded("full")
      yield* Effect.logInfo(
        `full cycle: ${applied.status}, ${applied.plan.operations.length} operations, ${applied.plan.blockers.length} blockers`
      )
      if (options.onCycle) yield* options.onCycle({ kind: "full", report: applied })
    })

    const deltaCycle = Effect.gen(function*() {
      if (planner === undefined || held === undefined) return true
      const cursor = Option.getOrThrow(yield* store.getCursor) as FeedCursor
      const batch = yield* okta.poll(cursor, snapshotTakenAt === undefined ? undefined : { snapshotTakenAt })
      if (batch.deltas.length === 0) {
        if (batch.cursor !== cursor) yield* store.setCursor(batch.cursor)
        yield* updateApiMetrics
        if (options.onCycle) yield* options.onCycle({ kind: "idle" })
        return true
      }
      const kept = planner
      const touched = kept.applyDeltas(batch.deltas)
      // From here the planner is ahead of the state store until the apply is saved: if this cycle
      // fails, the next one is a full cycle with a planner made afresh.
      const cycle = Effect.gen(function*() {
        const approvals = (yield* store.approvals.list).map((a) => a.blockerId)
        const plan = markTokenOwner(kept.planTouched(touched, { approvals }), tokenOwner, engine.rules)
        const released = approvals.length === 0 ? [] : releasedBy(kept.planTouched(touched), approvals)
        // The apply is folded into the planner (`commit`), which gives the links and monday.com after
        // it in time proportional to what changed: the input serves only to name users in messages.
        const input: SyncInput = { input: held!.input, warnings: [] }
        // A delta plan sees only the touched teams: its blockers add to the ones the full cycle found
        // (less those an approval has released since).
        const approved = new Set(approvals)
        const previous = (yield* store.blocked.get).map((b) => b.blocker).filter((b) => !approved.has(b.id))
        const ids = new Set(plan.blockers.map((b) => b.id))
        const merged = new Plan.Plan({ ...plan, blockers: [...plan.blockers, ...previous.filter((b) => !ids.has(b.id))] })
        return yield* engine.applyPlanned(input, merged, "delta", { cursor: batch.cursor, released, commit: kept.commit })
      })
      const applied = yield* cycle.pipe(Effect.tapErrorCause(() => Effect.sync(() => (planner = undefined))))
      // Spending an approval is not a new one: no full cycle for it.
      approvalsSeen = yield* approvalsKey
      if (applied.tokenOwner !== undefined) {
        // Learnt just now: plan from here on with the owner protected (a rare rebuild of the indexes).
        tokenOwner = applied.tokenOwner
        held = {
          input: {
            rules: protectTokenOwner(held.input.rules, tokenOwner),
            source: kept.source(),
            target: applied.target,
            links: applied.links
          },
          warnings: []
        }
        planner = Planner.make(held.input)
      } else {
        held = { input: { ...held.input, target: applied.target, links: applied.links }, warnings: [] }
      }
      countOutcomes(metrics, applied)
      yield* succeeded("delta")
      yield* Effect.logInfo(`delta cycle: ${batch.deltas.length} changes, ${applied.plan.operations.length} operations`)
      if (options.onCycle) yield* options.onCycle({ kind: "delta", deltas: batch.deltas.length, report: applied })
      // The token owner refusing is understood (and protected from now on): no repair needed.
      return applied.outcomes.every((o) => o.status === "done" || o.error?.tag === "TokenOwnerProtected")
    })

    const fullEvery = Duration.toMillis(options.fullSyncInterval)
    const pollEvery = Duration.toMillis(options.pollInterval)

    // A System Log cycle whose operations failed (a team deleted by hand, say) brings the full sync
    // forward, which reads monday.com again and repairs it; at most once per few polls.
    const earliestRepair = Math.min(fullEvery, 5 * pollEvery)

    let nextFull = 0
    let lastFull = Number.NEGATIVE_INFINITY
    let failures = 0
    while (!leaseLost) {
      const t = yield* Clock.currentTimeMillis
      // An approval given with `okta-monday approve` is acted on at the next poll, not the next hour.
      const approvalsChanged = planner !== undefined && (yield* approvalsKey) !== approvalsSeen
      if (t >= nextFull || approvalsChanged) {
        lastFull = t
        const ok = yield* fullCycle.pipe(
          Effect.as(true),
          Effect.catchAll((e) => failed("full", e).pipe(Effect.as(false)))
        )
        // A failing full cycle (a revoked token, an outage) is retried with back-off, not every poll.
        failures = ok ? 0 : failures + 1
        nextFull = t + (ok ? fullEvery : Math.min(fullEvery, pollEvery * 2 ** Math.min(failures, 10), 5 * 60_000))
      } else if (planner !== undefined) {
        const clean = yield* deltaCycle.pipe(
          // After a failed delta cycle the in-memory state may be off: the next cycle is a full one.
          Effect.catchAll((e) => failed("delta", e).pipe(Effect.as(false)))
        )
        if (!clean) nextFull = Math.min(nextFull, Math.max(t, lastFull + earliestRepair))
      }
      yield* Effect.sleep(Duration.millis(pollEvery))
    }
    return yield* new LeaseLost({ holder })
  }).pipe(Effect.scoped)
