/**
 * The engine's config file: mapping-core's rule config plus the connection settings (Okta,
 * monday.com, state store, daemon). Secrets never sit in the file: they come from `${ENV_VAR}`
 * references or `${file:/path}` references, resolved here and kept `Redacted` from then on.
 */
import { Data, Effect, Either, ParseResult, Schema } from "effect"
import * as Yaml from "yaml"
import { RuleConfig } from "@okta-monday/mapping-core"

/** A config problem, with the path in the file it concerns. */
export interface SettingsIssue {
  readonly path: string
  readonly message: string
}

export class SettingsError extends Data.TaggedError("SettingsError")<{
  readonly source: string
  readonly issues: ReadonlyArray<SettingsIssue>
}> {
  override get message(): string {
    const lines = this.issues.map((i) => `  - ${i.path === "" ? "(top level)" : i.path}: ${i.message}`)
    return `${this.source} is not a valid okta-monday config:\n${lines.join("\n")}`
  }
}

const Url = Schema.String.pipe(
  Schema.filter((s) => {
    try {
      const u = new URL(s)
      return u.protocol === "https:" || u.protocol === "http:" ? true : `must be an http(s) URL, got protocol ${u.protocol}`
    } catch {
      return `must be an absolute URL like https://example.okta.com`
    }
  }, { identifier: "Url" })
)
/** A URL key, described (the JSON Schema of a refinement shows only what its own annotation says). */
const UrlKey = (description: string) => Url.annotations({ description, jsonSchema: { type: "string", format: "uri", description } })

const Secret = Schema.Redacted(Schema.String.pipe(Schema.minLength(1, { message: () => "can't be empty" })))

/** An optional key with its default, described: the decoder fills it in, and the JSON Schema shows both. */
const defaulted = <S extends Schema.Schema.AnyNoContext>(schema: S, value: () => Schema.Schema.Type<S>, description: string) =>
  Schema.optionalWith(schema, { default: value }).annotations({ description, default: value() })

const Concurrency = Schema.Int.pipe(Schema.between(1, 32))
const NonEmpty = Schema.String.pipe(Schema.minLength(1, { message: () => "can't be empty" }))

export const OktaSettings = Schema.Struct({
  orgUrl: UrlKey("The Okta org, e.g. https://acme.okta.com (a trailing slash is removed)."),
  appId: NonEmpty.annotations({
    description: "The monday.com app instance id in Okta (Applications → monday.com → the id in the URL)."
  }),
  token: Schema.optional(
    Secret.annotations({ description: "An SSWS API token, as a reference: ${OKTA_API_TOKEN}. Give either this or oauth." })
  ),
  oauth: Schema.optional(
    Schema.Struct({
      clientId: NonEmpty.annotations({ description: "The service app's client id." }),
      privateKey: Secret.annotations({ description: "PEM or JWK JSON, as a reference: ${file:/run/secrets/okta-key.pem}." }),
      keyId: Schema.optional(Schema.String.annotations({ description: "The key's kid, when the app has several keys." })),
      scopes: Schema.optional(
        Schema.Array(Schema.String).annotations({
          description: "Scopes to ask for (default: okta.groups.read, okta.users.read, okta.apps.read, okta.logs.read)."
        })
      )
    }).annotations({
      description: "An OAuth service app (recommended): client credentials with a private-key JWT. Give either this or token.",
      parseOptions: { onExcessProperty: "error" }
    })
  ),
  concurrency: defaulted(Concurrency, () => 4, "Okta requests in flight at once."),
  headroom: defaulted(
    Schema.Number.pipe(Schema.between(0, 0.9)),
    () => 0.3,
    "Share of every Okta rate-limit bucket left free for the org's other integrations."
  )
}).annotations({ identifier: "OktaSettings", description: "The Okta org and how to reach it.", parseOptions: { onExcessProperty: "error" } })

