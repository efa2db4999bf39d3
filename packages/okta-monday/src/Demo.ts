/**
 * `npm run demo`: both emulators on loopback with a sample org, a sample config, then the real
 * CLI's check, plan and apply, and the daemon carrying a membership change from Okta to
 * monday.com. Everything runs on this machine; nothing reaches the network.
 */
import { Command, Options } from "@effect/cli"
import { Console, Deferred, Duration, Effect, Fiber, Logger, LogLevel, Option, Redacted } from "effect"
import * as Fs from "node:fs"
import * as Path from "node:path"
import { startMondayEmulator } from "@okta-monday/monday-scim-emulator"
import { OktaAdmin, startOktaEmulator } from "@okta-monday/okta-emulator"
import type { OktaEmulator, OrgSeed } from "@okta-monday/okta-emulator"
import type { MondayEmulator } from "@okta-monday/monday-scim-emulator"
import { cli } from "./Cli.js"
import * as Daemon from "./Daemon.js"
import { engineLayer } from "./Layers.js"
import { loadSettings } from "./Settings.js"

const FIRST = ["Ada", "Grace", "Alan", "Edsger", "Barbara", "Donald", "Margaret", "Ken", "Frances", "John", "Radia", "Tim",
  "Leslie", "Shafi", "Whitfield", "Niklaus", "Sophie", "José", "Chloé", "Zoë"]
const LAST = ["Lovelace", "Hopper", "Turing", "Dijkstra", "Liskov", "Knuth", "Hamilton", "Thompson", "Allen", "Backus",
  "Perlman", "Berners-Lee", "Lamport", "Goldwasser", "Diffie", "Wirth", "Wilson", "Müller", "Dubois", "O'Neil"]
const DEPARTMENTS = ["Engineering", "Sales", "Marketing", "Support", "Finance", "People"]
const SQUADS = ["platform", "payments", "mobile", "growth", "data"]

export interface SampleOrg {
  readonly okta: OrgSeed
  readonly mondayUsers: ReadonlyArray<{ email: string; name: string }>
  /** Emails in "Sales", the team someone made by hand in monday.com. */
  readonly handMadeSales: ReadonlyArray<string>
}

/**
 * A few hundred people in departments and squads. Most are assigned to the monday.com app and
 * already provisioned there; some are not assigned, some are pending, one is suspended — the
 * cases Okta's own Group Push drops silently.
 */
export const sampleOrg = (people = 300): SampleOrg => {
  const users = Array.from({ length: people }, (_, i) => {
    const first = FIRST[i % FIRST.length]!
    const last = LAST[Math.floor(i / FIRST.length) % LAST.length]!
    const handle = `${first}.${last}${i >= FIRST.length * LAST.length ? i : ""}`.toLowerCase().normalize("NFD")
      .replace(/[^a-z.]/g, "")
    const email = `${handle}${i}@example.com`
    return { login: email, email, firstName: first, lastName: last, i }
  })
  const status = (i: number) => (i === 7 ? "SUSPENDED" as const : "ACTIVE" as const)
  const notAssigned = (i: number) => i % 23 === 5
  const pending = (i: number) => i % 31 === 11
  const memberships: Array<{ group: string; user: string }> = []
  for (const u of users) {
    memberships.push({ group: `Dept - ${DEPARTMENTS[u.i % DEPARTMENTS.length]!}`, user: u.login })
    if (u.i % 3 === 0) memberships.push({ group: `squad-${SQUADS[u.i % SQUADS.length]}`, user: u.login })
  }
  const provisioned = (i: number) => !notAssigned(i) && !pending(i) && status(i) === "ACTIVE"
  return {
    okta: {
      users: users.map((u) => ({
        status: status(u.i),
        profile: { login: u.login, email: u.email, firstName: u.firstName, lastName: u.lastName }
      })),
      groups: [
        ...DEPARTMENTS.map((d) => ({ name: `Dept - ${d}`, description: `${d} department` })),
        ...SQUADS.map((s) => ({ name: `squad-${s}`, description: `The ${s} squad` })),
        { name: "Everyone-contractors", description: "not mapped" }
      ],
      memberships,
      assignments: {
        users: users.filter((u) => !notAssigned(u.i)).map((u) => ({ user: u.login, status: pending(u.i) ? "PENDING" : "ACTIVE" }))
      }
    },
    mondayUsers: users
      .filter((u) => provisioned(u.i))
      .map((u) => ({ email: u.email, name: `${u.firstName} ${u.lastName}` })),
    handMadeSales: users.filter((u) => u.i % DEPARTMENTS.length === 1 && provisioned(u.i)).slice(0, 3).map((u) => u.email)
  }
}

