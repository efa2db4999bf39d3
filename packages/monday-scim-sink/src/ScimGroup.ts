/**
 * The SCIM core Group resource (RFC 7643 §4.2): a monday.com team. `members` may be left out by
 * servers that don't return memberships (the sink then falls back on what it last applied), and
 * monday.com adds a non-standard `internalId`.
 */
import { Schema } from "effect"
import { ScimId } from "./ScimId.js"

export const URN = "urn:ietf:params:scim:schemas:core:2.0:Group" as const

export const GroupMember = Schema.Struct({
  value: ScimId,
  display: Schema.optional(Schema.String),
  type: Schema.optional(Schema.String)
}).annotations({ identifier: "GroupMember" })
export type GroupMember = typeof GroupMember.Type

export const ScimGroup = Schema.Struct({
  id: ScimId,
  displayName: Schema.String,
  members: Schema.optional(Schema.Array(GroupMember)),
  internalId: Schema.optional(Schema.Union(Schema.String, Schema.Number))
}).annotations({ identifier: "ScimGroup" })
export type ScimGroup = typeof ScimGroup.Type

/** The body of `POST /Groups`. */
export interface NewGroup {
  readonly schemas: readonly [typeof URN]
  readonly displayName: string
  readonly members: ReadonlyArray<{ readonly value: string }>
}

export const newGroup = (displayName: string, members: ReadonlyArray<string>): NewGroup => ({
  schemas: [URN],
  displayName,
  members: members.map((value) => ({ value }))
})
