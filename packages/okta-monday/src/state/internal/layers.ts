/**
 * Opening a store: connect (creating the SQLite file and its directory), set durability, run
 * the migrations, refuse a store written by a newer version, then build the service.
 */
import type * as Reactivity from "@effect/experimental/Reactivity"
import { FileSystem, Path } from "@effect/platform"
import { NodeContext } from "@effect/platform-node"
import * as PgClient from "@effect/sql-pg/PgClient"
import * as PgMigrator from "@effect/sql-pg/PgMigrator"
import * as SqliteClient from "@effect/sql-sqlite-node/SqliteClient"
import * as SqliteMigrator from "@effect/sql-sqlite-node/SqliteMigrator"
import * as SqlClient from "@effect/sql/SqlClient"
import { Cause, Clock, Duration, Effect, Redacted, Schedule, Schema } from "effect"
import type { Scope } from "effect"
import type { PostgresOptions, SqliteOptions, StateStoreService } from "../StateStore.js"
import type { Backend } from "../StoreError.js"
import { StoreUnavailable, StoreVersionMismatch } from "../StoreError.js"
import { KNOWN_VERSION, loader, MIGRATIONS_TABLE } from "./migrations.js"
import { Num } from "./rows.js"
import { make } from "./store.js"

const DEFAULT_TENANT = "default"

/**
 * Connect timeouts and migration retries wait on real time even under a TestClock; the store's
 * own timestamps still come from the ambient Clock.
 */
const realTime = <A, E, R>(self: Effect.Effect<A, E, R>) => Effect.withClock(self, Clock.make())

const unavailable = (backend: Backend, location: string, operation: string) => (cause: unknown) =>
  new StoreUnavailable({
    backend,
    location,
    operation,
    detail: describe(cause),
    cause
  })

const describe = (cause: unknown): string => {
  if (Cause.isCause(cause)) return describe(Cause.squash(cause))
  if (cause instanceof Error) {
    const inner = (cause as { cause?: unknown }).cause
    return inner instanceof Error && inner.message !== cause.message
      ? `${cause.message}: ${inner.message}`
      : cause.message
  }
  return String(cause)
}

const checkTenant = (backend: Backend, location: string, tenant: string | undefined) =>
  Effect.suspend(() => {
    const value = tenant ?? DEFAULT_TENANT
    return value.trim() === "" || value !== value.trim()
      ? Effect.fail(
        unavailable(backend, location, "open")(`tenant "${value}" must be non-empty, without surrounding spaces`)
      )
      : Effect.succeed(value)
  })

/** Migrates, retrying briefly: two processes opening a fresh database race to create the migrations table. */
const migrate = <R>(
  run: Effect.Effect<unknown, unknown, R>,
  sql: SqlClient.SqlClient,
  backend: Backend,
  location: string
) =>
  Effect.gen(function*() {
    yield* run.pipe(
      Effect.retry({ schedule: Schedule.spaced(Duration.millis(150)), times: 4 }),
      Effect.mapError(unavailable(backend, location, "migrate"))
    )
    const rows = yield* sql`SELECT MAX(migration_id) AS version FROM ${sql(MIGRATIONS_TABLE)}`.pipe(
      Effect.mapError(unavailable(backend, location, "migrate"))
    )
    const version = Schema.decodeUnknownOption(Num)(rows[0]?.version)
    if (version._tag === "Some" && version.value > KNOWN_VERSION) {
      return yield* new StoreVersionMismatch({ location, storeVersion: version.value, knownVersion: KNOWN_VERSION })
    }
  })

export const makeSqlite = (
  options: SqliteOptions
): Effect.Effect<StateStoreService, StoreUnavailable | StoreVersionMismatch, Scope.Scope | Reactivity.Reactivity> =>
  Effect.gen(function*() {
    const location = options.path
    const fail = (operation: string) => unavailable("sqlite", location, operation)
    const tenant = yield* checkTenant("sqlite", location, options.tenant)
    if (location !== ":memory:" && !location.startsWith("file:")) {
      yield* Effect.gen(function*() {
        const fs = yield* FileSystem.FileSystem
        const path = yield* Path.Path
        yield* fs.makeDirectory(path.dirname(path.resolve(location)), { recursive: true })
      }).pipe(Effect.provide(NodeContext.layer), Effect.mapError(fail("create directory")))
    }
    // better-sqlite3 throws while opening (a directory, no permission): a failure here, not a defect.
    const client = yield* SqliteClient.make({ filename: location }).pipe(
      Effect.catchAllDefect((defect) => Effect.fail(fail("open")(defect)))
    )
    const synchronous = options.synchronous === "normal" ? "NORMAL" : "FULL"
    yield* client.unsafe(`PRAGMA synchronous = ${synchronous}`).pipe(Effect.mapError(fail("open")))
    yield* client.unsafe("PRAGMA busy_timeout = 5000").pipe(Effect.mapError(fail("open")))
    yield* migrate(
      SqliteMigrator.run({ loader, table: MIGRATIONS_TABLE }).pipe(
        Effect.provideService(SqliteClient.SqliteClient, client),
        Effect.provideService(SqlClient.SqlClient, client),
        Effect.provide(NodeContext.layer)
      ),
      client,
      "sqlite",
      location
    )
    return make({ sql: client, backend: "sqlite", location, tenant, backoff: options.backoff })
  }).pipe(realTime)

/** `host:port/database as user`, for messages: never the password. */
export const describeUrl = (url: Redacted.Redacted): string => {
  try {
    const parsed = new URL(Redacted.value(url))
    const user = parsed.username === "" ? "" : ` as ${decodeURIComponent(parsed.username)}`
    return `${parsed.hostname}:${parsed.port === "" ? "5432" : parsed.port}${parsed.pathname}${user}`
  } catch {
    return "the configured Postgres URL (not a valid URL)"
  }
}

export const makePostgres = (
  options: PostgresOptions
): Effect.Effect<StateStoreService, StoreUnavailable | StoreVersionMismatch, Scope.Scope | Reactivity.Reactivity> =>
  Effect.gen(function*() {
    const location = describeUrl(options.url)
    const fail = (operation: string) => unavailable("postgres", location, operation)
    const tenant = yield* checkTenant("postgres", location, options.tenant)
    const client = yield* PgClient.make({
      url: options.url,
      maxConnections: options.maxConnections ?? 10,
      connectTimeout: Duration.seconds(5),
      applicationName: "okta-monday"
    }).pipe(
      Effect.catchAllDefect((defect) => Effect.fail(defect)),
      Effect.mapError(fail("connect"))
    )
    yield* migrate(
      PgMigrator.run({ loader, table: MIGRATIONS_TABLE }).pipe(
        Effect.provideService(PgClient.PgClient, client),
        Effect.provideService(SqlClient.SqlClient, client),
        Effect.provide(NodeContext.layer)
      ),
      client,
      "postgres",
      location
    )
    return make({ sql: client, backend: "postgres", location, tenant, backoff: options.backoff })
  }).pipe(realTime)