/** Seeds both emulators with the sample org: Okta's people and groups, monday.com account "acme". */
export const seedSample = (okta: OktaEmulator, monday: MondayEmulator, people?: number) => {
  const org = sampleOrg(people)
  okta.seed(org.okta)
  const account = monday.createAccount({
    slug: "acme",
    admin: { email: "it-admin@example.com", name: "IT Admin" },
    users: org.mondayUsers.map((u) => ({ ...u, userType: "member" })),
    teams: [{ displayName: "Sales", members: org.handMadeSales, scimProvisioned: false }]
  })
  return { org, account }
}

const SAMPLE_CONFIG_HEADER = "# okta-monday config written by the demo."

export const sampleConfig = (orgUrl: string, appId: string, scimUrl: string) => `${SAMPLE_CONFIG_HEADER} Secrets come from the environment, never the file.
version: 1
okta:
  orgUrl: ${orgUrl}
  appId: ${appId}
  token: \${OKTA_API_TOKEN}
monday:
  scimUrl: ${scimUrl}
  token: \${MONDAY_SCIM_TOKEN}
state:
  sqlite: state.sqlite
daemon:
  pollSeconds: 1
  fullSyncMinutes: 60
  http: { host: 127.0.0.1, port: 0 }

mappings:
  # "Dept - Engineering" → "Engineering"
  - id: departments
    select: { nameRegex: "^Dept - (.*)$" }
    team: "{1}"
  # squad-payments → "Squad payments"
  - id: squads
    select: { nameRegex: "^squad-(.*)$" }
    team: "Squad {1}"

policies:
  # Members not assigned or not provisioned are left out (and reported) instead of holding the team.
  notReadyMembers: skip
  # "Sales" already exists in monday.com and the engine didn't make it: leave it alone.
  existingTeam: refuse
`

