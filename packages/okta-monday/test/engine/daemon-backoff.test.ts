/**
 * A team whose changes monday.com keeps refusing (not a transient error: a request it will never
 * accept, here a 400 on that one team's PATCH from a proxy in front of the emulator) is backed off
 * after a few failures in a row: its changes wait, the other teams go on converging, `status`
 * (the state store) lists it and `/metrics` counts it.
 */
import { describe, expect, it } from "@effect/vitest"
import { Duration, Effect } from "effect"
import type { CycleEvent } from "../../src/Daemon.js"
import { StateStore } from "../../src/state/StateStore.js"
import { getMetrics, inProcessDaemon, parseMetrics } from "../support/daemon.js"
import { withEngine } from "../support/engine.js"
import { refusingProxy } from "../support/proxy.js"
import { settingsOf, waitUntilEffect, world } from "../support/world.js"

const rules = `
mappings:
  - select: { nameRegex: "^Dept - (.*)$" }
    team: "{1}"
`

const people = Array.from({ length: 10 }, (_, i) => `p${i}`)

type Applied = Extract<CycleEvent, { kind: "full" | "delta" }>

describe("daemon back-off of a failing team", () => {
  it.scopedLive("a team monday.com keeps refusing is backed off; the others converge; status and /metrics show it", () =>
    Effect.gen(function*() {
      const w = yield* world({ people, groups: { "Dept - Big": ["p0"], "Dept - A": ["p1"], "Dept - B": ["p2"] } })
      // Every PATCH of Big is refused with a 400, which no retry helps; the other teams' go through.
      let bigId: string | undefined
      const proxy = yield* refusingProxy(w.monday.url, (method, path) =>
        method === "PATCH" && bigId !== undefined && path === `/scim/v2/Groups/${bigId}`
          ? {
            status: 400,
            body: {
              schemas: ["urn:ietf:params:scim:api:messages:2.0:Error"],
              status: "400",
              scimType: "invalidValue",
              detail: "this team can't be changed"
            }
          }
          : undefined)
      expect(w.monday.scimUrl).toBe(`${w.monday.url}/scim/v2`)
      const settings = settingsOf(w, { rules, scimUrl: `${proxy.url}/scim/v2` })
      expect(settings.daemon.backoffAfterFailures).toBe(3)
      const d = yield* inProcessDaemon(settings, { pollInterval: Duration.millis(200), fullSyncInterval: Duration.seconds(1) })
      yield* waitUntilEffect("the teams", () => w.teams(), (t) => Object.keys(t).length === 3)
      bigId = w.teamId("Big")
      const applied = () => d.events.filter((e): e is Applied => e.kind === "full" || e.kind === "delta")
      const bigFailures = () =>
        applied().flatMap((e) => e.report.outcomes.filter((o) => o.key === "Big" && o.status === "failed")).length

      const big = w.groupId("Dept - Big")
      for (const h of ["p3", "p4", "p5", "p6"]) w.okta.addMember(big, w.userId(h))
      w.okta.addMember(w.groupId("Dept - A"), w.userId("p7"))
      w.okta.addMember(w.groupId("Dept - B"), w.userId("p8"))

      yield* waitUntilEffect("A and B", () => w.teams(), (t) =>
        JSON.stringify([t.A, t.B]) === JSON.stringify([["p1", "p7"], ["p2", "p8"]]))
      const sqlite = (settings.state as { sqlite: string }).sqlite
      const onStore = <A>(f: (s: typeof StateStore.Service) => Effect.Effect<A, unknown>) =>
        Effect.runPromise(Effect.flatMap(StateStore, f).pipe(Effect.provide(StateStore.layer({ sqlite }))))
      const entries = yield* waitUntilEffect(
        "Big backed off (what `okta-monday status` lists)",
        () => onStore((s) => s.backoff.list),
        (list) => list.some((b) => b.key === "Big" && b.failures >= 3)
      )
      expect(entries.map((b) => b.key)).toEqual(["Big"])
      expect(entries[0]!.nextAttemptAt.getTime()).toBeGreaterThan(Date.now())
      expect(entries[0]!.lastError._tag === "Some" && entries[0]!.lastError.value).toContain("this team can't be changed")
      expect(bigFailures()).toBe(3)
      expect(proxy.refused()).toBe(3)

      // Two more full cycles: Big's changes are held, not sent again, and said so.
      const fulls = applied().filter((e) => e.kind === "full").length
      const later = yield* waitUntilEffect(
        "two more full cycles",
        () => applied().filter((e) => e.kind === "full").slice(fulls),
        (es) => es.length >= 2
      )
      expect(bigFailures()).toBe(3)
      expect(proxy.refused()).toBe(3)
      for (const e of later) {
        expect(e.report.backedOff).toEqual(["Big"])
        expect(e.report.plan.operations.filter((op) => op.key === "Big")).toEqual([])
        expect(e.report.plan.warnings).toContainEqual({
          _tag: "Message",
          message: `team "Big" failed 3+ times in a row; its changes wait for its back-off`
        })
      }
      expect(w.teams()).toEqual({ Big: ["p0"], A: ["p1", "p7"], B: ["p2", "p8"] })
      expect(d.events.filter((e) => e.kind === "failed")).toEqual([])

      const m = parseMetrics((yield* getMetrics(d.url)).text)
      expect(m.get("okta_monday_backed_off_teams")).toBe(1)
      expect(m.get("okta_monday_backed_off_users")).toBe(0)
    }), 60_000)

  it.scopedLive("a backed-off user is named as a user, by email, and their operations wait", () =>
    Effect.gen(function*() {
      const w = yield* world({ people: ["ann", "bob"], groups: { "Dept - Eng": ["ann"] } })
      const settings = settingsOf(w, { rules: `${rules}\nusers: { deactivate: true }` })
      yield* withEngine(settings, (engine) =>
        Effect.gen(function*() {
          const store = yield* StateStore
          yield* engine.sync
          const key = `user:${w.userId("bob")}`
          for (let i = 0; i < 3; i++) yield* store.backoff.recordFailure(key, new Date(), "refused")
          w.okta.setUserStatus(w.userId("bob"), "SUSPENDED")
          const report = yield* engine.sync
          expect(report.backedOff).toEqual([key])
          expect(report.plan.operations).toEqual([])
          expect(report.plan.warnings).toContainEqual({
            _tag: "Message",
            message: "user bob@example.com failed 3+ times in a row; its changes wait for its back-off"
          })
          expect(w.monday.account(w.slug).users.find((u) => u.userName === "bob@example.com")?.active).toBe(true)
        }))
    }))
})
