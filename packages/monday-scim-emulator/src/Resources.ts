/**
 * How users and teams look on the wire: the SCIM User and Group resources monday.com answers (Group with its
 * non-standard `internalId`), attribute projection (`attributes` / `excludedAttributes`) and ListResponse paging.
 */
import { badRequest } from "./ScimError.js"
import { GROUP_SCHEMA, LIST_SCHEMA, USER_SCHEMA } from "./ScimSchemas.js"
import type { Account, TeamRecord, UserRecord } from "./Store.js"

export const userResource = (user: UserRecord, scimUrl: string): Record<string, unknown> => {
  const resource: Record<string, unknown> = {
    schemas: [USER_SCHEMA],
    id: user.id,
    userName: user.userName,
    name: {
      ...(user.givenName === undefined ? {} : { givenName: user.givenName }),
      ...(user.familyName === undefined ? {} : { familyName: user.familyName }),
      formatted: user.displayName
    },
    displayName: user.displayName,
    emails: [{ value: user.userName, type: "work", primary: true }],
    active: user.active,
    userType: user.userType
  }
  if (user.externalId !== undefined) resource.externalId = user.externalId
  if (user.title !== undefined) resource.title = user.title
  if (user.timezone !== undefined) resource.timezone = user.timezone
  if (user.locale !== undefined) resource.locale = user.locale
  if (user.preferredLanguage !== undefined) resource.preferredLanguage = user.preferredLanguage
  if (user.phoneNumbers !== undefined) resource.phoneNumbers = user.phoneNumbers
  if (user.addresses !== undefined) resource.addresses = user.addresses
  resource.meta = {
    resourceType: "User",
    created: user.created,
    lastModified: user.lastModified,
    location: `${scimUrl}/Users/${user.id}`
  }
  return resource
}

export const teamResource = (
  account: Account,
  team: TeamRecord,
  scimUrl: string,
  withMembers: boolean
): Record<string, unknown> => {
  const resource: Record<string, unknown> = {
    schemas: [GROUP_SCHEMA],
    id: team.id,
    internalId: team.internalId,
    displayName: team.displayName
  }
  if (team.externalId !== undefined) resource.externalId = team.externalId
  if (withMembers) {
    const members: Array<{ value: string; display: string }> = []
    for (const id of team.members) {
      members.push({ value: id, display: account.users.get(id)?.displayName ?? id })
    }
    resource.members = members
  }
  resource.meta = {
    resourceType: "Group",
    created: team.created,
    lastModified: team.lastModified,
    location: `${scimUrl}/Groups/${team.id}`
  }
  return resource
}

/** `attributes` / `excludedAttributes` on top-level names; `id` and `schemas` are always returned (RFC 7643 §7). */
export interface Projection {
  readonly attributes: ReadonlySet<string> | undefined
  readonly excluded: ReadonlySet<string> | undefined
}

const names = (value: string | null): ReadonlySet<string> | undefined =>
  value === null || value.trim() === ""
    ? undefined
    : new Set(value.split(",").map((name) => name.trim().split(".")[0]!.split(":").pop()!.toLowerCase()))

export const projectionOf = (query: URLSearchParams): Projection | undefined => {
  const attributes = names(query.get("attributes"))
  const excluded = names(query.get("excludedAttributes"))
  return attributes === undefined && excluded === undefined ? undefined : { attributes, excluded }
}

export const project = (
  resource: Record<string, unknown>,
  projection: Projection | undefined
): Record<string, unknown> => {
  if (projection === undefined) return resource
  const out: Record<string, unknown> = {}
  for (const [key, value] of Object.entries(resource)) {
    const lower = key.toLowerCase()
    const always = lower === "id" || lower === "schemas"
    if (!always && projection.attributes !== undefined && !projection.attributes.has(lower)) continue
    if (!always && projection.excluded?.has(lower)) continue
    out[key] = value
  }
  return out
}

export interface Page {
  readonly startIndex: number
  readonly count: number
}

const integer = (query: URLSearchParams, name: string): number | undefined => {
  const raw = query.get(name)
  if (raw === null || raw.trim() === "") return undefined
  const value = Number(raw)
  if (!Number.isInteger(value)) throw badRequest("invalidValue", `${name}=${JSON.stringify(raw)} is not an integer`)
  return value
}

/** RFC 7644 §3.4.2.4: startIndex below 1 means 1, count below 0 means 0; count is capped at the max page size. */
export const pageOf = (query: URLSearchParams, maxPageSize: number): Page => {
  const startIndex = Math.max(1, integer(query, "startIndex") ?? 1)
  const count = Math.min(maxPageSize, Math.max(0, integer(query, "count") ?? maxPageSize))
  return { startIndex, count }
}

export const listResponse = <A>(items: ReadonlyArray<A>, page: Page, render: (item: A) => Record<string, unknown>) => {
  const slice = items.slice(page.startIndex - 1, page.startIndex - 1 + page.count)
  return {
    schemas: [LIST_SCHEMA],
    totalResults: items.length,
    itemsPerPage: slice.length,
    startIndex: page.startIndex,
    Resources: slice.map(render)
  }
}
