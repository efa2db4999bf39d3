/**
 * Resource ids as SCIM servers send them. RFC 7643 says `id` is a string; some servers send
 * numbers (monday.com's `internalId` is one), so a number decodes to its decimal string.
 */
import { Schema } from "effect"

const IdFromNumber = Schema.transform(Schema.Number, Schema.String, {
  strict: true,
  decode: (n) => String(n),
  encode: (s) => Number(s)
})

/** A non-empty resource id, given as a string or a number. */
export const ScimId = Schema.Union(Schema.NonEmptyString, IdFromNumber).annotations({
  identifier: "ScimId",
  description: "a SCIM resource id (a non-empty string)"
})
export type ScimId = typeof ScimId.Type
