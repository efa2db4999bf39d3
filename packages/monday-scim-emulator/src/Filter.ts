/**
 * SCIM filters, parsed by SCIMMY and checked against the attributes monday.com lets clients filter on. Matching is
 * case-insensitive except on `id` and `externalId` (RFC 7643 caseExact), so `userName eq "A@x.com"` finds "a@x.com".
 */
import SCIMMY from "scimmy"
import { badRequest } from "./ScimError.js"

export type Resource = "User" | "Group"

/** Attribute paths (lower case) a filter may name, per resource. */
const filterable: Record<Resource, ReadonlySet<string>> = {
  User: new Set([
    "id",
    "externalid",
    "username",
    "displayname",
    "active",
    "usertype",
    "title",
    "emails.value",
    "emails.type",
    "name.givenname",
    "name.familyname",
    "name.formatted"
  ]),
  Group: new Set(["id", "externalid", "displayname", "members.value"])
}

const caseExact = new Set(["id", "externalid"])

export interface ParsedFilter {
  /** Set when the filter is one `attr eq "value"` on an indexed attribute, so the store can look it up directly. */
  readonly lookup?: { readonly attribute: "id" | "username" | "displayname"; readonly value: string }
  readonly match: (views: ReadonlyArray<object>) => ReadonlyArray<object>
}

type Expression = Record<string, unknown>

const isComparison = (value: unknown): value is ReadonlyArray<unknown> =>
  Array.isArray(value) && typeof value[0] === "string"

const presence = new Set(["pr", "np"])

/** A comparison is [op, value] or ["not", op, value]; presence tests carry no value. */
const validComparison = (tuple: ReadonlyArray<unknown>): boolean => {
  const parts = tuple[0] === "not" ? tuple.slice(1) : tuple
  const op = String(parts[0]).toLowerCase()
  return presence.has(op) ? parts.length === 1 : parts.length === 2 && parts[1] !== undefined
}

const lowerComparison = (tuple: ReadonlyArray<unknown>): ReadonlyArray<unknown> => {
  const last = tuple[tuple.length - 1]
  return typeof last === "string" && tuple.length > 1 ? [...tuple.slice(0, -1), last.toLowerCase()] : tuple
}

/** Checks every attribute against the allow-list and lower-cases compared strings of case-insensitive ones. */
const normalise = (expression: Expression, resource: Resource, prefix: string, raw: string): Expression => {
  const out: Expression = {}
  for (const [key, value] of Object.entries(expression)) {
    const path = prefix === "" ? key.toLowerCase() : `${prefix}.${key.toLowerCase()}`
    if (isComparison(value) || (Array.isArray(value) && value.every(isComparison))) {
      if (!filterable[resource].has(path)) {
        throw badRequest(
          "invalidFilter",
          `Filter ${JSON.stringify(raw)}: attribute "${path}" is not filterable on ${resource}s`
        )
      }
      const tuples = isComparison(value) ? [value] : (value as ReadonlyArray<ReadonlyArray<unknown>>)
      if (!tuples.every(validComparison)) {
        throw badRequest("invalidFilter", `Filter ${JSON.stringify(raw)}: the comparison on "${path}" lacks a value`)
      }
      const insensitive = !caseExact.has(path)
      out[key] = !insensitive
        ? value
        : isComparison(value)
          ? lowerComparison(value)
          : (value as ReadonlyArray<ReadonlyArray<unknown>>).map(lowerComparison)
    } else if (typeof value === "object" && value !== null && !Array.isArray(value)) {
      out[key] = normalise(value as Expression, resource, path, raw)
    } else {
      throw badRequest("invalidFilter", `Filter ${JSON.stringify(raw)} could not be understood`)
    }
  }
  return out
}

const lookupOf = (expressions: ReadonlyArray<Expression>): ParsedFilter["lookup"] => {
  if (expressions.length !== 1) return undefined
  const entries = Object.entries(expressions[0]!)
  if (entries.length !== 1) return undefined
  const [key, value] = entries[0]!
  const attribute = key.toLowerCase()
  if (attribute !== "id" && attribute !== "username" && attribute !== "displayname") return undefined
  if (!isComparison(value) || value.length !== 2 || value[0] !== "eq" || typeof value[1] !== "string") return undefined
  return { attribute, value: value[1] }
}

