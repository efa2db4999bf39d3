/**
 * The Promise API against both emulators: check, plan, apply (a report, a saved plan, or afresh),
 * sync, the daemon, and loading a config file. Every test has its own org, account and state.
 */
import { describe, expect, it } from "@effect/vitest"
import { Either } from "effect"
import * as Fs from "node:fs"
import * as Path from "node:path"
import { PlanFile } from "@okta-monday/mapping-core"
import { createEngine } from "../src/Api.js"
import type { EngineHandle } from "../src/Api.js"
import type { CycleEvent } from "../src/Daemon.js"
import { configText, handAdd, startWorld, waitUntil, writeConfig } from "./support/world.js"
import type { World, WorldSpec } from "./support/world.js"

const rules = `
mappings:
  - select: { nameRegex: "^Dept - (.*)$" }
    team: "{1}"
`

const spec: WorldSpec = {
  people: ["ann", "bob", "cat", "dan", { handle: "eve", assigned: false }],
  groups: { "Dept - Eng": ["ann", "bob"], "Dept - Sales": ["cat"] },
  // Made by hand in monday.com: the engine must not replace it.
  handMadeTeams: { Sales: ["dan"] }
}

const writes = (w: World) =>
  Object.entries(w.monday.counters())
    .filter(([k]) => /^(POST|PATCH|PUT|DELETE) /.test(k))
    .reduce((n, [, v]) => n + v, 0)

/** A world and an engine on its config (SQLite state in the world's directory), closed afterwards. */
const withEngine = async (f: (w: World, engine: EngineHandle) => Promise<void>, worldSpec: WorldSpec = spec) => {
  const w = await startWorld(worldSpec)
  const engine = await createEngine({ configText: configText(w, { rules }), env: w.env })
  try {
    await f(w, engine)
  } finally {
    await engine.close()
    await w.close()
  }
}

