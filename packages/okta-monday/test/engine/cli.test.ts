/**
 * The `okta-monday` command line against both emulators: the saved-plan path, plan exit codes and
 * JSON, status and approve (the CLI run in-process: same code, no start-up cost), and bad input
 * through the real binary (broken config, unreachable server, wrong tokens, wrong app id) failing
 * with a message that names what to fix, writing nothing and printing no secret.
 */
import { afterAll, beforeAll, describe, expect, it } from "@effect/vitest"
import { Effect, Either } from "effect"
import * as Fs from "node:fs"
import * as Http from "node:http"
import type { AddressInfo } from "node:net"
import * as Path from "node:path"
import { PlanFile } from "@okta-monday/mapping-core"
import { withEngine } from "../support/engine.js"
import { cliInProcess } from "../support/cli.js"
import { runCli } from "../support/processes.js"
import type { CliResult } from "../support/processes.js"
import { handRemove, settingsOf, startWorld, writeConfig } from "../support/world.js"
import type { World } from "../support/world.js"

const rules = `
mappings:
  - select: { nameRegex: "^Dept - (.*)$" }
    team: "{1}"
`

const people = ["ann", "bob", "cat", "dan", "eve", "fay"]
const groups = { "Dept - Eng": ["ann", "bob"], "Dept - Ops": ["cat", "dan"] }

/** No secret of the world (nor the wrong ones tests pass) may appear in anything the command prints. */
const expectNoSecrets = (results: ReadonlyArray<CliResult>, secrets: ReadonlyArray<string>) => {
  for (const r of results) {
    for (const s of secrets) {
      expect(r.stdout).not.toContain(s)
      expect(r.stderr).not.toContain(s)
    }
  }
}

const writes = (w: World) => {
  const c = w.monday.counters()
  return Object.entries(c)
    .filter(([k]) => /^(POST|PATCH|PUT|DELETE) /.test(k))
    .reduce((n, [, v]) => n + v, 0)
}

