/**
 * Runs the emulator as a process (`tsx src/main.ts --port 8181 --generate-users 500 …`) for the demo.
 * Prints one JSON line `{orgUrl, token, appId}` once it listens; stops on SIGINT/SIGTERM.
 */
import { Schema } from "effect"
import { readFileSync } from "node:fs"
import { parseArgs } from "node:util"
import { startOktaEmulator } from "./OktaEmulator.js"

const Profile = Schema.Record({ key: Schema.String, value: Schema.Unknown }).pipe(
  Schema.extend(Schema.Struct({ login: Schema.String }))
)
const opt = <S extends Schema.Schema.All>(s: S) => Schema.optionalWith(s, { exact: true })
const Status = Schema.Literal("STAGED", "PROVISIONED", "ACTIVE", "RECOVERY", "PASSWORD_EXPIRED", "LOCKED_OUT", "SUSPENDED", "DEPROVISIONED")
const SeedFile = Schema.Struct({
  users: opt(Schema.Array(Schema.Struct({ id: opt(Schema.String), status: opt(Status), profile: Profile }))),
  groups: opt(Schema.Array(Schema.Struct({
    id: opt(Schema.String),
    name: Schema.String,
    description: opt(Schema.String),
    type: opt(Schema.Literal("OKTA_GROUP", "APP_GROUP", "BUILT_IN")),
    members: opt(Schema.Array(Schema.String))
  }))),
  memberships: opt(Schema.Array(Schema.Struct({ group: Schema.String, user: Schema.String }))),
  assignments: opt(Schema.Struct({
    users: opt(Schema.Array(Schema.Union(
      Schema.String,
      Schema.Struct({ user: Schema.String, status: opt(Schema.String), userName: opt(Schema.String) })
    ))),
    groups: opt(Schema.Array(Schema.String))
  }))
})

const { values } = parseArgs({
  options: {
    port: { type: "string", default: "0" },
    host: { type: "string", default: "127.0.0.1" },
    token: { type: "string" },
    "app-id": { type: "string" },
    "rate-limits": { type: "string", default: "enterprise" },
    "rate-limit-window-ms": { type: "string" },
    "seed-file": { type: "string" },
    "generate-users": { type: "string" },
    "generate-groups": { type: "string" },
    "generate-memberships": { type: "string" },
    "assigned-groups": { type: "string" },
    seed: { type: "string", default: "1" }
  }
})

const int = (name: string, raw: string | undefined): number | undefined => {
  if (raw === undefined) return undefined
  const n = Number(raw)
  if (!Number.isInteger(n) || n < 0) {
    console.error(`--${name} must be a non-negative integer, got '${raw}'`)
    process.exit(2)
  }
  return n
}

const limits = values["rate-limits"]!
if (!["enterprise", "workforce", "developer", "off"].includes(limits)) {
  console.error(`--rate-limits must be enterprise, workforce, developer or off, got '${limits}'`)
  process.exit(2)
}

const emulator = await startOktaEmulator({
  port: int("port", values.port) ?? 0,
  host: values.host!,
  rateLimits: limits as "enterprise",
  seed: int("seed", values.seed) ?? 1,
  ...(values.token ? { token: values.token } : {}),
  ...(values["app-id"] ? { appId: values["app-id"] } : {}),
  ...(values["rate-limit-window-ms"] ? { rateLimitWindowMs: int("rate-limit-window-ms", values["rate-limit-window-ms"])! } : {})
})

if (values["seed-file"]) {
  const file = values["seed-file"]
  const decoded = Schema.decodeUnknownEither(Schema.parseJson(SeedFile))(readFileSync(file, "utf8"), { errors: "all" })
  if (decoded._tag === "Left") {
    console.error(`${file} is not a valid org seed:\n${String(decoded.left)}`)
    process.exit(2)
  }
  emulator.seed(decoded.right)
}
const users = int("generate-users", values["generate-users"])
if (users !== undefined) {
  emulator.generate({
    users,
    groups: int("generate-groups", values["generate-groups"]) ?? 10,
    memberships: int("generate-memberships", values["generate-memberships"]) ?? users * 2,
    assignedGroups: int("assigned-groups", values["assigned-groups"]) ?? 0
  })
}

console.log(JSON.stringify({ orgUrl: emulator.orgUrl, token: emulator.token, appId: emulator.appId }))

const stop = () => {
  emulator.close().then(() => process.exit(0), () => process.exit(1))
}
process.on("SIGINT", stop)
process.on("SIGTERM", stop)
