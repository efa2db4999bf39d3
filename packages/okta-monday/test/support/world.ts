/**
 * A small Okta org and monday.com account on the two emulators, described by people and groups,
 * with the helpers the end-to-end tests share: config text, settings, monday.com's teams by name,
 * hand edits through monday.com's SCIM API, and bounded waiting.
 */
import { Effect, Either, Redacted } from "effect"
import * as Fs from "node:fs"
import * as Os from "node:os"
import * as Path from "node:path"
import { startMondayEmulator } from "@okta-monday/monday-scim-emulator"
import type { MondayEmulator, MondayEmulatorOptions } from "@okta-monday/monday-scim-emulator"
import { startOktaEmulator } from "@okta-monday/okta-emulator"
import type { OktaEmulator, OktaEmulatorOptions } from "@okta-monday/okta-emulator"
import { parseSettings } from "../../src/Settings.js"
import { StateStore } from "../../src/state/StateStore.js"
import type { Settings } from "../../src/Settings.js"

/** Someone in Okta. By default active, assigned to the app (ACTIVE) and provisioned in monday.com. */
export interface Person {
  readonly handle: string
  readonly okta?: "ACTIVE" | "SUSPENDED"
  /** The app assignment status, or false for not assigned. */
  readonly assigned?: "ACTIVE" | "PENDING" | false
  /** Present (active) in monday.com. Default: when assigned ACTIVE and active in Okta. */
  readonly monday?: boolean
  /** monday.com user type when present. Default member. */
  readonly mondayType?: string
  /** Extra Okta profile attributes (a user type attribute, title, …). */
  readonly profile?: Readonly<Record<string, string>>
}

export interface WorldSpec {
  readonly people: ReadonlyArray<Person | string>
  /** Okta group name → member handles. */
  readonly groups: Readonly<Record<string, ReadonlyArray<string>>>
  /** Teams made by hand in monday.com (the engine did not create them): name → member handles. */
  readonly handMadeTeams?: Readonly<Record<string, ReadonlyArray<string>>>
  readonly slug?: string
  readonly okta?: OktaEmulatorOptions
  readonly monday?: MondayEmulatorOptions
}

export const emailOf = (handle: string) => `${handle}@example.com`
const handleOf = (email: string) => email.replace(/@example\.com$/, "")

export const ADMIN_EMAIL = "it-admin@example.com"

export interface World {
  readonly okta: OktaEmulator
  readonly monday: MondayEmulator
  readonly slug: string
  readonly mondayToken: string
  /** The environment a config's `${OKTA_API_TOKEN}` and `${MONDAY_SCIM_TOKEN}` resolve from. */
  readonly env: Readonly<Record<string, string>>
  /** A temp directory, removed by `close`. */
  readonly dir: string
  /** Okta group id by name. */
  readonly groupId: (name: string) => string
  /** Okta user id by handle. */
  readonly userId: (handle: string) => string
  /** monday.com user id by handle. */
  readonly mondayUserId: (handle: string) => string
  /** monday.com's teams: display name → sorted member handles. */
  readonly teams: () => Record<string, ReadonlyArray<string>>
  /** monday.com team id by display name. */
  readonly teamId: (name: string) => string
  readonly close: () => Promise<void>
}

const normalize = (p: Person | string): Required<Person> => {
  const person = typeof p === "string" ? { handle: p } : p
  const okta = person.okta ?? "ACTIVE"
  const assigned = person.assigned ?? "ACTIVE"
  return {
    handle: person.handle,
    okta,
    assigned,
    monday: person.monday ?? (assigned === "ACTIVE" && okta === "ACTIVE"),
    mondayType: person.mondayType ?? "member",
    profile: person.profile ?? {}
  }
}

