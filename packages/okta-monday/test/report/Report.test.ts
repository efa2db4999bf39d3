/**
 * The access review end to end: both emulators, a sync through the engine, then the changes an
 * auditor must catch (a suspended user still active in monday.com, a monday.com user with no Okta
 * user, one deleted from Okta, a hand-added team member, a name drift); the report is read through
 * the engine's real read path and its numbers are checked against the emulators' own state.
 */
import { describe, expect, it } from "@effect/vitest"
import { Command } from "@effect/cli"
import { NodeContext } from "@effect/platform-node"
import { Domain } from "@okta-monday/mapping-core"
import * as SqliteClient from "@effect/sql-sqlite-node/SqliteClient"
import * as SqlClient from "@effect/sql/SqlClient"
import { Effect, Schema } from "effect"
import * as Fs from "node:fs"
import * as Path from "node:path"
import { pathToFileURL } from "node:url"
import { AccessReport, describeAccess } from "../../src/report/AccessReport.js"
import { accessReport } from "../../src/report/Report.js"
import { reportCommand } from "../../src/report/ReportCommand.js"
import { StateStore } from "../../src/state/StateStore.js"
import { withEngine } from "../support/engine.js"
import { runCli } from "../support/processes.js"
import { ADMIN_EMAIL, emailOf, handAdd, settingsOf, world, writeConfig } from "../support/world.js"
import type { World, WorldSpec } from "../support/world.js"
import { org } from "../lifecycle/support.js"
import { launchChromium, visibleEmails, watchPage } from "./browser.js"

const spec: WorldSpec = {
  people: [
    "ann",
    "bob",
    "cat",
    "eve",
    "gus",
    // Active in monday.com, never assigned to the app in Okta.
    { handle: "fay", assigned: false, monday: true },
    // Assigned in Okta, waiting to be provisioned: no monday.com user.
    { handle: "pia", assigned: "PENDING" }
  ],
  groups: { "Dept - Engineering": ["ann", "bob", "cat", "eve"], "Dept - Sales": ["gus", "fay", "bob"] },
  handMadeTeams: { "Book club": ["ann", "fay"] }
}

const rules = `
mappings:
  - id: departments
    select: { nameRegex: "^Dept - (.*)$" }
    team: "{1}"
policies:
  notReadyMembers: skip
`

/** Synced, then changed the way an auditor's findings come about. */
const changeAfterSync = async (w: World) => {
  w.okta.setUserStatus(w.userId("cat"), "SUSPENDED")
  await handAdd(w, "Engineering", "fay")
  w.monday.updateUser(w.slug, w.mondayUserId("eve"), { name: "Evelyn Test" })
  const gus = w.userId("gus")
  w.okta.deleteUser(gus)
  if (w.okta.state().users.some((u) => u.id === gus)) w.okta.deleteUser(gus)
  const res = await fetch(`${w.monday.scimUrl}/Users`, {
    method: "POST",
    headers: { authorization: `Bearer ${w.mondayToken}`, "content-type": "application/scim+json" },
    body: JSON.stringify({
      schemas: ["urn:ietf:params:scim:schemas:core:2.0:User"],
      userName: "contractor@example.com",
      displayName: "Con Tractor",
      active: true
    })
  })
  if (res.status !== 201) throw new Error(`could not add a monday.com user: ${res.status} ${await res.text()}`)
}

/** What the emulators themselves say, worked out without the report's code. */
const oracle = (w: World) => {
  const m = w.monday.account(w.slug)
  const o = w.okta.state()
  const oktaByEmail = new Map(o.users.map((u) => [String(u.profile.email).toLowerCase(), u]))
  const assigned = new Map(o.assignments.map((a) => [a.userId, a]))
  const active = m.users.filter((u) => u.active)
  return {
    users: m.users.length,
    active: active.length,
    teams: m.teams.length,
    memberships: m.teams.reduce((n, t) => n + t.members.length, 0),
    oktaByEmail,
    assigned,
    seatless: active.filter((u) => {
      const k = oktaByEmail.get(u.userName)
      return k === undefined || k.status === "DEPROVISIONED" || !assigned.has(k.id)
    }).map((u) => u.userName).sort(),
    inactiveInOkta: active.filter((u) => {
      const k = oktaByEmail.get(u.userName)
      return k !== undefined && !Domain.ACTIVE_USER_STATUSES.has(k.status)
    }).map((u) => u.userName).sort(),
    notProvisioned: o.assignments.filter((a) => {
      const u = o.users.find((x) => x.id === a.userId)!
      return Domain.ACTIVE_USER_STATUSES.has(u.status) && !m.users.some((x) => x.userName === String(u.profile.email).toLowerCase())
    }).length
  }
}

