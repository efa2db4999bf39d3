/**
 * `plan`, `check` and `status` on a Postgres state store never write: on a database without
 * okta-monday's tables they plan as a first run and create none; on an outdated schema they say
 * what to run; the session itself is read-only. `migrate` and `apply` create the tables.
 */
import * as Reactivity from "@effect/experimental/Reactivity"
import * as PgClient from "@effect/sql-pg/PgClient"
import { afterAll, beforeAll, describe, expect, it } from "@effect/vitest"
import { Effect, Redacted } from "effect"
import * as Fs from "node:fs"
import { readOnlyUrl } from "../../src/ReadOnlyStore.js"
import { cliInProcess } from "../support/cli.js"
import type { InProcessResult } from "../support/cli.js"
import { startWorld, writeConfig } from "../support/world.js"
import type { World } from "../support/world.js"
import { PG_ADMIN_URL } from "../state/harness.js"

const rules = `
mappings:
  - select: { nameRegex: "^Dept - (.*)$" }
    team: "{1}"
`

const sql = <A>(url: string, f: (sql: PgClient.PgClient) => Effect.Effect<A, unknown>) =>
  Effect.runPromise(
    PgClient.make({ url: Redacted.make(url), connectTimeout: "5 seconds" }).pipe(
      Effect.flatMap(f),
      Effect.scoped,
      Effect.provide(Reactivity.layer)
    )
  )

const urlOf = (database: string) => {
  const url = new URL(PG_ADMIN_URL)
  url.pathname = `/${database}`
  return url.toString()
}

const tables = (url: string) =>
  sql(url, (s) =>
    s<{ name: string }>`SELECT table_name AS name FROM information_schema.tables WHERE table_schema NOT IN ('pg_catalog', 'information_schema') ORDER BY 1`
  ).then((rows) => rows.map((r) => r.name))

describe("read-only commands on a Postgres state store", () => {
  const database = `okm_cli_${process.pid}_${Date.now().toString(36)}`
  const url = urlOf(database)
  let w: World
  let config: string
  let env: Record<string, string>
  const results: Array<InProcessResult> = []
  const run = async (args: ReadonlyArray<string>) => {
    const r = await cliInProcess([...args, "-c", config], env)
    results.push(r)
    return r
  }

  beforeAll(async () => {
    await sql(PG_ADMIN_URL, (s) => s.unsafe(`CREATE DATABASE ${database}`))
    w = await startWorld({ people: ["ann", "bob", "cat"], groups: { "Dept - Eng": ["ann", "bob"], "Dept - Ops": ["cat"] } })
    config = writeConfig(w, { rules })
    Fs.writeFileSync(config, Fs.readFileSync(config, "utf8").replace(/sqlite: .*/, "postgres: ${OKTA_MONDAY_DATABASE_URL}"))
    env = { ...w.env, OKTA_MONDAY_DATABASE_URL: url }
  })
  afterAll(async () => {
    for (const r of results) {
      for (const secret of Object.values(w.env)) expect(r.stdout + r.stderr).not.toContain(secret)
    }
    await w.close()
    await sql(PG_ADMIN_URL, (s) => s.unsafe(`DROP DATABASE IF EXISTS ${database} WITH (FORCE)`))
  })

  it("plan, check and status on a database without tables: a first run, and no table is created", async () => {
    const plan = await run(["plan"])
    expect(plan.code, plan.stderr).toBe(2)
    expect(plan.stdout).toContain('create team "Eng"')
    const check = await run(["check"])
    expect(check.code, check.stderr).toBe(0)
    const status = await run(["status", "--json"])
    expect(status.code, status.stderr).toBe(0)
    expect(JSON.parse(status.stdout)).toMatchObject({ blocked: [], runs: [], lease: null })
    expect(await tables(url)).toEqual([])
    expect(Fs.readdirSync(w.dir)).toEqual(["okta-monday.yaml"])
  }, 60_000)

  it("after apply, plan reads the links from Postgres and writes no row", async () => {
    const apply = await run(["apply", "--yes"])
    expect(apply.code, apply.stderr).toBe(0)
    expect(w.teams()).toEqual({ Eng: ["ann", "bob"], Ops: ["cat"] })
    const snapshot = () =>
      sql(url, (s) =>
        Effect.all([
          s`SELECT * FROM okm_runs ORDER BY run_id`,
          s`SELECT * FROM okm_team_links ORDER BY team_id`,
          s`SELECT * FROM okm_blocked ORDER BY 1`
        ]))
    const before = await snapshot()
    expect(before[1]).toHaveLength(2)

    // Planned from the stored links (a patch of a linked team), not as a first run (which would
    // find the teams taken by name).
    w.okta.addMember(w.groupId("Dept - Eng"), w.userId("cat"))
    const plan = await run(["plan", "--json"])
    expect(plan.code, plan.stderr).toBe(2)
    const saved = JSON.parse(plan.stdout)
    expect(saved.operations.map((op: { _tag: string; key: string }) => [op._tag, op.key])).toEqual([["PatchMembers", "Eng"]])
    expect(saved.blockers).toEqual([])
    expect(await snapshot()).toEqual(before)
  }, 60_000)

  it("an outdated schema is refused with what to run; migrate brings it up to date", async () => {
    // As if written by the previous version: its newest migration not applied.
    await sql(url, (s) => s`DELETE FROM okm_migrations WHERE migration_id = (SELECT MAX(migration_id) FROM okm_migrations)`)
    const before = await tables(url)
    for (const command of [["plan"], ["check"], ["status"]]) {
      const r = await run(command)
      expect(r.code, command[0]).toBe(1)
      expect(r.stderr).toMatch(/is at schema version \d+, older than this okta-monday's \d+/)
      expect(r.stderr).toContain("okta-monday migrate")
      expect(r.stderr).not.toContain(url)
    }
    expect(await tables(url)).toEqual(before)
    await sql(url, (s) => s.unsafe("DROP SCHEMA public CASCADE; CREATE SCHEMA public"))
    const migrated = await run(["migrate"])
    expect(migrated.code, migrated.stderr).toBe(0)
    expect(migrated.stdout).toMatch(/schema version \d+, ready/)
    expect(await tables(url)).toContain("okm_migrations")
  }, 60_000)

  it("the read-only session refuses writes at the server", async () => {
    await expect(
      sql(readOnlyUrl(Redacted.make(url)).pipe(Redacted.value), (s) => s`CREATE TABLE okm_should_not_exist (x int)`)
    ).rejects.toThrow()
    expect(await tables(url)).not.toContain("okm_should_not_exist")
  })

  it("an unreachable Postgres: a message naming it and what to check, exit 1, no password", async () => {
    const saved = env.OKTA_MONDAY_DATABASE_URL!
    env.OKTA_MONDAY_DATABASE_URL = "postgres://okm:secret-pg-password@127.0.0.1:9/okm"
    try {
      const plan = await run(["plan"])
      expect(plan.code).toBe(1)
      expect(plan.stderr).toMatch(/State store \(postgres at 127\.0\.0\.1:9\/okm as okm\) failed during connect/)
      expect(plan.stderr).toContain("Check the Postgres URL")
      expect(plan.stdout + plan.stderr).not.toContain("secret-pg-password")
    } finally {
      env.OKTA_MONDAY_DATABASE_URL = saved
    }
  })
})