export const startWorld = async (spec: WorldSpec): Promise<World> => {
  const okta = await startOktaEmulator({ rateLimits: "off", ...spec.okta })
  const monday = await startMondayEmulator(spec.monday ?? {})
  const people = spec.people.map(normalize)
  okta.seed({
    users: people.map((p) => ({
      status: p.okta,
      profile: { login: emailOf(p.handle), email: emailOf(p.handle), firstName: p.handle, lastName: "Test", ...p.profile }
    })),
    groups: Object.keys(spec.groups).map((name) => ({ name })),
    memberships: Object.entries(spec.groups).flatMap(([group, handles]) => handles.map((h) => ({ group, user: emailOf(h) }))),
    assignments: {
      users: people.filter((p) => p.assigned !== false).map((p) => ({ user: emailOf(p.handle), status: p.assigned as string }))
    }
  })
  const slug = spec.slug ?? "acme"
  const account = monday.createAccount({
    slug,
    admin: { email: ADMIN_EMAIL, name: "IT Admin" },
    users: people.filter((p) => p.monday).map((p) => ({
      email: emailOf(p.handle),
      name: `${p.handle} Test`,
      userType: p.mondayType
    })),
    teams: Object.entries(spec.handMadeTeams ?? {}).map(([displayName, handles]) => ({
      displayName,
      members: handles.map(emailOf),
      scimProvisioned: false
    }))
  })
  const dir = Fs.mkdtempSync(Path.join(Os.tmpdir(), "okta-monday-e2e-"))
  const world: World = {
    okta,
    monday,
    slug,
    mondayToken: account.token,
    env: { OKTA_API_TOKEN: okta.token, MONDAY_SCIM_TOKEN: account.token },
    dir,
    groupId: (name) => {
      const g = okta.state().groups.find((x) => x.name === name)
      if (g === undefined) throw new Error(`no Okta group named ${name}`)
      return g.id
    },
    userId: (handle) => {
      const u = okta.state().users.find((x) => x.profile.login === emailOf(handle))
      if (u === undefined) throw new Error(`no Okta user ${handle}`)
      return u.id
    },
    mondayUserId: (handle) => {
      const u = monday.account(slug).users.find((x) => x.userName === emailOf(handle))
      if (u === undefined) throw new Error(`no monday.com user ${handle}`)
      return u.id
    },
    teams: () => teamsOf(monday, slug),
    teamId: (name) => {
      const t = monday.account(slug).teams.filter((x) => x.displayName === name)
      if (t.length !== 1) throw new Error(`expected one monday.com team named ${name}, found ${t.length}`)
      return t[0]!.id
    },
    close: async () => {
      await okta.close()
      await monday.close()
      Fs.rmSync(dir, { recursive: true, force: true })
    }
  }
  return world
}

/** A world for the length of a scope. */
export const world = (spec: WorldSpec) =>
  Effect.acquireRelease(Effect.promise(() => startWorld(spec)), (w) => Effect.promise(() => w.close()))

/** monday.com's teams as display name → sorted member handles (a duplicate name shows as `name#2`). */
export const teamsOf = (monday: MondayEmulator, slug: string): Record<string, ReadonlyArray<string>> => {
  const account = monday.account(slug)
  const emails = new Map(account.users.map((u) => [u.id, u.userName]))
  const out: Record<string, ReadonlyArray<string>> = {}
  for (const t of account.teams) {
    let key = t.displayName
    for (let n = 2; key in out; n++) key = `${t.displayName}#${n}`
    out[key] = t.members.map((id) => handleOf(emails.get(id) ?? `?${id}`)).sort()
  }
  return out
}

export interface ConfigParts {
  /** The rules part: `mappings:`, `exclude:`, `policies:`, `limits:` as YAML. */
  readonly rules: string
  /** SQLite path; default `state.sqlite` in the world's directory. */
  readonly sqlite?: string
  /** A Postgres state store instead (its URL goes through `${OKTA_MONDAY_DATABASE_URL}`, see `envOf`). */
  readonly postgres?: { readonly url: string; readonly tenant: string }
  readonly pollSeconds?: number
  readonly fullSyncMinutes?: number
  readonly mondayConcurrency?: number
  readonly orgUrl?: string
  readonly appId?: string
  readonly scimUrl?: string
}

/** A whole config file for the world; secrets as `${VAR}` references, as a user writes them. */
export const configText = (w: World, parts: ConfigParts): string =>
  `version: 1
okta:
  orgUrl: ${parts.orgUrl ?? w.okta.orgUrl}
  appId: ${parts.appId ?? w.okta.appId}
  token: \${OKTA_API_TOKEN}
monday:
  scimUrl: ${parts.scimUrl ?? w.monday.scimUrl}
  token: \${MONDAY_SCIM_TOKEN}
  concurrency: ${parts.mondayConcurrency ?? 4}
${stateSection(w, parts)}
daemon:
  pollSeconds: ${parts.pollSeconds ?? 1}
  fullSyncMinutes: ${parts.fullSyncMinutes ?? 60}
  http: { host: 127.0.0.1, port: 0 }
${parts.rules.trim()}
`

