/**
 * Bounded concurrency, seen from the server: with every answer slowed down, the most requests
 * the emulator serves at once never exceeds the sink's concurrency, and exceeds one (the work
 * really runs side by side).
 */
import { HttpClient, HttpClientRequest } from "@effect/platform"
import { describe, expect, it } from "@effect/vitest"
import { Effect } from "effect"
import { emulator, type MondayEmulator } from "./support/emulator.js"
import { liveSink, patch, plan, rename } from "./support/plan.js"

const seed = (emu: MondayEmulator) => {
  const { token } = emu.createAccount({
    slug: "acme",
    admin: { email: "admin@acme.io" },
    users: Array.from({ length: 40 }, (_, i) => ({ email: `u${i}@acme.io` })),
    teams: Array.from({ length: 12 }, (_, t) => ({ displayName: `Team ${t}`, members: [`u${t}@acme.io`] }))
  })
  const state = emu.account("acme")
  const id = (email: string) => state.users.find((u) => u.userName === email)!.id
  return { token, state, id }
}

describe("bounded concurrency", () => {
  for (const concurrency of [1, 3]) {
    it.scopedLive(`apply works on at most ${concurrency} team(s) at once`, () =>
      Effect.gen(function*() {
        const emu = yield* emulator()
        const { id, state, token } = seed(emu)
        const operations = state.teams.flatMap((team, t) => [
          patch(team.displayName, { teamId: team.id, add: [id(`u${20 + t}@acme.io`)] }),
          rename(team.displayName, team.id, team.displayName, `Renamed ${t}`)
        ])
        const sink = yield* liveSink(emu.scimUrl, token, { concurrency })
        emu.resetCounters()
        emu.setFaults({ shares: { slow: 1 }, slowMs: 40 })

        const outcomes = yield* sink.apply(plan(operations))

        expect(outcomes.every((o) => o.status === "done")).toBe(true)
        const { peak } = emu.inFlight()
        expect(peak).toBeLessThanOrEqual(concurrency)
        if (concurrency > 1) expect(peak).toBeGreaterThan(1)
        else expect(peak).toBe(1)
      }))
  }

  it.scopedLive("apply's own concurrency option bounds it too", () =>
    Effect.gen(function*() {
      const emu = yield* emulator()
      const { id, state, token } = seed(emu)
      const sink = yield* liveSink(emu.scimUrl, token, { concurrency: 8 })
      emu.resetCounters()
      emu.setFaults({ shares: { slow: 1 }, slowMs: 40 })
      const outcomes = yield* sink.apply(
        plan(state.teams.map((team, t) => patch(team.displayName, { teamId: team.id, add: [id(`u${20 + t}@acme.io`)] }))),
        { concurrency: 2 }
      )
      expect(outcomes.every((o) => o.status === "done")).toBe(true)
      expect(emu.inFlight().peak).toBe(2)
    }))

  it.scopedLive("readTarget reads users, teams and their pages side by side, never more than concurrency at once", () =>
    Effect.gen(function*() {
      const emu = yield* emulator({ maxPageSize: 5 })
      const { token } = seed(emu)
      const sink = yield* liveSink(emu.scimUrl, token, { concurrency: 3, pageSize: 5 })
      emu.resetCounters()
      emu.setFaults({ shares: { slow: 1 }, slowMs: 40 })

      const { snapshot } = yield* sink.readTarget()

      expect(snapshot.users.length).toBe(41)
      expect(snapshot.teams.length).toBe(12)
      // 41 users in pages of 5 → 9 pages, 12 teams → 3 pages.
      expect(emu.counters()).toMatchObject({ "GET /Users": 9, "GET /Groups": 3 })
      const { peak } = emu.inFlight()
      expect(peak).toBeLessThanOrEqual(3)
      expect(peak).toBeGreaterThan(1)
    }))

  it.scopedLive("readTarget's per-team reads (when lists leave members out) are bounded the same way", () =>
    Effect.gen(function*() {
      const emu = yield* emulator()
      const { token } = seed(emu)
      // Lists leave members out (excludedAttributes), single reads carry them: one GET per team follows.
      const listsWithoutMembers = HttpClient.mapRequest((request) =>
        request.url.endsWith("/Groups") ? HttpClientRequest.setUrlParam(request, "excludedAttributes", "members") : request
      )
      const sink = yield* liveSink(emu.scimUrl, token, { concurrency: 2, transformClient: listsWithoutMembers })
      emu.setFaults({ shares: { slow: 1 }, slowMs: 40 })
      emu.resetCounters()
      const { snapshot, warnings } = yield* sink.readTarget()
      expect(warnings).toEqual([])
      expect(snapshot.teams.every((team) => team.members.length === 1)).toBe(true)
      expect(emu.counters()["GET /Groups/{id}"]).toBe(12)
      expect(emu.inFlight().peak).toBe(2)
    }))
})
