/**
 * Which attribute a 400 is about. Servers word their `detail` freely, so guessing from the text
 * alone names values ("boss") or nothing; the sink knows what it sent, so it looks in the detail
 * only for attribute names of its own request body, and names none when the detail mentions none.
 */

/** Identifier-like words of a detail, dotted paths kept whole: `name.givenName`, `userType`. */
const WORD = /[A-Za-z_$][\w$]*(?:\.[A-Za-z_$][\w$]*)*/g

const isObject = (value: unknown): value is Readonly<Record<string, unknown>> =>
  typeof value === "object" && value !== null && !Array.isArray(value)

const PATCH_OP_URN = "urn:ietf:params:scim:api:messages:2.0:PatchOp"

/** Attribute names a word may stand for (lower case) → the attribute path as the request spelled it. */
export type Candidates = ReadonlyMap<string, string>

const addResource = (out: Map<string, string>, leaves: Map<string, string>, value: unknown) => {
  if (!isObject(value)) return
  for (const [key, attribute] of Object.entries(value)) {
    if (key === "schemas") continue
    out.set(key.toLowerCase(), key)
    if (isObject(attribute)) {
      // A singular complex attribute: `name.givenName`, and plain `givenName` as servers often write it.
      for (const sub of Object.keys(attribute)) {
        out.set(`${key}.${sub}`.toLowerCase(), `${key}.${sub}`)
        if (!leaves.has(sub.toLowerCase())) leaves.set(sub.toLowerCase(), `${key}.${sub}`)
      }
    } else if (Array.isArray(attribute)) {
      // Multi-valued: only the dotted form (`emails.value`); bare `value`, `type` are too common to mean it.
      for (const entry of attribute) {
        if (isObject(entry)) for (const sub of Object.keys(entry)) out.set(`${key}.${sub}`.toLowerCase(), `${key}.${sub}`)
      }
    }
  }
}

/**
 * A PATCH path without its value filter: `members[value eq "1"]` → `members`,
 * `emails[type eq "work"].value` → `emails.value`.
 */
const pathAttribute = (path: string): string => path.replace(/\[[^\]]*\]/g, "").trim()

/** The attribute names of a request body: a resource (POST) or a PatchOp message. */
export const candidatesOf = (body: unknown): Candidates => {
  const out = new Map<string, string>()
  const leaves = new Map<string, string>()
  if (!isObject(body)) return out
  const schemas = body["schemas"]
  if (Array.isArray(schemas) && schemas.includes(PATCH_OP_URN) && Array.isArray(body["Operations"])) {
    for (const operation of body["Operations"]) {
      if (!isObject(operation)) continue
      const path = operation["path"]
      if (typeof path === "string" && path.trim() !== "") {
        const attribute = pathAttribute(path)
        out.set(attribute.toLowerCase(), attribute)
        const [top, ...rest] = attribute.split(".")
        if (top !== undefined && rest.length > 0) {
          out.set(top.toLowerCase(), top)
          if (!Array.isArray(operation["value"])) leaves.set(rest.join(".").toLowerCase(), attribute)
        }
      } else addResource(out, leaves, operation["value"])
    }
  } else addResource(out, leaves, body)
  for (const [leaf, attribute] of leaves) if (!out.has(leaf)) out.set(leaf, attribute)
  return out
}

/** Every string value a body carries (what a detail may quote back: "boss", "Odd (Contractor)"). */
export const valuesOf = (body: unknown): ReadonlyArray<string> => {
  const out: Array<string> = []
  const walk = (value: unknown, key: string | undefined) => {
    if (typeof value === "string") {
      // `path` strings and the URNs are how the request names attributes, not values it sends.
      if (key !== "path" && key !== "schemas" && key !== "op") out.push(value)
    } else if (Array.isArray(value)) value.forEach((item) => walk(item, key))
    else if (isObject(value)) for (const [k, v] of Object.entries(value)) walk(v, k)
  }
  walk(body, undefined)
  return out
}

const isWordChar = (c: string | undefined) => c !== undefined && /[\w$]/.test(c)

/** Whether `value`, found in `detail` at `at`, begins or ends inside a longer word there. */
const splitsWord = (detail: string, at: number, value: string): boolean =>
  (isWordChar(value[0]) && isWordChar(detail[at - 1])) ||
  (isWordChar(value[value.length - 1]) && isWordChar(detail[at + value.length]))

/**
 * The attribute of `body` that `detail` names first, as the request spelled it, or undefined.
 * The values the request sent are blanked out of the detail first, so a quoted value that happens
 * to read like an attribute (a title "active") is never taken for one.
 */
export const attributeNamed = (detail: string | undefined, body: unknown): string | undefined => {
  if (detail === undefined || detail === "") return undefined
  const candidates = candidatesOf(body)
  if (candidates.size === 0) return undefined
  const masked = new Array<boolean>(detail.length).fill(false)
  for (const value of valuesOf(body)) {
    if (value === "" || candidates.has(value.toLowerCase())) continue
    for (let at = detail.indexOf(value); at >= 0; at = detail.indexOf(value, at + 1)) {
      // Only where the value stands whole: "user" quoted is a value, the "user" of `userType` is not.
      if (splitsWord(detail, at, value)) continue
      masked.fill(true, at, at + value.length)
    }
  }
  for (const match of detail.matchAll(WORD)) {
    const at = match.index
    if (masked[at]) continue
    const word = match[0]
    const found = candidates.get(word.toLowerCase())
    if (found !== undefined) return found
    // `meta.userType` or a URN-qualified name ends in the attribute: try the dotted word's tail.
    const parts = word.split(".")
    for (let i = 1; i < parts.length; i++) {
      const tail = candidates.get(parts.slice(i).join(".").toLowerCase())
      if (tail !== undefined) return tail
    }
  }
  return undefined
}

const isIdChar = (c: string | undefined) => c !== undefined && /[\w-]/.test(c)

/** Whether `detail` quotes `id` whole (not as part of a longer id: "1" is not in "10000001"). */
export const mentionsId = (detail: string | undefined, id: string): boolean => {
  if (detail === undefined || id === "") return false
  for (let at = detail.indexOf(id); at >= 0; at = detail.indexOf(id, at + 1)) {
    if (!isIdChar(detail[at - 1]) && !isIdChar(detail[at + id.length])) return true
  }
  return false
}
