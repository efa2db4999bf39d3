/**
 * `okta-monday validate`: the config's problems by path (as JSON with --json), and with --connect
 * both connections tested to the end, so one run names every problem: token rejected, app id
 * unknown, monday.com not on the Enterprise plan. Nothing is written, no secret is printed.
 */
import { afterAll, beforeAll, describe, expect, it } from "@effect/vitest"
import * as Fs from "node:fs"
import * as Path from "node:path"
import { cliInProcess } from "../support/cli.js"
import type { InProcessResult } from "../support/cli.js"
import { startWorld, writeConfig } from "../support/world.js"
import type { World } from "../support/world.js"

const rules = `
mappings:
  - select: { nameRegex: "^Dept - (.*)$" }
    team: "{1}"
`
const wrongOkta = "00WrongOktaTokenThatMustNotLeak"
const wrongMonday = "wrong-monday-token-that-must-not-leak"

describe("okta-monday validate", () => {
  let w: World
  let config: string
  const results: Array<InProcessResult> = []
  const run = async (args: ReadonlyArray<string>, env: Readonly<Record<string, string>> = w.env) => {
    const r = await cliInProcess(args, env)
    results.push(r)
    return r
  }

  beforeAll(async () => {
    w = await startWorld({ people: ["ann", "bob"], groups: { "Dept - Eng": ["ann", "bob"] } })
    config = writeConfig(w, { rules })
  })
  afterAll(async () => {
    for (const r of results) {
      for (const secret of [...Object.values(w.env), wrongOkta, wrongMonday]) {
        expect(r.stdout).not.toContain(secret)
        expect(r.stderr).not.toContain(secret)
      }
    }
    // validate never writes: no state file, no request that changes monday.com.
    expect(Fs.readdirSync(w.dir)).not.toContain("state.sqlite")
    expect(Object.keys(w.monday.counters()).filter((k) => /^(POST|PATCH|PUT|DELETE) /.test(k))).toEqual([])
    await w.close()
  })

  it("--connect with good credentials says what each side accepted", async () => {
    const r = await run(["validate", "--connect", "-c", config])
    expect(r.code, r.stderr).toBe(0)
    expect(r.stdout).toContain(`${config}: valid (1 mappings)`)
    expect(r.stdout).toMatch(/Okta: API token accepted; app ".+" \(0oa\w+\) is ACTIVE/)
    expect(r.stdout).toMatch(/monday\.com: SCIM token accepted on the Enterprise plan \(\d+ users in the account\)/)

    const j = await run(["validate", "--connect", "--json", "-c", config])
    expect(j.code, j.stderr).toBe(0)
    const out = JSON.parse(j.stdout)
    expect(out).toMatchObject({
      valid: true,
      warnings: [],
      connections: { okta: { ok: true, appId: w.okta.appId, authMode: "SSWS" }, monday: { ok: true, enterprise: true } }
    })
  })

  it("--connect with both tokens wrong names both problems in one run", async () => {
    const env = { OKTA_API_TOKEN: wrongOkta, MONDAY_SCIM_TOKEN: wrongMonday }
    const r = await run(["validate", "--connect", "-c", config], env)
    expect(r.code).toBe(1)
    expect(r.stdout).toMatch(/Okta: Okta .* rejected the API token/)
    expect(r.stdout).toContain("Security → API → Tokens")
    expect(r.stdout).toMatch(/monday\.com: monday\.com rejected the SCIM token/)
    expect(r.stdout).toContain("Admin → Security → SCIM")

    const j = await run(["validate", "--connect", "--json", "-c", config], env)
    expect(j.code).toBe(1)
    expect(JSON.parse(j.stdout).connections).toMatchObject({
      okta: { ok: false, error: { tag: "AuthFailed" } },
      monday: { ok: false, error: { tag: "TokenRejected" } }
    })
  })

  it("--connect with a wrong app id and monday.com off the Enterprise plan names both", async () => {
    const other = writeConfig(w, { rules, appId: "0oaNOTTHEAPP" }, "wrong-app.yaml")
    w.monday.setPlan(w.slug, "pro")
    try {
      const r = await run(["validate", "--connect", "-c", other])
      expect(r.code).toBe(1)
      expect(r.stdout).toMatch(/Okta: No app with id 0oaNOTTHEAPP/)
      expect(r.stdout).toContain("Applications → monday.com")
      expect(r.stdout).toMatch(/monday\.com: .*needs the Enterprise plan/)
      const j = await run(["validate", "--connect", "--json", "-c", other])
      expect(JSON.parse(j.stdout).connections).toMatchObject({
        okta: { ok: false, error: { tag: "AppNotFound" } },
        monday: { ok: false, error: { tag: "NotEnterprise" } }
      })
    } finally {
      w.monday.setPlan(w.slug, "enterprise")
    }
    // Only the side that is wrong is reported.
    w.monday.setPlan(w.slug, "basic")
    try {
      const r = await run(["validate", "--connect", "-c", config])
      expect(r.code).toBe(1)
      expect(r.stdout).toMatch(/Okta: API token accepted/)
      expect(r.stdout).toMatch(/monday\.com: .*needs the Enterprise plan/)
    } finally {
      w.monday.setPlan(w.slug, "enterprise")
    }
  })

  it("--json on a broken config prints every issue with its path, and exits 1", async () => {
    const broken = Path.join(w.dir, "broken.yaml")
    Fs.writeFileSync(
      broken,
      Fs.readFileSync(config, "utf8")
        .replace("  concurrency: 4", "  concurrency: 4\n  colour: blue")
        .replace('team: "{1}"', 'team: "{1}"\n    colour: red')
    )
    const r = await run(["validate", "--json", "-c", broken])
    expect(r.code).toBe(1)
    expect(r.stderr).toBe("")
    const out = JSON.parse(r.stdout)
    expect(out.valid).toBe(false)
    expect(out.issues.map((i: { path: string }) => i.path).sort()).toEqual(["mappings[0].colour", "monday.colour"])
    for (const issue of out.issues) expect(issue.message).toMatch(/not a known key/)

    // Without --json: the same issues as a message, exit 1.
    const t = await run(["validate", "-c", broken])
    expect(t.code).toBe(1)
    expect(t.stderr).toMatch(/monday\.colour: is not a known key/)

    // A missing file is a config problem too.
    const missing = await run(["validate", "--json", "-c", Path.join(w.dir, "nope.yaml")])
    expect(missing.code).toBe(1)
    expect(JSON.parse(missing.stdout)).toMatchObject({ valid: false, issues: [{ path: "", message: expect.stringMatching(/can't be read/) }] })
  })

  it("warns about a token written in the file, and never prints it", async () => {
    const literal = Path.join(w.dir, "literal.yaml")
    Fs.writeFileSync(literal, Fs.readFileSync(config, "utf8").replace("${MONDAY_SCIM_TOKEN}", w.mondayToken))
    const r = await run(["validate", "--json", "-c", literal])
    expect(r.code, r.stderr).toBe(0)
    expect(JSON.parse(r.stdout).warnings).toEqual([expect.stringMatching(/^monday\.token is written in the file/)])
    Fs.rmSync(literal)
  })
})
