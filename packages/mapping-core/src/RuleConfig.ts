/**
 * The rule config file users write: which Okta groups become which monday.com teams, who is left
 * out, and the policies and limits that keep a sync safe. YAML and JSON decode to the same Schema.
 */
import { Data, Either, JSONSchema, Option, ParseResult, Schema, SchemaAST } from "effect"
import * as Yaml from "yaml"
import { OktaGroupId, OktaGroupType, OktaUserId } from "./Domain.js"

const strict = { onExcessProperty: "error" } as const

/**
 * What a value must be, in plain words, for decode errors ("expected a list of group names, like
 * [Engineering, Sales]"); Effect's own names (`ReadonlyArray<string>`) mean little to someone
 * editing YAML. A custom annotation, so the JSON Schema keeps its `description` for editors.
 */
export const ExpectedId: unique symbol = Symbol.for("@okta-monday/mapping-core/RuleConfig/Expected")
const expecting = (words: string) => ({ [ExpectedId]: words })

/** An optional key with a default, both shown to editors by the JSON Schema. */
const defaulted = <S extends Schema.Schema.AnyNoContext>(schema: S, value: () => Schema.Schema.Type<S>, description: string) =>
  Schema.optionalWith(schema, { default: value }).annotations({ description, default: value() })

const Text = Schema.String.annotations(expecting("text"))
const listOf = <S extends Schema.Schema.AnyNoContext>(item: S, words: string, description: string) =>
  Schema.Array(item).annotations({ description, ...expecting(words) })

/** A regular expression given as a string; decoding fails, with the compiler's reason, when it is not valid. */
export const RegexSource = Schema.String.pipe(
  Schema.filter((source) => {
    try {
      new RegExp(source, "u")
      return true
    } catch (e) {
      return `${JSON.stringify(source)} is not a valid regular expression: ${(e as Error).message}`
    }
  }, {
    identifier: "RegexSource",
    description: "a JavaScript regular expression (Unicode mode)",
    jsonSchema: { format: "regex" }
  })
).annotations(expecting("a regular expression as text, like \"^eng-(.*)$\""))

const GroupIdText = OktaGroupId.annotations({
  title: "OktaGroupId",
  description: "An Okta group id (00g…).",
  ...expecting("an Okta group id, like 00g1abcd2EFGH3ijk4x7")
})
const UserIdText = OktaUserId.annotations({
  title: "OktaUserId",
  description: "An Okta user id (00u…).",
  ...expecting("an Okta user id, like 00u1abcd2EFGH3ijk4x7")
})
const GroupType = OktaGroupType.annotations(expecting("one of OKTA_GROUP, APP_GROUP, BUILT_IN"))

const SELECTOR_KEYS = ["ids", "names", "nameRegex", "types", "assignedToApp"] as const

/**
 * Which groups a mapping takes. Every criterion given must match (AND); a mapping must give at
 * least one. `names` are exact, case-sensitive; `nameRegex` captures are usable in the team name
 * template as `{1}`, `{2}`, …
 */
export const GroupSelector = Schema.Struct({
  ids: Schema.optional(listOf(GroupIdText, "a list of Okta group ids, like [00g1abcd2EFGH3ijk4x7]", "Okta group ids to select.")),
  names: Schema.optional(
    listOf(Text, "a list of group names, like [Engineering, Sales]", "Exact, case-sensitive Okta group names to select.")
  ),
  nameRegex: Schema.optional(RegexSource.annotations({
    description: "A regular expression on the group name (JavaScript, Unicode mode); its captures are usable in the team " +
      "name template as {1}, {2}, …"
  })),
  types: Schema.optional(
    listOf(GroupType, "a list of group types, each OKTA_GROUP, APP_GROUP or BUILT_IN", "Okta group types to select.")
  ),
  assignedToApp: Schema.optional(Schema.Boolean.annotations({
    description: "true: only groups assigned to the monday.com app in Okta; false: only groups that are not.",
    ...expecting("true or false")
  }))
}).pipe(
  // An empty select would take every group: refused by the decoder and by the JSON Schema alike.
  Schema.filter(
    (select) =>
      SELECTOR_KEYS.some((k) => select[k] !== undefined) ||
      `is empty, so it would select every group; give at least one of ${SELECTOR_KEYS.join(", ")}`,
    { jsonSchema: { minProperties: 1 } }
  )
).annotations({
  identifier: "GroupSelector",
  description: "Which Okta groups the mapping takes. Every criterion given must match; give at least one.",
  ...expecting(`a section with at least one of ${SELECTOR_KEYS.join(", ")}`)
})
export type GroupSelector = typeof GroupSelector.Type

