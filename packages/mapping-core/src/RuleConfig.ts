/**
 * The rule config file users write: which Okta groups become which monday.com teams, who is left
 * out, and the policies and limits that keep a sync safe. YAML and JSON decode to the same Schema.
 */
import { Data, Either, JSONSchema, ParseResult, Schema } from "effect"
import * as Yaml from "yaml"
import { OktaGroupId, OktaGroupType, OktaUserId } from "./Domain.js"

const strict = { onExcessProperty: "error" } as const

/** A regular expression given as a string; decoding fails, with the compiler's reason, when it is not valid. */
export const RegexSource = Schema.String.pipe(
  Schema.filter((source) => {
    try {
      new RegExp(source, "u")
      return true
    } catch (e) {
      return `${JSON.stringify(source)} is not a valid regular expression: ${(e as Error).message}`
    }
  }, { identifier: "RegexSource", description: "a JavaScript regular expression (Unicode mode)" })
)

/**
 * Which groups a mapping takes. Every criterion given must match (AND); a mapping must give at
 * least one. `names` are exact, case-sensitive; `nameRegex` captures are usable in the team name
 * template as `{1}`, `{2}`, …
 */
export const GroupSelector = Schema.Struct({
  ids: Schema.optional(Schema.Array(OktaGroupId)),
  names: Schema.optional(Schema.Array(Schema.String)),
  nameRegex: Schema.optional(RegexSource),
  types: Schema.optional(Schema.Array(OktaGroupType)),
  /** Only groups assigned to the monday.com app in Okta. */
  assignedToApp: Schema.optional(Schema.Boolean)
}).annotations({ identifier: "GroupSelector" })
export type GroupSelector = typeof GroupSelector.Type

/**
 * The team name, from a template: `{group.name}`, `{group.id}`, and regex captures `{1}`…`{9}`.
 * Groups whose rendered names are equal feed one team (the union of their members).
 */
export const TeamNameTemplate = Schema.String.pipe(
  Schema.minLength(1, { message: () => "a team name template can't be empty" }),
  Schema.annotations({ identifier: "TeamNameTemplate" })
)

export const Mapping = Schema.Struct({
  /** A name for reports and errors; defaults to `mappings[<index>]`. */
  id: Schema.optional(Schema.String),
  select: GroupSelector,
  team: Schema.optionalWith(TeamNameTemplate, { default: () => "{group.name}" })
}).annotations({ identifier: "Mapping" })
export type Mapping = typeof Mapping.Type

export const GroupExclusions = Schema.Struct({
  ids: Schema.optionalWith(Schema.Array(OktaGroupId), { default: () => [] }),
  names: Schema.optionalWith(Schema.Array(Schema.String), { default: () => [] }),
  nameRegex: Schema.optionalWith(Schema.Array(RegexSource), { default: () => [] })
}).annotations({ identifier: "GroupExclusions" })

export const UserExclusions = Schema.Struct({
  ids: Schema.optionalWith(Schema.Array(OktaUserId), { default: () => [] }),
  /** Matched case-insensitively against the Okta email and login. */
  emails: Schema.optionalWith(Schema.Array(Schema.String), { default: () => [] })
}).annotations({ identifier: "UserExclusions" })

export const Exclusions = Schema.Struct({
  groups: Schema.optionalWith(GroupExclusions, { default: () => ({ ids: [], names: [], nameRegex: [] }) }),
  users: Schema.optionalWith(UserExclusions, { default: () => ({ ids: [], emails: [] }) })
}).annotations({ identifier: "Exclusions" })
export type Exclusions = typeof Exclusions.Type

export const Policies = Schema.Struct({
  /** Members not assigned to the app, not provisioned, or inactive: hold the team (`block`) or leave them out (`skip`). */
  notReadyMembers: Schema.optionalWith(Schema.Literal("block", "skip"), { default: () => "block" as const }),
  /** A monday.com team with the desired name that the engine did not create: `refuse` to touch it, or `adopt` it. */
  existingTeam: Schema.optionalWith(Schema.Literal("refuse", "adopt"), { default: () => "refuse" as const }),
  /** When the engine deletes a team it created: `never`, when its groups are deleted in Okta, or when no mapping selects them. */
  deleteTeams: Schema.optionalWith(Schema.Literal("never", "when-group-deleted", "when-unmapped"), {
    default: () => "never" as const
  }),
  /** Members added by hand in monday.com who are not in the groups: `keep` or `remove`. */
  handAddedMembers: Schema.optionalWith(Schema.Literal("keep", "remove"), { default: () => "keep" as const }),
  /** A group that had members and now reads empty: `block` its removals (default) or `allow` them. */
  emptyGroup: Schema.optionalWith(Schema.Literal("block", "allow"), { default: () => "block" as const })
}).annotations({ identifier: "Policies" })
export type Policies = typeof Policies.Type

