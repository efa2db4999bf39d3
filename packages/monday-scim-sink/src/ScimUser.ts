/**
 * The SCIM core User resource (RFC 7643 §4.1), as far as the sink reads and writes it: monday.com's
 * `userName` is the user's email (lowercase) and `userType` its role (admin, member, viewer, guest,
 * or a custom role id). Multi-valued attributes are read leniently: only what the engine compares.
 */
import type { Domain, Plan } from "@okta-monday/mapping-core"
import { Schema } from "effect"
import { ScimId } from "./ScimId.js"

export const URN = "urn:ietf:params:scim:schemas:core:2.0:User" as const

/** `primary` arrives as a boolean, or (Entra-style servers) as the strings "True"/"False". */
const Primary = Schema.optional(Schema.Unknown)

const PhoneNumber = Schema.Struct({
  value: Schema.optional(Schema.String),
  type: Schema.optional(Schema.String),
  primary: Primary
})

const Address = Schema.Struct({
  formatted: Schema.optional(Schema.String),
  streetAddress: Schema.optional(Schema.String),
  locality: Schema.optional(Schema.String),
  region: Schema.optional(Schema.String),
  postalCode: Schema.optional(Schema.String),
  country: Schema.optional(Schema.String),
  type: Schema.optional(Schema.String),
  primary: Primary
})

export const ScimUser = Schema.Struct({
  id: ScimId,
  userName: Schema.NonEmptyString,
  /** RFC 7643: absent means the server doesn't say; monday.com users that exist are active unless told otherwise. */
  active: Schema.optionalWith(Schema.Boolean, { default: () => true }),
  displayName: Schema.optional(Schema.String),
  userType: Schema.optional(Schema.String),
  name: Schema.optional(
    Schema.Struct({
      formatted: Schema.optional(Schema.String),
      givenName: Schema.optional(Schema.String),
      familyName: Schema.optional(Schema.String)
    })
  ),
  title: Schema.optional(Schema.String),
  timezone: Schema.optional(Schema.String),
  locale: Schema.optional(Schema.String),
  phoneNumbers: Schema.optional(Schema.Array(PhoneNumber)),
  addresses: Schema.optional(Schema.Array(Address))
}).annotations({ identifier: "ScimUser" })
export type ScimUser = typeof ScimUser.Type

const isPrimary = (p: unknown) => p === true || (typeof p === "string" && p.toLowerCase() === "true")

/** The primary entry of a multi-valued attribute, else the first. */
const primaryOf = <A extends { readonly primary?: unknown }>(items: ReadonlyArray<A> | undefined): A | undefined =>
  items === undefined ? undefined : items.find((i) => isPrimary(i.primary)) ?? items[0]

/** The profile fields the planner compares (names, title, timezone, locale, phone, address), as MondayUser fields. */
export const profileOf = (user: ScimUser): Partial<Pick<
  Domain.MondayUser,
  "name" | "title" | "timezone" | "locale" | "phoneNumber" | "address"
>> => {
  const phone = primaryOf(user.phoneNumbers)?.value
  const address = primaryOf(user.addresses)
  const addressFields: Record<string, string> = {}
  if (address !== undefined) {
    for (const f of ["streetAddress", "locality", "region", "postalCode", "country"] as const) {
      const v = address[f]
      if (v !== undefined) addressFields[f] = v
    }
  }
  const given = user.name?.givenName
  const family = user.name?.familyName
  return {
    ...(given !== undefined || family !== undefined
      ? { name: { ...(given !== undefined ? { givenName: given } : {}), ...(family !== undefined ? { familyName: family } : {}) } }
      : {}),
    ...(user.title !== undefined ? { title: user.title } : {}),
    ...(user.timezone !== undefined ? { timezone: user.timezone } : {}),
    ...(user.locale !== undefined ? { locale: user.locale } : {}),
    ...(phone !== undefined ? { phoneNumber: phone } : {}),
    ...(Object.keys(addressFields).length > 0 ? { address: addressFields } : {})
  }
}

const ADDRESS_FIELDS = ["streetAddress", "locality", "region", "postalCode", "country"] as const

/**
 * Whether `user` already shows every attribute of a path-less `replace` value (as `newUser` and
 * `userReplaceValue` build them): how a PATCH whose answer was lost is known to have taken.
 */
export const showsReplace = (user: ScimUser, value: Readonly<Record<string, unknown>>): boolean => {
  const profile = profileOf(user)
  return Object.entries(value).every(([key, expected]) => {
    switch (key) {
      case "active":
        return user.active === expected
      case "userType":
        return typeof expected === "string" && user.userType?.toLowerCase() === expected.toLowerCase()
      case "name":
        return Object.entries(expected as Record<string, unknown>).every(([sub, v]) =>
          (user.name as Record<string, unknown> | undefined)?.[sub] === v
        )
      case "phoneNumbers":
        return profile.phoneNumber === (expected as ReadonlyArray<{ readonly value?: unknown }>)[0]?.value
      case "addresses": {
        const want = (expected as ReadonlyArray<Record<string, unknown>>)[0] ?? {}
        const have: Record<string, unknown> = profile.address ?? {}
        return ADDRESS_FIELDS.every((field) => have[field] === want[field])
      }
      default:
        return (user as Record<string, unknown>)[key] === expected
    }
  })
}

const phoneNumbers = (value: string) => [{ value, type: "work", primary: true }]
const addresses = (address: Domain.MondayAddress) => [{ ...address, type: "work", primary: true }]

/** The body of `POST /Users` for a CreateUser: the email is the userName and the primary email. */
export const newUser = (op: Plan.CreateUser): Record<string, unknown> => {
  const a = op.attributes
  return {
    schemas: [URN],
    userName: op.userName,
    displayName: op.displayName,
    ...(op.name !== undefined ? { name: op.name } : {}),
    emails: [{ value: op.userName, type: "work", primary: true }],
    userType: op.userType,
    active: true,
    ...(a.title !== undefined ? { title: a.title } : {}),
    ...(a.timezone !== undefined ? { timezone: a.timezone } : {}),
    ...(a.locale !== undefined ? { locale: a.locale } : {}),
    ...(a.phoneNumber !== undefined ? { phoneNumbers: phoneNumbers(a.phoneNumber) } : {}),
    ...(a.address !== undefined ? { addresses: addresses(a.address) } : {})
  }
}

/**
 * The value of a path-less PATCH `replace` for an UpdateUser: each changed attribute, names under
 * `name`, the phone and the whole address as one-entry lists.
 */
export const userReplaceValue = (op: Plan.UpdateUser): Record<string, unknown> => {
  const value: Record<string, unknown> = {}
  const name: Record<string, string> = {}
  for (const change of op.changes) {
    const a = change.attribute
    if (a === "name.givenName") name.givenName = change.to
    else if (a === "name.familyName") name.familyName = change.to
    else if (a === "phoneNumber") value.phoneNumbers = phoneNumbers(change.to)
    else if (a.startsWith("address.")) {
      value.addresses = addresses(op.address ?? { [a.slice("address.".length)]: change.to })
    } else value[a] = change.to
  }
  if (Object.keys(name).length > 0) value.name = name
  return value
}
