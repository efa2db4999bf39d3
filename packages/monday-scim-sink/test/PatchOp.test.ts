import { describe, expect, it } from "@effect/vitest"
import { FastCheck, Schema } from "effect"
import * as PatchOp from "../src/PatchOp.js"
import * as ScimError from "../src/ScimError.js"

describe("PatchOp", () => {
  it("a membership change is one add for all additions and one filtered remove per removal", () => {
    expect(PatchOp.membersChange(["1", "2"], ["3"])).toEqual([
      { op: "add", path: "members", value: [{ value: "1" }, { value: "2" }] },
      { op: "remove", path: "members[value eq \"3\"]" }
    ])
    expect(PatchOp.membersChange([], [])).toEqual([])
  })

  it.prop("every message decodes as a PatchOp, and filter values round-trip through JSON quoting", [
    FastCheck.array(FastCheck.string({ minLength: 1 }), { minLength: 1, maxLength: 5 }),
    FastCheck.array(FastCheck.string({ minLength: 1 }), { maxLength: 5 })
  ], ([add, remove]) => {
    const [first, ...rest] = PatchOp.membersChange(add, remove)
    const message = PatchOp.make([first!, ...rest])
    expect(Schema.decodeUnknownSync(PatchOp.PatchOp)(JSON.parse(JSON.stringify(message)))).toEqual(message)
    rest.forEach((op, i) => {
      const quoted = /^members\[value eq (.*)\]$/.exec(op.path!)![1]
      expect(JSON.parse(quoted)).toBe(remove[i])
    })
  })

  it("decodes ops in any case, as Entra sends them", () => {
    const decoded = Schema.decodeUnknownSync(PatchOp.PatchOp)({
      schemas: [PatchOp.URN],
      Operations: [{ op: "Replace", path: "displayName", value: "x" }]
    })
    expect(decoded.Operations[0].op).toBe("replace")
  })

  it("refuses a message without the PatchOp URN", () => {
    expect(() => Schema.decodeUnknownSync(PatchOp.PatchOp)({ schemas: [], Operations: [{ op: "add" }] })).toThrow()
  })
})

describe("ScimError", () => {
  it("decodes status given as a string or a number", () => {
    const decode = Schema.decodeUnknownSync(ScimError.ScimError)
    expect(decode({ schemas: [ScimError.URN], status: "409", scimType: "uniqueness" }).status).toBe(409)
    expect(decode({ status: 400, detail: "x" }).status).toBe(400)
  })
})