describe("createEngine (Promise API)", () => {
  it("plan() reads both sides and writes nothing; apply(report) applies it; then nothing is left", () =>
    withEngine(async (w, engine) => {
      w.monday.resetCounters()
      const report = await engine.plan()
      expect(report.plan.operations.map((op) => [op._tag, op.key])).toEqual([["CreateTeam", "Eng"]])
      expect(report.plan.blockers).toMatchObject([{ _tag: "NameTaken", key: "Sales" }])
      expect(report.rendered).toContain('create team "Eng"')
      expect(writes(w)).toBe(0)
      expect(w.teams()).toEqual({ Sales: ["dan"] })

      const applied = await engine.apply(report)
      expect(applied.status).toBe("succeeded")
      expect(applied.outcomes.map((o) => [o.key, o.status])).toEqual([["Eng", "done"]])
      expect(w.teams()).toEqual({ Eng: ["ann", "bob"], Sales: ["dan"] })

      const again = await engine.plan()
      expect(again.plan.operations).toEqual([])
    }))

  it("apply(savedPlan) applies it exactly, or rejects with TargetChanged once monday.com moved, writing nothing", () =>
    withEngine(async (w, engine) => {
      const saved = async () => {
        const { plan } = await engine.plan()
        return Either.getOrThrow(PlanFile.decodePlan(PlanFile.encodePlan(plan)))
      }
      const first = await saved()
      // A change by hand in monday.com after the plan was saved.
      await handAdd(w, "Sales", "ann")
      const moved = w.monday.account(w.slug)
      w.monday.resetCounters()
      await expect(engine.apply(first)).rejects.toMatchObject({
        _tag: "TargetChanged",
        message: expect.stringContaining("monday.com changed since this plan was made")
      })
      expect(w.monday.account(w.slug)).toEqual(moved)
      expect(writes(w)).toBe(0)

      const second = await saved()
      const applied = await engine.apply(second)
      expect(applied.status).toBe("succeeded")
      expect(applied.plan.operations).toEqual(second.operations)
      expect(writes(w)).toBe(second.operations.length)
      expect(w.teams()).toEqual({ Eng: ["ann", "bob"], Sales: ["ann", "dan"] })
    }))

  it("check() names who is not ready and the team that is someone else's", () =>
    withEngine(async (w, engine) => {
      w.okta.addMember(w.groupId("Dept - Eng"), w.userId("eve"))
      const report = await engine.check()
      expect(report.teams.map((t) => ({ key: t.key, kind: t.team.kind, members: t.members, ready: t.ready }))).toEqual([
        { key: "Eng", kind: "create", members: 3, ready: 2 },
        { key: "Sales", kind: "name-taken", members: 1, ready: 1 }
      ])
      expect(report.teams[0]!.notReady).toMatchObject([{ email: "eve@example.com", reason: "not-assigned" }])
    }))

  it("sync() and apply() with no argument run a full cycle: read, plan, apply", () =>
    withEngine(async (w, engine) => {
      const first = await engine.sync()
      expect(first.status).toBe("succeeded")
      expect(w.teams()).toEqual({ Eng: ["ann", "bob"], Sales: ["dan"] })
      expect((await engine.sync()).status).toBe("nothing-to-do")

      w.okta.removeMember(w.groupId("Dept - Eng"), w.userId("bob"))
      const removed = await engine.apply()
      expect(removed.status).toBe("succeeded")
      expect(w.teams().Eng).toEqual(["ann"])
    }))

  it("startDaemon() carries an Okta change over, survives a throwing callback, and stops", () =>
    withEngine(async (w, engine) => {
      const events: Array<CycleEvent["kind"]> = []
      let listening = ""
      const daemon = engine.startDaemon({
        pollInterval: "200 millis",
        http: { host: "127.0.0.1", port: 0 },
        onListening: (url) => {
          listening = url
        },
        onCycle: async (event) => {
          events.push(event.kind)
          if (events.length === 1) throw new Error("a caller's bug")
        }
      })
      await waitUntil("the first full sync", () => w.teams(), (t) => t.Eng !== undefined)
      expect(w.teams().Eng).toEqual(["ann", "bob"])
      w.okta.addMember(w.groupId("Dept - Eng"), w.userId("dan"))
      await waitUntil("dan in Eng", () => w.teams().Eng, (m) => m?.includes("dan") === true)
      // The cycle's callback runs once its apply is done: wait for it too.
      await waitUntil("the delta cycle's callback", () => events, (e) => e.includes("delta"))
      expect(events[0]).toBe("full")
      expect((await fetch(`${listening}/healthz`)).status).toBe(200)

      // One daemon per state store: a second one is refused while the first holds the lease.
      const other = await createEngine({ configText: configText(w, { rules }), env: w.env })
      try {
        await expect(other.startDaemon({ http: false }).done).rejects.toMatchObject({ _tag: "DaemonAlreadyRunning" })
      } finally {
        await other.close()
      }

      await daemon.stop()
      await expect(daemon.done).resolves.toBeUndefined()
      const seen = events.length
      w.okta.addMember(w.groupId("Dept - Eng"), w.userId("cat"))
      await new Promise((r) => setTimeout(r, 600))
      expect(events.length).toBe(seen)
      expect(w.teams().Eng).toEqual(["ann", "bob", "dan"])
    }), 60_000)

  it("loads a config file: secrets from the environment, a relative state path beside the file", async () => {
    const w = await startWorld(spec)
    try {
      const config = writeConfig(w, { rules, sqlite: "state/okm.sqlite" })
      const engine = await createEngine({ configPath: config, env: w.env })
      try {
        expect((await engine.sync()).status).toBe("succeeded")
      } finally {
        await engine.close()
      }
      expect(Fs.existsSync(Path.join(w.dir, "state", "okm.sqlite"))).toBe(true)
      expect(w.teams().Eng).toEqual(["ann", "bob"])

      await expect(createEngine({ configPath: config, env: {} })).rejects.toMatchObject({
        _tag: "SettingsError",
        issues: [
          { path: "okta.token", message: "the environment variable OKTA_API_TOKEN is not set" },
          { path: "monday.token", message: "the environment variable MONDAY_SCIM_TOKEN is not set" }
        ]
      })
    } finally {
      await w.close()
    }
  })
})
