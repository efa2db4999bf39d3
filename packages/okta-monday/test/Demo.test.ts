/**
 * `okta-monday demo` (what `npm run demo` runs) end to end as a real process, in its own folder and
 * on its own ports: the emulators, validate, check, plan, apply, then the daemon carrying a
 * membership change made over Okta's API into monday.com.
 */
import { describe, expect, it } from "@effect/vitest"
import * as Fs from "node:fs"
import * as Os from "node:os"
import * as Path from "node:path"
import { runCli } from "./support/processes.js"

describe("okta-monday demo", () => {
  it("runs every step and carries the Okta change into monday.com", async () => {
    const cwd = Fs.mkdtempSync(Path.join(Os.tmpdir(), "okta-monday-demo-"))
    try {
      const dir = Path.join(cwd, "demo")
      const r = await runCli(["demo", "--dir", dir], { env: {}, cwd, timeoutMs: 280_000 })
      expect(r.code, `${r.stdout}\n${r.stderr}`).toBe(0)
      const steps = r.stdout.split("\n$ okta-monday ").slice(1).map((s) => [s.split(" ")[0], s.match(/\(exit (\d+)\)/)?.[1]])
      expect(steps).toEqual([
        ["validate", "0"],
        ["check", "2"],
        ["plan", "2"],
        ["apply", "0"],
        ["plan", "2"],
        ["daemon", undefined]
      ])
      expect(r.stdout).toContain("Okta: API token accepted")
      expect(r.stdout).toMatch(/BLOCKED: a monday\.com team with this name exists/)
      expect(r.stdout).toMatch(/succeeded: (\d+)\/\1 operations done/)
      expect(r.stdout).toMatch(/In Okta, over its API as an admin would: adding (\S+) to "Dept - Engineering"/)
      const email = r.stdout.match(/adding (\S+) to "Dept - Engineering"/)![1]!
      expect(r.stdout).toMatch(new RegExp(`monday\\.com: ${email.replace(/\./g, "\\.")} is in team "Engineering" [\\d.]+ s later`))
      expect(r.stdout).toMatch(/daemon: \d+ change\(s\) from Okta → \d+ operation\(s\), succeeded/)
      expect(Fs.readdirSync(dir).sort()).toEqual(expect.arrayContaining(["okta-monday.yaml", "plan.json", "state.sqlite"]))
      // The config it wrote refers to its secrets; it doesn't hold them.
      const config = Fs.readFileSync(Path.join(dir, "okta-monday.yaml"), "utf8")
      expect(config).toContain("token: ${OKTA_API_TOKEN}")
      expect(config).toContain("token: ${MONDAY_SCIM_TOKEN}")
      // Nothing outside its folder.
      expect(Fs.readdirSync(cwd)).toEqual(["demo"])
    } finally {
      Fs.rmSync(cwd, { recursive: true, force: true })
    }
  }, 300_000)

  it("won't empty a folder that holds someone's files", async () => {
    const cwd = Fs.mkdtempSync(Path.join(Os.tmpdir(), "okta-monday-demo-"))
    try {
      Fs.writeFileSync(Path.join(cwd, "notes.txt"), "mine")
      const r = await runCli(["demo", "--dir", cwd], { env: {}, cwd, timeoutMs: 120_000 })
      expect(r.code).toBe(1)
      expect(r.stderr).toContain("is not empty and not a previous demo's folder")
      expect(Fs.readdirSync(cwd)).toEqual(["notes.txt"])
    } finally {
      Fs.rmSync(cwd, { recursive: true, force: true })
    }
  }, 150_000)
})
