/**
 * The daemon as a real process, on a SQLite and on a Postgres state store, killed with SIGKILL
 * while an apply is in flight (monday.com slowed so some teams exist and others don't yet), then
 * restarted: monday.com ends exactly as after an uninterrupted run, with no duplicate or replaced
 * team, and the journal has nothing unfinished.
 */
import { afterAll, beforeAll, describe, expect, it } from "@effect/vitest"
import { Effect, Option } from "effect"
import { StateStore } from "../../src/state/StateStore.js"
import { withEngine } from "../support/engine.js"
import { startDaemon } from "../support/processes.js"
import { storeBackends } from "../support/stores.js"
import { envOf, settingsOf, startWorld, storeLayerOf, teamsOf, waitUntil, writeConfig } from "../support/world.js"
import type { ConfigParts, World, WorldSpec } from "../support/world.js"

const people = Array.from({ length: 24 }, (_, i) => `p${String(i).padStart(2, "0")}`)
const TEAMS = 8
const spec: WorldSpec = {
  people,
  // Four members per team with at most two per PATCH: each team is a create and a PATCH, so the
  // kill can land between them as well as between teams.
  groups: Object.fromEntries(
    Array.from({ length: TEAMS }, (_, t) => [`Dept - T${t}`, people.filter((_, i) => i % TEAMS === t || (i + 3) % TEAMS === t)])
  )
}
const rules = `
mappings:
  - select: { nameRegex: "^Dept - (.*)$" }
    team: "{1}"
limits:
  maxMembersPerPatch: 2
`

const readStore = (w: World, parts: ConfigParts) =>
  Effect.runPromise(
    Effect.gen(function*() {
      const store = yield* StateStore
      return { unfinished: yield* store.unfinishedApply, runs: yield* store.listRuns(10), links: yield* store.loadLinks }
    }).pipe(Effect.provide(storeLayerOf(w, parts)))
  )

describe.each(storeBackends)("crash and restart (real daemon process, $kind state store)", (backend) => {
  beforeAll(backend.setup)
  afterAll(backend.teardown)

  it("kill -9 mid-apply, restart: the same teams and members as an uninterrupted run, nothing unfinished", async () => {
    // The uninterrupted run, on its own pair of emulators.
    const reference = await startWorld({ ...spec, slug: "reference" })
    let expected: Record<string, ReadonlyArray<string>>
    try {
      await Effect.runPromise(withEngine(settingsOf(reference, { rules }), (e) => e.sync))
      expected = reference.teams()
    } finally {
      await reference.close()
    }
    expect(Object.keys(expected)).toHaveLength(TEAMS)

    const w = await startWorld(spec)
    const daemons: Array<ReturnType<typeof startDaemon>> = []
    try {
      const parts: ConfigParts = { rules, mondayConcurrency: 1, pollSeconds: 1, ...backend.fresh() }
      const config = writeConfig(w, parts)
      const env = envOf(w, parts)
      w.monday.setFaults({ shares: { slow: 1 }, slowMs: 400, only: ["POST /Groups", "PATCH /Groups/{id}"] })

      const first = startDaemon(config, env)
      daemons.push(first)
      const atKill = await waitUntil(
        "some but not all teams created",
        () => w.monday.account(w.slug).teams,
        (teams) => teams.length >= 3 || first.child.exitCode !== null,
        60_000,
        20
      )
      first.child.kill("SIGKILL")
      const exit = await first.exited
      expect(exit.signal, first.output()).toBe("SIGKILL")
      expect(atKill.length).toBeLessThan(TEAMS)
      // The request in flight when the process died still lands (the server had it): wait for it.
      await new Promise((r) => setTimeout(r, 600))
      const created = new Map(w.monday.account(w.slug).teams.map((t) => [t.id, t.displayName]))

      // The journal knows an apply was cut short.
      const crashed = await readStore(w, parts)
      expect(Option.isSome(crashed.unfinished)).toBe(true)

      w.monday.setFaults({})
      const second = startDaemon(config, env)
      daemons.push(second)
      await waitUntil("monday.com to converge", () => teamsOf(w.monday, w.slug), (t) =>
        JSON.stringify(t, Object.keys(t).sort()) === JSON.stringify(expected, Object.keys(expected).sort()) &&
        Object.keys(t).length === TEAMS, 60_000)
      const stopped = await second.stop("SIGTERM")
      // SIGTERM is a clean stop.
      expect(stopped.code, second.output()).toBe(0)
      expect(second.output()).toMatch(/taking over the lease/)

      const final = w.monday.account(w.slug).teams
      // Same teams and members, no duplicate name, and every team that existed at the kill is still the same team.
      expect(teamsOf(w.monday, w.slug)).toEqual(expected)
      expect(new Set(final.map((t) => t.displayName)).size).toBe(final.length)
      for (const [id, name] of created) expect(final.find((t) => t.id === id)?.displayName).toBe(name)
      expect(final.every((t) => t.members.length === new Set(t.members).size)).toBe(true)

      const after = await readStore(w, parts)
      expect(Option.isNone(after.unfinished)).toBe(true)
      expect(after.runs.some((r) => Option.isSome(r.summary) && r.summary.value.status === "interrupted")).toBe(true)
      expect(after.links.teams.map((t) => t.teamId).sort()).toEqual(final.map((t) => t.id).sort())
    } finally {
      for (const d of daemons) await d.stop("SIGKILL")
      await w.close()
    }
  }, 120_000)
})