const stateSection = (w: World, parts: ConfigParts): string =>
  parts.postgres !== undefined
    ? `state:\n  postgres: \${OKTA_MONDAY_DATABASE_URL}\n  tenant: ${parts.postgres.tenant}`
    : `state:\n  sqlite: ${parts.sqlite ?? Path.join(w.dir, "state.sqlite")}`

/** The environment the config of `parts` resolves its `${VAR}`s from (a process running it needs the same). */
export const envOf = (w: World, parts: ConfigParts): Readonly<Record<string, string>> =>
  parts.postgres !== undefined ? { ...w.env, OKTA_MONDAY_DATABASE_URL: parts.postgres.url } : w.env

/** The state store the config of `parts` names, opened separately (what `okta-monday status` reads). */
export const storeLayerOf = (w: World, parts: ConfigParts) =>
  parts.postgres !== undefined
    ? StateStore.layerPostgres({ url: Redacted.make(parts.postgres.url), tenant: parts.postgres.tenant })
    : StateStore.layerSqlite({ path: parts.sqlite ?? Path.join(w.dir, "state.sqlite") })

/** Writes the config into the world's directory and returns its path. */
export const writeConfig = (w: World, parts: ConfigParts, name = "okta-monday.yaml"): string => {
  const path = Path.join(w.dir, name)
  Fs.writeFileSync(path, configText(w, parts))
  return path
}

export const settingsOf = (w: World, parts: ConfigParts): Settings =>
  Either.getOrThrow(parseSettings(configText(w, parts), { env: envOf(w, parts), source: "test config" }))

/** A hand edit in monday.com through its SCIM API (what an admin's other tool would do). */
export const patchTeam = async (
  w: World,
  teamId: string,
  operations: ReadonlyArray<Record<string, unknown>>
): Promise<void> => {
  const res = await fetch(`${w.monday.scimUrl}/Groups/${teamId}`, {
    method: "PATCH",
    headers: { authorization: `Bearer ${w.mondayToken}`, "content-type": "application/scim+json" },
    body: JSON.stringify({ schemas: ["urn:ietf:params:scim:api:messages:2.0:PatchOp"], Operations: operations })
  })
  if (res.status >= 300) throw new Error(`hand edit refused: ${res.status} ${await res.text()}`)
}

export const handAdd = (w: World, team: string, handle: string) =>
  patchTeam(w, w.teamId(team), [{ op: "add", path: "members", value: [{ value: w.mondayUserId(handle) }] }])

export const handRemove = (w: World, team: string, handle: string) =>
  patchTeam(w, w.teamId(team), [{ op: "remove", path: `members[value eq "${w.mondayUserId(handle)}"]` }])

/**
 * Polls until `check` holds, failing after `timeoutMs` with `what` and the last value seen. For
 * things that arrive asynchronously; never a fixed sleep.
 */
export const waitUntil = async <A>(
  what: string,
  probe: () => A | Promise<A>,
  check: (a: A) => boolean,
  timeoutMs = 20_000,
  everyMs = 50
): Promise<A> => {
  const deadline = Date.now() + timeoutMs
  let last: A = await probe()
  while (!check(last)) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}; last seen: ${JSON.stringify(last)}`)
    await new Promise((r) => setTimeout(r, everyMs))
    last = await probe()
  }
  return last
}

export const waitUntilEffect = <A>(
  what: string,
  probe: () => A | Promise<A>,
  check: (a: A) => boolean,
  timeoutMs?: number
) => Effect.promise(() => waitUntil(what, probe, check, timeoutMs))

/** A team deleted by hand in monday.com. */
export const deleteTeam = async (w: World, teamId: string): Promise<void> => {
  const res = await fetch(`${w.monday.scimUrl}/Groups/${teamId}`, {
    method: "DELETE",
    headers: { authorization: `Bearer ${w.mondayToken}` }
  })
  if (res.status !== 204) throw new Error(`delete refused: ${res.status} ${await res.text()}`)
}
