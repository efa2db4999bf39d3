/**
 * Schemas of the SCIM request bodies the emulator accepts (User, Group, PatchOp) and the decoder that turns a parse
 * failure into a 400 SCIM error naming the attribute. Unknown attributes are ignored, as SCIM servers do.
 */
import { Either, ParseResult, Schema } from "effect"
import { badRequest } from "./ScimError.js"
import type { ScimError, ScimType } from "./ScimError.js"

export const USER_SCHEMA = "urn:ietf:params:scim:schemas:core:2.0:User"
export const GROUP_SCHEMA = "urn:ietf:params:scim:schemas:core:2.0:Group"
export const LIST_SCHEMA = "urn:ietf:params:scim:api:messages:2.0:ListResponse"
export const PATCH_SCHEMA = "urn:ietf:params:scim:api:messages:2.0:PatchOp"

const opt = <S extends Schema.Schema.Any>(schema: S) => Schema.optionalWith(schema, { nullable: true, exact: true })

/** Entra sends booleans as "True"/"False" strings; accept both forms. */
export const LooseBoolean = Schema.Union(
  Schema.Boolean,
  Schema.transform(Schema.Literal("True", "False", "true", "false", "TRUE", "FALSE"), Schema.Boolean, {
    strict: true,
    decode: (s) => s.toLowerCase() === "true",
    encode: (b) => (b ? "true" : "false")
  })
)

export const Name = Schema.Struct({
  givenName: opt(Schema.String),
  familyName: opt(Schema.String),
  formatted: opt(Schema.String)
})

export const Email = Schema.Struct({
  value: Schema.String,
  type: opt(Schema.String),
  primary: opt(LooseBoolean)
})

export const PhoneNumber = Schema.Struct({
  value: Schema.String,
  type: opt(Schema.String),
  primary: opt(LooseBoolean)
})

export const Address = Schema.Struct({
  formatted: opt(Schema.String),
  streetAddress: opt(Schema.String),
  locality: opt(Schema.String),
  region: opt(Schema.String),
  postalCode: opt(Schema.String),
  country: opt(Schema.String),
  type: opt(Schema.String),
  primary: opt(LooseBoolean)
})

const userFields = {
  externalId: opt(Schema.String),
  name: opt(Name),
  displayName: opt(Schema.String),
  emails: opt(Schema.Array(Email)),
  active: opt(LooseBoolean),
  userType: opt(Schema.String),
  title: opt(Schema.String),
  timezone: opt(Schema.String),
  locale: opt(Schema.String),
  preferredLanguage: opt(Schema.String),
  phoneNumbers: opt(Schema.Array(PhoneNumber)),
  addresses: opt(Schema.Array(Address)),
  password: opt(Schema.String)
}

/** POST /Users and PUT /Users/{id}. */
export const UserInput = Schema.Struct({ userName: Schema.String, ...userFields })
export type UserInput = typeof UserInput.Type

/** The value of a path-less PATCH on a user: any subset of the attributes. */
export const UserPatchValue = Schema.Struct({ userName: opt(Schema.String), ...userFields })
export type UserPatchValue = typeof UserPatchValue.Type

export const MemberRef = Schema.Struct({ value: Schema.String, display: opt(Schema.String) })
export const MemberList = Schema.Array(MemberRef)

/** POST /Groups and PUT /Groups/{id}. */
export const GroupInput = Schema.Struct({
  displayName: Schema.String,
  externalId: opt(Schema.String),
  members: opt(MemberList)
})
export type GroupInput = typeof GroupInput.Type

export const GroupPatchValue = Schema.Struct({
  displayName: opt(Schema.String),
  externalId: opt(Schema.String),
  members: opt(MemberList)
})

/** Op names arrive in any case (Okta: "add", Entra: "Add", "Replace"). */
const OpName = Schema.transform(Schema.String, Schema.Literal("add", "remove", "replace"), {
  strict: false,
  decode: (s) => s.toLowerCase(),
  encode: (s) => s
})

export const PatchOperation = Schema.Struct({
  op: OpName,
  path: opt(Schema.String),
  value: Schema.optional(Schema.Unknown)
})
export type PatchOperation = typeof PatchOperation.Type

export const PatchRequest = Schema.Struct({
  schemas: opt(Schema.Array(Schema.String)),
  Operations: Schema.Array(PatchOperation).pipe(Schema.minItems(1))
})
export type PatchRequest = typeof PatchRequest.Type

/** Decodes a request body; a failure becomes 400 naming where the body was wrong. */
export const decodeBody = <A, I>(
  schema: Schema.Schema<A, I>,
  input: unknown,
  what: string,
  scimType: ScimType = "invalidValue"
): A => {
  const result = Schema.decodeUnknownEither(schema, { errors: "all" })(input)
  if (Either.isRight(result)) return result.right
  throw parseFailure(result.left, what, scimType)
}

const parseFailure = (error: ParseResult.ParseError, what: string, scimType: ScimType): ScimError => {
  const issues = ParseResult.ArrayFormatter.formatErrorSync(error)
  const text = issues
    .slice(0, 5)
    .map((issue) => `${issue.path.length === 0 ? "body" : issue.path.join(".")}: ${issue.message}`)
    .join("; ")
  return badRequest(scimType, `Invalid ${what}: ${text}`)
}