describe("okta-monday CLI", () => {
  let w: World
  beforeAll(async () => {
    w = await startWorld({ people, groups })
  })
  afterAll(() => w.close())

  it("plan --out, then apply plan.json applies exactly; a hand edit in monday.com makes a saved plan refused", async () => {
    const config = writeConfig(w, { rules })
    const planFile = Path.join(w.dir, "plan.json")
    const all: Array<CliResult> = []

    const planned = await cliInProcess(["plan", "-c", config, "--json", "--out", planFile], w.env)
    all.push(planned)
    expect(planned.code, planned.stderr).toBe(2)
    const fromStdout = Either.getOrThrow(PlanFile.decodePlan(planned.stdout))
    const fromFile = Either.getOrThrow(PlanFile.decodePlan(Fs.readFileSync(planFile, "utf8")))
    expect(fromStdout).toEqual(fromFile)
    expect(fromFile.operations.map((op) => [op._tag, op.key])).toEqual([["CreateTeam", "Eng"], ["CreateTeam", "Ops"]])
    // A read-only command creates no state file.
    expect(Fs.existsSync(Path.join(w.dir, "state.sqlite"))).toBe(false)

    w.monday.resetCounters()
    const applied = await cliInProcess(["apply", "-c", config, planFile], w.env)
    all.push(applied)
    expect(applied.code, applied.stderr).toBe(0)
    expect(w.teams()).toEqual({ Eng: ["ann", "bob"], Ops: ["cat", "dan"] })
    // Exactly the reviewed operations were sent: one write per operation.
    expect(writes(w)).toBe(fromFile.operations.length)

    const clean = await cliInProcess(["plan", "-c", config], w.env)
    all.push(clean)
    expect(clean.code, clean.stderr).toBe(0)

    // Okta moves on, a plan is saved; then someone edits monday.com by hand before it is applied.
    w.okta.addMember(w.groupId("Dept - Eng"), w.userId("eve"))
    const planFile2 = Path.join(w.dir, "plan2.json")
    const planned2 = await cliInProcess(["plan", "-c", config, "--out", planFile2], w.env)
    all.push(planned2)
    expect(planned2.code, planned2.stderr).toBe(2)
    expect(planned2.stdout).toContain("eve@example.com")
    await handRemove(w, "Eng", "bob")
    const before = w.monday.account(w.slug)
    w.monday.resetCounters()
    const refused = await cliInProcess(["apply", "-c", config, planFile2], w.env)
    all.push(refused)
    expect(refused.code).toBe(1)
    expect(refused.stderr).toMatch(/monday\.com changed since this plan was made/)
    expect(refused.stderr).toContain("okta-monday plan")
    expect(w.monday.account(w.slug)).toEqual(before)
    expect(writes(w)).toBe(0)

    // check: 0 when every member is ready, 2 with the reason when one is not.
    const ready = await cliInProcess(["check", "-c", config], w.env)
    all.push(ready)
    expect(ready.code, ready.stderr).toBe(0)
    expect(ready.stdout).toContain("2 mapped teams, 0 with members not ready or blocked")
    w.okta.unassignUser(w.userId("fay"))
    w.okta.addMember(w.groupId("Dept - Ops"), w.userId("fay"))
    const notReady = await cliInProcess(["check", "-c", config], w.env)
    all.push(notReady)
    expect(notReady.code, notReady.stderr).toBe(2)
    expect(notReady.stdout).toContain("fay@example.com: not assigned to the monday.com app in Okta")

    expectNoSecrets(all, Object.values(w.env))
    for (const file of [planFile, planFile2]) {
      for (const secret of Object.values(w.env)) expect(Fs.readFileSync(file, "utf8")).not.toContain(secret)
    }
  }, 120_000)

  it("status lists blocked work with its id; approve releases it at the next sync", async () => {
    const v = await startWorld({ people, groups: { "Dept - Eng": ["ann", "bob", "cat", "dan"] }, slug: "beta" })
    try {
      const parts = { rules: `${rules}\nlimits:\n  maxRemovalsPerTeam: 1\n  maxRemovalFractionPerTeam: 1\n` }
      const config = writeConfig(v, parts)
      const settings = settingsOf(v, parts)
      const sync = withEngine(settings, (e) => e.sync, "file")
      await Effect.runPromise(sync)
      const eng = v.groupId("Dept - Eng")
      v.okta.removeMember(eng, v.userId("ann"))
      v.okta.removeMember(eng, v.userId("bob"))
      const held = await Effect.runPromise(sync)
      const blocker = held.plan.blockers.find((b) => b._tag === "TeamRemovalLimit")!
      expect(blocker).toBeDefined()
      expect(v.teams().Eng).toEqual(["ann", "bob", "cat", "dan"])

      const status = await cliInProcess(["status", "-c", config], v.env)
      expect(status.code, status.stderr).toBe(0)
      expect(status.stdout).toContain("daemon: not running")
      expect(status.stdout).toMatch(/blocked \(1\):/)
      expect(status.stdout).toContain(blocker.id)
      expect(status.stdout).toContain('team "Eng": 2 removals of 4 members exceed the limit')
      expect(status.stdout).toContain("okta-monday approve <id>")

      const approved = await cliInProcess(["approve", "-c", config, blocker.id, "--by", "alice"], v.env)
      expect(approved.code, approved.stderr).toBe(0)
      expect(approved.stdout).toContain("approved 1")
      await Effect.runPromise(sync)
      expect(v.teams().Eng).toEqual(["cat", "dan"])
      expectNoSecrets([status, approved], Object.values(v.env))
    } finally {
      await v.close()
    }
  }, 60_000)

  describe("bad input through the real binary: a clear message, exit 1, nothing written, no secret printed", () => {
    const wrongOkta = "00WrongOktaTokenThatMustNotLeak"
    const wrongMonday = "wrong-monday-token-that-must-not-leak"
    const pgPassword = "pg-password-that-must-not-leak"

    const closedPort = () =>
      new Promise<number>((resolve) => {
        const s = Http.createServer()
        s.listen(0, "127.0.0.1", () => {
          const port = (s.address() as AddressInfo).port
          s.close(() => resolve(port))
        })
      })

    it("broken config, unreachable Okta, monday.com or Postgres, wrong tokens, wrong app id", async () => {
      const v = await startWorld({ people, groups, slug: "gamma" })
      try {
        const dir = (name: string) => {
          const d = Path.join(v.dir, name)
          Fs.mkdirSync(d)
          return d
        }
        const port = await closedPort()
        const good = writeConfig(v, { rules })
        const text = Fs.readFileSync(good, "utf8")
        const at = (name: string, content: string) => {
          const d = dir(name)
          const file = Path.join(d, "okta-monday.yaml")
          Fs.writeFileSync(file, content.replace(Path.join(v.dir, "state.sqlite"), Path.join(d, "state.sqlite")))
          return { d, file }
        }
        const cases = [
          { name: "yaml", ...at("yaml", `${text}\nmappings: [\n`), env: v.env, expect: [/okta-monday\.yaml is not a valid/, /line \d+/] },
          {
            name: "unknown-key",
            ...at("unknown-key", text.replace("  concurrency: 4", "  concurrency: 4\n  colour: blue")),
            env: v.env,
            expect: [/monday\.colour/, /not a known key/]
          },
          {
            name: "missing-env",
            ...at("missing-env", text),
            env: { OKTA_API_TOKEN: v.env.OKTA_API_TOKEN! },
            expect: [/monday\.token/, /MONDAY_SCIM_TOKEN is not set/]
          },
          {
            name: "unreachable",
            ...at("unreachable", text.replace(v.okta.orgUrl, `http://127.0.0.1:${port}`)),
            env: v.env,
            expect: [/Okta is unavailable/, /check the org URL/, new RegExp(`127\\.0\\.0\\.1:${port}`)]
          },
          {
            name: "monday-unreachable",
            ...at("monday-unreachable", text.replace(v.monday.scimUrl, `http://127.0.0.1:${port}/scim/v2`)),
            env: v.env,
            expect: [/monday\.com was unavailable/, /Check the SCIM URL/, new RegExp(`127\\.0\\.0\\.1:${port}`)]
          },
          {
            name: "postgres-unreachable",
            ...at("postgres-unreachable", text.replace(/sqlite: .*/, "postgres: ${OKTA_MONDAY_DATABASE_URL}")),
            env: { ...v.env, OKTA_MONDAY_DATABASE_URL: `postgres://okm:${pgPassword}@127.0.0.1:${port}/okm` },
            expect: [/State store \(postgres at 127\.0\.0\.1:\d+\/okm as okm\) failed during connect/, /Check the Postgres URL, that the server is running/]
          },
          {
            name: "okta-token",
            ...at("okta-token", text),
            env: { ...v.env, OKTA_API_TOKEN: wrongOkta },
            expect: [/Okta .* rejected the API token/, /Security → API → Tokens/]
          },
          {
            name: "monday-token",
            ...at("monday-token", text),
            env: { ...v.env, MONDAY_SCIM_TOKEN: wrongMonday },
            expect: [/monday\.com rejected the SCIM token/, /Admin → Security → SCIM/]
          },
          {
            name: "app-id",
            ...at("app-id", text.replace(`appId: ${v.okta.appId}`, "appId: 0oaNOTTHEAPP")),
            env: v.env,
            expect: [/No app with id 0oaNOTTHEAPP/, /Applications → monday\.com/]
          }
        ]
        const before = v.monday.account(v.slug)
        v.monday.resetCounters()
        // `sync` writes when it can: the command most able to do harm with bad input.
        // Nine processes at once: generous time for start-up on a busy machine.
        const results = await Promise.all(cases.map((c) => runCli(["sync", "-c", c.file], { env: c.env, timeoutMs: 330_000 })))
        results.forEach((r, i) => {
          const c = cases[i]!
          expect(r.code, `${c.name}: ${r.stderr}`).toBe(1)
          expect(r.stdout, c.name).toBe("")
          for (const re of c.expect) expect(r.stderr, c.name).toMatch(re)
          // A one-line message for a person, not a stack trace.
          expect(r.stderr, c.name).not.toMatch(/\n\s+at /)
          expect(Fs.readdirSync(c.d), c.name).toEqual(["okta-monday.yaml"])
        })
        expect(v.monday.account(v.slug)).toEqual(before)
        expect(writes(v)).toBe(0)
        expectNoSecrets(results, [...Object.values(v.env), wrongOkta, wrongMonday, pgPassword])
      } finally {
        await v.close()
      }
    }, 360_000)
  })
})
