/**
 * What can go wrong with the engine's state store, one error per thing a caller can act on: the
 * database can't be reached or queried, a stored row no longer decodes, the store was written by a
 * newer okta-monday, or a journal call names a run that isn't open.
 */
import { Schema } from "effect"

export const Backend = Schema.Literal("sqlite", "postgres")
export type Backend = typeof Backend.Type

/** The database could not be opened, migrated or queried. Usually transient or a configuration problem. */
export class StoreUnavailable extends Schema.TaggedError<StoreUnavailable>()("StoreUnavailable", {
  backend: Backend,
  /** The SQLite path or the Postgres `host:port/database` (never the password). */
  location: Schema.String,
  operation: Schema.String,
  detail: Schema.String,
  cause: Schema.optional(Schema.Defect)
}) {
  override get message(): string {
    return `State store (${this.backend} at ${this.location}) failed during ${this.operation}: ${this.detail}. ` +
      (this.backend === "postgres"
        ? "Check the Postgres URL, that the server is running and that the user may create tables."
        : "Check that the file and its directory exist, are writable, and that no other program locks it.")
  }
}

/** A stored row does not decode: edited by hand, truncated, or written by an incompatible version. */
export class StoreCorrupt extends Schema.TaggedError<StoreCorrupt>()("StoreCorrupt", {
  table: Schema.String,
  key: Schema.String,
  detail: Schema.String
}) {
  override get message(): string {
    return `State store row ${this.table}[${this.key}] is corrupt: ${this.detail}. ` +
      "Repair or delete that row (or restore a backup); okta-monday will not guess what it held."
  }
}

/** The database holds migrations this version of okta-monday does not know. */
export class StoreVersionMismatch extends Schema.TaggedError<StoreVersionMismatch>()("StoreVersionMismatch", {
  location: Schema.String,
  storeVersion: Schema.Number,
  knownVersion: Schema.Number
}) {
  override get message(): string {
    return `State store at ${this.location} is at schema version ${this.storeVersion}, but this okta-monday only ` +
      `knows versions up to ${this.knownVersion}. Upgrade okta-monday (or point it at another store).`
  }
}

/** `beginApply` was called while another apply of the same tenant is unfinished. */
export class ApplyInProgress extends Schema.TaggedError<ApplyInProgress>()("ApplyInProgress", {
  tenant: Schema.String,
  runId: Schema.String,
  startedAt: Schema.DateFromSelf
}) {
  override get message(): string {
    return `Run ${this.runId} of tenant "${this.tenant}" (started ${this.startedAt.toISOString()}) is unfinished. ` +
      "Resume it (unfinishedApply, then finishApply) or abandon it (abandonApply) before starting another apply."
  }
}

/** A journal call named a run that was never begun, or that is already finished or abandoned. */
export class RunNotActive extends Schema.TaggedError<RunNotActive>()("RunNotActive", {
  tenant: Schema.String,
  runId: Schema.String,
  state: Schema.Literal("unknown", "exists", "finished", "abandoned")
}) {
  override get message(): string {
    switch (this.state) {
      case "unknown":
        return `Run ${this.runId} was never begun in tenant "${this.tenant}": call beginApply first.`
      case "exists":
        return `Run ${this.runId} already exists in tenant "${this.tenant}": give every apply a new run id.`
      default:
        return `Run ${this.runId} of tenant "${this.tenant}" is already ${this.state}; it takes no more outcomes.`
    }
  }
}

export type StoreError = StoreUnavailable | StoreCorrupt | StoreVersionMismatch
export type JournalError = StoreError | ApplyInProgress | RunNotActive
