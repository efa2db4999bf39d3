/**
 * The SCIM Error message (RFC 7644 §3.12): what a server answers with a 4xx or 5xx. `status` is a
 * string in the RFC; many servers send a number, so both decode to a number.
 */
import { Schema } from "effect"

export const URN = "urn:ietf:params:scim:api:messages:2.0:Error" as const

/** The `scimType` values RFC 7644 Table 9 defines for 400 and 409 answers. */
export const ScimType = Schema.Literal(
  "invalidFilter",
  "tooMany",
  "uniqueness",
  "mutability",
  "invalidSyntax",
  "invalidPath",
  "noTarget",
  "invalidValue",
  "invalidVers",
  "sensitive"
)
export type ScimType = typeof ScimType.Type

export const ScimError = Schema.Struct({
  schemas: Schema.optional(Schema.Array(Schema.String)),
  status: Schema.Union(Schema.Int, Schema.NumberFromString),
  /** Unknown values are kept as text rather than failing the decode of an error we only report. */
  scimType: Schema.optional(Schema.String),
  detail: Schema.optional(Schema.String)
}).annotations({ identifier: "ScimError" })
export type ScimError = typeof ScimError.Type

