import { describe, expect, it } from "@effect/vitest"
import { FastCheck } from "effect"
import { parseFilteredPath, singleEq } from "../src/Filter.js"
import { ScimError } from "../src/ScimError.js"

/**
 * Ids and types as SCIMMY reads them inside quotes: it takes the text between the quotes as is (no JSON escapes),
 * and a `"`, `[` or `]` inside them trips its tokenizer, so those never appear in generated values (monday.com's ids
 * are digits; such a path is refused with 400 invalidPath, never misread).
 */
const quotable = FastCheck.string({ minLength: 0, maxLength: 12 }).filter((s) => !/["\\[\]\p{Cc}]/u.test(s))

const invalidPath = (path: string) => {
  try {
    parseFilteredPath(path)
  } catch (error) {
    return error instanceof ScimError ? `${error.status} ${error.scimType}` : String(error)
  }
  return "parsed"
}

describe("parseFilteredPath", () => {
  it("leaves plain attribute paths alone", () => {
    expect(parseFilteredPath("members")).toBeUndefined()
    expect(parseFilteredPath("name.givenName")).toBeUndefined()
  })

  it("splits attr[filter].sub, with the filter parsed by SCIMMY", () => {
    const phone = parseFilteredPath(`phoneNumbers[type eq "work"].value`)!
    expect(phone).toMatchObject({ attribute: "phonenumbers", sub: "value", expressions: [{ type: ["eq", "work"] }] })
    expect(phone.filter.match([{ type: "work", value: "1" }, { type: "home", value: "2" }])).toEqual([
      { type: "work", value: "1" }
    ])
    const either = parseFilteredPath(`Members[value eq "1" or display co "Bob"]`)!
    expect(either.attribute).toBe("members")
    expect(either.sub).toBeUndefined()
    expect(either.filter.match([{ value: "1" }, { value: "2", display: "Bobby" }, { value: "3" }])).toEqual([
      { value: "1" },
      { value: "2", display: "Bobby" }
    ])
    expect(parseFilteredPath(`urn:ietf:params:scim:schemas:core:2.0:Group:members[value eq "1"]`)?.attribute).toBe(
      "members"
    )
  })

  it("refuses what isn't one attribute's value filter with 400 invalidPath", () => {
    for (const path of [
      `members[value zz "1"]`,
      `members[value eq "1"`,
      `members]`,
      `members[value eq "1"]value`,
      `members[value eq "1"].`,
      `members[value eq "1"] or emails[type eq "work"]`
    ]) {
      expect([path, invalidPath(path)]).toEqual([path, "400 invalidPath"])
    }
  })

  it.prop("members[value eq \"id\"]: the direct lookup picks exactly what SCIMMY's match picks", [
    FastCheck.uniqueArray(quotable, { maxLength: 8 }),
    quotable,
    FastCheck.boolean()
  ], ([ids, other, pickMember]) => {
    const id = pickMember && ids.length > 0 ? ids[0]! : other
    const path = parseFilteredPath(`members[value eq "${id}"]`)!
    const viaMatch = (path.filter.match(ids.map((value) => ({ value }))) as Array<{ value: string }>).map((m) => m.value)
    const direct = singleEq(path, "value")
    expect(direct).toBe(id)
    expect(viaMatch).toEqual(ids.filter((value) => value === direct))
  })

  it.prop("any other id is read exactly or refused with 400 invalidPath, never misread", [
    FastCheck.string({ maxLength: 12 })
  ], ([id]) => {
    const path = `members[value eq "${id}"]`
    const outcome = invalidPath(path)
    if (outcome !== "parsed") expect(outcome).toBe("400 invalidPath")
    else if (!id.includes("\"")) expect(singleEq(parseFilteredPath(path)!, "value")).toBe(id)
  })

  it.prop("the lookup is taken only for exactly one `value eq \"string\"`", [quotable, quotable], ([a, b]) => {
    expect(singleEq(parseFilteredPath(`members[value eq "${a}" or value eq "${b}"]`)!, "value")).toBeUndefined()
    expect(singleEq(parseFilteredPath(`members[value eq "${a}" and display eq "${b}"]`)!, "value")).toBeUndefined()
    expect(singleEq(parseFilteredPath(`members[value ne "${a}"]`)!, "value")).toBeUndefined()
    expect(singleEq(parseFilteredPath(`members[display eq "${a}"]`)!, "value")).toBeUndefined()
    expect(singleEq(parseFilteredPath(`members[value eq 12]`)!, "value")).toBeUndefined()
  })
})
