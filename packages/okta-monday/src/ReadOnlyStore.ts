/**
 * The state store as `plan`, `check` and `status` see it: opened without migrating and without
 * writing (a read-only Postgres session, a read-only SQLite handle). No store yet reads as empty,
 * like a first run; a store at an older schema is refused with what to run.
 */
import * as Reactivity from "@effect/experimental/Reactivity"
import * as PgClient from "@effect/sql-pg/PgClient"
import * as SqliteClient from "@effect/sql-sqlite-node/SqliteClient"
import type * as SqlClient from "@effect/sql/SqlClient"
import { Data, Duration, Effect, Layer, Option, Redacted, Schema } from "effect"
import type { Scope } from "effect"
import * as Fs from "node:fs"
import type { Settings } from "./Settings.js"
import { describeUrl } from "./state/internal/layers.js"
import { KNOWN_VERSION, MIGRATIONS_TABLE } from "./state/internal/migrations.js"
import { make } from "./state/internal/store.js"
import { StateStore, StoreUnavailable, StoreVersionMismatch } from "./state/StateStore.js"
import type { Backend, StateStoreService, StoreError } from "./state/StateStore.js"

/** The store was written by an older okta-monday: reading it needs a migration, which read-only commands never run. */
export class StoreNeedsMigration extends Data.TaggedError("StoreNeedsMigration")<{
  readonly location: string
  readonly storeVersion: number
  readonly knownVersion: number
}> {
  override get message(): string {
    return `the state store at ${this.location} is at schema version ${this.storeVersion}, older than this okta-monday's ` +
      `${this.knownVersion}, and plan, check and status never change it. Run \`okta-monday migrate\` ` +
      "(apply, sync and daemon also migrate when they start), then run this command again."
  }
}

/** Where the store stands: no okta-monday tables yet, or this schema version. */
export type SchemaState = { readonly _tag: "Missing" } | { readonly _tag: "At"; readonly version: number }

const Version = Schema.Union(Schema.Number, Schema.NumberFromString)

const schemaState = (sql: SqlClient.SqlClient, backend: Backend): Effect.Effect<SchemaState, unknown> =>
  Effect.gen(function*() {
    const tables = backend === "postgres"
      ? yield* sql`SELECT to_regclass(${MIGRATIONS_TABLE})::text AS name`
      : yield* sql`SELECT name FROM sqlite_master WHERE type = 'table' AND name = ${MIGRATIONS_TABLE}`
    if (tables.length === 0 || tables[0]!.name === null || tables[0]!.name === undefined) return { _tag: "Missing" } as const
    const rows = yield* sql`SELECT MAX(migration_id) AS version FROM ${sql(MIGRATIONS_TABLE)}`
    // A migrations table with no row: a first migration was begun and never finished.
    const version = Schema.decodeUnknownOption(Version)(rows[0]?.version)
    return { _tag: "At", version: Option.getOrElse(version, () => 0) } as const
  })

/**
 * The resume of an apply a crash interrupted is folded into the plan in memory and recorded by the
 * next apply, so those writes are skipped here; any other write is refused by the database itself.
 */
const skippingResume = (store: StateStoreService): StateStoreService => ({
  ...store,
  saveLinks: () => Effect.void,
  finishApply: () => Effect.void,
  abandonApply: () => Effect.void
})

/** The Postgres URL with every session read-only (`default_transaction_read_only`), enforced by the server. */
export const readOnlyUrl = (url: Redacted.Redacted): Redacted.Redacted => {
  const parsed = new URL(Redacted.value(url))
  const options = parsed.searchParams.get("options")
  parsed.searchParams.set("options", `${options === null ? "" : `${options} `}-c default_transaction_read_only=on`)
  return Redacted.make(parsed.toString())
}

const opened = (
  sql: SqlClient.SqlClient,
  backend: Backend,
  location: string,
  tenant: string
): Effect.Effect<Layer.Layer<StateStore, StoreError>, StoreUnavailable | StoreNeedsMigration | StoreVersionMismatch> =>
  Effect.gen(function*() {
    const state = yield* schemaState(sql, backend).pipe(
      Effect.mapError((cause) => unavailable(backend, location, "read the schema version", cause))
    )
    if (state._tag === "Missing") return StateStore.layerMemory({ tenant })
    if (state.version < KNOWN_VERSION) {
      return yield* new StoreNeedsMigration({ location, storeVersion: state.version, knownVersion: KNOWN_VERSION })
    }
    if (state.version > KNOWN_VERSION) {
      return yield* new StoreVersionMismatch({ location, storeVersion: state.version, knownVersion: KNOWN_VERSION })
    }
    return Layer.succeed(StateStore, skippingResume(make({ sql, backend, location, tenant })))
  })

const unavailable = (backend: Backend, location: string, operation: string, cause: unknown) =>
  new StoreUnavailable({
    backend,
    location,
    operation,
    detail: cause instanceof Error ? cause.message : String(cause),
    cause
  })

const postgres = (url: Redacted.Redacted, tenant: string) =>
  Effect.gen(function*() {
    const location = describeUrl(url)
    const client = yield* Effect.try(() => readOnlyUrl(url)).pipe(
      Effect.flatMap((ro) =>
        PgClient.make({
          url: ro,
          maxConnections: 2,
          connectTimeout: Duration.seconds(5),
          applicationName: "okta-monday (read-only)"
        })
      ),
      Effect.catchAllDefect((defect) => Effect.fail(defect)),
      Effect.mapError((cause) => unavailable("postgres", location, "connect", cause))
    )
    return yield* opened(client, "postgres", location, tenant)
  })

const sqlite = (path: string, tenant: string) =>
  Effect.gen(function*() {
    // No file yet: a first run, planned against no links, and no file is created.
    if (!Fs.existsSync(path)) return StateStore.layerMemory({ tenant })
    const client = yield* SqliteClient.make({ filename: path, readonly: true, disableWAL: true }).pipe(
      Effect.catchAllDefect((defect) => Effect.fail(defect)),
      Effect.mapError((cause) => unavailable("sqlite", path, "open", cause))
    )
    return yield* opened(client, "sqlite", path, tenant)
  })

/** The settings' state store, read-only: for plan, check and status. */
export const readOnlyStore = (
  state: Settings["state"]
): Layer.Layer<StateStore, StoreError | StoreNeedsMigration> => {
  const open: Effect.Effect<
    Layer.Layer<StateStore, StoreError>,
    StoreUnavailable | StoreNeedsMigration | StoreVersionMismatch,
    Scope.Scope | Reactivity.Reactivity
  > = "sqlite" in state ? sqlite(state.sqlite, state.tenant) : postgres(state.postgres, state.tenant)
  return Layer.unwrapScoped(open).pipe(Layer.provide(Reactivity.layer))
}