export const MondaySettings = Schema.Struct({
  scimUrl: UrlKey("monday.com's SCIM base URL: https://<account>.monday.com/scim/v2"),
  token: Secret.annotations({ description: "The SCIM token from Admin → Security → SCIM, as a reference: ${MONDAY_SCIM_TOKEN}." }),
  concurrency: defaulted(Concurrency, () => 4, "SCIM requests in flight at once.")
}).annotations({
  identifier: "MondaySettings",
  description: "The monday.com account's SCIM API.",
  parseOptions: { onExcessProperty: "error" }
})

const Tenant = defaulted(Schema.String, () => "default", "Names this deployment's rows, so several can share one store.")

export const StateSettings = Schema.Union(
  Schema.Struct({
    sqlite: NonEmpty.annotations({
      description: "Path of the SQLite file (created with its folder), relative to the config file."
    }),
    tenant: Tenant
  }).annotations({ parseOptions: { onExcessProperty: "error" } }),
  Schema.Struct({
    postgres: Secret.annotations({ description: "postgres://user@host:5432/db, as a reference: ${OKTA_MONDAY_DATABASE_URL}." }),
    tenant: Tenant
  }).annotations({ parseOptions: { onExcessProperty: "error" } })
).annotations({
  identifier: "StateSettings",
  description: "Where the engine keeps its state: a SQLite file (default .okta-monday/state.sqlite) or Postgres."
})
export type StateSettings = typeof StateSettings.Type

const defaultHttp = { host: "127.0.0.1", port: 9464 }

export const DaemonSettings = Schema.Struct({
  fullSyncMinutes: defaulted(
    Schema.Number.pipe(Schema.positive()),
    () => 60,
    "Full reconcile (read both sides, repair drift) every this many minutes."
  ),
  pollSeconds: defaulted(
    Schema.Number.pipe(Schema.positive()),
    () => 10,
    "Poll Okta's System Log every this many seconds between full reconciles."
  ),
  http: defaulted(
    Schema.Struct({
      host: defaulted(Schema.String, () => defaultHttp.host, "Address to bind; loopback unless you say otherwise."),
      port: defaulted(Schema.Int.pipe(Schema.between(0, 65535)), () => defaultHttp.port, "Port (0: any free port).")
    }).annotations({ parseOptions: { onExcessProperty: "error" } }),
    () => defaultHttp,
    "Where GET /healthz and GET /metrics are served."
  ),
  backoffAfterFailures: defaulted(
    Schema.Int.pipe(Schema.positive()),
    () => 3,
    "A team that fails this many cycles in a row is backed off (then retried less often)."
  )
}).annotations({
  identifier: "DaemonSettings",
  description: "How the daemon runs.",
  parseOptions: { onExcessProperty: "error" }
})
export type DaemonSettings = typeof DaemonSettings.Type

const defaultDaemon: DaemonSettings = {
  fullSyncMinutes: 60,
  pollSeconds: 10,
  http: defaultHttp,
  backoffAfterFailures: 3
}

const defaultState: StateSettings = { sqlite: ".okta-monday/state.sqlite", tenant: "default" }

/** The connection keys of the file, beside the rules. */
const connectionFields = {
  okta: OktaSettings,
  monday: MondaySettings,
  state: defaulted(StateSettings, () => defaultState, "Where the engine keeps its state."),
  daemon: defaulted(DaemonSettings, () => defaultDaemon, "How the daemon runs.")
}

/** The connection part of the file: everything but the rules. */
export const Connections = Schema.Struct(connectionFields)
  .pipe(
    Schema.filter((s) =>
      s.okta.token === undefined && s.okta.oauth === undefined
        ? { path: ["okta"], message: "give either `token` (an SSWS API token) or `oauth` (a service app)" }
        : s.okta.token !== undefined && s.okta.oauth !== undefined
        ? { path: ["okta"], message: "give `token` or `oauth`, not both" }
        : undefined
    )
  )
  .annotations({ identifier: "Connections" })
export type Connections = typeof Connections.Type