/**
 * The team name, from a template: `{group.name}`, `{group.id}`, and regex captures `{1}`…`{9}`.
 * Groups whose rendered names are equal feed one team (the union of their members).
 */
export const TeamNameTemplate = Schema.String.pipe(
  Schema.minLength(1, { message: () => "a team name template can't be empty; the default is {group.name}" }),
  Schema.annotations({
    identifier: "TeamNameTemplate",
    description: "The team name: a template with {group.name}, {group.id} and the name regex's captures {1}, {2}, …",
    ...expecting("a team name template as text, like \"{group.name}\"")
  })
)

export const Mapping = Schema.Struct({
  /** A name for reports and errors; defaults to `mappings[<index>]`. */
  id: Schema.optional(Text.annotations({ description: "A name for reports and errors; defaults to mappings[<index>]." })),
  select: GroupSelector,
  team: defaulted(
    TeamNameTemplate,
    () => "{group.name}",
    "The team name template. Groups whose names render equal feed one team (the union of their members)."
  )
}).annotations({
  identifier: "Mapping",
  description: "A rule: which Okta groups (select) become which monday.com team (team).",
  ...expecting("a mapping with select (which groups) and optionally id and team")
})
export type Mapping = typeof Mapping.Type

const DEFAULT_GROUP_EXCLUSIONS = { ids: [], names: [], nameRegex: [] }
const DEFAULT_USER_EXCLUSIONS = { ids: [], emails: [] }

export const GroupExclusions = Schema.Struct({
  ids: defaulted(listOf(GroupIdText, "a list of Okta group ids", "Okta group ids."), () => [], "Okta group ids never mapped."),
  names: defaulted(listOf(Text, "a list of group names, like [Everyone]", "Group names."), () => [], "Exact group names never mapped."),
  nameRegex: defaulted(
    listOf(RegexSource, "a list of regular expressions, like [\"^temp-\"]", "Regular expressions."),
    () => [],
    "Regular expressions on group names; a group matching any of them is never mapped."
  )
}).annotations({
  identifier: "GroupExclusions",
  description: "Groups no mapping takes, whatever the mappings say.",
  ...expecting("a section with ids, names or nameRegex")
})

export const UserExclusions = Schema.Struct({
  ids: defaulted(listOf(UserIdText, "a list of Okta user ids", "Okta user ids."), () => [], "Okta user ids never put in a team."),
  /** Matched case-insensitively against the Okta email and login. */
  emails: defaulted(
    listOf(Text, "a list of emails, like [ceo@example.com]", "Emails."),
    () => [],
    "Emails never put in a team, matched case-insensitively against the Okta email and login."
  )
}).annotations({
  identifier: "UserExclusions",
  description: "People never put in a team (they are left as they are in monday.com).",
  ...expecting("a section with ids or emails")
})

export const Exclusions = Schema.Struct({
  groups: defaulted(GroupExclusions, () => DEFAULT_GROUP_EXCLUSIONS, "Groups no mapping takes."),
  users: defaulted(UserExclusions, () => DEFAULT_USER_EXCLUSIONS, "People never put in a team.")
}).annotations({
  identifier: "Exclusions",
  description: "Groups and people left out of every mapping.",
  ...expecting("a section with groups or users")
})
export type Exclusions = typeof Exclusions.Type

const choice = <const L extends ReadonlyArray<string>>(...literals: L) =>
  Schema.Literal(...literals).annotations(expecting(`one of ${literals.join(", ")}`))

