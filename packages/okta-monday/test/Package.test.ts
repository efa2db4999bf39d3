/**
 * The package as a user installs it: `import("okta-monday")` from plain Node (no tsx flags, no
 * build step) gives the whole API, plans against the emulators, and leaves the process without a
 * TypeScript loader.
 */
import { afterAll, beforeAll, describe, expect, it } from "@effect/vitest"
import * as Fs from "node:fs"
import * as Path from "node:path"
import * as Source from "../src/index.js"
import { runNode } from "./support/node.js"
import { startWorld, writeConfig } from "./support/world.js"
import type { World } from "./support/world.js"

const rules = `
mappings:
  - select: { nameRegex: "^Dept - (.*)$" }
    team: "{1}"
`

const script = `
const api = await import("okta-monday")
const engine = await api.createEngine({ configPath: process.env.CONFIG })
let report
try {
  report = await engine.plan()
} finally {
  await engine.close()
}
let afterwards
try {
  await import(process.env.TS_FILE)
  afterwards = "loaded"
} catch (e) {
  afterwards = e.code
}
console.log(JSON.stringify({
  exports: Object.keys(api).sort(),
  operations: report.plan.operations.map((op) => [op._tag, op.key]),
  rendered: report.rendered,
  afterwards
}))
`

describe("okta-monday on plain Node", () => {
  let w: World
  beforeAll(async () => {
    w = await startWorld({ people: ["ann", "bob", "cat"], groups: { "Dept - Eng": ["ann", "bob"], "Dept - Ops": ["cat"] } })
  })
  afterAll(() => w.close())

  it("imports by name with no loader flags, plans against the emulators, and unloads tsx afterwards", async () => {
    const config = writeConfig(w, { rules })
    const tsFile = Path.join(w.dir, "user-code.ts")
    Fs.writeFileSync(tsFile, "export const x: number = 1\n")
    const result = await runNode(["--input-type=module", "-e", script], {
      env: { ...w.env, CONFIG: config, TS_FILE: tsFile }
    })
    expect(result.code, result.stderr).toBe(0)
    const out = JSON.parse(result.stdout.trim().split("\n").at(-1)!)
    expect(out.exports).toEqual(Object.keys(Source).sort())
    expect(out.operations).toEqual([["CreateTeam", "Eng"], ["CreateTeam", "Ops"]])
    expect(out.rendered).toContain("ann@example.com")
    // The caller's process is left as it was: its own .ts files still need a loader of its choosing.
    expect(out.afterwards).toBe("ERR_UNKNOWN_FILE_EXTENSION")
    expect(w.teams()).toEqual({})
  }, 120_000)
})
