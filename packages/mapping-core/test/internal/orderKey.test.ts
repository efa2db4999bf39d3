/**
 * The number a team's not-ready list is searched by: it must never put two ids in the other order
 * than `<` does, whatever the characters (Okta ids, emails, other alphabets, control characters).
 */
import { describe, expect, it } from "@effect/vitest"
import { FastCheck as fc } from "effect"
import { orderKey } from "../../src/internal/orderKey.js"

/** Strings mixing printable ASCII with code units on both sides of it, often sharing a prefix. */
const unit = fc.oneof(
  { weight: 6, arbitrary: fc.integer({ min: 32, max: 126 }) },
  { weight: 1, arbitrary: fc.integer({ min: 0, max: 31 }) },
  { weight: 1, arbitrary: fc.integer({ min: 127, max: 0xffff }) }
).map((c) => String.fromCharCode(c))
const text = fc.array(unit, { maxLength: 12 }).map((cs) => cs.join(""))
const printable = fc.array(fc.integer({ min: 32, max: 126 }).map((c) => String.fromCharCode(c)), { maxLength: 12 })
  .map((cs) => cs.join(""))
const related = fc.tuple(text, text, text).map(([prefix, a, b]) => [prefix + a, prefix + b] as const)

describe("orderKey", () => {
  it.prop("a < b implies orderKey(a) <= orderKey(b)", [fc.oneof(related, fc.tuple(text, text))], ([[a, b]]) => {
    if (a < b) expect(orderKey(a)).toBeLessThanOrEqual(orderKey(b))
    if (b < a) expect(orderKey(b)).toBeLessThanOrEqual(orderKey(a))
    if (a === b) expect(orderKey(a)).toBe(orderKey(b))
  }, { fastCheck: { numRuns: 2000 } })

  it.prop("tells apart printable ids that differ within their first 8 characters", [printable, printable], ([a, b]) => {
    fc.pre(a.slice(0, 8) !== b.slice(0, 8))
    expect(orderKey(a) < orderKey(b)).toBe(a.slice(0, 8) < b.slice(0, 8))
  })

  it("orders Okta ids as strings, and keys are exact integers", () => {
    const ids = ["00u1a", "00u1", "00u10", "00uZ", "00ua", "00u1aaaaaaaaaa", "00u1aaaaaaaaab"]
    const byKey = [...ids].sort((x, y) => orderKey(x) - orderKey(y) || (x < y ? -1 : x > y ? 1 : 0))
    expect(byKey).toStrictEqual([...ids].sort())
    expect(orderKey("\u007e".repeat(8))).toBeLessThan(2 ** 53)
    expect(Number.isInteger(orderKey("00u9zzzzzzzzzzzzzzz"))).toBe(true)
  })
})
