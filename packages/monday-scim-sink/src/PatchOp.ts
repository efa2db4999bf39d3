/**
 * The SCIM PatchOp message (RFC 7644 §3.5.2) and the few operations the sink sends on a team:
 * add members (one `add` with a value list), remove a member (`members[value eq "…"]`, the form
 * Okta's own monday.com integration sends) and rename (`replace` on `displayName`).
 */
import { Schema } from "effect"

export const URN = "urn:ietf:params:scim:api:messages:2.0:PatchOp" as const

/** RFC 7644 spells ops in lower case; Entra sends them capitalised, so decoding accepts any case. */
export const OpName = Schema.transform(
  Schema.String,
  Schema.Literal("add", "remove", "replace"),
  { strict: false, decode: (s) => s.toLowerCase(), encode: (s) => s }
)

export const PatchOperation = Schema.Struct({
  op: OpName,
  path: Schema.optional(Schema.String),
  value: Schema.optional(Schema.Unknown)
}).annotations({ identifier: "PatchOperation" })
export type PatchOperation = typeof PatchOperation.Type

export const PatchOp = Schema.Struct({
  schemas: Schema.Tuple(Schema.Literal(URN)),
  Operations: Schema.NonEmptyArray(PatchOperation)
}).annotations({ identifier: "PatchOp" })
export type PatchOp = typeof PatchOp.Type

/** A PatchOp message from its operations (at least one). */
export const make = (operations: readonly [PatchOperation, ...Array<PatchOperation>]): PatchOp => ({
  schemas: [URN],
  Operations: operations
})

/**
 * A SCIM filter comparison value is a JSON string (RFC 7644 §3.4.2.2), so JSON quoting escapes
 * quotes and backslashes in ids and names.
 */
export const quote = (value: string): string => JSON.stringify(value)

export const addMembers = (ids: ReadonlyArray<string>): PatchOperation => ({
  op: "add",
  path: "members",
  value: ids.map((value) => ({ value }))
})

export const removeMember = (id: string): PatchOperation => ({
  op: "remove",
  path: `members[value eq ${quote(id)}]`
})

export const replaceDisplayName = (displayName: string): PatchOperation => ({
  op: "replace",
  path: "displayName",
  value: displayName
})

/** The operations for one membership change: one `add` for all additions, one `remove` per removal. */
export const membersChange = (add: ReadonlyArray<string>, remove: ReadonlyArray<string>): Array<PatchOperation> => [
  ...(add.length > 0 ? [addMembers(add)] : []),
  ...remove.map(removeMember)
]