export const Policies = Schema.Struct({
  /** Members not assigned to the app, not provisioned, or inactive: hold the team (`block`) or leave them out (`skip`). */
  notReadyMembers: defaulted(
    choice("block", "skip"),
    () => "block" as const,
    "Members not assigned to the app, not provisioned, or inactive: hold the team (block) or leave them out (skip)."
  ),
  /** A monday.com team with the desired name that the engine did not create: `refuse` to touch it, or `adopt` it. */
  existingTeam: defaulted(
    choice("refuse", "adopt"),
    () => "refuse" as const,
    "A monday.com team with the desired name that okta-monday did not create: refuse to touch it, or adopt it."
  ),
  /** When the engine deletes a team it created: `never`, when its groups are deleted in Okta, or when no mapping selects them. */
  deleteTeams: defaulted(
    choice("never", "when-group-deleted", "when-unmapped"),
    () => "never" as const,
    "When okta-monday deletes a team it created: never, when its groups are deleted in Okta, or when no mapping selects them."
  ),
  /** Members added by hand in monday.com who are not in the groups: `keep` or `remove`. */
  handAddedMembers: defaulted(
    choice("keep", "remove"),
    () => "keep" as const,
    "Members added by hand in monday.com who are not in the groups: keep or remove."
  ),
  /** A group that had members and now reads empty: `block` its removals (default) or `allow` them. */
  emptyGroup: defaulted(
    choice("block", "allow"),
    () => "block" as const,
    "A group that had members and now reads empty (Okta answers an empty list when the token lacks rights): " +
      "block its team's removals until approved, or allow them."
  )
}).annotations({
  identifier: "Policies",
  description: "What okta-monday does in the cases that need a decision.",
  ...expecting("a section with notReadyMembers, existingTeam, deleteTeams, handAddedMembers or emptyGroup")
})
export type Policies = typeof Policies.Type

const PositiveInt = Schema.Int.pipe(Schema.positive()).annotations(expecting("a whole number, 1 or more"))
const NonNegativeInt = Schema.Int.pipe(Schema.nonNegative()).annotations(expecting("a whole number, 0 or more"))
const Fraction = Schema.Number.pipe(Schema.between(0, 1)).annotations(expecting("a number from 0 to 1, like 0.5 for half"))

const DEFAULT_LIMITS = { maxRemovalsPerTeam: 50, maxRemovalFractionPerTeam: 0.5, maxRemovalsPerRun: 500, maxMembersPerPatch: 100 }

export const Limits = Schema.Struct({
  /** Over this many removals from one team in one run, none are made until approved. */
  maxRemovalsPerTeam: defaulted(
    NonNegativeInt,
    () => DEFAULT_LIMITS.maxRemovalsPerTeam,
    "Over this many removals from one team in one run, none are made until approved."
  ),
  /** Over this share of a team's current members removed in one run, none are made until approved. */
  maxRemovalFractionPerTeam: defaulted(
    Fraction,
    () => DEFAULT_LIMITS.maxRemovalFractionPerTeam,
    "Over this share of a team removed in one run (from 3 removals up), none are made until approved."
  ),
  /** Over this many member removals (deleted teams' members included) in one run, none are made until approved. */
  maxRemovalsPerRun: defaulted(
    NonNegativeInt,
    () => DEFAULT_LIMITS.maxRemovalsPerRun,
    "Over this many removals in one run (deleted teams' members and user deactivations included), none are made until approved."
  ),
  /** Members added plus removed in one PATCH request. */
  maxMembersPerPatch: defaulted(
    PositiveInt,
    () => DEFAULT_LIMITS.maxMembersPerPatch,
    "Members added plus removed in one PATCH request to monday.com."
  )
}).annotations({
  identifier: "Limits",
  description: "Removal limits over which nothing is removed until an admin approves, and the PATCH size.",
  ...expecting("a section with maxRemovalsPerTeam, maxRemovalFractionPerTeam, maxRemovalsPerRun or maxMembersPerPatch")
})
export type Limits = typeof Limits.Type

