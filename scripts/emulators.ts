// `npm run emulators`: both emulators on loopback with the demo's sample org, left running until
// Ctrl-C, plus a config (and an env file with the emulators' throwaway tokens) to point okta-monday at.
import { startMondayEmulator } from "@okta-monday/monday-scim-emulator"
import { startOktaEmulator } from "@okta-monday/okta-emulator"
import { sampleConfig, seedSample } from "okta-monday/Demo"
import * as Fs from "node:fs"
import * as Path from "node:path"

const dir = Path.resolve(process.env.OKTA_MONDAY_DEMO_DIR ?? ".demo")
const okta = await startOktaEmulator({ port: Number(process.env.OKTA_EMULATOR_PORT ?? 8701), rateLimits: "off" })
const monday = await startMondayEmulator({ port: Number(process.env.MONDAY_EMULATOR_PORT ?? 8702) })
const { account } = seedSample(okta, monday)
Fs.mkdirSync(dir, { recursive: true })
Fs.writeFileSync(Path.join(dir, "okta-monday.yaml"), sampleConfig(okta.orgUrl, okta.appId, monday.scimUrl))
Fs.writeFileSync(Path.join(dir, "emulators.env"), `OKTA_API_TOKEN=${okta.token}\nMONDAY_SCIM_TOKEN=${account.token}\n`, { mode: 0o600 })
console.log(`Okta emulator:       ${okta.orgUrl}`)
console.log(`monday.com emulator: ${monday.scimUrl}`)
console.log(`config: ${Path.join(dir, "okta-monday.yaml")}; tokens: ${Path.join(dir, "emulators.env")}`)
console.log(`try:  set -a; . ${Path.join(dir, "emulators.env")}; set +a; npx okta-monday plan -c ${Path.join(dir, "okta-monday.yaml")}`)
const stop = () => Promise.all([okta.close(), monday.close()]).then(() => process.exit(0))
process.on("SIGINT", stop)
process.on("SIGTERM", stop)
