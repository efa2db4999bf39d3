import { describe, expect, it } from "@effect/vitest"
import { Either } from "effect"
import { readFileSync } from "node:fs"
import { decodeRuleConfig, decodeRuleConfigUnknown, ruleConfigJsonSchemaText } from "../src/RuleConfig.js"
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
    expect(issueAt(issues, "mappings[0].team")[0]?.message).toBe("3 is not allowed: expected string")
    expect(issueAt(issues, "policies.notReadyMembers")[0]?.message).toBe(
      "\"blok\" is not allowed: expected one of \"block\" | \"skip\""
    )
    expect(issueAt(issues, "limits.maxMembersPerPatch")[0]?.message).toContain("\"many\" is not allowed")
    expect(issueAt(issues, "limits.maxRemovalFractionPerTeam")[0]?.message).toContain("between 0 and 1")
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
    expect(issueAt(issues, "users.provision")[0]?.message).toBe("\"yes\" is not allowed: expected boolean")
    expect(issueAt(issues, "users.unexplained")[0]?.message).toContain("\"report\" | \"deactivate\"")
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
