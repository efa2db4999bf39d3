/**
 * Back ends the state store suite runs on: a SQLite file in a temp directory, and a uniquely named
 * Postgres database on 127.0.0.1 created for this run and dropped after, so parallel runs don't collide.
 */
import * as Reactivity from "@effect/experimental/Reactivity"
import * as PgClient from "@effect/sql-pg/PgClient"
import * as SqliteClient from "@effect/sql-sqlite-node/SqliteClient"
import type * as SqlClient from "@effect/sql/SqlClient"
import { Effect, Layer, Redacted } from "effect"
import { mkdtempSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import type { CommonOptions } from "../../src/state/StateStore.js"
import { StateStore } from "../../src/state/StateStore.js"
import type { StoreError } from "../../src/state/StoreError.js"

/** Admin URL of the Postgres the suite creates its database on (CI starts one on 127.0.0.1:5432). */
export const PG_ADMIN_URL = process.env.OKTA_MONDAY_TEST_PG_URL ?? "postgres://postgres@127.0.0.1:5432/postgres"

/** One place a store lives: a SQLite file, or a tenant-sized slice of the run's Postgres database. */
export interface Location {
  readonly layer: (options?: CommonOptions) => Layer.Layer<StateStore, StoreError>
  /** Direct SQL on the same database, to inspect or damage rows. */
  readonly raw: Layer.Layer<SqlClient.SqlClient>
  /** The tenant this location's tests use unless they pass another. */
  readonly tenant: string
  /** What a child process needs to open the same store. */
  readonly spec: { readonly backend: "sqlite" | "postgres"; readonly target: string; readonly tenant: string }
}

export interface Backend {
  readonly name: "sqlite" | "postgres"
  readonly setup: () => Promise<void>
  readonly teardown: () => Promise<void>
  /** A store nobody else uses (a new file, or a new tenant in the run's database). */
  readonly fresh: () => Location
  /** A database nobody else uses, for tests of migration itself. */
  readonly freshDatabase: () => Promise<Location>
}

let counter = 0
const unique = () => `${process.pid}_${Date.now().toString(36)}_${(counter++).toString(36)}`

export const sqlite = (): Backend => {
  let dir = ""
  const at = (path: string): Location => {
    const tenant = "default"
    return {
      layer: (options) => StateStore.layerSqlite({ path, tenant, ...options }),
      raw: SqliteClient.layer({ filename: path }).pipe(Layer.orDie),
      tenant,
      spec: { backend: "sqlite", target: path, tenant }
    }
  }
  return {
    name: "sqlite",
    setup: async () => {
      dir = mkdtempSync(join(tmpdir(), "okm-state-"))
    },
    teardown: async () => {
      rmSync(dir, { recursive: true, force: true })
    },
    fresh: () => at(join(dir, unique(), "state.db")),
    freshDatabase: async () => at(join(dir, unique(), "state.db"))
  }
}

const withAdmin = <A>(f: (sql: PgClient.PgClient) => Effect.Effect<A, unknown>) =>
  Effect.runPromise(
    PgClient.make({ url: Redacted.make(PG_ADMIN_URL), connectTimeout: "5 seconds" }).pipe(
      Effect.flatMap(f),
      Effect.scoped,
      Effect.provide(Reactivity.layer)
    )
  )

export const postgres = (): Backend => {
  const databases: Array<string> = []
  const urlOf = (database: string) => {
    const url = new URL(PG_ADMIN_URL)
    url.pathname = `/${database}`
    return url.toString()
  }
  const createDatabase = async () => {
    const name = `okm_test_${unique()}`
    await withAdmin((sql) => sql.unsafe(`CREATE DATABASE ${name}`)).catch((error) => {
      throw new Error(
        `The Postgres state store tests need a Postgres at ${new URL(PG_ADMIN_URL).host} ` +
          `(set OKTA_MONDAY_TEST_PG_URL to another admin URL); creating database ${name} failed: ${String(error)}`
      )
    })
    databases.push(name)
    return name
  }
  const at = (database: string, tenant: string): Location => {
    const url = Redacted.make(urlOf(database))
    return {
      layer: (options) => StateStore.layerPostgres({ url, tenant, ...options }),
      raw: PgClient.layer({ url }).pipe(Layer.orDie),
      tenant,
      spec: { backend: "postgres", target: urlOf(database), tenant }
    }
  }
  return {
    name: "postgres",
    setup: async () => {
      await createDatabase()
    },
    teardown: async () => {
      for (const name of databases) {
        await withAdmin((sql) => sql.unsafe(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`))
      }
    },
    fresh: () => at(databases[0], `tenant_${unique()}`),
    freshDatabase: async () => at(await createDatabase(), "default")
  }
}

export const backends: ReadonlyArray<Backend> = [sqlite(), postgres()]
