// examples/promise-daemon.mjs: the daemon with the Promise API, until Ctrl-C or SIGTERM
import { createEngine } from "okta-monday"

const engine = await createEngine({ configPath: process.env.OKTA_MONDAY_CONFIG ?? "okta-monday.yaml" })
const daemon = engine.startDaemon({
  onListening: (url) => console.log(`serving ${url}/healthz and ${url}/metrics`),
  onCycle: (event) => {
    if (event.kind === "full" || event.kind === "delta") {
      console.log(`${event.kind} cycle: ${event.report.status}, ${event.report.outcomes.length} operations`)
    } else if (event.kind === "failed") {
      console.error(`${event.cycle} cycle failed: ${event.error}`)
    }
  }
})
// Stopping finishes the operation in flight (the rest of an apply resumes at the next start) and releases the lease.
for (const signal of ["SIGINT", "SIGTERM"]) process.once(signal, () => daemon.stop())
try {
  await daemon.done
} finally {
  await engine.close()
}
