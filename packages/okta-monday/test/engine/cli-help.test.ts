/**
 * `--help` on every command: usage, the command's description and its options, in plain text when
 * the output is not a terminal (colour only at one).
 */
import { describe, expect, it } from "@effect/vitest"
import { cliInProcess } from "../support/cli.js"
import { runCli } from "../support/processes.js"

const ESC = /\x1b\[/

const COMMANDS: ReadonlyArray<readonly [string, RegExp, ReadonlyArray<string>]> = [
  ["validate", /test the Okta and monday\.com credentials/, ["--config", "--json", "--connect"]],
  ["check", /who is not assigned, not provisioned or deactivated/, ["--config", "--json"]],
  ["plan", /exit 0: nothing to do, 2: changes pending or blocked/, ["--config", "--json", "--out"]],
  ["apply", /after confirmation \(--yes to skip\)/, ["--config", "--json", "--yes", "plan.json"]],
  ["sync", /One full sync without asking/, ["--config", "--json"]],
  ["daemon", /System Log polling between/, ["--config", "--json"]],
  ["status", /lease, blocked work/, ["--config", "--json"]],
  ["approve", /Release held removals/, ["--config", "--json", "--by", "--force", "blocker-id"]],
  ["migrate", /Create or upgrade the state store's tables/, ["--config", "--json"]],
  ["report", /./, ["--config", "--format", "--out"]]
]

describe("okta-monday --help", () => {
  it.each(COMMANDS)("%s --help: usage, description and options, no colour codes in a pipe", async (command, description, options) => {
    const r = await cliInProcess([command, "--help"], {})
    expect(r.code, r.stderr).toBe(0)
    expect(r.stdout).toContain("USAGE")
    expect(r.stdout).toMatch(description)
    for (const option of options) expect(r.stdout).toContain(option)
    expect(r.stdout + r.stderr).not.toMatch(ESC)
  })

  it("the root lists every command", async () => {
    const r = await cliInProcess(["--help"], {})
    expect(r.code, r.stderr).toBe(0)
    for (const [command] of COMMANDS) expect(r.stdout).toContain(command)
    expect(r.stdout).not.toMatch(ESC)
  })

  it("colours help only at a terminal", async () => {
    const r = await cliInProcess(["plan", "--help"], {}, { tty: { stdout: true, stderr: true } })
    expect(r.stdout).toMatch(ESC)
  })

  it("the binary (with demo) prints plain help into a pipe", async () => {
    const r = await runCli(["demo", "--help"], { env: {} })
    expect(r.code, r.stderr).toBe(0)
    expect(r.stdout).toContain("USAGE")
    expect(r.stdout).toMatch(/sample org/)
    expect(r.stdout).toContain("--keep")
    expect(r.stdout + r.stderr).not.toMatch(ESC)
  }, 60_000)
})