const PositiveInt = Schema.Int.pipe(Schema.positive())
const NonNegativeInt = Schema.Int.pipe(Schema.nonNegative())
const Fraction = Schema.Number.pipe(Schema.between(0, 1))

export const Limits = Schema.Struct({
  /** Over this many removals from one team in one run, none are made until approved. */
  maxRemovalsPerTeam: Schema.optionalWith(NonNegativeInt, { default: () => 50 }),
  /** Over this share of a team's current members removed in one run, none are made until approved. */
  maxRemovalFractionPerTeam: Schema.optionalWith(Fraction, { default: () => 0.5 }),
  /** Over this many member removals (deleted teams' members included) in one run, none are made until approved. */
  maxRemovalsPerRun: Schema.optionalWith(NonNegativeInt, { default: () => 500 }),
  /** Members added plus removed in one PATCH request. */
  maxMembersPerPatch: Schema.optionalWith(PositiveInt, { default: () => 100 })
}).annotations({ identifier: "Limits" })
export type Limits = typeof Limits.Type

/** Okta profile attribute names for the parts of a monday.com address. */
export const AddressMapping = Schema.Struct({
  streetAddress: Schema.optional(Schema.String),
  locality: Schema.optional(Schema.String),
  region: Schema.optional(Schema.String),
  postalCode: Schema.optional(Schema.String),
  country: Schema.optional(Schema.String)
}).annotations({ identifier: "AddressMapping", parseOptions: strict })

/**
 * Which Okta profile attribute feeds each monday.com user attribute. Only the keys given are
 * mapped (`attributes: {}` maps none); an attribute the Okta profile leaves empty is never cleared.
 */
export const UserAttributeMapping = Schema.Struct({
  title: Schema.optional(Schema.String),
  timezone: Schema.optional(Schema.String),
  locale: Schema.optional(Schema.String),
  phoneNumber: Schema.optional(Schema.String),
  address: Schema.optional(AddressMapping)
}).annotations({ identifier: "UserAttributeMapping", parseOptions: strict })
export type UserAttributeMapping = typeof UserAttributeMapping.Type

/** Okta's standard profile attribute names (`title`, `timezone`, `locale`, `mobilePhone`, `streetAddress`, `city`, …). */
export const DEFAULT_USER_ATTRIBUTES: UserAttributeMapping = {
  title: "title",
  timezone: "timezone",
  locale: "locale",
  phoneNumber: "mobilePhone",
  address: { streetAddress: "streetAddress", locality: "city", region: "state", postalCode: "zipCode", country: "countryCode" }
}

/** monday.com's built-in user types; anything else must be a custom role id listed in `userType.allowed`. */
export const BUILT_IN_USER_TYPES: ReadonlyArray<string> = ["admin", "member", "viewer", "guest"]

export const UserTypeMapping = Schema.Struct({
  /** The Okta profile attribute holding admin, member, viewer, guest or a custom role id. Unset: every user gets `default`. */
  attribute: Schema.optional(Schema.String.pipe(Schema.minLength(1))),
  /** For users whose attribute is empty (and everyone when no attribute is set). */
  default: Schema.optionalWith(Schema.String.pipe(Schema.minLength(1)), { default: () => "member" }),
  /** Custom role ids of the monday.com account that the attribute may hold. */
  allowed: Schema.optionalWith(Schema.Array(Schema.String), { default: () => [] })
}).annotations({ identifier: "UserTypeMapping", parseOptions: strict })

/**
 * User lifecycle in monday.com. Off by default: with every switch off the engine only manages teams.
 * `deactivate` covers users unassigned from the app or not active in Okta; `reactivate` (with
 * `deactivate`) gives the seat back when they return.
 */