/**
 * The JSON Schema of a whole config file (the rules and the connections), for editors: every key
 * described with its default, unknown keys refused. `okta-monday.schema.json` is this, written by
 * `npm run schema -w packages/okta-monday`; a test keeps the two equal.
 */
export const configJsonSchemaText = (): string =>
  `${JSON.stringify(
    RuleConfig.jsonSchemaWith(connectionFields, {
      identifier: "OktaMondayConfig",
      description: "An okta-monday config file: the mapping rules (version, mappings, …) and the connections (okta, monday, state, daemon)."
    }),
    null,
    2
  )}\n`

/** A whole config file: mapping-core's rules (top-level `version`, `mappings`, …) plus the connections. */
export interface Settings extends Connections {
  readonly rules: RuleConfig.RuleConfig
}

const CONNECTION_KEYS = ["okta", "monday", "state", "daemon"] as const

const REFERENCE = /\$\{([^}]*)\}/g

/**
 * Replaces `${VAR}` with the environment variable and `${file:/path}` with the file's content
 * (trailing newline dropped), everywhere in the parsed document. A missing variable or file is an
 * issue naming the key that asked for it.
 */
const resolveReferences = (
  value: unknown,
  env: Readonly<Record<string, string | undefined>>,
  readFile: (path: string) => string | undefined,
  path: ReadonlyArray<string | number>,
  issues: Array<SettingsIssue>
): unknown => {
  if (typeof value === "string") {
    return value.replace(REFERENCE, (whole, name: string) => {
      const ref = name.trim()
      if (ref.startsWith("file:")) {
        const file = ref.slice("file:".length)
        const content = readFile(file)
        if (content === undefined) {
          issues.push({ path: formatPath(path), message: `${whole}: the file ${file} can't be read` })
          return ""
        }
        return content.replace(/\r?\n$/, "")
      }
      if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(ref)) {
        issues.push({ path: formatPath(path), message: `${whole} is not a valid reference: use \${ENV_VAR} or \${file:/path}` })
        return ""
      }
      const v = env[ref]
      if (v === undefined || v === "") {
        issues.push({ path: formatPath(path), message: `the environment variable ${ref} is not set` })
        return ""
      }
      return v
    })
  }
  if (Array.isArray(value)) return value.map((v, i) => resolveReferences(v, env, readFile, [...path, i], issues))
  if (value !== null && typeof value === "object") {
    const out: Record<string, unknown> = {}
    for (const [k, v] of Object.entries(value)) out[k] = resolveReferences(v, env, readFile, [...path, k], issues)
    return out
  }
  return value
}

export const formatPath = (path: ReadonlyArray<PropertyKey>): string =>
  path.reduce<string>(
    (acc, key) => (typeof key === "number" ? `${acc}[${key}]` : acc === "" ? String(key) : `${acc}.${String(key)}`),
    ""
  )

export interface ParseSettingsOptions {
  /** For error messages: the file name. */
  readonly source?: string
  readonly env?: Readonly<Record<string, string | undefined>>
  readonly readFile?: (path: string) => string | undefined
}

/**
 * Parses a YAML or JSON config text (JSON is YAML) into Settings. Pure apart from the `env` and
 * `readFile` it is given.
 */
