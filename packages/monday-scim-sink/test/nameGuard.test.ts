/**
 * The same-name guard (monday.com replaces a team on a POST with its name): per apply, one filtered
 * GET per create or one paged list of every team, whichever costs fewer requests; the list is read
 * just before the first create, so a team made by hand since the plan was read still stops it.
 */
import { describe, expect, it } from "@effect/vitest"
import { Effect } from "effect"
import * as MondaySink from "../src/MondaySink.js"
import { emulator, type MondayEmulator } from "./support/emulator.js"
import { create, liveSink, plan } from "./support/plan.js"

const seed = (emu: MondayEmulator, teams: number) => {
  const { token } = emu.createAccount({
    slug: "acme",
    admin: { email: "admin@acme.io" },
    users: [{ email: "u0@acme.io" }, { email: "u1@acme.io" }],
    teams: Array.from({ length: teams }, (_, t) => ({
      displayName: `Existing ${t}`,
      members: ["u0@acme.io"],
      scimProvisioned: t % 2 === 0
    }))
  })
  return { token, user: emu.account("acme").users.find((u) => u.userName === "u1@acme.io")!.id }
}

/** GET /Groups requests by kind: filtered lookups and list pages. */
const groupReads = (emu: MondayEmulator) => emu.counters()["GET /Groups"] ?? 0

describe("the same-name guard", () => {
  it("guardReads is the fewer of one GET per create and the list's pages (at least one)", () => {
    expect(MondaySink.guardReads(0, 500, 100)).toBe(0)
    expect(MondaySink.guardReads(1, 0, 100)).toBe(1)
    expect(MondaySink.guardReads(2, 250, 100)).toBe(2)
    expect(MondaySink.guardReads(5, 250, 100)).toBe(3)
    expect(MondaySink.guardReads(1000, 0, 100)).toBe(1)
  })

  for (
    const { creates, teams, read, mode } of [
      { creates: 2, teams: 250, read: true, mode: "per-create" },
      { creates: 5, teams: 250, read: true, mode: "list" },
      { creates: 3, teams: 250, read: true, mode: "per-create" },
      { creates: 40, teams: 0, read: true, mode: "list" },
      { creates: 5, teams: 250, read: false, mode: "list" },
      { creates: 2, teams: 250, read: false, mode: "per-create" }
    ] as const
  ) {
    it.scopedLive(
      `${creates} creates in an account of ${teams} teams${read ? "" : " not read first"}: ${mode}, at the minimum`,
      () =>
        Effect.gen(function*() {
          const emu = yield* emulator()
          const { token, user } = seed(emu, teams)
          const sink = yield* liveSink(emu.scimUrl, token, { pageSize: 100 })
          if (read) yield* sink.readTarget()
          emu.resetCounters()

          const outcomes = yield* sink.apply(plan(Array.from({ length: creates }, (_, i) => create(`New ${i}`, [user]))))

          expect(outcomes.every((o) => o.status === "done")).toBe(true)
          expect((yield* sink.stats).guard).toBe(mode)
          const minimum = MondaySink.guardReads(creates, teams, 100)
          // Not read first, the list's first page tells how long it is: one request may be spent finding out.
          const unknownCost = !read && mode === "per-create" ? 1 : 0
          expect(groupReads(emu)).toBe(minimum + unknownCost)
          expect(emu.counters()["POST /Groups"]).toBe(creates)
        }))
  }

  it.scopedLive("a team made by hand after the plan was read stops its create; the list catches it", () =>
    Effect.gen(function*() {
      const emu = yield* emulator()
      const { token, user } = seed(emu, 3)
      const sink = yield* liveSink(emu.scimUrl, token)
      yield* sink.readTarget()
      // Made after the read, by someone else on another token: the plan knows nothing of it.
      const late = emu.createToken("acme")
      yield* Effect.promise(() =>
        fetch(`${emu.scimUrl}/Groups`, {
          method: "POST",
          headers: { authorization: `Bearer ${late}`, "content-type": "application/scim+json" },
          body: JSON.stringify({ displayName: "design", members: [] })
        })
      )
      const before = emu.account("acme").teams.find((t) => t.displayName === "design")!
      emu.resetCounters()

      const outcomes = yield* sink.apply(plan(["Design", "Ops", "Sales"].map((name) => create(name, [user]))))

      expect((yield* sink.stats).guard).toBe("list")
      expect(outcomes.map((o) => o.status)).toEqual(["failed", "done", "done"])
      expect(outcomes[0]!.error?.tag).toBe("Conflict")
      expect(outcomes[0]!.error?.message).toContain(before.id)
      expect(emu.account("acme").teams.find((t) => t.id === before.id)).toEqual(before)
      expect(emu.counters()["POST /Groups"]).toBe(2)
    }))

  it.scopedLive("two creates of one name (any case) in a plan: one is made, the other is a Conflict", () =>
    Effect.gen(function*() {
      const emu = yield* emulator()
      const { token, user } = seed(emu, 0)
      for (const names of [["Design", "DESIGN"], ["Ops", "ops", "Sales"]]) {
        emu.resetCounters()
        const sink = yield* liveSink(emu.scimUrl, token, { concurrency: 4 })
        const outcomes = yield* sink.apply(plan(names.map((name) => create(name, [user]))))
        const conflicts = outcomes.filter((o) => o.error?.tag === "Conflict")
        expect(conflicts).toHaveLength(1)
        expect(conflicts[0]!.error?.message).toMatch(/already exists|two teams of the plan/)
        expect(emu.counters()["POST /Groups"]).toBe(names.length - 1)
      }
      expect(emu.account("acme").teams.map((t) => t.displayName.toLowerCase()).sort()).toEqual(
        ["design", "ops", "sales"]
      )
    }))
})
