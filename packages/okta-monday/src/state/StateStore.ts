/**
 * The engine's durable memory: links, the System Log cursor, the apply journal (so a crash
 * mid-apply resumes without loss or duplicates), run history, approvals, blocked work, per-team
 * back-off and the single-daemon lease. SQLite by default, Postgres for shared, multi-tenant use.
 */
import type { Links, MondayTeamId, OktaUserId, TeamLink, UserLink } from "@okta-monday/mapping-core/Domain"
import type { Blocker, OperationOutcome, Plan, PlanCounts } from "@okta-monday/mapping-core/Plan"
import * as Reactivity from "@effect/experimental/Reactivity"
import { Context, Layer } from "effect"
import type { Duration, Effect, Option, Redacted } from "effect"
import * as internal from "./internal/layers.js"
import type { RunKind, RunState, RunSummary } from "./internal/rows.js"
import type { ApplyInProgress, JournalError, RunNotActive, StoreError } from "./StoreError.js"

export { RunKind, RunState, RunSummary } from "./internal/rows.js"
export * from "./StoreError.js"

/** A change to the links: upsert these teams/users, then remove the named ones. */
export interface LinksChange {
  readonly teams?: ReadonlyArray<TeamLink> | undefined
  readonly removeTeams?: ReadonlyArray<MondayTeamId> | undefined
  readonly users?: ReadonlyArray<UserLink> | undefined
  readonly removeUsers?: ReadonlyArray<OktaUserId> | undefined
}

export interface BeginApply {
  readonly runId: string
  readonly kind: RunKind
  readonly plan: Plan
  /**
   * Approvals this plan acts on, removed in the same transaction that journals it: an approval
   * releases one reviewed change once, never a later identical one.
   */
  readonly consumeApprovals?: ReadonlyArray<string> | undefined
}

/** An apply that began and never finished: what it meant to do and what is known to have happened. */
export interface UnfinishedApply {
  readonly runId: string
  readonly kind: RunKind
  readonly plan: Plan
  readonly startedAt: Date
  /** Outcomes recorded before the crash, by operation index (the last one recorded per index). */
  readonly outcomes: ReadonlyArray<OperationOutcome>
}

export interface RunRecord {
  readonly runId: string
  readonly kind: RunKind
  readonly state: RunState
  readonly startedAt: Date
  readonly finishedAt: Option.Option<Date>
  readonly summary: Option.Option<RunSummary>
  /** The plan's counts. */
  readonly counts: PlanCounts
  /** Outcomes recorded in the journal. */
  readonly outcomes: { readonly done: number; readonly failed: number; readonly skipped: number }
}

export interface FinishOptions {
  /** Advance the System Log cursor in the same transaction (a delta run consumed events up to it). */
  readonly cursor?: string | undefined
}

export interface Approval {
  readonly blockerId: string
  readonly approvedBy: Option.Option<string>
  readonly note: Option.Option<string>
  readonly approvedAt: Date
}

export interface BlockedEntry {
  readonly blocker: Blocker
  /** When a blocker with this id was first stored (it stays while the same blocker keeps being set). */
  readonly since: Date
}

export interface BackoffEntry {
  /** The team key (a plan's `key`) or any other name the engine backs off by. */
  readonly key: string
  readonly failures: number
  readonly lastFailureAt: Date
  readonly nextAttemptAt: Date
  readonly lastError: Option.Option<string>
}

/** The monday.com admin who owns the SCIM token, learnt from monday.com refusing to deactivate or demote them. */
export interface TokenOwner {
  readonly mondayUserId: string
  readonly userName: string
  /** Which token they own: the engine's token id (a hash, never the token), when it has one. */
  readonly tokenId?: string | undefined
  readonly detectedAt: Date
}

export interface LeaseInfo {
  readonly holder: string
  readonly acquiredAt: Date
  readonly expiresAt: Date
}

export interface BackoffPolicy {
  /** Delay after the first failure (default 1 minute); it doubles with each further failure. */
  readonly base?: Duration.DurationInput | undefined
  /** Longest delay (default 1 hour). */
  readonly max?: Duration.DurationInput | undefined
}

export interface CommonOptions {
  /** Every row is scoped by tenant (default "default"); tenants sharing a database never see each other. */
  readonly tenant?: string | undefined
  readonly backoff?: BackoffPolicy | undefined
}

export interface SqliteOptions extends CommonOptions {
  /** The database file; it and its parent directory are created when missing. */
  readonly path: string
  /**
   * "full" (default): every commit is fsynced, so a recorded outcome survives power loss.
   * "normal": WAL commits survive a process crash but the last ones may be lost on power loss.
   */
  readonly synchronous?: "full" | "normal" | undefined
}

export interface PostgresOptions extends CommonOptions {
  /** `postgres://user:password@host:port/database`; kept Redacted, never logged. */
  readonly url: Redacted.Redacted
  readonly maxConnections?: number | undefined
}

export interface StateStoreService {
  readonly tenant: string

  readonly loadLinks: Effect.Effect<Links, StoreError>
  /**
   * Upserts the given teams/users and removes the named ones, in one transaction. Only the named
   * rows are written, so a delta touching 3 teams doesn't rewrite 1,000. A team both upserted and
   * removed ends up removed.
   */
  readonly saveLinks: (change: LinksChange) => Effect.Effect<void, StoreError>

  /** The Okta System Log cursor (the `after` of the last page consumed). */
  readonly getCursor: Effect.Effect<Option.Option<string>, StoreError>
  readonly setCursor: (cursor: string) => Effect.Effect<void, StoreError>

