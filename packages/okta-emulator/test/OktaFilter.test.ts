import { describe, expect, it } from "@effect/vitest"
import { Effect, FastCheck } from "effect"
import { FilterSyntaxError, matches, parseFilter } from "../src/OktaFilter.js"

const event = {
  eventType: "group.user_membership.add",
  target: [
    { id: "00u1", type: "User" },
    { id: "00g1", type: "UserGroup" }
  ],
  outcome: { result: "SUCCESS" }
}

describe("OktaFilter", () => {
  it.effect("matches eq / or / and over nested arrays (target.id matches any target)", () =>
    Effect.sync(() => {
      expect(matches(parseFilter(`eventType eq "group.user_membership.add"`), event)).toBe(true)
      expect(matches(parseFilter(`target.id eq "00g1"`), event)).toBe(true)
      expect(matches(parseFilter(`target.id eq "00g2"`), event)).toBe(false)
      expect(
        matches(parseFilter(`(eventType eq "x" or eventType eq "group.user_membership.add") and target.id eq "00u1"`), event)
      ).toBe(true)
      expect(matches(parseFilter(`eventType eq "x" or eventType eq "y"`), event)).toBe(false)
      expect(matches(parseFilter(`not (eventType sw "group.")`), event)).toBe(false)
      expect(matches(parseFilter(`outcome.result pr`), event)).toBe(true)
      expect(matches(parseFilter(`outcome.reason pr`), event)).toBe(false)
    }))

  it.effect("supports sw / co / ew / ne and typed literals", () =>
    Effect.sync(() => {
      const group = { profile: { name: "Engineering EU", count: 3, on: true }, type: "OKTA_GROUP" }
      expect(matches(parseFilter(`profile.name sw "Eng"`), group)).toBe(true)
      expect(matches(parseFilter(`profile.name co "ring E"`), group)).toBe(true)
      expect(matches(parseFilter(`profile.name ew "EU"`), group)).toBe(true)
      expect(matches(parseFilter(`type ne "APP_GROUP"`), group)).toBe(true)
      expect(matches(parseFilter(`profile.count gt 2 and profile.count le 3`), group)).toBe(true)
      expect(matches(parseFilter(`profile.on eq true`), group)).toBe(true)
      expect(matches(parseFilter(`profile.name eq "with \\"quote\\""`), { profile: { name: `with "quote"` } })).toBe(true)
    }))

  it.effect("binds and tighter than or, keywords case-insensitive", () =>
    Effect.sync(() => {
      // a or (b and c): true because a holds even though c does not.
      const f = parseFilter(`eventType eq "group.user_membership.add" OR target.id eq "nope" AND eventType eq "x"`)
      expect(f._tag).toBe("Or")
      expect(matches(f, event)).toBe(true)
    }))

  it.effect("rejects malformed filters with the position and reason", () =>
    Effect.sync(() => {
      const bad = [
        [`eventType eq`, 12],
        [`eventType equals "x"`, 10],
        [`eventType eq "x" or`, 19],
        [`(eventType eq "x"`, 17],
        [`eventType eq "unterminated`, 13],
        [`eventType eq x`, 13]
      ] as const
      for (const [input, position] of bad) {
        try {
          parseFilter(input)
          expect.fail(`parsed ${input}`)
        } catch (e) {
          expect(e).toBeInstanceOf(FilterSyntaxError)
          expect((e as FilterSyntaxError).position).toBe(position)
        }
      }
    }))

  it.prop(
    "an or-chain of eq matches exactly the listed values",
    [FastCheck.uniqueArray(FastCheck.stringMatching(/^[a-z.]{1,12}$/), { minLength: 1, maxLength: 6 }), FastCheck.stringMatching(/^[a-z.]{1,12}$/)],
    ([values, probe]) => {
      const f = parseFilter(values.map((v) => `eventType eq "${v}"`).join(" or "))
      expect(matches(f, { eventType: probe })).toBe(values.includes(probe))
    }
  )
})