const attribute = (description: string) =>
  Schema.optional(Text.annotations({ description, ...expecting("an Okta profile attribute name, like title") }))

/** Okta profile attribute names for the parts of a monday.com address. */
export const AddressMapping = Schema.Struct({
  streetAddress: attribute("The Okta attribute for the street address."),
  locality: attribute("The Okta attribute for the city."),
  region: attribute("The Okta attribute for the state or region."),
  postalCode: attribute("The Okta attribute for the postal code."),
  country: attribute("The Okta attribute for the country.")
}).annotations({
  identifier: "AddressMapping",
  description: "Okta profile attribute names for the parts of a monday.com address.",
  parseOptions: strict,
  ...expecting("a section with streetAddress, locality, region, postalCode or country")
})

/**
 * Which Okta profile attribute feeds each monday.com user attribute. Only the keys given are
 * mapped (`attributes: {}` maps none); an attribute the Okta profile leaves empty is never cleared.
 */
export const UserAttributeMapping = Schema.Struct({
  title: attribute("The Okta attribute for the job title."),
  timezone: attribute("The Okta attribute for the time zone."),
  locale: attribute("The Okta attribute for the locale."),
  phoneNumber: attribute("The Okta attribute for the phone number."),
  address: Schema.optional(AddressMapping)
}).annotations({
  identifier: "UserAttributeMapping",
  description: "Which Okta profile attribute feeds each monday.com user attribute; only the keys given are mapped.",
  parseOptions: strict,
  ...expecting("a section with title, timezone, locale, phoneNumber or address")
})
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

const NonEmptyText = Schema.String.pipe(Schema.minLength(1)).annotations(expecting("text, not empty"))

export const UserTypeMapping = Schema.Struct({
  /** The Okta profile attribute holding admin, member, viewer, guest or a custom role id. Unset: every user gets `default`. */
  attribute: Schema.optional(NonEmptyText.annotations({
    description: "The Okta profile attribute holding admin, member, viewer, guest or a custom role id. Unset: every user gets default."
  })),
  /** For users whose attribute is empty (and everyone when no attribute is set). */
  default: defaulted(NonEmptyText, () => "member", "The user type of users whose attribute is empty (everyone, when no attribute is set)."),
  /** Custom role ids of the monday.com account that the attribute may hold. */
  allowed: defaulted(
    listOf(Text, "a list of custom role ids", "Custom role ids."),
    () => [],
    "Custom role ids of the monday.com account that the attribute may hold."
  )
}).annotations({
  identifier: "UserTypeMapping",
  description: "How a user's monday.com user type is chosen.",
  parseOptions: strict,
  ...expecting("a section with attribute, default or allowed")
})

/**
 * User lifecycle in monday.com. Off by default: with every switch off the engine only manages teams.
 * `deactivate` covers users unassigned from the app or not active in Okta; `reactivate` (with
 * `deactivate`) gives the seat back when they return.
 */
