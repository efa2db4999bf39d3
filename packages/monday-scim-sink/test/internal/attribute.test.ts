import { describe, expect, it } from "@effect/vitest"
import { FastCheck } from "effect"
import { attributeNamed, candidatesOf } from "../../src/internal/attribute.js"
import * as PatchOp from "../../src/PatchOp.js"

const user = {
  schemas: ["urn:ietf:params:scim:schemas:core:2.0:User"],
  userName: "Upper@acme.io",
  displayName: "Odd (Contractor)",
  name: { givenName: "New", familyName: "Person" },
  emails: [{ value: "Upper@acme.io", type: "work", primary: true }],
  userType: "boss",
  title: "active",
  active: true
}

describe("attributeNamed", () => {
  it("names the attribute of the request the detail mentions, as the request spelled it", () => {
    // The emulator's (and monday.com-like) wordings: the value is quoted next to the attribute.
    expect(attributeNamed(`userName "Upper@acme.io" must be lowercase: send "upper@acme.io"`, user)).toBe("userName")
    expect(attributeNamed(`displayName "Odd (Contractor)" contains special characters`, user)).toBe("displayName")
    expect(attributeNamed(`userType "boss" is not admin, member, viewer, guest`, user)).toBe("userType")
    expect(attributeNamed("Attribute 'USERTYPE' has an invalid value", user)).toBe("userType")
    expect(attributeNamed("urn:ietf:params:scim:schemas:core:2.0:User:userName is required", user)).toBe("userName")
    expect(attributeNamed("givenName contains special characters", user)).toBe("name.givenName")
    expect(attributeNamed("name.familyName is too long", user)).toBe("name.familyName")
    expect(attributeNamed("emails.value must be lowercase", user)).toBe("emails.value")
  })

  it("never names a value, nor an attribute the request did not send", () => {
    expect(attributeNamed(`"boss" is not a known role`, user)).toBeUndefined()
    expect(attributeNamed("externalId is invalid", user)).toBeUndefined()
    expect(attributeNamed("something went wrong", user)).toBeUndefined()
    expect(attributeNamed(undefined, user)).toBeUndefined()
    expect(attributeNamed("userName is invalid", undefined)).toBeUndefined()
    // A value that reads like an attribute ("Title Case" for displayName) is not taken for one.
    const titled = { ...user, displayName: "Head of Title Stuff" }
    expect(attributeNamed(`"Head of Title Stuff" is not a valid displayName`, titled)).toBe("displayName")
  })

  it("blanks out a value only where it stands whole, not where it begins an attribute's name", () => {
    // "user" is both the value sent and the start of `userType`; the quoted one is the value.
    const role = { ...user, userType: "user" }
    expect(attributeNamed(`userType "user" is not admin, member, viewer, guest`, role)).toBe("userType")
    expect(attributeNamed(`"user" is not admin, member, viewer, guest`, role)).toBeUndefined()
  })

  it("reads PATCH messages: paths without their filters, and path-less values", () => {
    const members = PatchOp.make([PatchOp.addMembers(["1", "2"]), PatchOp.removeMember("3")])
    expect(attributeNamed("The request changes 3 members; at most 2 are allowed", members)).toBe("members")
    const rename = PatchOp.make([PatchOp.replaceDisplayName("A/B")])
    expect(attributeNamed(`displayName "A/B" contains special characters`, rename)).toBe("displayName")
    const given = PatchOp.make([{ op: "replace", path: "name.givenName", value: "X!" }])
    expect(attributeNamed(`givenName "X!" contains special characters`, given)).toBe("name.givenName")
    const pathless = PatchOp.make([{ op: "replace", value: { userType: "boss", active: false } }])
    expect(attributeNamed(`userType "boss" is unknown`, pathless)).toBe("userType")
    expect(candidatesOf(PatchOp.make([{ op: "replace", path: "emails[type eq \"work\"].value", value: "a@x" }])))
      .toEqual(new Map([["emails.value", "emails.value"], ["emails", "emails"], ["value", "emails.value"]]))
  })

  const identifier = FastCheck.stringMatching(/^[a-z][A-Za-z]{2,12}$/)
  const filler = FastCheck.stringMatching(/^[ 0-9:;,!?()"'-]{0,20}$/)

  it.prop("an attribute mentioned amid words that name nothing is found, whatever its value", [
    FastCheck.uniqueArray(identifier, { minLength: 1, maxLength: 6 }),
    FastCheck.nat(),
    FastCheck.string(),
    filler,
    filler
  ], ([names, pick, value, before, after]) => {
    const body = Object.fromEntries(names.map((name) => [name, value]))
    const named = names[pick % names.length]!
    const detail = `${before} ${named.toUpperCase()} ${after} "${value}"`
    const found = attributeNamed(detail, body)
    // A value that itself reads as an attribute name may come first; anything found is sent.
    if (names.some((name) => value.toLowerCase().includes(name.toLowerCase()))) {
      expect(found === undefined || names.includes(found)).toBe(true)
    } else expect(found).toBe(named)
  })

  it.prop("the answer is always an attribute the request carried, or none", [
    FastCheck.dictionary(identifier, FastCheck.oneof(FastCheck.string(), FastCheck.boolean())),
    FastCheck.string()
  ], ([body, detail]) => {
    const found = attributeNamed(detail, body)
    if (found !== undefined) expect(Object.keys(body)).toContain(found)
  })

  it.prop("a detail that only quotes the values sent names no attribute", [
    FastCheck.dictionary(identifier, FastCheck.string({ minLength: 1 })),
    filler
  ], ([body, glue]) => {
    const values = Object.values(body).filter((v) => !(v.toLowerCase() in Object.fromEntries(
      Object.keys(body).map((k) => [k.toLowerCase(), true])
    )))
    expect(attributeNamed(values.map((v) => `"${v}"`).join(glue), body)).toBeUndefined()
  })
})
