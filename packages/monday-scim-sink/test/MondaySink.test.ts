/**
 * The dry-run layers: writes are recorded (method, path, body) instead of sent, creates answer
 * synthetic team ids that later operations of the same team use, and the same-name guard holds.
 */
import { describe, expect, it } from "@effect/vitest"
import { NodeHttpClient } from "@effect/platform-node"
import { Domain } from "@okta-monday/mapping-core"
import { ConfigProvider, Effect, Exit, Layer, Redacted } from "effect"
import { DryRunLog, MondaySink } from "../src/MondaySink.js"
import { emulator } from "./support/emulator.js"
import { create, patch, plan, remove, rename, teamId, userId } from "./support/plan.js"

const target = new Domain.TargetSnapshot({
  users: [new Domain.MondayUser({ id: userId("1"), userName: "a@x.io", active: true })],
  teams: [new Domain.MondayTeam({ id: teamId("10"), displayName: "Design", members: [userId("1")] })]
})

describe("MondaySink.layerDryRun", () => {
  it.effect("records the writes it would send, with synthetic ids, and sends nothing", () =>
    Effect.gen(function*() {
      const sink = yield* MondaySink
      const log = yield* DryRunLog
      const outcomes = yield* sink.apply(
        plan([
          create("Eng", ["1"]),
          patch("Eng", { add: ["2"], remove: ["3"] }),
          rename("Design", "10", "Design", "Design Team"),
          remove("Old", "11")
        ]),
        { concurrency: 1 }
      )
      expect(outcomes.map((o) => o.status)).toEqual(["done", "done", "done", "done"])
      expect(outcomes[0].teamId).toBe("dry-run-1")
      expect(yield* log.requests).toEqual([
        {
          method: "POST",
          path: "/Groups",
          body: {
            schemas: ["urn:ietf:params:scim:schemas:core:2.0:Group"],
            displayName: "Eng",
            members: [{ value: "1" }]
          }
        },
        {
          method: "PATCH",
          path: "/Groups/dry-run-1",
          body: {
            schemas: ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
            Operations: [
              { op: "add", path: "members", value: [{ value: "2" }] },
              { op: "remove", path: "members[value eq \"3\"]" }
            ]
          }
        },
        {
          method: "PATCH",
          path: "/Groups/10",
          body: {
            schemas: ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
            Operations: [{ op: "replace", path: "displayName", value: "Design Team" }]
          }
        },
        { method: "DELETE", path: "/Groups/11" }
      ])
      yield* log.clear
      expect(yield* log.requests).toEqual([])
      expect((yield* sink.readTarget()).snapshot).toBe(target)
      expect(yield* sink.testConnection).toMatchObject({ dryRun: true, users: 1 })
    }).pipe(Effect.provide(MondaySink.layerDryRun({ target }))))

  it.effect("refuses a create whose name the target already has, as the live sink would", () =>
    Effect.gen(function*() {
      const sink = yield* MondaySink
      const outcomes = yield* sink.apply(plan([create("design"), patch("design", { add: ["1"] })]))
      expect(outcomes.map((o) => [o.status, o.error?.tag])).toEqual([["failed", "Conflict"], ["skipped", undefined]])
      expect(yield* (yield* DryRunLog).requests).toEqual([])
    }).pipe(Effect.provide(MondaySink.layerDryRun({ target }))))

  it.effect("calls onOutcome once per operation as each finishes", () =>
    Effect.gen(function*() {
      const sink = yield* MondaySink
      const seen: Array<number> = []
      yield* sink.apply(plan([create("A"), create("B"), patch("A", { add: ["1"] })]), {
        onOutcome: (o) => Effect.sync(() => seen.push(o.index))
      })
      expect(seen.sort()).toEqual([0, 1, 2])
    }).pipe(Effect.provide(MondaySink.layerDryRun())))
})

describe("MondaySink.layerDryRunReading", () => {
  it.scopedLive("reads monday.com for real but writes nothing", () =>
    Effect.gen(function*() {
      const emu = yield* emulator()
      const { token } = emu.createAccount({
        slug: "acme",
        admin: { email: "admin@acme.io" },
        teams: [{ displayName: "Design", members: [] }]
      })
      const layer = MondaySink.layerDryRunReading({ scimUrl: emu.scimUrl, token: Redacted.make(token) }).pipe(
        Layer.provide(NodeHttpClient.layerUndici)
      )
      const context = yield* Layer.build(layer)
      const sink = yield* Effect.provide(MondaySink, context)
      const log = yield* Effect.provide(DryRunLog, context)

      const { snapshot } = yield* sink.readTarget()
      expect(snapshot.teams.map((t) => t.displayName)).toEqual(["Design"])
      const outcomes = yield* sink.apply(
        plan([create("Design"), create("Eng"), patch("Existing", { teamId: snapshot.teams[0].id, add: ["x"] })])
      )

      expect(outcomes.map((o) => o.status)).toEqual(["failed", "done", "done"])
      expect(outcomes[0].error?.tag).toBe("Conflict")
      expect((yield* log.requests).map((r) => `${r.method} ${r.path}`).sort()).toEqual([
        `PATCH /Groups/${snapshot.teams[0].id}`,
        "POST /Groups"
      ])
      const counters = emu.counters()
      expect(Object.keys(counters).filter((k) => !k.startsWith("GET ") && k !== "total")).toEqual([])
    }))
})

describe("MondaySink.layerConfig", () => {
  const build = (env: Record<string, string>) =>
    Layer.build(MondaySink.layerConfig()).pipe(
      Effect.provide(NodeHttpClient.layerUndici),
      Effect.withConfigProvider(ConfigProvider.fromMap(new Map(Object.entries(env)))),
      Effect.scoped,
      Effect.exit
    )

  it.effect("reads MONDAY_SCIM_URL and MONDAY_SCIM_TOKEN", () =>
    Effect.gen(function*() {
      const exit = yield* build({ MONDAY_SCIM_URL: "https://acme.monday.com/scim/v2", MONDAY_SCIM_TOKEN: "tok-123" })
      expect(Exit.isSuccess(exit)).toBe(true)
    }))

  it.effect("fails with a ConfigError naming what's wrong, never the token", () =>
    Effect.gen(function*() {
      const insecure = yield* build({ MONDAY_SCIM_URL: "http://acme.monday.com/scim/v2", MONDAY_SCIM_TOKEN: "tok-123" })
      expect(String(insecure)).toContain("plain http")
      expect(String(insecure)).not.toContain("tok-123")
      const missing = yield* build({ MONDAY_SCIM_URL: "https://acme.monday.com/scim/v2" })
      expect(String(missing)).toContain("MONDAY_SCIM_TOKEN")
      const badConcurrency = yield* build({
        MONDAY_SCIM_URL: "https://acme.monday.com/scim/v2",
        MONDAY_SCIM_TOKEN: "tok-123",
        MONDAY_SCIM_CONCURRENCY: "0"
      })
      expect(String(badConcurrency)).toContain("MONDAY_SCIM_CONCURRENCY")
    }))
})