export const UserLifecycle = Schema.Struct({
  /** Create monday.com users for people assigned to the app in Okta. */
  provision: defaulted(Schema.Boolean.annotations(expecting("true or false")), () => false,
    "Create monday.com users for people assigned to the app in Okta."),
  /** Correct names, user type and mapped attributes that differ from Okta. */
  update: defaulted(Schema.Boolean.annotations(expecting("true or false")), () => false,
    "Correct names, user type and mapped attributes that differ from Okta."),
  /** Deactivate (`active: false`) users unassigned, deactivated, suspended or deprovisioned in Okta. */
  deactivate: defaulted(Schema.Boolean.annotations(expecting("true or false")), () => false,
    "Deactivate (active: false) users unassigned, deactivated, suspended or deprovisioned in Okta."),
  /** Reactivate deactivated users who are active and assigned again (only with `deactivate`). */
  reactivate: defaulted(Schema.Boolean.annotations(expecting("true or false")), () => true,
    "Reactivate deactivated users who are active and assigned again (only with deactivate)."),
  userType: defaulted(UserTypeMapping, () => ({ default: "member", allowed: [] }), "How a user's monday.com user type is chosen."),
  attributes: defaulted(UserAttributeMapping, () => DEFAULT_USER_ATTRIBUTES,
    "Which Okta profile attribute feeds each monday.com user attribute (default: Okta's standard names)."),
  /** Active monday.com users no Okta record explains: `report` them, or `deactivate` them (with `deactivate`). */
  unexplained: defaulted(choice("report", "deactivate"), () => "report" as const,
    "Active monday.com users no Okta record explains: report them, or deactivate them (with deactivate)."),
  /** Emails never deactivated nor demoted: the SCIM token owner (monday.com refuses anyway), break-glass admins. */
  protect: defaulted(listOf(Text, "a list of emails, like [admin@example.com]", "Emails."), () => [],
    "Emails never deactivated nor demoted: the SCIM token owner (monday.com refuses anyway), break-glass admins.")
}).annotations({
  identifier: "UserLifecycle",
  description: "User lifecycle in monday.com; off unless provision, update or deactivate is true.",
  parseOptions: strict,
  ...expecting("a section with provision, update, deactivate, reactivate, userType, attributes, unexplained or protect")
})
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

const DEFAULT_POLICIES = {
  notReadyMembers: "block" as const,
  existingTeam: "refuse" as const,
  deleteTeams: "never" as const,
  handAddedMembers: "keep" as const,
  emptyGroup: "block" as const
}

/**
 * The rule config's keys, for a file that holds them beside others (okta-monday's `okta`,
 * `monday`, `state`, `daemon`): spread them into a bigger Struct, and its JSON Schema documents
 * every key of the file (see `jsonSchemaWith`).
 */
export const ruleConfigFields = {
  version: Schema.Literal(1).annotations({
    description: "The config format version: 1.",
    ...expecting("1 (the only config version so far)")
  }),
  mappings: Schema.NonEmptyArray(Mapping).annotations({
    description: "Which Okta groups become which monday.com teams; the first mapping that selects a group wins.",
    ...expecting("a list of at least one mapping, each with select (which groups) and optionally id and team")
  }),
  exclude: defaulted(
    Exclusions,
    () => ({ groups: DEFAULT_GROUP_EXCLUSIONS, users: DEFAULT_USER_EXCLUSIONS }),
    "Groups and people left out of every mapping."
  ),
  policies: defaulted(Policies, () => DEFAULT_POLICIES, "What okta-monday does in the cases that need a decision."),
  limits: defaulted(Limits, () => DEFAULT_LIMITS, "Removal limits over which nothing is removed until approved, and the PATCH size."),
  /** User lifecycle (provision, update, deactivate, reactivate); absent: teams only. */
  users: Schema.optional(UserLifecycle)
}

export const RuleConfig = Schema.Struct(ruleConfigFields).annotations({
  identifier: "RuleConfig",
  description: "okta-monday's rule config: which Okta groups become which monday.com teams, and the policies and limits that keep a sync safe.",
  parseOptions: strict
})
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

/** The config's JSON Schema (for editors and `rule-config.schema.json`), with each key's description and default. */
export const RuleConfigJsonSchema: JSONSchema.JsonSchema7Root = JSONSchema.make(RuleConfig)

/**
 * The JSON Schema of a config file that holds the rule config's keys beside `extra` ones (the
 * okta-monday file's `okta`, `monday`, `state`, `daemon`): one schema for editors that knows, and
 * documents, every key of the file, and refuses unknown ones.
 */
export const jsonSchemaWith = (
  extra: Schema.Struct.Fields,
  annotations: { readonly identifier: string; readonly description?: string }
): JSONSchema.JsonSchema7Root =>
  JSONSchema.make(Schema.Struct({ ...ruleConfigFields, ...extra }).annotations({ ...annotations, parseOptions: strict }))

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

/** Rules the Schema can't express on its own: templates that fit their regex, and the default user type. */
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

