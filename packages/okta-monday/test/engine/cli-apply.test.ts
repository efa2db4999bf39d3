/**
 * `okta-monday apply` of a fresh plan (the prompt, --yes, and the refusal without a terminal),
 * `--json` on check, apply and status, progress only at a terminal, and `approve` refusing ids that
 * no blocker has.
 */
import { describe, expect, it } from "@effect/vitest"
import * as Fs from "node:fs"
import * as Path from "node:path"
import { cliInProcess } from "../support/cli.js"
import { runCli } from "../support/processes.js"
import { startWorld, writeConfig } from "../support/world.js"
import type { World } from "../support/world.js"

const rules = `
mappings:
  - select: { nameRegex: "^Dept - (.*)$" }
    team: "{1}"
`
const people = ["ann", "bob", "cat", "dan"]
const TERMINAL = { stdin: true, stdout: true, stderr: true }

const writes = (w: World) =>
  Object.entries(w.monday.counters())
    .filter(([k]) => /^(POST|PATCH|PUT|DELETE) /.test(k))
    .reduce((n, [, v]) => n + v, 0)

const withWorld = async (
  spec: Parameters<typeof startWorld>[0],
  f: (w: World) => Promise<void>
) => {
  const w = await startWorld(spec)
  try {
    await f(w)
  } finally {
    await w.close()
  }
}

const noSecrets = (w: World, ...outputs: ReadonlyArray<{ stdout: string; stderr: string }>) => {
  for (const o of outputs) {
    for (const s of Object.values(w.env)) {
      expect(o.stdout).not.toContain(s)
      expect(o.stderr).not.toContain(s)
    }
  }
}

