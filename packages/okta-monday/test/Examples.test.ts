/**
 * The README's library examples (examples/ at the repository root), run as a user runs them against
 * both emulators: the Promise API on plain `node`, the Effect API through tsx. The README shows each
 * file verbatim, so what it shows is what runs here.
 */
import { describe, expect, it } from "@effect/vitest"
import * as Fs from "node:fs"
import * as Path from "node:path"
import { REPO_ROOT, runNode, startNode } from "./support/node.js"
import { startWorld, waitUntil, writeConfig } from "./support/world.js"
import type { World } from "./support/world.js"

const EXAMPLES = Path.join(REPO_ROOT, "examples")

const rules = `
mappings:
  - select: { nameRegex: "^Dept - (.*)$" }
    team: "{1}"
`

/** How each example runs: `.mjs` on plain node, `.ts` with tsx's loader. */
const nodeArgs = (file: string) => (file.endsWith(".ts") ? ["--import", "tsx", file] : [file])

const withWorld = async (f: (w: World, env: Record<string, string>) => Promise<void>) => {
  const w = await startWorld({
    people: ["ann", "bob", "cat", { handle: "dan", assigned: false }],
    groups: { "Dept - Eng": ["ann", "bob", "dan"], "Dept - Ops": ["cat"] }
  })
  try {
    await f(w, { ...w.env, OKTA_MONDAY_CONFIG: writeConfig(w, { rules: `${rules}\npolicies:\n  notReadyMembers: skip\n` }) })
  } finally {
    await w.close()
  }
}

describe("examples/", () => {
  it("the README shows every example file verbatim", () => {
    const readme = Fs.readFileSync(Path.join(REPO_ROOT, "README.md"), "utf8")
    const files = Fs.readdirSync(EXAMPLES).filter((f) => /\.(mjs|ts)$/.test(f)).sort()
    expect(files).toEqual(["effect-api.ts", "effect-daemon.ts", "promise-api.mjs", "promise-daemon.mjs"])
    for (const file of files) {
      const text = Fs.readFileSync(Path.join(EXAMPLES, file), "utf8").trimEnd()
      expect(readme, file).toContain(`\`\`\`${file.endsWith(".ts") ? "ts" : "js"}\n${text}\n\`\`\``)
    }
  })

  it.concurrent.each(["promise-api.mjs", "effect-api.ts"])("%s: check, plan, apply, sync", (file) =>
    withWorld(async (w, env) => {
      const r = await runNode(nodeArgs(Path.join(EXAMPLES, file)), { env })
      expect(r.code, r.stderr).toBe(0)
      expect(r.stdout).toContain("Eng: 2/3 ready")
      expect(r.stdout).toContain("  dan@example.com: not-assigned")
      expect(r.stdout).toContain('create team "Eng"')
      expect(r.stdout).toContain("apply: succeeded, 2 operations")
      expect(r.stdout).toContain("sync: nothing-to-do")
      expect(w.teams()).toEqual({ Eng: ["ann", "bob"], Ops: ["cat"] })
      for (const secret of Object.values(w.env)) expect(r.stdout + r.stderr).not.toContain(secret)
    }), 180_000)

  it.concurrent.each(["promise-daemon.mjs", "effect-daemon.ts"])("%s: syncs, carries an Okta change over, stops on SIGTERM", (file) =>
    withWorld(async (w, env) => {
      const p = startNode(nodeArgs(Path.join(EXAMPLES, file)), { env })
      try {
        await waitUntil(`${file}'s first full cycle`, () => p.stdout(), (out) => out.includes("full cycle: succeeded"), 150_000, 200)
        expect(p.stdout()).toMatch(/serving http:\/\/127\.0\.0\.1:\d+\/healthz/)
        expect(w.teams()).toEqual({ Eng: ["ann", "bob"], Ops: ["cat"] })
        w.okta.addMember(w.groupId("Dept - Ops"), w.userId("bob"))
        await waitUntil("bob in Ops", () => w.teams().Ops, (m) => m?.includes("bob") === true, 30_000)
        await waitUntil(`${file}'s delta cycle`, () => p.stdout(), (out) => out.includes("delta cycle: succeeded"), 10_000)
      } finally {
        if (p.child.exitCode === null) p.child.kill("SIGTERM")
      }
      const exit = await p.exited
      expect(exit.code, exit.stderr).toBe(0)
      for (const secret of Object.values(w.env)) expect(exit.stdout + exit.stderr).not.toContain(secret)
    }), 240_000)
})