/** One problem as the Schema reported it, with the schema that names what was allowed there. */
interface Leaf {
  readonly kind: "Type" | "Missing" | "Unexpected" | "Other"
  readonly path: ReadonlyArray<PropertyKey>
  readonly ast: SchemaAST.AST
  readonly actual: unknown
  /** A message the schema gives itself (a filter's reason, a `message` annotation). */
  readonly message: string | undefined
}

const typeOfKey = (ast: unknown): SchemaAST.AST =>
  ast instanceof SchemaAST.PropertySignature ? ast.type : (ast as SchemaAST.AST)

const wordsOf = (ast: SchemaAST.AST): string | undefined => {
  const w = ast.annotations[ExpectedId]
  return typeof w === "string" ? w : undefined
}

/** The message a `message` annotation gives an issue, when the schema has one. */
const annotatedMessage = (issue: ParseResult.ParseIssue): string | undefined => {
  if (!("ast" in issue) || Option.isNone(SchemaAST.getMessageAnnotation(issue.ast))) return undefined
  return ParseResult.ArrayFormatter.formatIssueSync(issue)[0]?.message
}

/**
 * Walks a parse issue down to its leaves, as Effect's ArrayFormatter does, but keeps each leaf's
 * schema (the outermost one with plain words, when there is one) so the message can say what is
 * allowed in words. A value that matched no member of a union (a literal's choices, an optional
 * key's `undefined`) is one problem, not one per member.
 */
const leavesOf = (
  issue: ParseResult.ParseIssue,
  path: ReadonlyArray<PropertyKey>,
  named: SchemaAST.AST | undefined,
  out: Array<Leaf>
): void => {
  switch (issue._tag) {
    case "Pointer":
      return leavesOf(issue.issue, [...path, ...(Array.isArray(issue.path) ? issue.path : [issue.path])], undefined, out)
    case "Composite": {
      const issues: ReadonlyArray<ParseResult.ParseIssue> = Array.isArray(issue.issues) ? issue.issues : [issue.issues as ParseResult.ParseIssue]
      const here = named ?? (wordsOf(issue.ast) !== undefined ? issue.ast : undefined)
      if (SchemaAST.isUnion(issue.ast) && issues.every((i) => i._tag === "Type")) {
        out.push({ kind: "Type", path, ast: here ?? issue.ast, actual: issue.actual, message: undefined })
        return
      }
      for (const i of issues) leavesOf(i, path, here, out)
      return
    }
    case "Refinement":
    case "Transformation": {
      // A refinement's own message speaks for its predicate, not for a value of the wrong type.
      const message = issue._tag === "Refinement" && issue.kind === "Predicate" ? annotatedMessage(issue) : undefined
      if (message !== undefined) {
        out.push({ kind: "Type", path, ast: issue.ast, actual: issue.actual, message })
        return
      }
      return leavesOf(issue.issue, path, named ?? (wordsOf(issue.ast) !== undefined ? issue.ast : undefined), out)
    }
    case "Type":
      out.push({ kind: "Type", path, ast: named ?? issue.ast, actual: issue.actual, message: issue.message ?? annotatedMessage(issue) })
      return
    case "Missing":
      // The missing key's property signature, when Effect gives that: what is allowed is its type.
      out.push({ kind: "Missing", path, ast: typeOfKey(issue.ast), actual: undefined, message: issue.message })
      return
    case "Unexpected":
      out.push({ kind: "Unexpected", path, ast: SchemaAST.unknownKeyword, actual: issue.actual, message: issue.message })
      return
    case "Forbidden":
      out.push({ kind: "Other", path, ast: issue.ast, actual: issue.actual, message: issue.message ?? "can't be checked here" })
  }
}

