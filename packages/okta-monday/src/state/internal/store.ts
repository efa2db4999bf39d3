/**
 * The StateStore over any @effect/sql client. Portable SQL only (upserts with ON CONFLICT,
 * RETURNING, CAST), so SQLite and Postgres run exactly the same statements.
 */
import type * as SqlClient from "@effect/sql/SqlClient"
import { SqlError } from "@effect/sql/SqlError"
import { Links, TeamLink, UserLink } from "@okta-monday/mapping-core/Domain"
import type { MondayTeamId, OktaUserId } from "@okta-monday/mapping-core/Domain"
import { Blocker, OperationOutcome, Plan } from "@okta-monday/mapping-core/Plan"
import { Array as Arr, Clock, Duration, Effect, Option, Schema } from "effect"
import type {
  Approval,
  BackoffEntry,
  BackoffPolicy,
  BeginApply,
  BlockedEntry,
  FinishOptions,
  LeaseInfo,
  LinksChange,
  RunRecord,
  StateStoreService,
  TokenOwner,
  UnfinishedApply
} from "../StateStore.js"
import type { Backend } from "../StoreError.js"
import { ApplyInProgress, RunNotActive, StoreUnavailable } from "../StoreError.js"
import * as Rows from "./rows.js"

/** Ids per IN list and blockers per INSERT. */
const CHUNK = 500
/** Rows per multi-row INSERT, under SQLite's (32,766) and Postgres' (65,535) bound-parameter limits. */
const rowsPerInsert = (columns: number) => Math.floor(30_000 / columns)
const SYSTEM_LOG_CURSOR = "okta.system-log"
const TOKEN_OWNER = "monday.token-owner"

/** The token owner's row value: JSON, epoch milliseconds. */
const TokenOwnerValue = Schema.parseJson(Schema.Struct({
  mondayUserId: Schema.String,
  userName: Schema.String,
  tokenId: Schema.optional(Schema.String),
  detectedAt: Schema.Number
}))
const encodeTokenOwner = Schema.encodeSync(TokenOwnerValue)

export interface StoreConfig {
  readonly sql: SqlClient.SqlClient
  readonly backend: Backend
  readonly location: string
  readonly tenant: string
  readonly backoff?: BackoffPolicy | undefined
}

const errorDetail = (error: SqlError): string => {
  const cause = error.cause
  const inner = cause instanceof Error ? cause.message : cause === undefined ? "" : String(cause)
  return inner === "" || inner === error.message ? error.message : `${error.message}: ${inner}`
}

const encodePlan = Schema.encodeSync(Schema.parseJson(Plan))
const encodeOutcome = Schema.encodeSync(Schema.parseJson(OperationOutcome))
const encodeBlocker = Schema.encodeSync(Schema.parseJson(Blocker))
const encodeSummary = Schema.encodeSync(Schema.parseJson(Rows.RunSummary))

const dedupeBy = <A>(items: ReadonlyArray<A>, key: (a: A) => string): Array<A> => {
  const byKey = new Map<string, A>()
  for (const item of items) byKey.set(key(item), item)
  return Array.from(byKey.values())
}

