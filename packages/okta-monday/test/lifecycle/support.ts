/**
 * A small org for the user lifecycle tests: Okta people with full profiles (custom attributes
 * included), the monday.com account with some of them, and the config with a `users:` section.
 */
import { Effect, Either } from "effect"
import * as Fs from "node:fs"
import * as Os from "node:os"
import * as Path from "node:path"
import { startMondayEmulator } from "@okta-monday/monday-scim-emulator"
import type { MondayEmulator, SeedUser } from "@okta-monday/monday-scim-emulator"
import { startOktaEmulator } from "@okta-monday/okta-emulator"
import type { OktaEmulator } from "@okta-monday/okta-emulator"
import { parseSettings } from "../../src/Settings.js"
import type { Settings } from "../../src/Settings.js"

export const ADMIN = "it-admin@example.com"

export interface Person {
  readonly email: string
  readonly firstName?: string
  readonly lastName?: string
  /** Extra Okta profile attributes (title, timezone, mondayRole, …). */
  readonly profile?: Readonly<Record<string, string>>
  readonly status?: "ACTIVE" | "SUSPENDED"
  /** App assignment status, or false. Default ACTIVE. */
  readonly assigned?: string | false
  /** The monday.com user, when there is one already. */
  readonly monday?: Omit<SeedUser, "email">
}

export interface Org {
  readonly okta: OktaEmulator
  readonly monday: MondayEmulator
  readonly token: string
  readonly adminUserId: string
  readonly dir: string
  readonly oktaId: (email: string) => string
  readonly user: (email: string) => ReturnType<MondayEmulator["account"]>["users"][number] | undefined
  readonly team: (name: string) => ReadonlyArray<string> | undefined
  readonly settings: (users: string, extra?: string) => Settings
}

export const startOrg = async (spec: {
  readonly people: ReadonlyArray<Person>
  readonly groups: Readonly<Record<string, ReadonlyArray<string>>>
  /** monday.com users no Okta record knows. */
  readonly mondayOnly?: ReadonlyArray<string>
  readonly customRoles?: ReadonlyArray<string>
}): Promise<Org> => {
  const okta = await startOktaEmulator({ rateLimits: "off" })
  const monday = await startMondayEmulator()
  okta.seed({
    users: spec.people.map((p) => ({
      status: p.status ?? "ACTIVE",
      profile: {
        login: p.email,
        email: p.email,
        ...(p.firstName !== undefined ? { firstName: p.firstName } : {}),
        ...(p.lastName !== undefined ? { lastName: p.lastName } : {}),
        ...p.profile
      }
    })),
    groups: Object.keys(spec.groups).map((name) => ({ name })),
    memberships: Object.entries(spec.groups).flatMap(([group, emails]) => emails.map((user) => ({ group, user }))),
    assignments: {
      users: spec.people.filter((p) => p.assigned !== false).map((p) => ({ user: p.email, status: p.assigned || "ACTIVE" }))
    }
  })
  const account = monday.createAccount({
    slug: "acme",
    admin: { email: ADMIN, name: "IT Admin" },
    ...(spec.customRoles !== undefined ? { customRoles: spec.customRoles } : {}),
    users: [
      ...spec.people.filter((p) => p.monday !== undefined && p.email !== ADMIN).map((p) => ({ email: p.email, ...p.monday })),
      ...(spec.mondayOnly ?? []).map((email) => ({ email }))
    ]
  })
  const dir = Fs.mkdtempSync(Path.join(Os.tmpdir(), "okta-monday-lifecycle-"))
  const env = { OKTA_API_TOKEN: okta.token, MONDAY_SCIM_TOKEN: account.token }
  return {
    okta,
    monday,
    token: account.token,
    adminUserId: account.adminUserId,
    dir,
    oktaId: (email) => okta.state().users.find((u) => u.profile.email === email)!.id,
    user: (email) => monday.account("acme").users.find((u) => u.userName === email.toLowerCase()),
    team: (name) => {
      const acct = monday.account("acme")
      const t = acct.teams.find((x) => x.displayName === name)
      if (t === undefined) return undefined
      const emails = new Map(acct.users.map((u) => [u.id, u.userName]))
      return t.members.map((id) => emails.get(id) ?? id).sort()
    },
    settings: (users, extra = "") =>
      Either.getOrThrowWith(parseSettings(
        `version: 1
okta:
  orgUrl: ${okta.orgUrl}
  appId: ${okta.appId}
  token: \${OKTA_API_TOKEN}
monday:
  scimUrl: ${monday.scimUrl}
  token: \${MONDAY_SCIM_TOKEN}
state:
  sqlite: ${Path.join(dir, "state.sqlite")}
daemon: { pollSeconds: 1, fullSyncMinutes: 60, http: { host: 127.0.0.1, port: 0 } }
mappings:
  - select: { nameRegex: "^team-(.*)$" }
    team: "{1}"
policies: { notReadyMembers: skip }
users:
${users.trim().split("\n").map((l) => `  ${l}`).join("\n")}
${extra}
`,
        { env, source: "lifecycle test config" }
      ), (e) => e)
  }
}

/** An org for the length of a scope. */
export const org = (spec: Parameters<typeof startOrg>[0]) =>
  Effect.acquireRelease(Effect.promise(() => startOrg(spec)), (o) =>
    Effect.promise(async () => {
      await o.okta.close()
      await o.monday.close()
      Fs.rmSync(o.dir, { recursive: true, force: true })
    }))

/** Polls `f` until it holds or the time is up (then the last value is returned for the assertion). */
export const eventually = <A>(f: () => A, ok: (a: A) => boolean, ms = 10_000) =>
  Effect.promise(async () => {
    const end = Date.now() + ms
    let last = f()
    while (!ok(last) && Date.now() < end) {
      await new Promise((r) => setTimeout(r, 50))
      last = f()
    }
    return last
  })
