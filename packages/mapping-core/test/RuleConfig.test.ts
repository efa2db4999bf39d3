import { describe, expect, it } from "@effect/vitest"
import { Either } from "effect"
import { readFileSync } from "node:fs"
import { Schema } from "effect"
import {
  decodeRuleConfig,
  decodeRuleConfigUnknown,
  formatParseIssues,
  jsonSchemaWith,
  RuleConfigJsonSchema,
  ruleConfigJsonSchemaText
} from "../src/RuleConfig.js"
import type { RuleConfigIssue } from "../src/RuleConfig.js"

const issuesOf = (r: Either.Either<unknown, { issues: ReadonlyArray<RuleConfigIssue> }>) =>
  Either.isLeft(r) ? r.left.issues : []

const issueAt = (issues: ReadonlyArray<RuleConfigIssue>, path: string) => issues.filter((i) => i.path === path)

describe("RuleConfig decoding", () => {
  it("reads YAML and JSON into the same config, with defaults filled in", () => {
    const yaml = `
version: 1
mappings:
  - id: engineering
    select: { nameRegex: "^eng-(.+)$" }
    team: "Engineering {1}"
policies:
  notReadyMembers: skip
`
    const json = JSON.stringify({
      version: 1,
      mappings: [{ id: "engineering", select: { nameRegex: "^eng-(.+)$" }, team: "Engineering {1}" }],
      policies: { notReadyMembers: "skip" }
    })
    const a = Either.getOrThrow(decodeRuleConfig(yaml))
    const b = Either.getOrThrow(decodeRuleConfig(json, "json"))
    expect(a).toStrictEqual(b)
    expect(a.policies).toStrictEqual({
      notReadyMembers: "skip",
      existingTeam: "refuse",
      deleteTeams: "never",
      handAddedMembers: "keep",
      emptyGroup: "block"
    })
    expect(a.limits.maxMembersPerPatch).toBe(100)
  })

  it("names the path, the bad value and what is allowed for wrong types and literals", () => {
    const issues = issuesOf(decodeRuleConfigUnknown({
      version: 1,
      mappings: [{ select: { names: ["x"] }, team: 3 }],
      policies: { notReadyMembers: "blok" },
      limits: { maxMembersPerPatch: "many", maxRemovalFractionPerTeam: 2 }
    }))
    expect(issueAt(issues, "mappings[0].team")[0]?.message).toBe(
      "3 is not allowed: expected a team name template as text, like \"{group.name}\""
    )
    expect(issueAt(issues, "policies.notReadyMembers")[0]?.message).toBe("\"blok\" is not allowed: expected one of block, skip")
    expect(issueAt(issues, "limits.maxMembersPerPatch")[0]?.message).toBe("\"many\" is not allowed: expected a whole number, 1 or more")
    expect(issueAt(issues, "limits.maxRemovalFractionPerTeam")[0]?.message).toBe(
      "2 is not allowed: expected a number from 0 to 1, like 0.5 for half"
    )
    // No noise from the optional fields' unions.
    expect(issues.some((i) => i.message.includes("undefined"))).toBe(false)
    expect(issues).toHaveLength(4)
  })

  it("rejects unknown keys and lists the allowed ones", () => {
    const issues = issuesOf(decodeRuleConfigUnknown({
      version: 1,
      mappings: [{ select: { name: "eng" } }],
      polices: {}
    }))
    expect(issueAt(issues, "polices")[0]?.message).toBe(
      "is not a known key; allowed keys here: version, mappings, exclude, policies, limits, users"
    )
    expect(issueAt(issues, "mappings[0].select.name")[0]?.message).toContain("ids, names, nameRegex, types, assignedToApp")
  })

  it("quotes an invalid regular expression with the compiler's reason", () => {
    const issues = issuesOf(decodeRuleConfigUnknown({
      version: 1,
      mappings: [{ select: { names: ["a"] } }, { select: { names: ["b"] } }, { select: { nameRegex: "eng-(" } }]
    }))
    expect(issueAt(issues, "mappings[2].select.nameRegex")[0]?.message).toMatch(
      /^"eng-\(" is not a valid regular expression: .*Unterminated group/
    )
  })

  it("rejects an empty mapping list, an empty select and an unsupported version", () => {
    expect(issuesOf(decodeRuleConfigUnknown({ version: 1, mappings: [] }))).toStrictEqual([
      { path: "mappings", message: "is empty; give at least one mapping" }
    ])
    expect(issueAt(issuesOf(decodeRuleConfigUnknown({ version: 1, mappings: [{ select: {} }] })), "mappings[0].select")[0]?.message)
      .toContain("is empty, so it would select every group")
    expect(issueAt(issuesOf(decodeRuleConfigUnknown({ version: 2, mappings: [{ select: { ids: ["g"] } }] })), "version")[0]?.message)
      .toBe("2 is not a supported config version; use version: 1")
  })

  it("checks template placeholders against the regex's capture groups", () => {
    const issues = issuesOf(decodeRuleConfigUnknown({
      version: 1,
      mappings: [
        { select: { nameRegex: "^(eng)-(.*)$" }, team: "{1}/{3}" },
        { select: { names: ["ops"] }, team: "Ops {1}" },
        { select: { names: ["x"] }, team: "{group.title}" }
      ]
    }))
    expect(issueAt(issues, "mappings[0].team")[0]?.message).toBe(
      "\"{1}/{3}\" uses {3} but select.nameRegex has 2 capture group(s): use {1}…{2}"
    )
    expect(issueAt(issues, "mappings[1].team")[0]?.message).toContain("no select.nameRegex to capture it")
    expect(issueAt(issues, "mappings[2].team")[0]?.message).toContain("unknown placeholder {group.title}")
  })

  it("says in words what a list must hold when given something else", () => {
    const issues = issuesOf(decodeRuleConfigUnknown({
      version: 1,
      mappings: [{ select: { names: "eng", ids: [""], types: ["TEAM"] } }, { select: { names: [1] } }],
      exclude: { users: { emails: "a@x.com" } }
    }))
    expect(issues).toStrictEqual([
      { path: "mappings[0].select.ids[0]", message: "\"\" is not allowed: expected an Okta group id, like 00g1abcd2EFGH3ijk4x7" },
      { path: "mappings[0].select.names", message: "\"eng\" is not allowed: expected a list of group names, like [Engineering, Sales]" },
      { path: "mappings[0].select.types[0]", message: "\"TEAM\" is not allowed: expected one of OKTA_GROUP, APP_GROUP, BUILT_IN" },
      { path: "mappings[1].select.names[0]", message: "1 is not allowed: expected text" },
      { path: "exclude.users.emails", message: "\"a@x.com\" is not allowed: expected a list of emails, like [ceo@example.com]" }
    ])
    expect(issuesOf(decodeRuleConfigUnknown({ version: 1, mappings: "eng" }))).toStrictEqual([{
      path: "mappings",
      message: "\"eng\" is not allowed: expected a list of at least one mapping, each with select (which groups) and optionally id and team"
    }])
    expect(issuesOf(decodeRuleConfigUnknown({ version: 1, mappings: ["eng"] }))).toStrictEqual([{
      path: "mappings[0]",
      message: "\"eng\" is not allowed: expected a mapping with select (which groups) and optionally id and team"
    }])
  })

  it("says what a missing key must be: the version is 1", () => {
    expect(issuesOf(decodeRuleConfigUnknown({ mappings: [{ select: { ids: ["g"] } }] }))).toStrictEqual([
      { path: "version", message: "is required: add \"version: 1\" (the only config version so far)" }
    ])
    expect(issuesOf(decodeRuleConfigUnknown({ version: 1 }))).toStrictEqual([
      { path: "mappings", message: "is required: give a list of at least one mapping, each with select (which groups) and optionally id and team" }
    ])
    expect(issuesOf(decodeRuleConfigUnknown({ version: 1, mappings: [{ team: "x" }] }))).toStrictEqual([
      { path: "mappings[0].select", message: "is required: give a section with at least one of ids, names, nameRegex, types, assignedToApp" }
    ])
  })

  it("an empty file, or one that is not a section of keys, says what the file must hold", () => {
    for (const text of ["", "# only a comment\n", "null\n"]) {
      expect(issuesOf(decodeRuleConfig(text))).toStrictEqual([
        { path: "", message: "the file is empty: it needs at least \"version: 1\" and a mappings list" }
      ])
    }
    const root = "is not allowed: the file must be a section of keys (version, mappings, exclude, policies, limits, users), starting with \"version: 1\""
    expect(issuesOf(decodeRuleConfig("mappings"))).toStrictEqual([{ path: "", message: `"mappings" ${root}` }])
    expect(issuesOf(decodeRuleConfig("- version: 1\n"))).toStrictEqual([{ path: "", message: `[{"version":1}] ${root}` }])
    expect(issuesOf(decodeRuleConfig("[]", "json"))).toStrictEqual([{ path: "", message: `[] ${root}` }])
  })

  it("never shows Effect's own type names", () => {
    const broken: ReadonlyArray<unknown> = [
      null,
      42,
      { version: "one", mappings: {} },
      { version: 1, mappings: [{ select: null, team: [] }], exclude: [], policies: "strict", limits: { maxRemovalsPerRun: -1 } },
      { version: 1, mappings: [{ select: { assignedToApp: "yes", nameRegex: 3 } }], users: { protect: "a", userType: "admin" } }
    ]
    for (const value of broken) {
      const issues = issuesOf(decodeRuleConfigUnknown(value))
      expect(issues.length).toBeGreaterThan(0)
      for (const i of issues) {
        expect(i.message).not.toMatch(/Struct|Encoded side|ReadonlyArray|readonly \[|Expected |, actual |Refinement|Predicate/)
        // Nor a schema's identifier (GroupSelector, TeamNameTemplate, …).
        expect(i.message).not.toMatch(/\b[A-Z][a-z]+[A-Z][A-Za-z]*\b/)
      }
    }
  })

  it("reports a YAML syntax error with its line number", () => {
    const issues = issuesOf(decodeRuleConfig("version: 1\nmappings:\n  - select: {names: [a]\n  - team: x\n"))
    expect(issues).toHaveLength(1)
    expect(issues[0]!.message).toMatch(/^YAML syntax error at line \d+, column \d+: /)
  })

  it("reports duplicate YAML keys and JSON syntax errors with a line number", () => {
    expect(issuesOf(decodeRuleConfig("version: 1\nversion: 1\nmappings: []\n"))[0]!.message).toMatch(/line 2/)
    expect(issuesOf(decodeRuleConfig("{\n \"version\": 1,\n \"mappings\": [}", "json"))[0]!.message).toMatch(
      /^JSON syntax error at line 3/
    )
  })

  it("collects every problem of a file at once, and says so in the error's message", () => {
    const r = decodeRuleConfigUnknown({ version: 1, mappings: [{ select: {}, team: "{2}" }], extra: 1 })
    expect(Either.isLeft(r) && r.left.issues.length).toBe(3)
    expect(Either.isLeft(r) && r.left.message).toContain("  extra: is not a known key")
  })

  it("the committed rule-config.schema.json is the generated one", () => {
    const committed = readFileSync(new URL("../rule-config.schema.json", import.meta.url), "utf8")
    expect(committed).toBe(ruleConfigJsonSchemaText())
    expect(JSON.parse(committed).$defs.RuleConfig.additionalProperties).toBe(false)
  })
})

describe("the JSON Schema for editors", () => {
  type Json = { readonly [k: string]: any }
  const defs: Record<string, Json> = (RuleConfigJsonSchema as Json).$defs
  const refOf = (prop: Json): string | undefined => (prop.$ref ?? prop.allOf?.[0]?.$ref)?.replace("#/$defs/", "")

  it("describes every key of every section", () => {
    const undocumented: Array<string> = []
    for (const [name, def] of Object.entries(defs)) {
      for (const [key, prop] of Object.entries<Json>(def.properties ?? {})) {
        const ref = refOf(prop)
        if (prop.description === undefined && (ref === undefined || defs[ref]?.description === undefined)) undocumented.push(`${name}.${key}`)
      }
    }
    expect(undocumented).toStrictEqual([])
    expect(defs.RuleConfig!.properties.mappings.description).toContain("first mapping that selects a group wins")
  })

  it("gives each optional key the default the decoder fills in", () => {
    const config = Either.getOrThrow(decodeRuleConfigUnknown({ version: 1, mappings: [{ select: { ids: ["g"] } }], users: {} }))
    const decoded: Record<string, unknown> = {
      RuleConfig: config,
      Mapping: config.mappings[0],
      Exclusions: config.exclude,
      GroupExclusions: config.exclude.groups,
      UserExclusions: config.exclude.users,
      Policies: config.policies,
      Limits: config.limits,
      UserLifecycle: config.users,
      UserTypeMapping: config.users!.userType
    }
    let checked = 0
    for (const [name, def] of Object.entries(defs)) {
      for (const [key, prop] of Object.entries<Json>(def.properties ?? {})) {
        if (!("default" in prop)) continue
        expect(decoded[name], `${name} has defaults: add it to this test`).toBeDefined()
        expect(prop.default, `${name}.${key}`).toStrictEqual((decoded[name] as Record<string, unknown>)[key])
        checked++
      }
    }
    expect(checked).toBeGreaterThanOrEqual(25)
  })

  it("refuses an empty select, as the decoder does", () => {
    expect(defs.GroupSelector!.minProperties).toBe(1)
    expect(issueAt(issuesOf(decodeRuleConfigUnknown({ version: 1, mappings: [{ select: {} }] })), "mappings[0].select")).toHaveLength(1)
  })

  it("is a building block for a file with more keys (okta-monday's okta, monday, state, daemon)", () => {
    const file = jsonSchemaWith(
      { okta: Schema.Struct({ orgUrl: Schema.String.annotations({ description: "The Okta org URL." }) }) },
      { identifier: "OktaMondayConfig", description: "The whole file." }
    ) as Json
    const root = file.$defs.OktaMondayConfig
    expect(Object.keys(root.properties)).toStrictEqual(["version", "mappings", "exclude", "policies", "limits", "users", "okta"])
    expect(root.additionalProperties).toBe(false)
    expect(root.required).toStrictEqual(["version", "mappings", "okta"])
    expect(file.$defs.GroupSelector.minProperties).toBe(1)
    // Its errors read like the rule config's.
    const Okta = Schema.Struct({ okta: Schema.Struct({ orgUrl: Schema.String, retries: Schema.optional(Schema.Number) }) })
    const decoded = Schema.decodeUnknownEither(Okta)({ okta: { orgUrl: 3, retries: "x" } }, { errors: "all" })
    expect(Either.isLeft(decoded) && formatParseIssues(decoded.left)).toStrictEqual([
      { path: "okta.orgUrl", message: "3 is not allowed: expected text" },
      { path: "okta.retries", message: "\"x\" is not allowed: expected a number" }
    ])
  })
})

describe("the users section", () => {
  it("is optional, and its defaults turn nothing on", () => {
    const config = Either.getOrThrow(decodeRuleConfigUnknown({ version: 1, mappings: [{ select: { ids: ["g"] } }] }))
    expect(config.users).toBeUndefined()
    const withUsers = Either.getOrThrow(decodeRuleConfigUnknown({ version: 1, mappings: [{ select: { ids: ["g"] } }], users: {} }))
    expect(withUsers.users).toMatchObject({ provision: false, update: false, deactivate: false, reactivate: true, unexplained: "report", protect: [] })
    expect(withUsers.users?.attributes.phoneNumber).toBe("mobilePhone")
  })

  it("names the path of every mistake, and checks the default user type", () => {
    const issues = issuesOf(decodeRuleConfigUnknown({
      version: 1,
      mappings: [{ select: { ids: ["g"] } }],
      users: { provision: "yes", unexplained: "delete", attributes: { fax: "fax" }, userType: { default: "boss", allowed: ["role-1"] } }
    }))
    expect(issueAt(issues, "users.provision")[0]?.message).toBe("\"yes\" is not allowed: expected true or false")
    expect(issueAt(issues, "users.unexplained")[0]?.message).toBe("\"delete\" is not allowed: expected one of report, deactivate")
    expect(issueAt(issues, "users.attributes.fax")[0]?.message).toContain("title, timezone, locale, phoneNumber, address")
    expect(issueAt(issues, "users.userType.default")[0]?.message).toContain("users.userType.allowed")
    const custom = decodeRuleConfigUnknown({
      version: 1,
      mappings: [{ select: { ids: ["g"] } }],
      users: { userType: { default: "role-1", allowed: ["role-1"] } }
    })
    expect(Either.isRight(custom)).toBe(true)
  })
})
