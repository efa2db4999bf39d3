/**
 * The parts of Okta's JSON the source relies on, as Schemas (unknown fields are ignored), and the
 * conversion to mapping-core's domain values.
 */
import { Domain } from "@okta-monday/mapping-core"
import { Schema } from "effect"

const NullableString = Schema.optional(Schema.NullOr(Schema.String))

export const WireUser = Schema.Struct({
  id: Schema.String,
  status: Domain.OktaUserStatus,
  profile: Schema.Struct(
    { login: Schema.String, email: NullableString, firstName: NullableString, lastName: NullableString },
    Schema.Record({ key: Schema.String, value: Schema.Unknown })
  )
})
export type WireUser = typeof WireUser.Type

export const WireGroup = Schema.Struct({
  id: Schema.String,
  type: Domain.OktaGroupType,
  profile: Schema.Struct({ name: Schema.String, description: NullableString })
})
export type WireGroup = typeof WireGroup.Type

export const WireAppUser = Schema.Struct({
  id: Schema.String,
  scope: Domain.AssignmentScope,
  status: Schema.String,
  credentials: Schema.optional(Schema.NullOr(Schema.Struct({ userName: NullableString })))
})
export type WireAppUser = typeof WireAppUser.Type

/** An AppUser listed with `expand=user`: the Okta user rides along in `_embedded.user`. */
export const WireAppUserWithUser = Schema.Struct({
  ...WireAppUser.fields,
  _embedded: Schema.optional(Schema.NullOr(Schema.Struct({ user: Schema.optional(Schema.NullOr(WireUser)) })))
})
export type WireAppUserWithUser = typeof WireAppUserWithUser.Type

export const WireAppGroup = Schema.Struct({ id: Schema.String })

export const WireLogTarget = Schema.Struct({
  id: Schema.String,
  type: Schema.String,
  alternateId: NullableString,
  displayName: NullableString
})

export const WireLogEvent = Schema.Struct({
  uuid: Schema.String,
  published: Schema.String,
  eventType: Schema.String,
  target: Schema.optional(Schema.NullOr(Schema.Array(WireLogTarget)))
})
export type WireLogEvent = typeof WireLogEvent.Type

const isProfileValue = (v: unknown): v is Domain.ProfileValue =>
  v === null ||
  typeof v === "string" ||
  typeof v === "number" ||
  typeof v === "boolean" ||
  (Array.isArray(v) && v.every((x) => typeof x === "string"))

export const toUser = (w: WireUser): Domain.OktaUser => {
  const profile: Record<string, Domain.ProfileValue> = {}
  for (const [k, v] of Object.entries(w.profile)) if (isProfileValue(v)) profile[k] = v
  return new Domain.OktaUser({
    id: Domain.OktaUserId.make(w.id),
    login: w.profile.login,
    email: w.profile.email ?? w.profile.login,
    status: w.status,
    ...(typeof w.profile.firstName === "string" ? { firstName: w.profile.firstName } : {}),
    ...(typeof w.profile.lastName === "string" ? { lastName: w.profile.lastName } : {}),
    profile
  })
}

export const toGroup = (w: WireGroup): Domain.OktaGroup =>
  new Domain.OktaGroup({
    id: Domain.OktaGroupId.make(w.id),
    name: w.profile.name,
    type: w.type,
    ...(typeof w.profile.description === "string" ? { description: w.profile.description } : {})
  })

export const toAssignment = (w: WireAppUser): Domain.AppAssignment => ({
  userId: Domain.OktaUserId.make(w.id),
  scope: w.scope,
  status: w.status,
  ...(typeof w.credentials?.userName === "string" ? { userName: w.credentials.userName } : {})
})