export const make = (config: StoreConfig): StateStoreService => {
  const { sql, tenant } = config
  const backoffBase = Duration.toMillis(config.backoff?.base ?? Duration.minutes(1))
  const backoffMax = Duration.toMillis(config.backoff?.max ?? Duration.hours(1))

  /** Turns a driver failure into StoreUnavailable naming the operation, and traces it. */
  const op = (operation: string) => <A, E, R>(self: Effect.Effect<A, E, R>) =>
    self.pipe(
      Effect.mapError((error) =>
        error instanceof SqlError
          ? new StoreUnavailable({
            backend: config.backend,
            location: config.location,
            operation,
            detail: errorDetail(error),
            cause: error
          })
          : error as Exclude<E, SqlError>
      ),
      Effect.withSpan(`StateStore.${operation}`, { attributes: { tenant, backend: config.backend } })
    )

  const nowMillis = (now: Date | undefined) =>
    now === undefined ? Clock.currentTimeMillis : Effect.succeed(now.getTime())

  // --- links -------------------------------------------------------------------------------------

  const decodeTeams = Rows.decodeRows(Rows.TeamLinkRow, "okm_team_links", (r) => r.team_id)
  const decodeUsers = Rows.decodeRows(Rows.UserLinkRow, "okm_user_links", (r) => r.okta_user_id)

  const loadLinks = Effect.gen(function*() {
    // Postgres reads each statement at its own snapshot under READ COMMITTED; one snapshot for both.
    yield* sql.onDialectOrElse({
      pg: () => sql`SET TRANSACTION ISOLATION LEVEL REPEATABLE READ READ ONLY`,
      orElse: () => Effect.void
    })
    const teamRows = yield* sql`SELECT team_id, display_name, origin, group_ids, managed_members, group_members
      FROM okm_team_links WHERE tenant = ${tenant} ORDER BY team_id`
    const userRows = yield* sql`SELECT okta_user_id, monday_user_id, email
      FROM okm_user_links WHERE tenant = ${tenant} ORDER BY okta_user_id`
    const teams = yield* decodeTeams(teamRows)
    const users = yield* decodeUsers(userRows)
    return new Links({
      teams: teams.map((r) =>
        new TeamLink({
          teamId: r.team_id,
          displayName: r.display_name,
          origin: r.origin,
          groupIds: r.group_ids,
          managedMembers: r.managed_members,
          ...(r.group_members !== null ? { groupMembers: r.group_members } : {})
        }, true)
      ),
      users: users.map((r) =>
        new UserLink({ oktaUserId: r.okta_user_id, mondayUserId: r.monday_user_id, email: r.email }, true)
      )
    }, true)
  }).pipe(sql.withTransaction, op("loadLinks"))

  /** Applies a links change inside the caller's transaction. */
  const applyLinks = (change: LinksChange, at: number) =>
    Effect.gen(function*() {
      const teams = dedupeBy(change.teams ?? [], (t) => t.teamId)
      for (const chunk of Arr.chunksOf(teams, rowsPerInsert(8))) {
        const rows = chunk.map((t) => ({
          tenant,
          team_id: t.teamId,
          display_name: t.displayName,
          origin: t.origin,
          group_ids: JSON.stringify(t.groupIds),
          managed_members: JSON.stringify(t.managedMembers),
          group_members: t.groupMembers === undefined ? null : JSON.stringify(t.groupMembers),
          updated_at: at
        }))
        yield* sql`INSERT INTO okm_team_links ${sql.insert(rows)}
          ON CONFLICT (tenant, team_id) DO UPDATE SET
            display_name = excluded.display_name, origin = excluded.origin, group_ids = excluded.group_ids,
            managed_members = excluded.managed_members, group_members = excluded.group_members,
            updated_at = excluded.updated_at`
      }
      const users = dedupeBy(change.users ?? [], (u) => u.oktaUserId)
      for (const chunk of Arr.chunksOf(users, rowsPerInsert(5))) {
        const rows = chunk.map((u) => ({
          tenant,
          okta_user_id: u.oktaUserId,
          monday_user_id: u.mondayUserId,
          email: u.email,
          updated_at: at
        }))
        yield* sql`INSERT INTO okm_user_links ${sql.insert(rows)}
          ON CONFLICT (tenant, okta_user_id) DO UPDATE SET
            monday_user_id = excluded.monday_user_id, email = excluded.email, updated_at = excluded.updated_at`
      }
      for (const chunk of Arr.chunksOf(Arr.dedupe(change.removeTeams ?? []) as Array<MondayTeamId>, CHUNK)) {
        yield* sql`DELETE FROM okm_team_links WHERE tenant = ${tenant} AND team_id IN ${sql.in(chunk)}`
      }
      for (const chunk of Arr.chunksOf(Arr.dedupe(change.removeUsers ?? []) as Array<OktaUserId>, CHUNK)) {
        yield* sql`DELETE FROM okm_user_links WHERE tenant = ${tenant} AND okta_user_id IN ${sql.in(chunk)}`
      }
    })

  const isEmptyChange = (c: LinksChange) =>
    (c.teams?.length ?? 0) + (c.removeTeams?.length ?? 0) + (c.users?.length ?? 0) + (c.removeUsers?.length ?? 0) ===
      0

  const saveLinks = (change: LinksChange) =>
    isEmptyChange(change) ? Effect.void : Clock.currentTimeMillis.pipe(
      Effect.flatMap((at) => sql.withTransaction(applyLinks(change, at))),
      op("saveLinks")
    )

  // --- cursor ------------------------------------------------------------------------------------

  const decodeCursor = Rows.decodeRows(Rows.CursorRow, "okm_cursors", () => SYSTEM_LOG_CURSOR)

  const getCursor = sql`SELECT value FROM okm_cursors WHERE tenant = ${tenant} AND name = ${SYSTEM_LOG_CURSOR}`.pipe(
    Effect.flatMap(decodeCursor),
    Effect.map((rows) => Option.map(Arr.head(rows), (r) => r.value)),
    op("getCursor")
  )

  const writeCursor = (cursor: string, at: number) =>
    sql`INSERT INTO okm_cursors (tenant, name, value, updated_at)
      VALUES (${tenant}, ${SYSTEM_LOG_CURSOR}, ${cursor}, ${at})
      ON CONFLICT (tenant, name) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at`

  const setCursor = (cursor: string) =>
    Clock.currentTimeMillis.pipe(Effect.flatMap((at) => writeCursor(cursor, at)), Effect.asVoid, op("setCursor"))

  const decodeTokenOwner = Rows.decodeRows(Schema.Struct({ value: TokenOwnerValue }), "okm_cursors", () => TOKEN_OWNER)

  const tokenOwner: StateStoreService["tokenOwner"] = {
    get: sql`SELECT value FROM okm_cursors WHERE tenant = ${tenant} AND name = ${TOKEN_OWNER}`.pipe(
      Effect.flatMap(decodeTokenOwner),
      Effect.map((rows) =>
        Option.map(Arr.head(rows), ({ value: v }): TokenOwner => ({
          mondayUserId: v.mondayUserId,
          userName: v.userName,
          ...(v.tokenId !== undefined ? { tokenId: v.tokenId } : {}),
          detectedAt: new Date(v.detectedAt)
        }))
      ),
      op("tokenOwner.get")
    ),
    set: (owner) =>
      Clock.currentTimeMillis.pipe(
        Effect.flatMap((at) => {
          const value = encodeTokenOwner({
            mondayUserId: owner.mondayUserId,
            userName: owner.userName,
            ...(owner.tokenId !== undefined ? { tokenId: owner.tokenId } : {}),
            detectedAt: owner.detectedAt.getTime()
          })
          return sql`INSERT INTO okm_cursors (tenant, name, value, updated_at)
            VALUES (${tenant}, ${TOKEN_OWNER}, ${value}, ${at})
            ON CONFLICT (tenant, name) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at`
        }),
        Effect.asVoid,
        op("tokenOwner.set")
      )
  }

  /** Deletes approvals inside the caller's transaction. */
  const deleteApprovals = (blockerIds: ReadonlyArray<string>) =>
    Effect.forEach(
      Arr.chunksOf(Arr.dedupe(blockerIds), CHUNK),
      (chunk) => sql`DELETE FROM okm_approvals WHERE tenant = ${tenant} AND blocker_id IN ${sql.in(chunk)}`,
      { discard: true }
    )

  // --- journal -----------------------------------------------------------------------------------

  const decodeRunState = Rows.decodeRows(Rows.RunStateRow, "okm_runs", (r) => r.run_id)

  /** Why a journal write matched no open run. */
  const notActive = (runId: string) =>
    sql`SELECT run_id, state, started_at FROM okm_runs WHERE tenant = ${tenant} AND run_id = ${runId}`.pipe(
      Effect.flatMap(decodeRunState),
      Effect.flatMap((rows) =>
        Effect.fail(
          new RunNotActive({
            tenant,
            runId,
            state: rows.length === 0 ? "unknown" : rows[0].state === "running" ? "exists" : rows[0].state
          })
        )
      )
    )

  const beginApply = (run: BeginApply) =>
    Effect.gen(function*() {
      const at = yield* Clock.currentTimeMillis
      // DO NOTHING covers both the run id and the one-open-run index, atomically in either database.
      const inserted = yield* sql`INSERT INTO okm_runs (tenant, run_id, kind, state, plan, counts, started_at)
        VALUES (${tenant}, ${run.runId}, ${run.kind}, 'running', ${encodePlan(run.plan)},
          ${JSON.stringify(run.plan.counts)}, ${at})
        ON CONFLICT DO NOTHING RETURNING run_id`
      if (inserted.length > 0) {
        yield* deleteApprovals(run.consumeApprovals ?? [])
        return
      }
      const open = yield* sql`SELECT run_id, state, started_at FROM okm_runs
        WHERE tenant = ${tenant} AND state = 'running'`.pipe(Effect.flatMap(decodeRunState))
      if (open.length > 0 && open[0].run_id !== run.runId) {
        return yield* new ApplyInProgress({ tenant, runId: open[0].run_id, startedAt: new Date(open[0].started_at) })
      }
      return yield* new RunNotActive({ tenant, runId: run.runId, state: "exists" })
    }).pipe(sql.withTransaction, op("beginApply"))

  const recordOutcome = (runId: string, outcome: OperationOutcome) =>
    Effect.gen(function*() {
      const at = yield* Clock.currentTimeMillis
      // One statement (one commit, one fsync) that only writes while the run is open.
      const written = yield* sql`INSERT INTO okm_outcomes (tenant, run_id, op_index, status, outcome, recorded_at)
        SELECT tenant, run_id, CAST(${outcome.index} AS INTEGER), ${outcome.status}, ${encodeOutcome(outcome)},
          CAST(${at} AS BIGINT)
        FROM okm_runs WHERE tenant = ${tenant} AND run_id = ${runId} AND state = 'running'
        ON CONFLICT (tenant, run_id, op_index) DO UPDATE SET
          status = excluded.status, outcome = excluded.outcome, recorded_at = excluded.recorded_at
        RETURNING op_index`
      if (written.length === 0) return yield* notActive(runId)
    }).pipe(op("recordOutcome"))

  const decodeOpenRun = Rows.decodeRows(Rows.OpenRunRow, "okm_runs", (r) => r.run_id)

  const unfinishedApply = Effect.gen(function*() {
    yield* sql.onDialectOrElse({
      pg: () => sql`SET TRANSACTION ISOLATION LEVEL REPEATABLE READ READ ONLY`,
      orElse: () => Effect.void
    })
    const runs = yield* sql`SELECT run_id, kind, plan, started_at FROM okm_runs
      WHERE tenant = ${tenant} AND state = 'running'`.pipe(Effect.flatMap(decodeOpenRun))
    if (runs.length === 0) return Option.none<UnfinishedApply>()
    const run = runs[0]
    const outcomeRows = yield* sql`SELECT op_index, outcome FROM okm_outcomes
      WHERE tenant = ${tenant} AND run_id = ${run.run_id} ORDER BY op_index`
    const outcomes = yield* Rows.decodeRows(
      Rows.OutcomeRow,
      "okm_outcomes",
      (r) => `${run.run_id}/${String(r.op_index)}`
    )(outcomeRows)
    return Option.some<UnfinishedApply>({
      runId: run.run_id,
      kind: run.kind,
      plan: run.plan,
      startedAt: new Date(run.started_at),
      outcomes: outcomes.map((o) => o.outcome)
    })
  }).pipe(sql.withTransaction, op("unfinishedApply"))

  const closeRun = (runId: string, state: "finished" | "abandoned", summary: Rows.RunSummary, at: number) =>
    Effect.gen(function*() {
      const closed = yield* sql`UPDATE okm_runs SET state = ${state}, summary = ${encodeSummary(summary)},
        finished_at = ${at}
        WHERE tenant = ${tenant} AND run_id = ${runId} AND state = 'running' RETURNING run_id`
      if (closed.length === 0) return yield* notActive(runId)
    })

  const finishApply = (runId: string, summary: Rows.RunSummary, links: LinksChange, options?: FinishOptions) =>
    Effect.gen(function*() {
      const at = yield* Clock.currentTimeMillis
      yield* closeRun(runId, "finished", summary, at)
      yield* applyLinks(links, at)
      if (options?.cursor !== undefined) yield* writeCursor(options.cursor, at)
    }).pipe(sql.withTransaction, op("finishApply"))

  const abandonApply = (runId: string, summary: Rows.RunSummary) =>
    Clock.currentTimeMillis.pipe(
      Effect.flatMap((at) => closeRun(runId, "abandoned", summary, at)),
      op("abandonApply")
    )

  const decodeRuns = Rows.decodeRows(Rows.RunRow, "okm_runs", (r) => r.run_id)

  const listRuns = (limit: number) =>
    sql`SELECT r.run_id, r.kind, r.state, r.counts, r.summary, r.started_at, r.finished_at,
        (SELECT COUNT(*) FROM okm_outcomes o
          WHERE o.tenant = r.tenant AND o.run_id = r.run_id AND o.status = 'done') AS done,
        (SELECT COUNT(*) FROM okm_outcomes o
          WHERE o.tenant = r.tenant AND o.run_id = r.run_id AND o.status = 'failed') AS failed,
        (SELECT COUNT(*) FROM okm_outcomes o
          WHERE o.tenant = r.tenant AND o.run_id = r.run_id AND o.status = 'skipped') AS skipped
      FROM okm_runs r WHERE r.tenant = ${tenant}
      ORDER BY r.started_at DESC, r.run_id DESC LIMIT ${Math.max(0, Math.floor(limit))}`.pipe(
      Effect.flatMap(decodeRuns),
      Effect.map((rows) =>
        rows.map((r): RunRecord => ({
          runId: r.run_id,
          kind: r.kind,
          state: r.state,
          startedAt: new Date(r.started_at),
          finishedAt: Option.map(Option.fromNullable(r.finished_at), (n) => new Date(n)),
          summary: Option.fromNullable(r.summary),
          counts: r.counts,
          outcomes: { done: r.done, failed: r.failed, skipped: r.skipped }
        }))
      ),
      op("listRuns")
    )

  const pruneRuns = (keep: number) =>
    Effect.gen(function*() {
      const closed = yield* sql<{ run_id: string }>`SELECT run_id FROM okm_runs
        WHERE tenant = ${tenant} AND state <> 'running' ORDER BY started_at DESC, run_id DESC`
      const ids = closed.slice(Math.max(0, Math.floor(keep))).map((r) => r.run_id)
      for (const chunk of Arr.chunksOf(ids, CHUNK)) {
        yield* sql`DELETE FROM okm_outcomes WHERE tenant = ${tenant} AND run_id IN ${sql.in(chunk)}`
        yield* sql`DELETE FROM okm_runs WHERE tenant = ${tenant} AND run_id IN ${sql.in(chunk)}`
      }
      return ids.length
    }).pipe(sql.withTransaction, op("pruneRuns"))

  // --- approvals ---------------------------------------------------------------------------------

  const decodeApprovals = Rows.decodeRows(Rows.ApprovalRow, "okm_approvals", (r) => r.blocker_id)

  const approvals: StateStoreService["approvals"] = {
    add: (blockerId, by, note) =>
      Clock.currentTimeMillis.pipe(
        Effect.flatMap((at) =>
          sql`INSERT INTO okm_approvals (tenant, blocker_id, approved_by, note, approved_at)
            VALUES (${tenant}, ${blockerId}, ${by ?? null}, ${note ?? null}, ${at})
            ON CONFLICT (tenant, blocker_id) DO UPDATE SET
              approved_by = excluded.approved_by, note = excluded.note, approved_at = excluded.approved_at`
        ),
        Effect.asVoid,
        op("approvals.add")
      ),
    list: sql`SELECT blocker_id, approved_by, note, approved_at FROM okm_approvals
      WHERE tenant = ${tenant} ORDER BY approved_at, blocker_id`.pipe(
      Effect.flatMap(decodeApprovals),
      Effect.map((rows) =>
        rows.map((r): Approval => ({
          blockerId: r.blocker_id,
          approvedBy: Option.fromNullable(r.approved_by),
          note: Option.fromNullable(r.note),
          approvedAt: new Date(r.approved_at)
        }))
      ),
      op("approvals.list")
    ),
    remove: (blockerId) =>
      sql`DELETE FROM okm_approvals WHERE tenant = ${tenant} AND blocker_id = ${blockerId} RETURNING blocker_id`.pipe(
        Effect.map((rows) => rows.length > 0),
        op("approvals.remove")
      ),
    consume: (blockerIds) =>
      blockerIds.length === 0 ? Effect.void : deleteApprovals(blockerIds).pipe(sql.withTransaction, op("approvals.consume"))
  }

  // --- blocked -----------------------------------------------------------------------------------

  const decodeBlocked = Rows.decodeRows(Rows.BlockedRow, "okm_blocked", (r) => r.position)
  const decodeSince = Rows.decodeRows(
    Schema.Struct({ blocker_id: Schema.String, since: Rows.Num }),
    "okm_blocked",
    (r) => r.blocker_id
  )

  const blocked: StateStoreService["blocked"] = {
    set: (blockers) =>
      Effect.gen(function*() {
        const at = yield* Clock.currentTimeMillis
        // Write first: a SQLite transaction that reads before writing can't wait for another process' lock.
        const previous = yield* sql`DELETE FROM okm_blocked WHERE tenant = ${tenant} RETURNING blocker_id, since`.pipe(
          Effect.flatMap(decodeSince)
        )
        const since = new Map(previous.map((r) => [r.blocker_id, r.since]))
        const rows = blockers.map((b, position) => ({
          tenant,
          position,
          blocker_id: b.id,
          blocker: encodeBlocker(b),
          since: since.get(b.id) ?? at
        }))
        for (const chunk of Arr.chunksOf(rows, CHUNK)) yield* sql`INSERT INTO okm_blocked ${sql.insert(chunk)}`
      }).pipe(sql.withTransaction, op("blocked.set")),
    get: sql`SELECT position, blocker, since FROM okm_blocked WHERE tenant = ${tenant} ORDER BY position`.pipe(
      Effect.flatMap(decodeBlocked),
      Effect.map((rows) => rows.map((r): BlockedEntry => ({ blocker: r.blocker, since: new Date(r.since) }))),
      op("blocked.get")
    )
  }

  // --- back-off ----------------------------------------------------------------------------------

  const decodeBackoff = Rows.decodeRows(Rows.BackoffRow, "okm_backoff", (r) => r.team_key)
  const toBackoff = (r: typeof Rows.BackoffRow.Type): BackoffEntry => ({
    key: r.team_key,
    failures: r.failures,
    lastFailureAt: new Date(r.last_failure_at),
    nextAttemptAt: new Date(r.next_attempt_at),
    lastError: Option.fromNullable(r.last_error)
  })
  const delayAfter = (failures: number) => Math.min(backoffMax, backoffBase * 2 ** Math.min(failures - 1, 40))

  const backoff: StateStoreService["backoff"] = {
    recordFailure: (key, at, error) =>
      Effect.gen(function*() {
        const atMs = at.getTime()
        const counted = yield* sql`INSERT INTO okm_backoff
            (tenant, team_key, failures, last_failure_at, next_attempt_at, last_error)
          VALUES (${tenant}, ${key}, 1, ${atMs}, ${atMs + delayAfter(1)}, ${error ?? null})
          ON CONFLICT (tenant, team_key) DO UPDATE SET failures = okm_backoff.failures + 1,
            last_failure_at = excluded.last_failure_at, last_error = excluded.last_error
          RETURNING team_key, failures, last_failure_at, next_attempt_at, last_error`.pipe(
          Effect.flatMap(decodeBackoff)
        )
        const failures = counted[0].failures
        const next = atMs + delayAfter(failures)
        if (failures > 1) {
          yield* sql`UPDATE okm_backoff SET next_attempt_at = ${next}
            WHERE tenant = ${tenant} AND team_key = ${key}`
        }
        return toBackoff({ ...counted[0], next_attempt_at: next })
      }).pipe(sql.withTransaction, op("backoff.recordFailure")),
    recordSuccess: (key) =>
      sql`DELETE FROM okm_backoff WHERE tenant = ${tenant} AND team_key = ${key}`.pipe(
        Effect.asVoid,
        op("backoff.recordSuccess")
      ),
    due: (key, now) =>
      sql`SELECT team_key, failures, last_failure_at, next_attempt_at, last_error FROM okm_backoff
        WHERE tenant = ${tenant} AND team_key = ${key}`.pipe(
        Effect.flatMap(decodeBackoff),
        Effect.map((rows) => rows.length === 0 || rows[0].next_attempt_at <= now.getTime()),
        op("backoff.due")
      ),
    list: sql`SELECT team_key, failures, last_failure_at, next_attempt_at, last_error FROM okm_backoff
      WHERE tenant = ${tenant} ORDER BY next_attempt_at, team_key`.pipe(
      Effect.flatMap(decodeBackoff),
      Effect.map((rows) => rows.map(toBackoff)),
      op("backoff.list")
    )
  }

  // --- lease -------------------------------------------------------------------------------------

  const decodeLease = Rows.decodeRows(Rows.LeaseRow, "okm_leases", () => tenant)

  const lease: StateStoreService["lease"] = {
    acquire: (holder, ttl, now) =>
      Effect.gen(function*() {
        const at = yield* nowMillis(now)
        const expires = at + Duration.toMillis(ttl)
        // One atomic upsert: taken when free, expired, or already ours; otherwise no row comes back.
        const rows = yield* sql`INSERT INTO okm_leases (tenant, holder, acquired_at, expires_at)
          VALUES (${tenant}, ${holder}, ${at}, ${expires})
          ON CONFLICT (tenant) DO UPDATE SET
            holder = excluded.holder,
            acquired_at = CASE WHEN okm_leases.holder = excluded.holder
              THEN okm_leases.acquired_at ELSE excluded.acquired_at END,
            expires_at = excluded.expires_at
          WHERE okm_leases.holder = excluded.holder OR okm_leases.expires_at <= excluded.acquired_at
          RETURNING holder`
        return rows.length > 0
      }).pipe(op("lease.acquire")),
    renew: (holder, ttl, now) =>
      Effect.gen(function*() {
        const at = yield* nowMillis(now)
        // Still ours if nobody took it over, even past expiry: a takeover changes the holder.
        const rows = yield* sql`UPDATE okm_leases SET expires_at = ${at + Duration.toMillis(ttl)}
          WHERE tenant = ${tenant} AND holder = ${holder} RETURNING holder`
        return rows.length > 0
      }).pipe(op("lease.renew")),
    release: (holder) =>
      sql`DELETE FROM okm_leases WHERE tenant = ${tenant} AND holder = ${holder}`.pipe(
        Effect.asVoid,
        op("lease.release")
      ),
    current: sql`SELECT holder, acquired_at, expires_at FROM okm_leases WHERE tenant = ${tenant}`.pipe(
      Effect.flatMap(decodeLease),
      Effect.map((rows) =>
        Option.map(Arr.head(rows), (r): LeaseInfo => ({
          holder: r.holder,
          acquiredAt: new Date(r.acquired_at),
          expiresAt: new Date(r.expires_at)
        }))
      ),
      op("lease.current")
    )
  }

  return {
    tenant,
    loadLinks,
    saveLinks,
    getCursor,
    setCursor,
    beginApply,
    recordOutcome,
    unfinishedApply,
    finishApply,
    abandonApply,
    listRuns,
    pruneRuns,
    approvals,
    tokenOwner,
    blocked,
    backoff,
    lease
  }
}
