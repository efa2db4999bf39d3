// examples/effect-api.ts: check, plan, apply and sync with the Effect API (npx tsx examples/effect-api.ts)
import { NodeRuntime } from "@effect/platform-node"
import { Console, Effect } from "effect"
import { Engine, Layers } from "okta-monday"

const program = Effect.gen(function*() {
  const engine = yield* Engine.Engine

  const check = yield* engine.check
  for (const team of check.teams) {
    yield* Console.log(`${team.key}: ${team.ready}/${team.members} ready`)
    for (const user of team.notReady) yield* Console.log(`  ${user.email}: ${user.reason}`)
  }

  const report = yield* engine.plan
  yield* Console.log(report.rendered)

  const applied = yield* engine.applyReport(report)
  yield* Console.log(`apply: ${applied.status}, ${applied.outcomes.length} operations`)

  const synced = yield* engine.sync
  yield* Console.log(`sync: ${synced.status}`)
})

program.pipe(
  Effect.provide(Layers.fromConfigFile(process.env.OKTA_MONDAY_CONFIG ?? "okta-monday.yaml")),
  NodeRuntime.runMain
)