describe("okta-monday apply (fresh plan)", () => {
  it("asks at a terminal: no changes nothing, yes applies what was shown, with progress counts", () =>
    withWorld({ people, groups: { "Dept - Eng": ["ann", "bob"], "Dept - Ops": ["cat"] } }, async (w) => {
      const config = writeConfig(w, { rules })
      w.monday.resetCounters()
      const declined = await cliInProcess(["apply", "-c", config], w.env, { tty: TERMINAL, keys: ["n"] })
      expect(declined.code, declined.stderr).toBe(1)
      expect(declined.stdout, JSON.stringify(declined)).toContain('create team "Eng"')
      expect(declined.prompted).toContain("Apply these 2 operations to monday.com?")
      expect(declined.stderr).toContain("not applied: you answered no. Nothing was changed.")
      expect(w.teams()).toEqual({})
      expect(writes(w)).toBe(0)
      expect(Fs.existsSync(Path.join(w.dir, "state.sqlite"))).toBe(false)

      const accepted = await cliInProcess(["apply", "-c", config], w.env, { tty: TERMINAL, keys: ["y"] })
      expect(accepted.code, accepted.stderr).toBe(0)
      expect(accepted.stdout).toContain("succeeded: 2/2 operations done")
      expect(w.teams()).toEqual({ Eng: ["ann", "bob"], Ops: ["cat"] })
      expect(writes(w)).toBe(2)
      // Counts at the terminal while reading and applying.
      expect(accepted.progress).toMatch(/reading: Okta \d+ requests, monday\.com \d+ requests/)
      expect(accepted.progress, JSON.stringify(accepted.progress)).toMatch(/read 3 Okta users in 2 groups, \d+ monday\.com users in 0 teams \(Okta \d+ requests/)
      expect(accepted.progress).toContain("applying: 1/2 operations")

      // Nothing left to do: no question asked.
      const idle = await cliInProcess(["apply", "-c", config], w.env, { tty: TERMINAL })
      expect(idle.code, idle.stderr).toBe(0)
      expect(idle.prompted).toBe("")
      expect(idle.stdout).toContain("nothing to do")
      noSecrets(w, declined, accepted, idle)
    }), 60_000)

  it("refuses without a terminal unless --yes (real binary): exit 1, nothing written, no progress noise", () =>
    withWorld({ people, groups: { "Dept - Eng": ["ann", "bob"] } }, async (w) => {
      const config = writeConfig(w, { rules })
      w.monday.resetCounters()
      const refused = await runCli(["apply", "-c", config], { env: w.env })
      expect(refused.code).toBe(1)
      expect(refused.stdout).toContain('create team "Eng"')
      expect(refused.stderr).toContain("refusing to apply 1 operations without confirmation: standard input is not a terminal")
      expect(refused.stderr).toContain("--yes")
      // Not attached to a terminal: the error line and nothing else (no progress, no colour).
      expect(refused.stderr.trim().split("\n")).toHaveLength(1)
      expect(refused.stdout + refused.stderr).not.toMatch(/\x1b\[|\r/)
      expect(w.teams()).toEqual({})
      expect(writes(w)).toBe(0)
      expect(Fs.readdirSync(w.dir)).toEqual(["okta-monday.yaml"])

      const yes = await cliInProcess(["apply", "--yes", "-c", config], w.env)
      expect(yes.code, yes.stderr).toBe(0)
      expect(yes.progress).toBe("")
      expect(w.teams()).toEqual({ Eng: ["ann", "bob"] })
      noSecrets(w, refused, yes)
    }), 120_000)

  it("--json on check, apply and status", () =>
    withWorld({ people: [...people, { handle: "eve", assigned: false }], groups: { "Dept - Eng": ["ann", "bob", "eve"] } }, async (w) => {
      const config = writeConfig(w, { rules: `${rules}\npolicies:\n  notReadyMembers: skip\n` })
      const check = await cliInProcess(["check", "--json", "-c", config], w.env)
      expect(check.code).toBe(2)
      const report = JSON.parse(check.stdout)
      expect(report.teams).toMatchObject([
        { key: "Eng", members: 3, ready: 2, notReady: [{ email: "eve@example.com", reason: "not-assigned" }] }
      ])

      const apply = await cliInProcess(["apply", "--yes", "--json", "-c", config], w.env)
      expect(apply.code, apply.stderr).toBe(0)
      const applied = JSON.parse(apply.stdout)
      expect(applied).toMatchObject({ status: "succeeded", outcomes: [{ key: "Eng", status: "done" }], backedOff: [] })
      expect(applied.runId).toEqual(expect.any(String))

      const status = await cliInProcess(["status", "--json", "-c", config], w.env)
      expect(status.code, status.stderr).toBe(0)
      const s = JSON.parse(status.stdout)
      expect(s).toMatchObject({ lease: null, blocked: [], approvals: [], unfinished: false })
      expect(s.runs).toMatchObject([{ runId: applied.runId, state: "finished" }])
      noSecrets(w, check, apply, status)
    }), 60_000)
})

describe("okta-monday approve", () => {
  const limits = `${rules}\nlimits:\n  maxRemovalsPerTeam: 1\n  maxRemovalFractionPerTeam: 1\n`

  it("refuses ids that are not current blockers, naming the current ones; --force records anyway", () =>
    withWorld({ people, groups: { "Dept - Eng": people } }, async (w) => {
      const config = writeConfig(w, { rules: limits })
      expect((await cliInProcess(["sync", "-c", config], w.env)).code).toBe(0)
      w.okta.removeMember(w.groupId("Dept - Eng"), w.userId("ann"))
      w.okta.removeMember(w.groupId("Dept - Eng"), w.userId("bob"))
      // The hold shows in `plan` before any sync stored it: approve finds it by reading both sides.
      const plan = await cliInProcess(["plan", "--json", "-c", config], w.env)
      const held = JSON.parse(plan.stdout).blockers.find((b: { _tag: string }) => b._tag === "TeamRemovalLimit")
      expect(held).toBeDefined()

      const unknown = await cliInProcess(["approve", "-c", config, "tr-bogus"], w.env)
      expect(unknown.code).toBe(1)
      expect(unknown.stderr).toContain("tr-bogus is not a current blocker: nothing was approved")
      expect(unknown.stderr).toContain(`${held.id}  team "Eng": 2 removals of 4 members exceed the limit; held`)
      expect(unknown.stderr).toContain("--force")
      const approvals = async () => JSON.parse((await cliInProcess(["status", "--json", "-c", config], w.env)).stdout).approvals
      expect(await approvals()).toEqual([])

      const approved = await cliInProcess(["approve", "--json", "-c", config, held.id, "--by", "alice"], w.env)
      expect(approved.code, approved.stderr).toBe(0)
      expect(JSON.parse(approved.stdout)).toEqual({
        approved: [{ id: held.id, blocker: 'team "Eng": 2 removals of 4 members exceed the limit; held', alreadyApproved: false }],
        by: "alice"
      })

      const forced = await cliInProcess(["approve", "--force", "-c", config, "tr-bogus"], w.env)
      expect(forced.code, forced.stderr).toBe(0)
      expect(forced.stdout).toContain("approved tr-bogus (no current blocker has this id)")
      expect((await approvals()).map((a: { blockerId: string }) => a.blockerId).sort()).toEqual([held.id, "tr-bogus"].sort())

      expect((await cliInProcess(["sync", "-c", config], w.env)).code).toBe(0)
      expect(w.teams().Eng).toEqual(["cat", "dan"])
    }), 90_000)

  it("refuses a blocker approval can't release", () =>
    withWorld({ people, groups: { "Dept - Eng": ["ann"] }, handMadeTeams: { Eng: ["bob"] } }, async (w) => {
      const config = writeConfig(w, { rules })
      const plan = await cliInProcess(["plan", "--json", "-c", config], w.env)
      const taken = JSON.parse(plan.stdout).blockers.find((b: { _tag: string }) => b._tag === "NameTaken")
      expect(taken).toBeDefined()
      const r = await cliInProcess(["approve", "-c", config, taken.id], w.env)
      expect(r.code).toBe(1)
      expect(r.stderr).toContain("approve releases held removals only")
      expect(r.stderr).toContain(taken.id)
      expect(Fs.existsSync(Path.join(w.dir, "state.sqlite"))).toBe(false)
    }), 60_000)
})

describe("okta-monday daemon --json", () => {
  it("logs JSON lines even at a terminal", () =>
    withWorld({ people, groups: { "Dept - Eng": ["ann", "bob"] } }, async (w) => {
      const config = writeConfig(w, { rules })
      const r = await cliInProcess(["daemon", "--json", "-c", config], w.env, {
        tty: { stderr: true },
        stopWhen: ({ stderr }) => stderr.includes("/metrics") && w.teams().Eng !== undefined
      })
      expect(r.code, r.stderr).toBe(0)
      const lines = r.stderr.trim().split("\n")
      const logs = lines.map((line) => JSON.parse(line) as { message: unknown; logLevel: string })
      expect(logs.some((l) => String(l.message).includes("/healthz"))).toBe(true)
      expect(w.teams()).toEqual({ Eng: ["ann", "bob"] })
      noSecrets(w, r)
    }), 60_000)
})
