/**
 * The SCIM ListResponse message (RFC 7644 §3.4.2): one page of a query's results, paged by the
 * 1-based `startIndex` and `count`. Decoded with the resource schema of the endpoint it came from.
 */
import { Schema } from "effect"

export const URN = "urn:ietf:params:scim:api:messages:2.0:ListResponse" as const

/**
 * `schemas` may be left out by lenient servers, but when it is given it must name the
 * ListResponse URN: a 200 carrying some other message (an Error, a single resource) is refused.
 */
const Schemas = Schema.Array(Schema.String).pipe(
  Schema.filter((urns) => urns.includes(URN) || `must include "${URN}"`)
)

const NonNegativeInt = Schema.Int.pipe(Schema.nonNegative())

/**
 * A ListResponse whose `Resources` decode with `resource`. A missing `Resources` is an empty page
 * (RFC 7644 allows it when there are no results).
 */
export const ListResponse = <A, I, R>(resource: Schema.Schema<A, I, R>) =>
  Schema.Struct({
    schemas: Schema.optional(Schemas),
    totalResults: NonNegativeInt,
    startIndex: Schema.optional(Schema.Int),
    itemsPerPage: Schema.optional(NonNegativeInt),
    Resources: Schema.optionalWith(Schema.Array(resource), { default: () => [] })
  }).annotations({ identifier: "ListResponse" })

/** What the sink relies on in a decoded ListResponse. */
export interface ListResponse<A> {
  readonly totalResults: number
  readonly Resources: ReadonlyArray<A>
}
