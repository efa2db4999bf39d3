/**
 * The sorted integer set behind each team's pending adds and removal candidates: any sequence of
 * adds and deletes leaves it equal to a Set, in ascending order.
 */
import { describe, expect, it } from "@effect/vitest"
import { FastCheck as fc } from "effect"
import { search, SortedInts } from "../../src/internal/sortedInts.js"

describe("SortedInts", () => {
  it.prop(
    "read between changes, a big set holds what a Set holds, however few or many changes came between",
    [
      fc.uniqueArray(fc.integer({ min: -2000, max: 2000 }), { maxLength: 400, size: "max" }),
      fc.array(fc.oneof(fc.tuple(fc.boolean(), fc.integer({ min: -2100, max: 2100 })), fc.constant("read" as const)), {
        maxLength: 300,
        size: "large"
      })
    ],
    ([initial, ops]) => {
      const set = SortedInts.of(Int32Array.from(initial).sort())
      const model = new Set(initial)
      const ascending = () => [...model].sort((a, b) => a - b)
      for (const op of ops) {
        if (op === "read") {
          expect(Array.from(set.sorted().subarray(0, set.length))).toStrictEqual(ascending())
          continue
        }
        const [add, x] = op
        expect(add ? set.add(x) : set.delete(x)).toBe(add !== model.has(x))
        if (add) model.add(x)
        else model.delete(x)
      }
      expect(Array.from(set.sorted().subarray(0, set.length))).toStrictEqual(ascending())
      expect(Array.from({ length: set.length }, (_, i) => set.at(i))).toStrictEqual(ascending())
    }
  )

  it.prop(
    "after any adds and deletes it holds what a Set holds, ascending, and says what changed",
    [fc.uniqueArray(fc.integer({ min: -50, max: 50 })), fc.array(fc.tuple(fc.boolean(), fc.integer({ min: -60, max: 60 })), { maxLength: 200 })],
    ([initial, ops]) => {
      const set = SortedInts.of(Int32Array.from(initial).sort())
      const model = new Set(initial)
      for (const [add, x] of ops) {
        if (add) expect(set.add(x)).toBe(!model.has(x))
        else expect(set.delete(x)).toBe(model.has(x))
        if (add) model.add(x)
        else model.delete(x)
        expect(set.has(x)).toBe(model.has(x))
        expect(set.length).toBe(model.size)
      }
      const items = Array.from({ length: set.length }, (_, i) => set.at(i))
      expect(items).toStrictEqual([...model].sort((a, b) => a - b))
    }
  )

  it("search gives the index of a present value and the insertion point of an absent one", () => {
    const a = Int32Array.from([2, 4, 6])
    expect(search(a, 3, 4)).toBe(1)
    expect(search(a, 3, 1)).toBe(-1)
    expect(search(a, 3, 5)).toBe(-3)
    expect(search(a, 3, 7)).toBe(-4)
    expect(search(a, 0, 2)).toBe(-1)
  })
})
