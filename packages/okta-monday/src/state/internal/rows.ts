/**
 * How persisted rows decode: every column that came from disk goes through a Schema, and a row
 * that doesn't decode becomes a StoreCorrupt naming its table and key.
 */
import { GroupMemberCounts, MondayTeamId, MondayUserId, OktaGroupId, OktaUserId } from "@okta-monday/mapping-core/Domain"
import { Blocker, OperationOutcome, Plan, PlanCounts } from "@okta-monday/mapping-core/Plan"
import { Effect, Either, ParseResult, Schema } from "effect"
import { StoreCorrupt } from "../StoreError.js"

/** Postgres returns BIGINT and COUNT(*) as strings; SQLite as numbers. */
export const Num = Schema.Union(Schema.Number, Schema.NumberFromString)
const OptionalText = Schema.NullOr(Schema.String)

export const RunKind = Schema.Literal("full", "delta", "saved-plan")
export type RunKind = typeof RunKind.Type

export const RunState = Schema.Literal("running", "finished", "abandoned")
export type RunState = typeof RunState.Type

/** What the engine tells the store about a run when it ends. */
export const RunSummary = Schema.Struct({
  status: Schema.Literal("succeeded", "partial", "failed", "interrupted"),
  message: Schema.optional(Schema.String)
})
export type RunSummary = typeof RunSummary.Type

export const TeamLinkRow = Schema.Struct({
  team_id: MondayTeamId,
  display_name: Schema.String,
  origin: Schema.Literal("created", "adopted"),
  group_ids: Schema.parseJson(Schema.Array(OktaGroupId)),
  managed_members: Schema.parseJson(Schema.Array(MondayUserId)),
  /** NULL in rows written before migration 2. */
  group_members: Schema.NullOr(Schema.parseJson(GroupMemberCounts))
})

export const UserLinkRow = Schema.Struct({
  okta_user_id: OktaUserId,
  monday_user_id: MondayUserId,
  email: Schema.String
})

export const CursorRow = Schema.Struct({ value: Schema.String })

export const RunRow = Schema.Struct({
  run_id: Schema.String,
  kind: RunKind,
  state: RunState,
  counts: Schema.parseJson(PlanCounts),
  summary: Schema.NullOr(Schema.parseJson(RunSummary)),
  started_at: Num,
  finished_at: Schema.NullOr(Num),
  done: Num,
  failed: Num,
  skipped: Num
})

export const OpenRunRow = Schema.Struct({
  run_id: Schema.String,
  kind: RunKind,
  plan: Schema.parseJson(Plan),
  started_at: Num
})

export const RunStateRow = Schema.Struct({ state: RunState, started_at: Num, run_id: Schema.String })

export const OutcomeRow = Schema.Struct({
  op_index: Num,
  outcome: Schema.parseJson(OperationOutcome)
})

export const ApprovalRow = Schema.Struct({
  blocker_id: Schema.String,
  approved_by: OptionalText,
  note: OptionalText,
  approved_at: Num
})

export const BlockedRow = Schema.Struct({
  position: Num,
  blocker: Schema.parseJson(Blocker),
  since: Num
})

export const BackoffRow = Schema.Struct({
  team_key: Schema.String,
  failures: Num,
  last_failure_at: Num,
  next_attempt_at: Num,
  last_error: OptionalText
})

export const LeaseRow = Schema.Struct({
  holder: Schema.String,
  acquired_at: Num,
  expires_at: Num
})

/** Decodes rows in order; the first row that fails becomes a StoreCorrupt for `table[keyOf(row)]`. */
export const decodeRows = <A, I>(
  schema: Schema.Schema<A, I>,
  table: string,
  keyOf: (row: Record<string, unknown>) => unknown
) => {
  const decode = Schema.decodeUnknownEither(schema)
  return (rows: ReadonlyArray<unknown>): Effect.Effect<Array<A>, StoreCorrupt> =>
    Effect.suspend(() => {
      const out: Array<A> = new Array(rows.length)
      for (let i = 0; i < rows.length; i++) {
        const result = decode(rows[i])
        if (Either.isLeft(result)) {
          const row = rows[i] as Record<string, unknown>
          return Effect.fail(
            new StoreCorrupt({
              table,
              key: String(keyOf(row)),
              detail: ParseResult.TreeFormatter.formatErrorSync(result.left)
            })
          )
        }
        out[i] = result.right
      }
      return Effect.succeed(out)
    })
}
