/**
 * State store speed on both back ends: saving and loading 1,000 teams × 200 members, a 3-team
 * delta save on top of them, and one journalled outcome (a committed, durable write).
 */
import * as Reactivity from "@effect/experimental/Reactivity"
import * as PgClient from "@effect/sql-pg/PgClient"
import {
  MondayTeamId,
  MondayUserId,
  OktaGroupId,
  OktaUserId,
  TeamLink,
  UserLink
} from "@okta-monday/mapping-core/Domain"
import { Plan } from "@okta-monday/mapping-core/Plan"
import { Context, Effect, Layer, Redacted } from "effect"
import { mkdtempSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { StateStore } from "../src/state/StateStore.js"
import type { StoreError } from "../src/state/StoreError.js"

const PG_ADMIN_URL = process.env.OKTA_MONDAY_BENCH_PG_URL ?? "postgres://postgres@127.0.0.1:5432/postgres"
const ROUNDS = 5
const OUTCOMES = 500

const team = (i: number, name = `Team ${i}`) =>
  new TeamLink({
    teamId: MondayTeamId.make(`team-${i}`),
    displayName: name,
    groupIds: [OktaGroupId.make(`00g${i}`)],
    origin: "created",
    managedMembers: Array.from({ length: 200 }, (_, m) => MondayUserId.make(`mu-${(i * 37 + m) % 20_000}`))
  })
const teams = Array.from({ length: 1000 }, (_, i) => team(i))
const users = Array.from({ length: 20_000 }, (_, i) =>
  new UserLink({
    oktaUserId: OktaUserId.make(`00u${i}`),
    mondayUserId: MondayUserId.make(`mu-${i}`),
    email: `u${i}@x.io`
  })
)
const plan = new Plan({
  version: 1,
  targetFingerprint: "bench",
  operations: Array.from({ length: OUTCOMES }, (_, i) => ({
    _tag: "PatchMembers" as const,
    key: `Team ${i}`,
    teamId: MondayTeamId.make(`team-${i}`),
    displayName: `Team ${i}`,
    add: [MondayUserId.make(`mu-${i}`)],
    remove: []
  })),
  blockers: [],
  warnings: [],
  counts: {
    teams: OUTCOMES,
    unchanged: 0,
    creates: 0,
    renames: 0,
    patches: OUTCOMES,
    adds: OUTCOMES,
    removes: 0,
    deletes: 0,
    blocked: 0
  }
})

const median = (xs: Array<number>) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]
const time = <A, E>(effect: Effect.Effect<A, E>) =>
  Effect.gen(function*() {
    const start = performance.now()
    yield* effect
    return performance.now() - start
  })
const report = (name: string, value: number, unit: string) =>
  console.log(`BENCH ${name} ${value.toFixed(unit === "ms" ? 1 : 0)} ${unit}`)

const measure = (
  prefix: string,
  layer: (tenant: string) => Layer.Layer<StateStore, StoreError>,
  outcomesOnly = false
) =>
  Effect.scoped(Effect.gen(function*() {
    const saves: Array<number> = []
    const loads: Array<number> = []
    const deltas: Array<number> = []
    for (let round = 0; round < ROUNDS && !outcomesOnly; round++) {
      const store = Context.get(yield* Layer.build(layer(`bench-${round}`)), StateStore)
      saves.push(yield* time(store.saveLinks({ teams, users })))
      loads.push(yield* time(store.loadLinks))
      deltas.push(yield* time(store.saveLinks({ teams: [team(1, "renamed"), team(2, "renamed"), team(3, "renamed")] })))
    }
    if (!outcomesOnly) {
      report(`${prefix}.save-links-1000-teams`, median(saves), "ms")
      report(`${prefix}.load-links-1000-teams`, median(loads), "ms")
      report(`${prefix}.save-links-3-of-1000-teams`, median(deltas), "ms")
    }
    const warm = Context.get(yield* Layer.build(layer("bench-warm-up")), StateStore)
    yield* warm.beginApply({ runId: "warm-up", kind: "full", plan })
    yield* Effect.forEach(plan.operations.slice(0, 50), (op, index) =>
      warm.recordOutcome("warm-up", { index, key: op.key, status: "done" }), { discard: true })
    const store = Context.get(yield* Layer.build(layer("bench-journal")), StateStore)
    yield* store.beginApply({ runId: "bench", kind: "full", plan })
    const elapsed = yield* time(Effect.forEach(
      plan.operations,
      (op, index) => store.recordOutcome("bench", { index, key: op.key, status: "done" }),
      { discard: true }
    ))
    report(`${prefix}.record-outcome`, (elapsed * 1000) / OUTCOMES, "us/op")
  }))

const withPgDatabase = <A, E>(f: (url: Redacted.Redacted) => Effect.Effect<A, E>) => {
  const name = `okm_bench_${process.pid}_${Date.now().toString(36)}`
  const admin = (statement: string) =>
    PgClient.make({ url: Redacted.make(PG_ADMIN_URL) }).pipe(
      Effect.flatMap((sql) => sql.unsafe(statement)),
      Effect.scoped,
      Effect.provide(Reactivity.layer)
    )
  const url = new URL(PG_ADMIN_URL)
  url.pathname = `/${name}`
  return Effect.acquireUseRelease(
    admin(`CREATE DATABASE ${name}`),
    () => f(Redacted.make(url.toString())),
    () => Effect.orDie(admin(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`))
  )
}

const dir = mkdtempSync(join(tmpdir(), "okm-bench-"))
const program = Effect.gen(function*() {
  yield* measure("state.sqlite", (tenant) => StateStore.layerSqlite({ path: join(dir, "full.db"), tenant }))
  yield* measure(
    "state.sqlite-sync-normal",
    (tenant) => StateStore.layerSqlite({ path: join(dir, "normal.db"), tenant, synchronous: "normal" }),
    true
  )
  yield* withPgDatabase((url) => measure("state.postgres", (tenant) => StateStore.layerPostgres({ url, tenant })))
}).pipe(Effect.ensuring(Effect.sync(() => rmSync(dir, { recursive: true, force: true }))))

Effect.runPromise(program).catch((error) => {
  console.error(`state.bench failed: ${String(error)}`)
  process.exit(1)
})
