import { describe, expect, it } from "@effect/vitest"
import { FastCheck } from "effect"
import { backoff, parseRetryAfter } from "../../src/internal/retry.js"

describe("parseRetryAfter", () => {
  const now = Date.parse("2025-01-01T00:00:00Z")

  it("reads delta-seconds", () => {
    expect(parseRetryAfter("0", now)).toBe(0)
    expect(parseRetryAfter(" 60 ", now)).toBe(60_000)
    expect(parseRetryAfter("0.25", now)).toBe(250)
  })

  it("reads an HTTP date as the time left until it, never negative", () => {
    expect(parseRetryAfter("Wed, 01 Jan 2025 00:00:30 GMT", now)).toBe(30_000)
    expect(parseRetryAfter("Tue, 31 Dec 2024 23:59:00 GMT", now)).toBe(0)
  })

  it("ignores what it can't read", () => {
    expect(parseRetryAfter(undefined, now)).toBeUndefined()
    expect(parseRetryAfter("soon", now)).toBeUndefined()
    expect(parseRetryAfter("-5", now)).toBeUndefined()
  })
})

describe("backoff", () => {
  it.prop(
    "stays within half and all of the capped exponential step",
    [
      FastCheck.integer({ min: 1, max: 40 }),
      FastCheck.integer({ min: 1, max: 5000 }),
      FastCheck.double({ min: 0, max: 1, maxExcluded: true, noNaN: true })
    ],
    ([attempt, base, random]) => {
      const step = Math.min(30_000, base * 2 ** (attempt - 1))
      const delay = backoff(attempt, base, 30_000, random)
      expect(delay).toBeGreaterThanOrEqual(Math.floor(step / 2))
      expect(delay).toBeLessThanOrEqual(Math.ceil(step))
    }
  )

  it("doubles per attempt until the cap", () => {
    expect([1, 2, 3, 4, 10].map((a) => backoff(a, 100, 1000, 0))).toEqual([50, 100, 200, 400, 500])
  })
})
