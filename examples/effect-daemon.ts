// examples/effect-daemon.ts: the daemon with the Effect API (npx tsx examples/effect-daemon.ts)
import { NodeRuntime } from "@effect/platform-node"
import { Console, Duration, Effect } from "effect"
import { Daemon, Layers, Settings } from "okta-monday"

const program = Effect.gen(function*() {
  const settings = yield* Settings.loadSettings(process.env.OKTA_MONDAY_CONFIG ?? "okta-monday.yaml")
  yield* Daemon.run({
    fullSyncInterval: Duration.minutes(settings.daemon.fullSyncMinutes),
    pollInterval: Duration.seconds(settings.daemon.pollSeconds),
    http: settings.daemon.http,
    onListening: (url) => Console.log(`serving ${url}/healthz and ${url}/metrics`),
    onCycle: (event) =>
      event.kind === "full" || event.kind === "delta"
        ? Console.log(`${event.kind} cycle: ${event.report.status}, ${event.report.outcomes.length} operations`)
        : Effect.void
  }).pipe(Effect.provide(Layers.engineLayer(settings)))
})

// On SIGINT or SIGTERM runMain interrupts the daemon: the operation in flight finishes, the lease is released.
NodeRuntime.runMain(program)
