/**
 * The emulator as a process (`src/main.ts`), as `npm run emulators` and the demo start it: on port 0
 * it prints the URL it listens on, serves the seed file's accounts there, and closes on SIGINT.
 */
import { spawn } from "node:child_process"
import type { ChildProcess } from "node:child_process"
import { mkdtempSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { fileURLToPath } from "node:url"
import { describe, expect, it } from "@effect/vitest"
import { Effect } from "effect"
import { request } from "./support.js"

const MAIN = fileURLToPath(new URL("../src/main.ts", import.meta.url))
const PACKAGE = fileURLToPath(new URL("..", import.meta.url))

interface Running {
  readonly child: ChildProcess
  readonly output: () => string
  readonly exited: Promise<{ readonly code: number | null; readonly signal: NodeJS.Signals | null }>
}

const start = (args: ReadonlyArray<string>, env: Record<string, string> = {}): Running => {
  const child = spawn(process.execPath, ["--import", "tsx", MAIN, ...args], {
    cwd: PACKAGE,
    env: { PATH: process.env.PATH ?? "/usr/bin:/bin", HOME: process.env.HOME ?? "/tmp", ...env },
    stdio: ["ignore", "pipe", "pipe"]
  })
  let output = ""
  child.stdout!.setEncoding("utf8").on("data", (chunk: string) => (output += chunk))
  child.stderr!.setEncoding("utf8").on("data", (chunk: string) => (output += chunk))
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.on("close", (code, signal) => resolve({ code, signal }))
  )
  return { child, output: () => output, exited }
}

/** The SCIM URL the process prints once it listens; fails with what it printed if it ends or takes too long. */
const listeningUrl = (running: Running, timeoutMs = 60_000): Promise<string> =>
  new Promise((resolve, reject) => {
    const pattern = /listening: (http:\/\/[^\s"]+\/scim\/v2)/
    const check = () => {
      const found = pattern.exec(running.output())
      if (found) {
        cleanup()
        resolve(found[1]!)
      }
    }
    const timer = setTimeout(() => {
      cleanup()
      reject(new Error(`no URL printed within ${timeoutMs} ms:\n${running.output()}`))
    }, timeoutMs)
    const ended = () => {
      cleanup()
      reject(new Error(`the process ended before listening:\n${running.output()}`))
    }
    const cleanup = () => {
      clearTimeout(timer)
      running.child.stdout!.off("data", check)
      running.child.stderr!.off("data", check)
      running.child.off("close", ended)
    }
    running.child.stdout!.on("data", check)
    running.child.stderr!.on("data", check)
    running.child.on("close", ended)
    check()
  })

const process_ = (args: ReadonlyArray<string>, env?: Record<string, string>) =>
  Effect.acquireRelease(Effect.sync(() => start(args, env)), (running) =>
    Effect.promise(async () => {
      if (running.child.exitCode === null && running.child.signalCode === null) running.child.kill("SIGKILL")
      await running.exited
    }))

describe("the emulator as a process", () => {
  it.scopedLive("--port 0 prints the URL it listens on; SCIM and the admin surface answer there; SIGINT closes it", () =>
    Effect.gen(function*() {
      const dir = mkdtempSync(join(tmpdir(), "monday-emulator-"))
      const seed = join(dir, "seed.json")
      const token = "process-test-token"
      writeFileSync(seed, JSON.stringify({
        slug: "acme",
        admin: { email: "admin@acme.io" },
        token,
        users: [{ email: "bob@acme.io", name: "Bob Builder" }],
        teams: [{ displayName: "Eng", members: ["bob@acme.io"] }]
      }))
      const running = yield* process_(["--port", "0", "--seed", seed, "--max-members-per-patch", "2"])

      const scimUrl = yield* Effect.promise(() => listeningUrl(running))

      expect(scimUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/scim\/v2$/)
      expect(new URL(scimUrl).port).not.toBe("0")
      const users = yield* request(`${scimUrl}/Users?scim_provisioned_only=false`, { token })
      expect(users.body.Resources.map((u: { userName: string }) => u.userName).sort()).toEqual([
        "admin@acme.io",
        "bob@acme.io"
      ])
      const teams = yield* request(`${scimUrl}/Groups`, { token })
      expect(teams.body.Resources.map((t: { displayName: string }) => t.displayName)).toEqual(["Eng"])
      // The flags reached the server: a PATCH over the member cap is 413.
      const patch = yield* request(`${scimUrl}/Groups/${teams.body.Resources[0].id}`, {
        method: "PATCH",
        token,
        body: {
          schemas: ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
          Operations: [{ op: "add", path: "members", value: [{ value: "1" }, { value: "2" }, { value: "3" }] }]
        }
      })
      expect(patch.status).toBe(413)
      const admin = yield* request(new URL("/_emulator/accounts", scimUrl).href, {})
      expect(admin.body).toEqual({ accounts: ["acme"] })
      // The token is a secret: never printed.
      expect(running.output()).not.toContain(token)
      expect(running.output()).toContain("seeded account acme")

      running.child.kill("SIGINT")
      const { code, signal } = yield* Effect.promise(() => running.exited)
      expect(code === 0 || signal === "SIGINT").toBe(true)
      const refused = yield* Effect.promise(() =>
        fetch(`${scimUrl}/Users`, { headers: { authorization: `Bearer ${token}` } }).then(() => "answered", () => "refused")
      )
      expect(refused).toBe("refused")
    }), 120_000)

  it.scopedLive("the port can come from MONDAY_EMULATOR_PORT, and a bad flag ends the process with a reason", () =>
    Effect.gen(function*() {
      const bad = yield* process_(["--port", "eighty"])
      const { code } = yield* Effect.promise(() => bad.exited)
      expect(code).not.toBe(0)
      expect(bad.output()).toContain(`--port must be a non-negative integer, got "eighty"`)

      const byEnv = yield* process_([], { MONDAY_EMULATOR_PORT: "0" })
      const scimUrl = yield* Effect.promise(() => listeningUrl(byEnv))
      expect((yield* request(`${scimUrl}/Users`, {})).status).toBe(401)
    }), 120_000)
})