export const UserLifecycle = Schema.Struct({
  /** Create monday.com users for people assigned to the app in Okta. */
  provision: Schema.optionalWith(Schema.Boolean, { default: () => false }),
  /** Correct names, user type and mapped attributes that differ from Okta. */
  update: Schema.optionalWith(Schema.Boolean, { default: () => false }),
  /** Deactivate (`active: false`) users unassigned, deactivated, suspended or deprovisioned in Okta. */
  deactivate: Schema.optionalWith(Schema.Boolean, { default: () => false }),
  /** Reactivate deactivated users who are active and assigned again (only with `deactivate`). */
  reactivate: Schema.optionalWith(Schema.Boolean, { default: () => true }),
  userType: Schema.optionalWith(UserTypeMapping, { default: () => ({ default: "member", allowed: [] }) }),
  attributes: Schema.optionalWith(UserAttributeMapping, { default: () => DEFAULT_USER_ATTRIBUTES }),
  /** Active monday.com users no Okta record explains: `report` them, or `deactivate` them (with `deactivate`). */
  unexplained: Schema.optionalWith(Schema.Literal("report", "deactivate"), { default: () => "report" as const }),
  /** Emails never deactivated nor demoted: the SCIM token owner (monday.com refuses anyway), break-glass admins. */
  protect: Schema.optionalWith(Schema.Array(Schema.String), { default: () => [] })
}).annotations({ identifier: "UserLifecycle", parseOptions: strict })
export type UserLifecycle = typeof UserLifecycle.Type

/** The `users` section when the config leaves it out: no user is created, changed or deactivated. */
export const DEFAULT_USER_LIFECYCLE: UserLifecycle = {
  provision: false,
  update: false,
  deactivate: false,
  reactivate: true,
  userType: { default: "member", allowed: [] },
  attributes: DEFAULT_USER_ATTRIBUTES,
  unexplained: "report",
  protect: []
}

/** Whether a config turns any user lifecycle on (then the engine reads every app user and plans user operations). */
export const usersEnabled = (rules: { readonly users?: UserLifecycle | undefined }): boolean =>
  rules.users !== undefined && (rules.users.provision || rules.users.update || rules.users.deactivate)

export const RuleConfig = Schema.Struct({
  version: Schema.Literal(1),
  mappings: Schema.NonEmptyArray(Mapping),
  exclude: Schema.optionalWith(Exclusions, {
    default: () => ({ groups: { ids: [], names: [], nameRegex: [] }, users: { ids: [], emails: [] } })
  }),
  policies: Schema.optionalWith(Policies, {
    default: () => ({
      notReadyMembers: "block" as const,
      existingTeam: "refuse" as const,
      deleteTeams: "never" as const,
      handAddedMembers: "keep" as const,
      emptyGroup: "block" as const
    })
  }),
  limits: Schema.optionalWith(Limits, {
    default: () => ({ maxRemovalsPerTeam: 50, maxRemovalFractionPerTeam: 0.5, maxRemovalsPerRun: 500, maxMembersPerPatch: 100 })
  }),
  /** User lifecycle (provision, update, deactivate, reactivate); absent: teams only. */
  users: Schema.optional(UserLifecycle)
}).annotations({ identifier: "RuleConfig", parseOptions: strict })
export type RuleConfig = typeof RuleConfig.Type
export type RuleConfigEncoded = typeof RuleConfig.Encoded

// ---------------------------------------------------------------------------------------------
// Decoding a config file
// ---------------------------------------------------------------------------------------------

/** One thing wrong with a config file: where (`mappings[2].select.nameRegex`) and what, in words. */
export interface RuleConfigIssue {
  readonly path: string
  readonly message: string
}

/** A config file that can't be used, with every problem found (not just the first). */
export class RuleConfigError extends Data.TaggedError("RuleConfigError")<{
  readonly issues: ReadonlyArray<RuleConfigIssue>
}> {
  override get message(): string {
    return `The rule config is not valid:\n${
      this.issues.map((i) => `  ${i.path === "" ? "(file)" : i.path}: ${i.message}`).join("\n")
    }`
  }
}

/** Placeholders a team name template may use besides the regex captures `{1}`, `{2}`, … */
export const TEMPLATE_FIELDS: ReadonlyArray<string> = ["group.name", "group.id"]

const SELECTOR_KEYS = ["ids", "names", "nameRegex", "types", "assignedToApp"]

/**
 * Parses a config file (YAML unless `format` says JSON) and decodes it. YAML is a superset of
 * JSON, so a JSON file read as YAML decodes the same; `format: "json"` is stricter.
 */