/** Every row of every table of a SQLite file, opened read-only, as sorted JSON lines per table. */
const dumpSqlite = (filename: string) =>
  Effect.gen(function*() {
    const sql = yield* SqlClient.SqlClient
    const tables = yield* sql<{ name: string }>`SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name`
    return yield* Effect.forEach(tables, ({ name }) =>
      Effect.map(sql.unsafe<Record<string, unknown>>(`SELECT * FROM "${name}"`), (rows) =>
        [name, rows.map((r) => JSON.stringify(r)).sort()] as const))
  }).pipe(Effect.provide(SqliteClient.layer({ filename, readonly: true })), Effect.orDie)

const emailsWith = (report: AccessReport, flag: string) =>
  report.rows.filter((r) => r.flags.includes(flag as never)).map((r) => r.email).sort()

describe("okta-monday report against both emulators", () => {
  it.scopedLive("matches the emulators' state after a sync and the changes since", () =>
    Effect.gen(function*() {
      const w = yield* world(spec)
      const settings = settingsOf(w, { rules })
      const report = yield* withEngine(settings, (engine) =>
        Effect.gen(function*() {
          const synced = yield* engine.sync
          expect(synced.status).toBe("succeeded")
          yield* Effect.promise(() => changeAfterSync(w))
          return yield* accessReport()
        }))
      const expected = oracle(w)
      const s = report.summary
      expect(s.users).toBe(expected.users)
      expect(s.active).toBe(expected.active)
      expect(s.teams).toBe(expected.teams)
      expect(s.memberships).toBe(expected.memberships)
      expect(s.managedTeams).toBe(2)
      expect(s.notProvisioned).toBe(expected.notProvisioned)
      expect(report.notProvisioned.map((n) => n.email)).toEqual([emailOf("pia")])

      // Seats to reclaim: the emulators' no-Okta-user / deprovisioned / not-assigned users, gus (deleted) among them.
      expect(emailsWith(report, "seat-to-reclaim")).toEqual(expected.seatless)
      expect(expected.seatless).toEqual(["contractor@example.com", emailOf("fay"), emailOf("gus"), ADMIN_EMAIL].sort())
      // Access violations: active in monday.com but not active in Okta, plus the linked user Okta deleted.
      expect(emailsWith(report, "access-violation")).toEqual([...expected.inactiveInOkta, emailOf("gus")].sort())
      expect(expected.inactiveInOkta).toEqual([emailOf("cat")])

      const row = (handle: string) => report.rows.find((r) => r.email === emailOf(handle))!
      expect(row("cat").oktaStatus).toBe("SUSPENDED")
      expect(row("gus").oktaStatus).toBe("DELETED")
      expect(report.rows.find((r) => r.email === "contractor@example.com")!.oktaStatus).toBe("NOT_IN_OKTA")
      expect(row("fay").assignment).toBeNull()
      // Every Okta status and assignment shown is the emulator's.
      for (const r of report.rows) {
        const k = expected.oktaByEmail.get(r.email)
        if (k === undefined) continue
        expect(r.oktaStatus).toBe(k.status)
        expect(r.assignment?.status ?? null).toBe(expected.assigned.get(k.id)?.status ?? null)
      }

      // How each team was got.
      const teams = (handle: string) => row(handle).teams.map((t) => `${t.team}: ${describeAccess(t)}`)
      expect(teams("ann")).toEqual(["Book club: team not managed by okta-monday", "Engineering: via group Dept - Engineering"])
      expect(teams("fay")).toEqual(["Book club: team not managed by okta-monday", "Engineering: added by hand"])
      expect(teams("bob")).toEqual(["Engineering: via group Dept - Engineering", "Sales: via group Dept - Sales"])
      // gus is gone from Okta, so from its group: still in the team until the next sync removes him.
      expect(teams("gus")).toEqual(["Sales: no longer in any of its groups (removed at the next sync)"])
      expect(emailsWith(report, "hand-added")).toEqual([emailOf("fay")])
      expect(s.byHand).toBe(1)
      expect(s.inUnmanagedTeams).toBe(2)
      expect(s.stale).toBe(1)
      expect(s.viaGroup).toBe(expected.memberships - 4)

      // Name drift, with what differs.
      expect(row("eve").findings).toEqual([{ flag: "profile-drift", detail: "displayName \"Evelyn Test\" in monday.com, \"eve Test\" from Okta" }])
      expect(emailsWith(report, "profile-drift")).toEqual([emailOf("eve")])
    }), { timeout: 60_000 })

  it.scopedLive("with users: { provision: true }: provisioned users (names cleaned) show no drift; a title changed in Okta does, as the planner sees it", () =>
    Effect.gen(function*() {
      const o = yield* org({
        people: [
          { email: "zoe@example.com", firstName: "Zoë", lastName: "Dubois (Contractor)", profile: { title: "Consultant" } },
          { email: "ann@example.com", firstName: "Ann", lastName: "Lee", profile: { title: "Intern", locale: "en_US" } },
          { email: "Kim.Park@Example.com", firstName: "Kim", lastName: "Park" },
          { email: "bo@example.com", firstName: "Bo", lastName: "Ek", monday: { name: "Bo Ek" } }
        ],
        groups: { "team-Platform": ["zoe@example.com", "ann@example.com", "Kim.Park@Example.com", "bo@example.com"] }
      })
      const report = yield* withEngine(o.settings("provision: true"), (engine) =>
        Effect.gen(function*() {
          const synced = yield* engine.sync
          expect(synced.status).toBe("succeeded")
          expect(o.user("zoe@example.com")).toMatchObject({ displayName: "Zoë Dubois Contractor", title: "Consultant" })
          o.okta.updateUser(o.oktaId("ann@example.com"), { title: "Director" })
          return yield* accessReport()
        }))
      const rowOf = (email: string) => report.rows.find((r) => r.email === email)!
      expect(report.summary.users).toBe(o.monday.account("acme").users.length)
      expect(report.summary.notProvisioned).toBe(0)
      // Provisioned with a cleaned name, an uppercase email lowercased: nothing to flag.
      expect(rowOf("zoe@example.com").flags).toEqual([])
      expect(rowOf("kim.park@example.com").flags).toEqual([])
      expect(rowOf("bo@example.com").flags).toEqual([])
      expect(rowOf("ann@example.com").flags).toEqual(["profile-drift"])
      expect(rowOf("ann@example.com").findings).toEqual([
        { flag: "profile-drift", detail: "title \"Intern\" in monday.com, \"Director\" from Okta" }
      ])
      expect(report.summary.profileDrift).toBe(1)

      // The planner, with users.update on, would correct exactly the rows the report flags, exactly so.
      const planned = yield* withEngine(o.settings("update: true"), (engine) => engine.plan)
      const updates = planned.plan.operations.flatMap((op) => (op._tag === "UpdateUser" ? [op] : []))
      expect(updates.map((u) => [u.userName, u.changes])).toEqual(
        report.rows.filter((r) => r.drift.length > 0).map((r) => [r.email, r.drift])
      )
    }), { timeout: 60_000 })

  it.scopedLive("the report command writes the HTML and CSV files, and the HTML shows those rows in Chromium", () =>
    Effect.gen(function*() {
      const w = yield* world(spec)
      const config = writeConfig(w, { rules })
      // A sync through the config's SQLite store, so the command finds the links.
      yield* withEngine(settingsOf(w, { rules }), (engine) => engine.sync, "file")
      yield* Effect.promise(() => changeAfterSync(w))

      const saved = { ...process.env }
      Object.assign(process.env, w.env)
      yield* Effect.addFinalizer(() => Effect.sync(() => Object.assign(process.env, saved)))
      const run = Command.run(Command.make("okta-monday").pipe(Command.withSubcommands([reportCommand])), {
        name: "okta-monday",
        version: "test"
      })
      const html = Path.join(w.dir, "review.html")
      const csv = Path.join(w.dir, "out", "review.csv")
      yield* run(["node", "okta-monday", "report", "-c", config, "--out", html]).pipe(Effect.provide(NodeContext.layer))
      yield* run(["node", "okta-monday", "report", "-c", config, "--out", csv]).pipe(Effect.provide(NodeContext.layer))
      const expected = oracle(w)

      const lines = Fs.readFileSync(csv, "utf8").split("\r\n").filter((l) => l !== "")
      expect(lines).toHaveLength(1 + expected.users)
      expect(lines.find((l) => l.startsWith(`${emailOf("cat")},`))).toContain(",SUSPENDED,")
      // Monday.com only knows the token; it must not reach the file.
      expect(Fs.readFileSync(html, "utf8")).not.toContain(w.mondayToken)

      const browser = yield* Effect.acquireRelease(
        Effect.promise(() => launchChromium(Path.join(w.dir, "profile"))),
        (b) => Effect.promise(() => b.close())
      )
      const page = yield* Effect.promise(() => browser.newPage())
      const watch = yield* Effect.promise(() => watchPage(page))
      yield* Effect.promise(() => page.goto(pathToFileURL(html).href))
      const shown = yield* Effect.promise(() => visibleEmails(page))
      expect(shown).toHaveLength(expected.users)
      expect(shown).toContain(emailOf("cat"))
      const cards = yield* Effect.promise(() =>
        page.$$eval("#summary .card", (cs) => cs.map((c) => [c.querySelector("span")!.textContent, c.querySelector("b")!.textContent]))
      )
      expect(Object.fromEntries(cards)).toMatchObject({
        "monday.com users": String(expected.users),
        "seats to reclaim": String(expected.seatless.length),
        "access violations": "2"
      })
      yield* Effect.promise(() => page.check("input[name=flag][value=access-violation]"))
      expect((yield* Effect.promise(() => visibleEmails(page))).sort()).toEqual([emailOf("cat"), emailOf("gus")])
      yield* Effect.promise(() => page.uncheck("input[name=flag][value=access-violation]"))
      yield* Effect.promise(() => page.fill("#filter", "Dept - Sales"))
      expect((yield* Effect.promise(() => visibleEmails(page))).sort()).toEqual([emailOf("bob")])
      yield* Effect.promise(() => page.fill("#filter", ""))
      // Self-contained: the file itself was the only thing loaded, and nothing was blocked or complained.
      expect(watch.requests).toEqual([pathToFileURL(html).href])
      expect(watch.failed).toEqual([])
      expect(yield* Effect.promise(() => watch.violations())).toEqual([])
      expect(watch.errors).toEqual([])
      const shot = yield* Effect.promise(() => page.screenshot({ fullPage: true }))
      if (process.env.REPORT_SCREENSHOT) Fs.writeFileSync(process.env.REPORT_SCREENSHOT.replace(/\.png$/, "-e2e.png"), shot)
    }), { timeout: 90_000 })

  it.scopedLive("reads only: an apply a crash interrupted stays in the state store as it was, and the report says so", () =>
    Effect.gen(function*() {
      const w = yield* world(spec)
      const config = writeConfig(w, { rules })
      const settings = settingsOf(w, { rules })
      const sqlite = Path.join(w.dir, "state.sqlite")
      yield* withEngine(settings, (engine) => engine.sync, "file")
      // A change to apply, journaled and then "crashed": begun, one outcome recorded, never finished.
      w.okta.removeMember(w.groupId("Dept - Sales"), w.userId("bob"))
      const planned = yield* withEngine(settings, (engine) => engine.plan, "file")
      expect(planned.plan.operations.length).toBeGreaterThan(0)
      yield* Effect.gen(function*() {
        const store = yield* StateStore
        yield* store.beginApply({ runId: "run-cut-short", kind: "full", plan: planned.plan })
      }).pipe(Effect.provide(StateStore.layerSqlite({ path: sqlite })))
      const before = yield* dumpSqlite(sqlite)
      expect(before.length).toBeGreaterThan(0)

      const saved = { ...process.env }
      Object.assign(process.env, w.env)
      yield* Effect.addFinalizer(() => Effect.sync(() => Object.assign(process.env, saved)))
      const run = Command.run(Command.make("okta-monday").pipe(Command.withSubcommands([reportCommand])), {
        name: "okta-monday",
        version: "test"
      })
      const out = Path.join(w.dir, "review.json")
      yield* run(["node", "okta-monday", "report", "-c", config, "--out", out]).pipe(Effect.provide(NodeContext.layer))
      const report = Schema.decodeUnknownSync(Schema.parseJson(AccessReport))(Fs.readFileSync(out, "utf8"))
      expect(report.warnings.find((x) => x.includes("run-cut-short"))).toMatch(/was interrupted after 0 of \d+ operations/)
      expect(yield* dumpSqlite(sqlite)).toEqual(before)

      // The same check sees a write: the engine's own read resumes the run, and the rows change.
      yield* withEngine(settings, (engine) => engine.read, "file")
      expect(yield* dumpSqlite(sqlite)).not.toEqual(before)
    }), { timeout: 60_000 })

  it.scopedLive("the okta-monday binary prints the JSON report on stdout, without a secret, and exits 0", () =>
    Effect.gen(function*() {
      const w = yield* world(spec)
      const config = writeConfig(w, { rules })
      yield* withEngine(settingsOf(w, { rules }), (engine) => engine.sync, "file")
      yield* Effect.promise(() => changeAfterSync(w))
      const result = yield* Effect.promise(() => runCli(["report", "-c", config, "--format", "json"], { env: w.env }))
      expect(result.code, result.stderr).toBe(0)
      const report = Schema.decodeUnknownSync(Schema.parseJson(AccessReport))(result.stdout)
      const expected = oracle(w)
      expect(report.summary.users).toBe(expected.users)
      expect(emailsWith(report, "seat-to-reclaim")).toEqual(expected.seatless)
      expect(emailsWith(report, "access-violation")).toEqual([emailOf("cat"), emailOf("gus")])
      for (const secret of [w.okta.token, w.mondayToken]) {
        expect(result.stdout).not.toContain(secret)
        expect(result.stderr).not.toContain(secret)
      }
    }), { timeout: 90_000 })
})
