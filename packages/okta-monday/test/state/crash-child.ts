/**
 * A daemon that dies mid-apply: begins a run, records the given number of outcomes (printing each
 * once recordOutcome has returned), then kills itself with SIGKILL, no finalizers, no clean close.
 * Usage: crash-child.ts <sqlite|postgres> <path-or-url> <tenant> <runId> <operations> <outcomes>
 */
import { Effect, Redacted } from "effect"
import { StateStore } from "../../src/state/StateStore.js"
import { done, failed, plan } from "./fixtures.js"

const [backend, target, tenant, runId, operations, outcomes] = process.argv.slice(2)

const layer = backend === "postgres"
  ? StateStore.layerPostgres({ url: Redacted.make(target), tenant })
  : StateStore.layerSqlite({ path: target, tenant })

const program = Effect.gen(function*() {
  const store = yield* StateStore
  yield* store.beginApply({ runId, kind: "full", plan: plan(Number(operations)) })
  for (let i = 0; i < Number(outcomes); i++) {
    yield* store.recordOutcome(runId, i % 3 === 2 ? failed(i) : done(i))
    process.stdout.write(`recorded ${i}\n`)
  }
  process.kill(process.pid, "SIGKILL")
  // SIGKILL is delivered before this line runs; never close the store cleanly.
  yield* Effect.never
})

Effect.runPromise(program.pipe(Effect.provide(layer))).catch((error) => {
  process.stderr.write(`${String(error)}\n`)
  process.exit(2)
})