  /**
   * Journals the plan before anything is sent (and spends the approvals it acts on). Fails with
   * ApplyInProgress when another apply of the tenant is unfinished (resume or abandon it first),
   * RunNotActive("exists") when the run id was used.
   */
  readonly beginApply: (run: BeginApply) => Effect.Effect<void, StoreError | ApplyInProgress | RunNotActive>
  /** Durable (committed) when it returns. Recording an index again replaces its outcome. */
  readonly recordOutcome: (runId: string, outcome: OperationOutcome) => Effect.Effect<void, StoreError | RunNotActive>
  readonly unfinishedApply: Effect.Effect<Option.Option<UnfinishedApply>, StoreError>
  /** Marks the run finished, saves the links it produced (and the cursor, if given), atomically. */
  readonly finishApply: (
    runId: string,
    summary: RunSummary,
    links: LinksChange,
    options?: FinishOptions
  ) => Effect.Effect<void, StoreError | RunNotActive>
  /** Closes an unfinished run without touching the links (the engine re-planned instead of resuming). */
  readonly abandonApply: (runId: string, summary: RunSummary) => Effect.Effect<void, StoreError | RunNotActive>
  /** Newest first. */
  readonly listRuns: (limit: number) => Effect.Effect<ReadonlyArray<RunRecord>, StoreError>
  /** Deletes finished and abandoned runs (with their outcomes) beyond the newest `keep`; returns how many. */
  readonly pruneRuns: (keep: number) => Effect.Effect<number, StoreError>

  readonly approvals: {
    /** Adding an approval again replaces who/why/when. */
    readonly add: (blockerId: string, by?: string, note?: string) => Effect.Effect<void, StoreError>
    readonly list: Effect.Effect<ReadonlyArray<Approval>, StoreError>
    /** Whether an approval was there to remove. */
    readonly remove: (blockerId: string) => Effect.Effect<boolean, StoreError>
    /** Removes the approvals a plan used, in one transaction. */
    readonly consume: (blockerIds: ReadonlyArray<string>) => Effect.Effect<void, StoreError>
  }

  /** Kept with the cursors (one row per tenant); `set` replaces it. */
  readonly tokenOwner: {
    readonly get: Effect.Effect<Option.Option<TokenOwner>, StoreError>
    readonly set: (owner: TokenOwner) => Effect.Effect<void, StoreError>
  }

  readonly blocked: {
    /** Replaces the current blocked work with these blockers (kept in order). */
    readonly set: (blockers: ReadonlyArray<Blocker>) => Effect.Effect<void, StoreError>
    readonly get: Effect.Effect<ReadonlyArray<BlockedEntry>, StoreError>
  }

  readonly backoff: {
    /** Counts a failure at `at`; the next attempt waits base × 2^(failures−1), at most max. */
    readonly recordFailure: (key: string, at: Date, error?: string) => Effect.Effect<BackoffEntry, StoreError>
    readonly recordSuccess: (key: string) => Effect.Effect<void, StoreError>
    /** True when the key has no back-off or its next attempt time has come. */
    readonly due: (key: string, now: Date) => Effect.Effect<boolean, StoreError>
    readonly list: Effect.Effect<ReadonlyArray<BackoffEntry>, StoreError>
  }

  /** One active daemon per tenant and store. `now` defaults to the Effect Clock. */
  readonly lease: {
    /** Takes the lease if it is free, expired, or already ours (then it is extended). */
    readonly acquire: (holder: string, ttl: Duration.DurationInput, now?: Date) => Effect.Effect<boolean, StoreError>
    /** Extends the lease while `holder` still holds it; false means it was lost and the daemon must stop. */
    readonly renew: (holder: string, ttl: Duration.DurationInput, now?: Date) => Effect.Effect<boolean, StoreError>
    readonly release: (holder: string) => Effect.Effect<void, StoreError>
    readonly current: Effect.Effect<Option.Option<LeaseInfo>, StoreError>
  }
}

export class StateStore extends Context.Tag("okta-monday/StateStore")<StateStore, StateStoreService>() {
  /** SQLite file (created with its parent directory), WAL mode, migrated on open. */
  static readonly layerSqlite = (options: SqliteOptions): Layer.Layer<StateStore, StoreError> =>
    Layer.scoped(StateStore, internal.makeSqlite(options)).pipe(Layer.provide(Reactivity.layer))

  /** Postgres at `url`, migrated on open; tenants and processes may share the database. */
  static readonly layerPostgres = (options: PostgresOptions): Layer.Layer<StateStore, StoreError> =>
    Layer.scoped(StateStore, internal.makePostgres(options)).pipe(Layer.provide(Reactivity.layer))

  /**
   * The store a settings file's `state` section names: `{ sqlite: path }` or `{ postgres: url }`,
   * each with an optional tenant.
   */
  static readonly layer = (
    state:
      | ({ readonly sqlite: string } & CommonOptions)
      | ({ readonly postgres: Redacted.Redacted } & CommonOptions)
  ): Layer.Layer<StateStore, StoreError> =>
    "sqlite" in state
      ? StateStore.layerSqlite({ path: state.sqlite, tenant: state.tenant, backoff: state.backoff })
      : StateStore.layerPostgres({ url: state.postgres, tenant: state.tenant, backoff: state.backoff })

  /** An in-memory SQLite store, for tests: same code and schema, gone when the layer closes. */
  static readonly layerMemory = (options: CommonOptions = {}): Layer.Layer<StateStore, StoreError> =>
    Layer.scoped(StateStore, internal.makeSqlite({ ...options, path: ":memory:" })).pipe(
      Layer.provide(Reactivity.layer)
    )
}

export type { JournalError }