export const parseSettings = (text: string, options: ParseSettingsOptions = {}): Either.Either<Settings, SettingsError> => {
  const source = options.source ?? "the config"
  const doc = Yaml.parseDocument(text, { prettyErrors: true, uniqueKeys: true })
  if (doc.errors.length > 0) {
    return Either.left(
      new SettingsError({
        source,
        issues: doc.errors.map((e) => ({
          path: e.linePos ? `line ${e.linePos[0].line}, column ${e.linePos[0].col}` : "",
          message: e.message.split("\n")[0] ?? e.message
        }))
      })
    )
  }
  const raw = doc.toJS() as unknown
  if (raw === null || typeof raw !== "object" || Array.isArray(raw)) {
    return Either.left(new SettingsError({ source, issues: [{ path: "", message: "the file must hold a mapping of keys (version, mappings, okta, monday, …)" }] }))
  }
  const issues: Array<SettingsIssue> = []
  const resolved = resolveReferences(raw, options.env ?? {}, options.readFile ?? (() => undefined), [], issues)
  if (issues.length > 0) return Either.left(new SettingsError({ source, issues }))
  const record = resolved as Record<string, unknown>
  const connectionPart: Record<string, unknown> = {}
  const rulePart: Record<string, unknown> = {}
  for (const [k, v] of Object.entries(record)) {
    if ((CONNECTION_KEYS as ReadonlyArray<string>).includes(k)) connectionPart[k] = v
    else rulePart[k] = v
  }
  const all: Array<SettingsIssue> = []
  const rules = RuleConfig.decodeRuleConfigUnknown(rulePart)
  if (Either.isLeft(rules)) {
    for (const issue of rules.left.issues) {
      // The rule decoder doesn't know the connection keys: say them too when a top-level key is unknown.
      all.push(
        issue.path !== "" && !issue.path.includes(".") && !issue.path.includes("[") && !(issue.path in RuleConfig.RuleConfig.fields)
          ? { path: issue.path, message: `is not a known key (allowed: ${[...Object.keys(RuleConfig.RuleConfig.fields), ...CONNECTION_KEYS].join(", ")})` }
          : issue
      )
    }
  }
  const connections = Schema.decodeUnknownEither(Connections, { errors: "all", onExcessProperty: "error" })(connectionPart)
  if (Either.isLeft(connections)) all.push(...issuesOf(connections.left))
  if (Either.isLeft(rules) || Either.isLeft(connections)) return Either.left(new SettingsError({ source, issues: all }))
  const c = connections.right
  return Either.right({
    ...c,
    okta: { ...c.okta, orgUrl: c.okta.orgUrl.replace(/\/+$/, "") },
    monday: { ...c.monday, scimUrl: c.monday.scimUrl.replace(/\/+$/, "") },
    rules: rules.right
  })
}

/** Schema parse errors in plain words, one line per problem, path first (as the rules' own errors read). */
export const issuesOf = (error: ParseResult.ParseError): ReadonlyArray<SettingsIssue> => RuleConfig.formatParseIssues(error)

/** Reads and parses a config file from disk, with the process environment. */
export const loadSettings = (path: string, env: Readonly<Record<string, string | undefined>> = process.env) =>
  Effect.gen(function*() {
    const fs = yield* Effect.promise(() => import("node:fs"))
    const nodePath = yield* Effect.promise(() => import("node:path"))
    const text = yield* Effect.try({
      try: () => fs.readFileSync(path, "utf8"),
      catch: (e) =>
        new SettingsError({ source: path, issues: [{ path: "", message: `can't be read: ${(e as Error).message}` }] })
    })
    const base = nodePath.dirname(nodePath.resolve(path))
    const settings = yield* parseSettings(text, {
      source: path,
      env,
      readFile: (file) => {
        try {
          return fs.readFileSync(nodePath.resolve(base, file), "utf8")
        } catch {
          return undefined
        }
      }
    })
    // A relative SQLite path is relative to the config file, not to wherever the command ran.
    if ("sqlite" in settings.state && !nodePath.isAbsolute(settings.state.sqlite)) {
      return { ...settings, state: { ...settings.state, sqlite: nodePath.resolve(base, settings.state.sqlite) } }
    }
    return settings
  })

/** True when a secret was written literally in the file instead of as a reference (validate warns). */
export const literalSecrets = (text: string): ReadonlyArray<string> => {
  const raw = Yaml.parse(text) as Record<string, any> | null
  const found: Array<string> = []
  const check = (path: string, v: unknown) => {
    if (typeof v === "string" && v.length > 0 && !/\$\{[^}]*\}/.test(v)) found.push(path)
  }
  check("okta.token", raw?.okta?.token)
  check("okta.oauth.privateKey", raw?.okta?.oauth?.privateKey)
  check("monday.token", raw?.monday?.token)
  check("state.postgres", raw?.state?.postgres)
  return found
}