export const runDemo = (options: { keep: boolean; dir?: string }) =>
  Effect.gen(function*() {
    const dir = Path.resolve(options.dir ?? ".demo")
    // The folder is emptied first: only if it is empty or a previous demo's, never someone's files.
    const configPath = Path.join(dir, "okta-monday.yaml")
    const previous = Fs.existsSync(configPath) && Fs.readFileSync(configPath, "utf8").startsWith(SAMPLE_CONFIG_HEADER)
    if (Fs.existsSync(dir) && Fs.readdirSync(dir).length > 0 && !previous) {
      return yield* Effect.fail(new Error(`${dir} is not empty and not a previous demo's folder: choose another --dir`))
    }
    Fs.rmSync(dir, { recursive: true, force: true })
    Fs.mkdirSync(dir, { recursive: true })

    const okta = yield* Effect.acquireRelease(Effect.promise(() => startOktaEmulator({ rateLimits: "off" })), (e) =>
      Effect.promise(() => e.close()))
    const monday = yield* Effect.acquireRelease(Effect.promise(() => startMondayEmulator()), (e) =>
      Effect.promise(() => e.close()))
    const { account, org } = seedSample(okta, monday)
    process.env.OKTA_API_TOKEN = okta.token
    process.env.MONDAY_SCIM_TOKEN = account.token
    Fs.writeFileSync(configPath, sampleConfig(okta.orgUrl, okta.appId, monday.scimUrl))

    yield* Console.log(`Okta emulator:     ${okta.orgUrl}  (${org.okta.users!.length} people, ${org.okta.groups!.length} groups)`)
    yield* Console.log(`monday.com emulator: ${monday.scimUrl}  (account "acme", ${org.mondayUsers.length} users, a hand-made "Sales" team)`)
    yield* Console.log(`config:            ${configPath}\n`)

    const step = (title: string, args: ReadonlyArray<string>) =>
      Effect.gen(function*() {
        yield* Console.log(`\n$ okta-monday ${args.join(" ")}    # ${title}`)
        yield* cli(["node", "okta-monday", ...args])
        yield* Console.log(`(exit ${process.exitCode ?? 0})`)
        process.exitCode = 0
      })

    yield* step("the config is valid and both credentials work", ["validate", "--connect", "-c", configPath])
    yield* step("who is not ready, per team", ["check", "-c", configPath])
    yield* step("the plan, saved for review", ["plan", "-c", configPath, "--out", Path.join(dir, "plan.json")])
    yield* step("apply exactly what was reviewed", ["apply", "-c", configPath, Path.join(dir, "plan.json")])
    yield* step("what is left: the hand-made \"Sales\" team is protected, not replaced", ["plan", "-c", configPath])

    // The daemon, then a change in Okta.
    const settings = yield* loadSettings(configPath)
    yield* Console.log("\n$ okta-monday daemon    # polling the System Log every second")
    // The change is made once the daemon's first reconcile is done, and the demo ends once the
    // daemon has reported carrying it over (its line comes after its apply).
    const reconciled = yield* Deferred.make<void>()
    const carried = yield* Deferred.make<void>()
    const describe = (e: Daemon.CycleEvent) =>
      e.kind === "delta"
        ? Console.log(`daemon: ${e.deltas} change(s) from Okta → ${e.report.plan.operations.length} operation(s), ${e.report.status}`)
        : e.kind === "full"
        ? Console.log(`daemon: full reconcile, ${e.report.plan.operations.length} operation(s)`)
        : e.kind === "failed"
        ? Console.log(`daemon: ${e.cycle} cycle failed: ${String(e.error)}`)
        : Effect.void
    const daemon = yield* Daemon.run({
      fullSyncInterval: Duration.minutes(settings.daemon.fullSyncMinutes),
      pollInterval: Duration.seconds(settings.daemon.pollSeconds),
      http: settings.daemon.http,
      onListening: (url) => Console.log(`daemon serving ${url}/healthz and ${url}/metrics`),
      onCycle: (e) =>
        describe(e).pipe(
          Effect.zipRight(e.kind === "full" || e.kind === "failed" ? Deferred.succeed(reconciled, undefined) : Effect.void),
          Effect.zipRight(
            e.kind === "delta" && e.report.plan.operations.length > 0 ? Deferred.succeed(carried, undefined) : Effect.void
          )
        )
    }).pipe(Effect.provide(engineLayer(settings)), Logger.withMinimumLogLevel(LogLevel.Warning), Effect.fork)

    const state = okta.state()
    const group = state.groups.find((g) => g.name === "Dept - Engineering")!
    const ready = new Set(state.assignments.filter((a) => a.status === "ACTIVE").map((a) => a.userId))
    const mover = state.users.find((u) => u.status === "ACTIVE" && ready.has(u.id) && !group.members.includes(u.id))!
    const email = String(mover.profile.email)
    yield* Deferred.await(reconciled).pipe(Effect.timeout(Duration.seconds(60)), Effect.ignore)
    yield* Console.log(`\nIn Okta, over its API as an admin would: adding ${email} to "Dept - Engineering"`)
    const started = Date.now()
    yield* Effect.flatMap(OktaAdmin.OktaAdmin, (admin) => admin.addGroupMember(group.id, mover.id)).pipe(
      Effect.provide(OktaAdmin.OktaAdmin.layerFetch({ orgUrl: okta.orgUrl, token: Redacted.make(okta.token), appId: okta.appId }))
    )
    const teamHas = () => {
      const acct = monday.account("acme")
      const user = acct.users.find((u) => u.userName === email)
      const team = acct.teams.find((t) => t.displayName === "Engineering")
      return user !== undefined && team !== undefined && team.members.includes(user.id)
    }
    let arrived = false
    for (let i = 0; i < 60 && !arrived; i++) {
      yield* Effect.sleep(Duration.millis(250))
      arrived = teamHas()
    }
    if (arrived) yield* Deferred.await(carried).pipe(Effect.timeout(Duration.seconds(5)), Effect.ignore)
    yield* Console.log(
      arrived
        ? `monday.com: ${email} is in team "Engineering" ${((Date.now() - started) / 1000).toFixed(1)} s later`
        : `monday.com: the change did not arrive within 15 s (see the daemon's log above)`
    )
    if (options.keep) {
      yield* Console.log("\nThe emulators and the daemon keep running; Ctrl-C to stop.")
      yield* Fiber.join(daemon)
    }
    yield* Fiber.interrupt(daemon)
    yield* Console.log(`\nDone. Config, state and plan are in ${dir}.`)
    if (!arrived) process.exitCode = 1
  }).pipe(Effect.scoped)

export const demoCommand = Command.make(
  "demo",
  {
    keep: Options.boolean("keep").pipe(Options.withDescription("Leave the emulators and daemon running until Ctrl-C")),
    dir: Options.directory("dir").pipe(
      Options.withDescription("Where the demo writes its config, state and plan (emptied first; default .demo)"),
      Options.optional
    )
  },
  ({ dir, keep }) => runDemo({ keep, ...(Option.isSome(dir) ? { dir: dir.value } : {}) })
).pipe(Command.withDescription("Emulators + a sample org + check, plan, apply, and the daemon carrying a change over"))
