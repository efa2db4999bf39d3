/**
 * The state store's schema, one logical schema for SQLite and Postgres: portable DDL only
 * (TEXT, INTEGER, BIGINT epoch milliseconds, JSON kept as TEXT), every row keyed by tenant.
 */
import * as Migrator from "@effect/sql/Migrator"
import * as SqlClient from "@effect/sql/SqlClient"
import { Effect } from "effect"

export const MIGRATIONS_TABLE = "okm_migrations"

const statements = (ddl: ReadonlyArray<string>) =>
  Effect.gen(function*() {
    const sql = yield* SqlClient.SqlClient
    // One statement per call: better-sqlite3 prepares a single statement at a time.
    for (const statement of ddl) yield* sql.unsafe(statement)
  })

const initial = statements([
  `CREATE TABLE okm_team_links (
    tenant TEXT NOT NULL,
    team_id TEXT NOT NULL,
    display_name TEXT NOT NULL,
    origin TEXT NOT NULL,
    group_ids TEXT NOT NULL,
    managed_members TEXT NOT NULL,
    updated_at BIGINT NOT NULL,
    PRIMARY KEY (tenant, team_id)
  )`,
  `CREATE TABLE okm_user_links (
    tenant TEXT NOT NULL,
    okta_user_id TEXT NOT NULL,
    monday_user_id TEXT NOT NULL,
    email TEXT NOT NULL,
    updated_at BIGINT NOT NULL,
    PRIMARY KEY (tenant, okta_user_id)
  )`,
  `CREATE TABLE okm_cursors (
    tenant TEXT NOT NULL,
    name TEXT NOT NULL,
    value TEXT NOT NULL,
    updated_at BIGINT NOT NULL,
    PRIMARY KEY (tenant, name)
  )`,
  `CREATE TABLE okm_runs (
    tenant TEXT NOT NULL,
    run_id TEXT NOT NULL,
    kind TEXT NOT NULL,
    state TEXT NOT NULL,
    plan TEXT NOT NULL,
    counts TEXT NOT NULL,
    summary TEXT,
    started_at BIGINT NOT NULL,
    finished_at BIGINT,
    PRIMARY KEY (tenant, run_id)
  )`,
  // At most one open apply per tenant, enforced by the database so two processes can't both begin one.
  `CREATE UNIQUE INDEX okm_runs_one_running ON okm_runs (tenant) WHERE state = 'running'`,
  `CREATE INDEX okm_runs_started ON okm_runs (tenant, started_at)`,
  `CREATE TABLE okm_outcomes (
    tenant TEXT NOT NULL,
    run_id TEXT NOT NULL,
    op_index INTEGER NOT NULL,
    status TEXT NOT NULL,
    outcome TEXT NOT NULL,
    recorded_at BIGINT NOT NULL,
    PRIMARY KEY (tenant, run_id, op_index)
  )`,
  `CREATE TABLE okm_approvals (
    tenant TEXT NOT NULL,
    blocker_id TEXT NOT NULL,
    approved_by TEXT,
    note TEXT,
    approved_at BIGINT NOT NULL,
    PRIMARY KEY (tenant, blocker_id)
  )`,
  `CREATE TABLE okm_blocked (
    tenant TEXT NOT NULL,
    position INTEGER NOT NULL,
    blocker_id TEXT NOT NULL,
    blocker TEXT NOT NULL,
    since BIGINT NOT NULL,
    PRIMARY KEY (tenant, position)
  )`,
  `CREATE TABLE okm_backoff (
    tenant TEXT NOT NULL,
    team_key TEXT NOT NULL,
    failures INTEGER NOT NULL,
    last_failure_at BIGINT NOT NULL,
    next_attempt_at BIGINT NOT NULL,
    last_error TEXT,
    PRIMARY KEY (tenant, team_key)
  )`,
  `CREATE TABLE okm_leases (
    tenant TEXT NOT NULL,
    holder TEXT NOT NULL,
    acquired_at BIGINT NOT NULL,
    expires_at BIGINT NOT NULL,
    PRIMARY KEY (tenant)
  )`
])

// Each group's Okta member count when the team was last applied (TeamLink.groupMembers, JSON), for
// the empty-group guard; NULL in rows written before it was kept, which decode without it.
const teamLinkGroupMembers = statements([`ALTER TABLE okm_team_links ADD COLUMN group_members TEXT`])

export const migrations = {
  "1_initial": initial,
  "2_team_link_group_members": teamLinkGroupMembers
}

/** The highest migration id this version knows; a store past it was written by a newer okta-monday. */
export const KNOWN_VERSION = 2

export const loader = Migrator.fromRecord(migrations)