/** Parses `filter`; anything SCIMMY refuses or that names an unfilterable attribute is 400 invalidFilter. */
export const parseFilter = (raw: string, resource: Resource): ParsedFilter => {
  let parsed: ReadonlyArray<Expression>
  try {
    parsed = [...new SCIMMY.Types.Filter(raw)] as ReadonlyArray<Expression>
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error)
    throw badRequest("invalidFilter", `Filter ${JSON.stringify(raw)} is not a valid SCIM filter: ${reason}`)
  }
  const normalised = parsed.map((expression) => normalise(expression, resource, "", raw))
  const filter = new SCIMMY.Types.Filter(normalised)
  const lookup = lookupOf(normalised)
  return {
    ...(lookup === undefined ? {} : { lookup }),
    match: (views) => {
      try {
        return filter.match(views as Array<object>)
      } catch (error) {
        throw badRequest("invalidFilter", `Filter ${JSON.stringify(raw)} cannot be evaluated: ${String(error)}`)
      }
    }
  }
}

/**
 * A PATCH path with a value filter, RFC 7644 §3.5.2 `valuePath [ "." subAttr ]`: `members[value eq "1"]`,
 * `phoneNumbers[type eq "work"].value`. SCIMMY parses the `attr[filter]` part (a valuePath is a filter expression);
 * only the trailing sub-attribute name is split off here.
 */
export interface FilteredPath {
  /** The multi-valued attribute, lower case, without a schema URN prefix: "members", "phonenumbers". */
  readonly attribute: string
  /** The bracket's filter, over the attribute's values (`{ value, type, … }`). */
  readonly filter: SCIMMY.Types.Filter
  /** The filter as SCIMMY parsed it: one object per `or` branch. */
  readonly expressions: ReadonlyArray<Readonly<Record<string, ReadonlyArray<unknown>>>>
  /** The sub-attribute after the brackets, as written ("value", "locality"), when there is one. */
  readonly sub?: string
}

/** RFC 7643 §2.1 ATTRNAME. */
const ATTRNAME = /^[A-Za-z][\w$-]*$/

/**
 * The parts of a filtered PATCH path, or undefined when `path` has no brackets (a plain attribute path). A bracket
 * SCIMMY can't parse, or anything but one attribute's filter in it, is 400 invalidPath.
 */
export const parseFilteredPath = (path: string): FilteredPath | undefined => {
  const close = path.lastIndexOf("]")
  if (!path.includes("[") && close < 0) return undefined
  const invalid = (why: string) => badRequest("invalidPath", `"${path}" is not a valid PATCH path: ${why}`)
  if (close < 0) throw invalid(`"[" is never closed`)
  const rest = path.slice(close + 1).trim()
  let sub: string | undefined
  if (rest !== "") {
    if (!rest.startsWith(".") || !ATTRNAME.test(rest.slice(1))) throw invalid(`"${rest}" after the filter`)
    sub = rest.slice(1)
  }
  let parsed: ReadonlyArray<Expression>
  try {
    parsed = [...new SCIMMY.Types.Filter(path.slice(0, close + 1))] as ReadonlyArray<Expression>
  } catch (error) {
    throw invalid(`its filter does not parse (${error instanceof Error ? error.message : String(error)})`)
  }
  const keys = new Set(parsed.flatMap((expression) => Object.keys(expression)))
  const [key] = keys
  const nested = parsed.map((expression) => (key === undefined ? undefined : expression[key]))
  if (
    keys.size !== 1 ||
    key === undefined ||
    !nested.every((value) => typeof value === "object" && value !== null && !Array.isArray(value))
  ) {
    throw invalid("expected one multi-valued attribute with a filter in brackets, e.g. members[value eq \"123\"]")
  }
  const expressions = nested as ReadonlyArray<Readonly<Record<string, ReadonlyArray<unknown>>>>
  // "urn:ietf:params:scim:schemas:core:2.0:group:members" names the same attribute as "members".
  const attribute = (key.startsWith("urn:") ? key.slice(key.lastIndexOf(":") + 1) : key).toLowerCase()
  return {
    attribute,
    filter: new SCIMMY.Types.Filter(expressions as Array<Expression>),
    expressions,
    ...(sub === undefined ? {} : { sub })
  }
}

/**
 * The one value a filter picks by `<attribute> eq "<string>"` and nothing else, when it is that simple: a store can then
 * look it up directly instead of matching every value. Equivalent to `filter.match` because SCIMMY's `eq` on strings
 * is exact (tested in Filter.test.ts).
 */
export const singleEq = (path: FilteredPath, attribute: string): string | undefined => {
  if (path.expressions.length !== 1) return undefined
  const entries = Object.entries(path.expressions[0]!)
  if (entries.length !== 1) return undefined
  const [name, comparison] = entries[0]!
  if (name.toLowerCase() !== attribute.toLowerCase() || comparison.length !== 2 || comparison[0] !== "eq") return undefined
  return typeof comparison[1] === "string" ? comparison[1] : undefined
}