/** What a schema allows, in words: its own plain words, else made up from its shape. */
const describe = (ast: SchemaAST.AST): string => {
  const words = wordsOf(ast)
  if (words !== undefined) return words
  switch (ast._tag) {
    case "Literal":
      return JSON.stringify(ast.literal)
    case "StringKeyword":
      return "text"
    case "NumberKeyword":
      return "a number"
    case "BooleanKeyword":
      return "true or false"
    case "UndefinedKeyword":
      return "nothing"
    case "Union": {
      const members = ast.types.filter((t) => t._tag !== "UndefinedKeyword")
      if (members.length > 1 && members.every(SchemaAST.isLiteral)) return `one of ${members.map(describe).join(", ")}`
      return members.map(describe).join(", or ")
    }
    case "TupleType": {
      const item = ast.rest[0]?.type ?? ast.elements[0]?.type
      return item === undefined ? "an empty list" : `a list, like [a, b], of ${describe(item)}`
    }
    case "TypeLiteral":
      return `a section of keys (${ast.propertySignatures.map((p) => String(p.name)).join(", ")})`
    case "Refinement":
      return Option.getOrElse(SchemaAST.getDescriptionAnnotation(ast), () => describe(ast.from))
    case "Transformation":
      return describe(ast.from)
    case "Suspend":
      return describe(ast.f())
    default:
      return String(ast)
  }
}

/** A value as it reads in a message: JSON, cut short. */
const show = (value: unknown): string => {
  if (value === undefined) return "nothing"
  const text = JSON.stringify(value) ?? String(value)
  return text.length > 60 ? `${text.slice(0, 57)}…` : text
}

const ROOT_KEYS = Object.keys(ruleConfigFields).join(", ")

/**
 * Turns Schema's issues into one line per problem, each naming the path, the bad value and what
 * is allowed there in words: the `ExpectedId` annotation's, or words made from the schema's shape.
 * Exported for files that hold the rule config beside other keys (okta-monday's settings); the
 * messages for the file's root and `version` are the rule config's.
 */
export const formatParseIssues = (error: ParseResult.ParseError): Array<RuleConfigIssue> => {
  const leaves: Array<Leaf> = []
  leavesOf(error.issue, [], undefined, leaves)
  const issues: Array<RuleConfigIssue> = []
  for (const leaf of leaves) {
    const path = formatPath(leaf.path)
    const last = leaf.path[leaf.path.length - 1]
    switch (leaf.kind) {
      case "Type": {
        if (leaf.ast._tag === "UndefinedKeyword") continue
        if (leaf.message !== undefined) {
          issues.push({ path, message: leaf.message })
        } else if (path === "") {
          issues.push({
            path,
            message: leaf.actual === null || leaf.actual === undefined
              ? "the file is empty: it needs at least \"version: 1\" and a mappings list"
              : `${show(leaf.actual)} is not allowed: the file must be a section of keys (${ROOT_KEYS}), starting with "version: 1"`
          })
        } else if (path === "version") {
          issues.push({ path, message: `${show(leaf.actual)} is not a supported config version; use version: 1` })
        } else {
          issues.push({ path, message: `${show(leaf.actual)} is not allowed: expected ${describe(leaf.ast)}` })
        }
        continue
      }
      case "Missing": {
        if (typeof last === "number" && leaf.path.length === 2 && leaf.path[0] === "mappings") {
          issues.push({ path: "mappings", message: "is empty; give at least one mapping" })
        } else if (path === "version") {
          issues.push({ path, message: "is required: add \"version: 1\" (the only config version so far)" })
        } else {
          issues.push({ path, message: `is required: give ${describe(leaf.ast)}` })
        }
        continue
      }
      case "Unexpected": {
        // Effect says `is unexpected, expected: "a" | "b"`: the allowed keys, as a list.
        const allowed = /expected: (.*)$/s.exec(leaf.message ?? "")?.[1]
        issues.push({
          path,
          message: `is not a known key${allowed ? `; allowed keys here: ${allowed.replaceAll("\"", "").split(" | ").join(", ")}` : ""}`
        })
        continue
      }
      case "Other":
        issues.push({ path, message: leaf.message ?? "is not allowed" })
    }
  }
  return issues
}

/** The text of `rule-config.schema.json`: the JSON Schema, 2-space indented, newline-terminated. */
export const ruleConfigJsonSchemaText = (): string => `${JSON.stringify(RuleConfigJsonSchema, null, 2)}\n`