export const decodeRuleConfig = (
  text: string,
  format: "yaml" | "json" = "yaml"
): Either.Either<RuleConfig, RuleConfigError> => {
  let value: unknown
  if (format === "json") {
    try {
      value = JSON.parse(text)
    } catch (e) {
      return Either.left(new RuleConfigError({ issues: [{ path: "", message: jsonSyntaxMessage(text, e as Error) }] }))
    }
  } else {
    const errors = yamlErrors(text)
    if (errors.length > 0) {
      return Either.left(
        new RuleConfigError({ issues: errors.map((message) => ({ path: "", message: `YAML syntax error ${message}` })) })
      )
    }
    value = Yaml.parse(text, { uniqueKeys: true })
  }
  return decodeRuleConfigUnknown(value)
}

/** Decodes an already-parsed config value (e.g. from a JSON API body). */
export const decodeRuleConfigUnknown = (value: unknown): Either.Either<RuleConfig, RuleConfigError> => {
  const semantic = semanticIssues(value)
  const decoded = Schema.decodeUnknownEither(RuleConfig)(value, { errors: "all", onExcessProperty: "error" })
  if (Either.isRight(decoded) && semantic.length === 0) return Either.right(decoded.right)
  const schemaIssues = Either.isLeft(decoded) ? formatParseIssues(decoded.left) : []
  const seen = new Set<string>()
  const issues: Array<RuleConfigIssue> = []
  for (const issue of [...schemaIssues, ...semantic]) {
    const k = `${issue.path}\u0000${issue.message}`
    if (seen.has(k)) continue
    seen.add(k)
    issues.push(issue)
  }
  return Either.left(new RuleConfigError({ issues }))
}

/** The config's JSON Schema (for editors and `rule-config.schema.json`). */
export const RuleConfigJsonSchema: JSONSchema.JsonSchema7Root = JSONSchema.make(RuleConfig)

/** `mappings[2].select.nameRegex` from `["mappings", 2, "select", "nameRegex"]`. */
export const formatPath = (path: ReadonlyArray<PropertyKey>): string => {
  let out = ""
  for (const p of path) {
    if (typeof p === "number") out += `[${p}]`
    else out += out === "" ? String(p) : `.${String(p)}`
  }
  return out
}

/** The capture group count of a (valid) regex source. */
export const captureGroupCount = (source: string): number => new RegExp(`${source}|`, "u").exec("")!.length - 1

const firstLine = (s: string) => s.split("\n")[0]!.trim()

/** `at line 3, column 5: <what>` for each syntax error the YAML parser finds. */
const yamlErrors = (text: string): Array<string> =>
  Yaml.parseDocument(text, { prettyErrors: true, uniqueKeys: true }).errors.map((e) => {
    const pos = e.linePos?.[0]
    // prettyErrors appends the position and a code frame to the message: keep the first clause.
    const what = firstLine(e.message).replace(/ at line \d+, column \d+:?$/, "")
    return pos ? `at line ${pos.line}, column ${pos.col}: ${what}` : what
  })

/** Node's JSON.parse messages carry no line number; YAML (a JSON superset) locates the same error. */
const jsonSyntaxMessage = (text: string, e: Error): string => {
  const located = yamlErrors(text)[0]
  return located !== undefined && located.startsWith("at line")
    ? `JSON syntax error ${located.slice(0, located.indexOf(":"))}: ${firstLine(e.message)}`
    : `JSON syntax error: ${firstLine(e.message)}`
}

const isRecord = (u: unknown): u is Record<string, unknown> => typeof u === "object" && u !== null && !Array.isArray(u)

