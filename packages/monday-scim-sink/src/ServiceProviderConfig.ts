/**
 * The SCIM ServiceProviderConfig resource (RFC 7643 §5): what the server says it supports. Only
 * read by `testConnection`, so every part is optional and unknown parts are ignored.
 */
import { Schema } from "effect"

export const URN = "urn:ietf:params:scim:schemas:core:2.0:ServiceProviderConfig" as const

const Supported = Schema.Struct({ supported: Schema.Boolean })

export const ServiceProviderConfig = Schema.Struct({
  schemas: Schema.optional(Schema.Array(Schema.String)),
  patch: Schema.optional(Supported),
  bulk: Schema.optional(
    Schema.Struct({
      supported: Schema.Boolean,
      maxOperations: Schema.optional(Schema.Number),
      maxPayloadSize: Schema.optional(Schema.Number)
    })
  ),
  filter: Schema.optional(
    Schema.Struct({ supported: Schema.Boolean, maxResults: Schema.optional(Schema.Number) })
  ),
  changePassword: Schema.optional(Supported),
  sort: Schema.optional(Supported),
  etag: Schema.optional(Supported)
}).annotations({ identifier: "ServiceProviderConfig" })
export type ServiceProviderConfig = typeof ServiceProviderConfig.Type
