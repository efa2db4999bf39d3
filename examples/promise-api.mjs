// examples/promise-api.mjs: check, plan, apply and sync with the Promise API (plain Node, no build step)
import { createEngine } from "okta-monday"

const engine = await createEngine({ configPath: process.env.OKTA_MONDAY_CONFIG ?? "okta-monday.yaml" })
try {
  const check = await engine.check() // per team: who isn't assigned, provisioned or active
  for (const team of check.teams) {
    console.log(`${team.key}: ${team.ready}/${team.members} ready`)
    for (const user of team.notReady) console.log(`  ${user.email}: ${user.reason}`)
  }

  const report = await engine.plan() // reads both sides, writes nothing
  console.log(report.rendered)
  for (const blocker of report.plan.blockers) console.log(`blocked: ${blocker._tag} ${blocker.id}`)

  const applied = await engine.apply(report) // exactly this plan
  console.log(`apply: ${applied.status}, ${applied.outcomes.length} operations`)

  const synced = await engine.sync() // read, plan and apply in one go, as cron would
  console.log(`sync: ${synced.status}`)
} finally {
  await engine.close()
}