/** Rules the Schema can't express on its own: a non-empty `select`, and templates that fit their regex. */
const semanticIssues = (value: unknown): Array<RuleConfigIssue> => {
  const issues: Array<RuleConfigIssue> = []
  if (isRecord(value) && isRecord(value.users) && isRecord(value.users.userType)) {
    const ut = value.users.userType
    const allowed = Array.isArray(ut.allowed) ? ut.allowed : []
    if (typeof ut.default === "string" && !BUILT_IN_USER_TYPES.includes(ut.default.toLowerCase()) && !allowed.includes(ut.default)) {
      issues.push({
        path: "users.userType.default",
        message: `${JSON.stringify(ut.default)} is not a monday.com user type: use ${BUILT_IN_USER_TYPES.join(", ")}, or list the custom role id in users.userType.allowed`
      })
    }
  }
  if (!isRecord(value) || !Array.isArray(value.mappings)) return issues
  value.mappings.forEach((mapping: unknown, i: number) => {
    if (!isRecord(mapping)) return
    const select = mapping.select
    if (isRecord(select) && !SELECTOR_KEYS.some((k) => select[k] !== undefined)) {
      issues.push({
        path: `mappings[${i}].select`,
        message: `is empty, so it would select every group; give at least one of ${SELECTOR_KEYS.join(", ")}`
      })
    }
    const template = mapping.team
    if (typeof template !== "string") return
    let captures: number | undefined = undefined
    if (isRecord(select) && typeof select.nameRegex === "string") {
      try {
        captures = captureGroupCount(select.nameRegex)
      } catch {
        return // the regex itself is reported by the Schema
      }
    }
    for (const m of template.matchAll(/\{([^{}]*)\}/g)) {
      const name = m[1]!
      if (TEMPLATE_FIELDS.includes(name)) continue
      if (/^[0-9]+$/.test(name)) {
        const n = Number(name)
        if (captures === undefined) {
          issues.push({
            path: `mappings[${i}].team`,
            message: `${JSON.stringify(template)} uses {${name}} but the mapping has no select.nameRegex to capture it`
          })
        } else if (n < 1 || n > captures) {
          issues.push({
            path: `mappings[${i}].team`,
            message: `${JSON.stringify(template)} uses {${name}} but select.nameRegex has ${captures} capture group(s)${
              captures > 0 ? `: use {1}…{${captures}}` : ""
            }`
          })
        }
        continue
      }
      issues.push({
        path: `mappings[${i}].team`,
        message: `${JSON.stringify(template)} uses unknown placeholder {${name}}; allowed: ${
          TEMPLATE_FIELDS.map((f) => `{${f}}`).join(", ")
        } and regex captures {1}, {2}, …`
      })
    }
  })
  return issues
}

/**
 * Turns Schema's issue list into one line per problem. Optional fields decode through a union
 * with `undefined`, which adds noise ("Expected undefined, …") and splits a literal's choices
 * across lines: both are folded here so each line names the path, the bad value and what is allowed.
 */
const formatParseIssues = (error: ParseResult.ParseError): Array<RuleConfigIssue> => {
  const raw = ParseResult.ArrayFormatter.formatErrorSync(error)
  const expected = new Map<string, { actual: string; choices: Array<string> }>()
  const out: Array<{ path: ReadonlyArray<PropertyKey>; message: string }> = []
  for (const issue of raw) {
    const path = formatPath(issue.path)
    const m = /^Expected (.*), actual (.*)$/s.exec(issue.message)
    if (issue._tag === "Type" && m) {
      if (m[1] === "undefined") continue
      const entry = expected.get(path)
      if (entry) entry.choices.push(m[1]!)
      else {
        const e = { actual: m[2]!, choices: [m[1]!] }
        expected.set(path, e)
        out.push({ path: issue.path, message: "" })
      }
      continue
    }
    if (issue._tag === "Unexpected") {
      const allowed = /expected: (.*)$/s.exec(issue.message)?.[1]
      out.push({
        path: issue.path,
        message: `is not a known key${allowed ? `; allowed keys here: ${allowed.replaceAll("\"", "").split(" | ").join(", ")}` : ""}`
      })
      continue
    }
    if (issue._tag === "Missing") {
      const last = issue.path[issue.path.length - 1]
      if (typeof last === "number" && issue.path.length === 2 && issue.path[0] === "mappings") {
        out.push({ path: ["mappings"], message: "is empty; give at least one mapping" })
      } else {
        out.push({ path: issue.path, message: "is required" })
      }
      continue
    }
    const r = /^Expected (.*), actual (.*)$/s.exec(issue.message)
    out.push({ path: issue.path, message: r ? `${r[2]} is not allowed: expected ${r[1]}` : issue.message })
  }
  const issues = out.map(({ message, path }) => {
    const p = formatPath(path)
    const e = expected.get(p)
    if (message === "" && e) {
      const choices = [...new Set(e.choices)]
      if (p === "version") return { path: p, message: `${e.actual} is not a supported config version; use version: 1` }
      return {
        path: p,
        message: `${e.actual} is not allowed: expected ${choices.length > 1 ? "one of " : ""}${choices.join(" | ")}`
      }
    }
    return { path: p, message }
  })
  // A parent reported only because a child failed (the optional field's union) says nothing new.
  return issues.filter((i) => !issues.some((j) => j !== i && j.path.startsWith(i.path) && j.path.length > i.path.length && (i.path === "" || j.path[i.path.length] === "." || j.path[i.path.length] === "[")) || !i.message.includes("is not allowed"))
}

/** The text of `rule-config.schema.json`: the JSON Schema, 2-space indented, newline-terminated. */
export const ruleConfigJsonSchemaText = (): string => `${JSON.stringify(RuleConfigJsonSchema, null, 2)}\n`
