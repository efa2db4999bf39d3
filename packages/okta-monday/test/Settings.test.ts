import { describe, expect, it } from "@effect/vitest"
import { Either, Redacted } from "effect"
import { literalSecrets, parseSettings } from "../src/Settings.js"

const base = `
version: 1
okta:
  orgUrl: https://acme.okta.com/
  appId: 0oa1monday
  token: \${OKTA_API_TOKEN}
monday:
  scimUrl: https://acme.monday.com/scim/v2
  token: \${MONDAY_SCIM_TOKEN}
mappings:
  - select: { nameRegex: "^team-(.*)$" }
    team: "{1}"
`
const env = { OKTA_API_TOKEN: "ssws-secret-1", MONDAY_SCIM_TOKEN: "monday-secret-2" }

const issues = (text: string, e: Record<string, string> = env) => {
  const result = parseSettings(text, { env: e, source: "okta-monday.yaml" })
  if (Either.isRight(result)) throw new Error("expected the config to be refused")
  return result.left
}

describe("Settings", () => {
  it("reads rules and connections from one file, secrets from the environment, kept redacted", () => {
    const settings = Either.getOrThrow(parseSettings(base, { env }))
    expect(settings.okta.orgUrl).toBe("https://acme.okta.com")
    expect(Redacted.value(settings.okta.token!)).toBe("ssws-secret-1")
    expect(Redacted.value(settings.monday.token)).toBe("monday-secret-2")
    expect(String(settings.monday.token)).not.toContain("monday-secret-2")
    expect(JSON.stringify(settings)).not.toContain("secret")
    expect(settings.rules.mappings[0].team).toBe("{1}")
    expect(settings.rules.policies.notReadyMembers).toBe("block")
    expect(settings.state).toEqual({ sqlite: ".okta-monday/state.sqlite", tenant: "default" })
    expect(settings.daemon.pollSeconds).toBe(10)
  })

  it("reads a secret from a file reference", () => {
    const text = base.replace("${MONDAY_SCIM_TOKEN}", "${file:/run/secrets/monday}")
    const settings = Either.getOrThrow(
      parseSettings(text, { env, readFile: (p) => (p === "/run/secrets/monday" ? "from-file\n" : undefined) })
    )
    expect(Redacted.value(settings.monday.token)).toBe("from-file")
  })

  it("names the key and the variable when an environment variable is missing", () => {
    const error = issues(base, { OKTA_API_TOKEN: "x" })
    expect(error.issues).toEqual([{ path: "monday.token", message: "the environment variable MONDAY_SCIM_TOKEN is not set" }])
    expect(error.message).toContain("okta-monday.yaml")
  })

  it("refuses unknown keys, bad URLs and wrong types with their paths", () => {
    const error = issues(
      base.replace("appId: 0oa1monday", "appId: 0oa1monday\n  colour: blue").replace("https://acme.monday.com/scim/v2", "not a url")
    )
    const paths = error.issues.map((i) => i.path)
    expect(paths).toContain("okta.colour")
    expect(paths).toContain("monday.scimUrl")
  })

  it("says what is wrong with a connection key in plain words: the value, what is allowed, the keys known", () => {
    const error = issues(
      base
        .replace("appId: 0oa1monday", "appId: \"\"\n  concurrency: many\n  colour: blue")
        .replace("mappings:", "daemon:\n  pollSeconds: -1\nmappings:")
    )
    expect(error.issues).toEqual(expect.arrayContaining([
      { path: "okta.appId", message: "can't be empty" },
      { path: "okta.concurrency", message: "\"many\" is not allowed: expected a number" },
      { path: "daemon.pollSeconds", message: "-1 is not allowed: expected a positive number" }
    ]))
    expect(error.issues.find((i) => i.path === "okta.colour")?.message).toMatch(/allowed keys here: orgUrl, appId, token, oauth/)
    // Nothing of Effect's own vocabulary, and no key named twice.
    expect(error.message).not.toMatch(/Encoded side|Struct|ReadonlyArray|Expected undefined|\(file\)/)
    expect(new Set(error.issues.map((i) => `${i.path}: ${i.message}`)).size).toBe(error.issues.length)
  })

  it("wants exactly one Okta credential", () => {
    const none = issues(base.replace("  token: ${OKTA_API_TOKEN}\n", ""))
    expect(none.issues[0].path).toBe("okta")
    expect(none.issues[0].message).toContain("either `token`")
  })

  it("reports YAML syntax errors with their line", () => {
    const error = issues("version: 1\nokta: [\n")
    expect(error.issues[0].path).toMatch(/^line \d+/)
  })

  it("spots secrets written literally in the file", () => {
    expect(literalSecrets(base)).toEqual([])
    expect(literalSecrets(base.replace("${MONDAY_SCIM_TOKEN}", "abc123"))).toEqual(["monday.token"])
  })
})
