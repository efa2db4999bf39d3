/**
 * Reads Okta through `@okta/okta-sdk-nodejs`: a snapshot of the groups the rules select (plus the
 * groups the engine already links), their members, and the monday.com app's assignments; and the
 * System Log as a feed of mapping-core deltas, resumable from a cursor the caller persists.
 *
 * Duplicate and late events: the feed drops an event whose uuid it has seen, and a membership or
 * assignment event older than one it already applied to the same pair. Both memories live in this
 * source's memory only. After a restart from a saved cursor, events after that cursor are read and
 * applied again; that is harmless because deltas are idempotent and applied in `published` order,
 * and because the engine's daemon begins every run with a full read. The one case memory alone can't
 * cover is a late event older than the full read that arrives after it (say an `add` delivered late
 * whose `remove` was applied before the restart): pass the read's `startedAt` to `poll` as
 * `snapshotTakenAt`, and membership and assignment events published before it are dropped as already
 * reflected in the snapshot. Without it such an event stands until the next full read corrects it.
 */
import { Delta as DeltaModule, Domain, type RuleConfig } from "@okta-monday/mapping-core"
import { Context, Duration, Effect, Layer, Option, ParseResult, Redacted, Ref, Schedule, Schema, Stream } from "effect"
import parseLinkHeader from "parse-link-header"
import { type AuthConfig, bucketOf, Governor, makeSdkClient, TokenEndpointRefused } from "./internal/client.js"
import {
  AppNotFound,
  AuthFailed,
  ForbiddenScope,
  OktaDecodeError,
  type OktaError,
  RateLimited,
  RequestRejected,
  Unavailable
} from "./OktaError.js"
import {
  toAssignment,
  toGroup,
  toUser,
  WireAppGroup,
  WireAppUser,
  WireAppUserWithUser,
  WireGroup,
  WireLogEvent,
  WireUser
} from "./internal/wire.js"

type Delta = DeltaModule.Delta
type OktaGroupId = Domain.OktaGroupId
type OktaUserId = Domain.OktaUserId

export type OktaAuth = AuthConfig

export interface OktaSourceConfig {
  /** `https://your-org.okta.com`; a trailing slash is removed. */
  readonly orgUrl: string
  /** The monday.com app instance id (`0oa…`). */
  readonly appId: string
  readonly auth: OktaAuth
  /** Requests in flight at once, across everything this source does (reads, polls, lookups). Default 4. */
  readonly concurrency?: number
  /**
   * Share of every rate-limit bucket left free for the org's other integrations. Default 0.3:
   * Okta's buckets are per org, and a sync engine draining them starves SSO provisioning and other jobs.
   */
  readonly headroom?: number
  /** Page size for list calls (capped at each endpoint's maximum). Default: the maximum. */
  readonly pageSize?: number
  /** Interval between System Log polls in `changes`. Default 15 seconds. */
  readonly pollInterval?: Duration.DurationInput
  /** 429 answers waited out (until `X-Rate-Limit-Reset`) per request before failing. Default 3. */
  readonly maxRateLimitWaits?: number
  /** Attempts for a request that fails with 5xx or a network error. Default 3. */
  readonly maxAttempts?: number
  /** System Log pages read per poll at most (the rest waits for the next poll). Default 20. */
  readonly maxPagesPerPoll?: number
}

/** Where the System Log feed resumes: Okta's absolute `next` link, or `since:<ISO time>` to start. */
export const FeedCursor = Schema.String.pipe(Schema.minLength(1), Schema.brand("FeedCursor"))
export type FeedCursor = typeof FeedCursor.Type

export interface ReadSourceOptions {
  /** The last snapshot, for the empty-answer guard. */
  readonly previous?: Domain.SourceSnapshot
  /** Groups the engine links to teams: read even when no mapping selects them; a 404 leaves them out. */
  readonly linkedGroupIds?: ReadonlyArray<OktaGroupId>
}

/** Something in a read that must not be believed silently. */
export const SourceWarning = Schema.Union(
  /** A group that had members now lists none (a token without an admin role, or a broken page). */
  Schema.TaggedStruct("EmptyGroupAnswer", {
    groupId: Domain.OktaGroupId,
    groupName: Schema.String,
    previousMembers: Schema.Number
  }),
  /** The app lists no assigned users though it had some. */
  Schema.TaggedStruct("EmptyAssignmentsAnswer", { previousAssignments: Schema.Number }),
  /** A group the last read had, that still exists and still matches, was missing from the listing. */
  Schema.TaggedStruct("GroupMissingFromListing", { groupId: Domain.OktaGroupId, groupName: Schema.String })
)
export type SourceWarning = typeof SourceWarning.Type

export interface ReadSourceResult {
  readonly snapshot: Domain.SourceSnapshot
  readonly warnings: ReadonlyArray<SourceWarning>
  /** Groups whose answer is suspect (see warnings): hold their removals. */
  readonly suspectGroupIds: ReadonlyArray<OktaGroupId>
  /**
   * Okta's clock when the read began (from its `Date` headers, never later than the true start), or
   * absent when Okta sent no `Date`. Events published before it are reflected in `snapshot`: pass it
   * to `poll` as `snapshotTakenAt` when applying the feed to this snapshot.
   */
  readonly startedAt?: Date
}

export interface FeedBatch {
  readonly deltas: ReadonlyArray<Delta>
  /** Persist this and pass it to the next `poll`. */
  readonly cursor: FeedCursor
  /** Events of types the engine ignores, or about other apps. */
  readonly skipped: number
  /** Events read (duplicates included). */
  readonly events: number
  /** Events already seen (same uuid) or older than a change already applied to the same thing. */
  readonly duplicates: number
}

export interface PollOptions {
  /** Users the caller already holds: a MemberAdded for them needs no user fetch. */
  readonly knownUserIds?: ReadonlySet<string>
  /**
   * `startedAt` of the read the caller's state came from. Membership and assignment events published
   * before it are already in that state and are dropped (counted as duplicates), so one that arrives
   * late, or again after a restart, can't undo a newer change.
   */
  readonly snapshotTakenAt?: Date
}

export interface OktaConnectionInfo {
  readonly orgUrl: string
  readonly appId: string
  readonly appLabel: string
  readonly appStatus: string
  readonly authMode: "SSWS" | "PrivateKey"
}

/** Every user assigned to the monday.com app, with the Okta user behind each assignment. */
export interface AppUsersResult {
  readonly assignments: ReadonlyArray<Domain.AppAssignment>
  /** The Okta users of the assignments (embedded in the same answer, so one request per page). */
  readonly users: ReadonlyArray<Domain.OktaUser>
}

/** Users to look up by id or by email, whatever their status (deprovisioned users included). */
export interface FindUsersQuery {
  readonly ids?: ReadonlyArray<OktaUserId>
  readonly emails?: ReadonlyArray<string>
}

export interface OktaSourceService {
  readonly readSource: (rules: RuleConfig.RuleConfig, options?: ReadSourceOptions) => Effect.Effect<ReadSourceResult, OktaError>
  /** Every assignment of the monday.com app with its user (`/apps/{id}/users?expand=user`). */
  readonly readAppUsers: Effect.Effect<AppUsersResult, OktaError>
  /**
   * The users with these ids or `profile.email`s, in any status. Ids and emails Okta doesn't know
   * are simply absent from the answer: that is how a caller tells "gone from Okta".
   */
  readonly findUsers: (query: FindUsersQuery) => Effect.Effect<ReadonlyArray<Domain.OktaUser>, OktaError>
  /**
   * One poll of the System Log from `cursor`: the deltas, and the cursor to persist. Events seen before
   * (same uuid) or older than a change already applied to the same thing are dropped; that memory is
   * this source's alone, so after a restart re-read events are applied again (harmless, see the module
   * notes; pass `snapshotTakenAt` to drop late ones the snapshot already reflects).
   */
  readonly poll: (cursor: FeedCursor, options?: PollOptions) => Effect.Effect<FeedBatch, OktaError>
  readonly changes: (cursor: FeedCursor, options?: PollOptions) => Stream.Stream<FeedBatch, OktaError>
  readonly startCursor: (since: Date) => FeedCursor
  readonly fetchUser: (id: OktaUserId) => Effect.Effect<Option.Option<Domain.OktaUser>, OktaError>
  readonly testConnection: Effect.Effect<OktaConnectionInfo, OktaError>
  readonly stats: Effect.Effect<{ readonly requests: number; readonly rateLimited: number }>
}

export class OktaSource extends Context.Tag("@okta-monday/okta-source/OktaSource")<OktaSource, OktaSourceService>() {
  static readonly layer = (config: OktaSourceConfig): Layer.Layer<OktaSource> => Layer.effect(OktaSource, make(config))
  /**
   * The source for a test, against an Okta emulator (`@okta-monday/okta-emulator`, the faithful test
   * double: the real SDK and the real HTTP path, no stubs) with its full-rights token, polling every
   * 100 ms unless `extra` says otherwise.
   */
  static readonly layerTest = (
    emulator: { readonly orgUrl: string; readonly token: string; readonly appId: string },
    extra: Partial<Omit<OktaSourceConfig, "orgUrl" | "auth">> = {}
  ): Layer.Layer<OktaSource> =>
    OktaSource.layer({
      orgUrl: emulator.orgUrl,
      appId: emulator.appId,
      auth: { _tag: "Ssws", token: Redacted.make(emulator.token) },
      pollInterval: Duration.millis(100),
      ...extra
    })
}

/** The System Log event types the feed maps to deltas. */
export const FEED_EVENT_TYPES: ReadonlyArray<string> = [
  "group.user_membership.add",
  "group.user_membership.remove",
  "group.lifecycle.create",
  "group.lifecycle.delete",
  "group.profile.update",
  "group.application_assignment.add",
  "group.application_assignment.remove",
  "application.user_membership.add",
  "application.user_membership.remove",
  "application.user_membership.change_username",
  "user.lifecycle.activate",
  "user.lifecycle.deactivate",
  "user.lifecycle.suspend",
  "user.lifecycle.unsuspend",
  "user.lifecycle.reactivate",
  "user.lifecycle.delete.completed",
  "user.account.update_profile"
]

/** Clauses per `search` expression: keeps the URL short (Okta rejects very long query strings). */
const SEARCH_CLAUSES = 20

const MAX = { groups: 10000, members: 1000, users: 200, appUsers: 500, appGroups: 200, logs: 1000 } as const
const DEDUPE_WINDOW = 20_000

interface SdkFailure {
  readonly status?: number
  /** node-fetch's FetchError kind (`invalid-json`, `system`, …). */
  readonly type?: string
  readonly errorCode?: string
  readonly errorSummary?: string
  readonly message?: string
  readonly headers?: { get?(name: string): string | null }
}

const quote = (s: string) => `"${s.replace(/\\/g, "\\\\").replace(/"/g, "\\\"")}"`

/** The literal text every match of `^literal…` starts with, when the regex has one. */
export const literalPrefix = (source: string): string | undefined => {
  if (!source.startsWith("^") || source.includes("|")) return undefined
  let out = ""
  for (let i = 1; i < source.length; i++) {
    const c = source[i]!
    if ("?*{".includes(c)) return out.length > 1 ? out.slice(0, -1) : undefined
    if ("\\^$.|+()[]".includes(c)) break
    out += c
  }
  return out.length > 0 ? out : undefined
}

const selects = (sel: RuleConfig.GroupSelector, g: Domain.OktaGroup, assigned: ReadonlySet<string>): boolean =>
  (sel.ids === undefined || sel.ids.includes(g.id)) &&
  (sel.names === undefined || sel.names.includes(g.name)) &&
  (sel.nameRegex === undefined || new RegExp(sel.nameRegex, "u").test(g.name)) &&
  (sel.types === undefined || sel.types.includes(g.type)) &&
  (sel.assignedToApp !== true || assigned.has(g.id))

const excluded = (rules: RuleConfig.RuleConfig, g: Domain.OktaGroup): boolean =>
  rules.exclude.groups.ids.includes(g.id) ||
  rules.exclude.groups.names.includes(g.name) ||
  rules.exclude.groups.nameRegex.some((r) => new RegExp(r, "u").test(g.name))

export const make = (config: OktaSourceConfig): Effect.Effect<OktaSourceService> =>
  Effect.gen(function*() {
    const orgUrl = config.orgUrl.replace(/\/+$/, "")
    const origin = new URL(orgUrl).origin
    const mode = config.auth._tag === "Ssws" ? "SSWS" as const : "PrivateKey" as const
    // Bounds fibers per stage; the bound on requests in flight, across stages, is the governor's.
    const concurrency = Math.max(1, config.concurrency ?? 4)
    const pageSize = (max: number) => Math.min(max, config.pageSize ?? max)
    const counts = { requests: 0, rateLimited: 0 }
    const governor = new Governor({
      headroom: Math.min(0.9, Math.max(0, config.headroom ?? 0.3)),
      maxRateLimitWaits: config.maxRateLimitWaits ?? 3,
      // One bound for the whole source: stages run side by side (assignments, groups, members, the
      // feed's lookups), so per-stage limits alone would add up.
      maxInFlight: concurrency,
      onRequest: () => counts.requests++,
      onRateLimited: () => counts.rateLimited++
    })
    const client = makeSdkClient(orgUrl, config.auth, governor)
    const seen = yield* Ref.make<{ readonly order: Array<string>; readonly set: Set<string> }>({ order: [], set: new Set() })
    const lastApplied = new Map<string, number>()

    const endpointOf = (url: string) => {
      const u = new URL(url)
      return `GET ${u.pathname}`
    }

    const classify = (e: unknown, url: string): OktaError => {
      const endpoint = endpointOf(url)
      if (e instanceof TokenEndpointRefused) {
        if (e.error === "invalid_scope") {
          // Okta names the scopes it won't grant; else blame the ones the endpoint needs, or all requested.
          const named = e.description.match(/okta\.[A-Za-z]+\.[A-Za-z]+/g)
          const needed = requiredScope(new URL(url).pathname)
          const scope = named?.join(" ") ?? (e.requestedScopes.includes(needed) ? needed : e.requestedScopes.join(" "))
          return new ForbiddenScope({ endpoint, scope, mode, notGranted: true, ...(e.description ? { detail: e.description } : {}) })
        }
        return new AuthFailed({ mode, orgUrl, detail: `${e.httpStatus} ${e.error}${e.description ? `: ${e.description}` : ""}` })
      }
      const f = (e ?? {}) as SdkFailure
      const status = typeof f.status === "number" ? f.status : undefined
      if (f.type === "invalid-json") {
        // A 2xx whose body isn't JSON: cut short or spoiled on the way (a proxy?); worth another attempt.
        return new Unavailable({ endpoint, reason: "the answer was not valid JSON (cut short or garbled on the way)" })
      }
      if (status === undefined) return new Unavailable({ endpoint, reason: f.message ?? String(e) })
      if (status === 401) return new AuthFailed({ mode, orgUrl })
      if (status === 403) {
        const challenge = f.headers?.get?.("www-authenticate") ?? ""
        const scope = /scope="([^"]+)"/.exec(challenge)?.[1] ?? requiredScope(new URL(url).pathname)
        return new ForbiddenScope({ endpoint, scope, mode })
      }
      if (status === 429) {
        const reset = Number(f.headers?.get?.("x-rate-limit-reset"))
        return new RateLimited({ endpoint, ...(Number.isFinite(reset) && reset > 0 ? { resetAt: reset * 1000 } : {}) })
      }
      if (status >= 500) return new Unavailable({ endpoint, status, reason: f.errorSummary || f.message || "server error" })
      return new RequestRejected({ endpoint, status, errorCode: f.errorCode ?? "", summary: f.errorSummary ?? f.message ?? "" })
    }

    const retryPolicy = Schedule.exponential("200 millis").pipe(
      Schedule.jittered,
      Schedule.intersect(Schedule.recurs(Math.max(0, (config.maxAttempts ?? 3) - 1)))
    )

    /** Reads in progress, told Okta's `Date` of every answer and when it arrived here (see `startedAt`). */
    const clockWatchers = new Set<(oktaDate: number, receivedAt: number) => void>()

    /** One GET through the SDK's http (auth, executor); 5xx/network retried a bounded number of times. */
    const get = (url: string): Effect.Effect<{ body: unknown; next: string | undefined }, OktaError> =>
      Effect.tryPromise({
        try: async () => {
          const res = await client.http.http(url, { method: "get", headers: { Accept: "application/json" } })
          const link = res.headers.get("link")
          const next = link ? parseLinkHeader(link)?.next?.url : undefined
          const date = Date.parse(res.headers.get("date") ?? "")
          if (!Number.isNaN(date)) for (const watch of clockWatchers) watch(date, Date.now())
          return { body: await res.json(), next }
        },
        catch: (e) => classify(e, url)
      }).pipe(
        Effect.retry({ schedule: retryPolicy, while: (e) => e._tag === "Unavailable" }),
        Effect.flatMap((r) => {
          if (r.next !== undefined && new URL(r.next).origin !== origin) {
            return Effect.fail(
              new OktaDecodeError({ endpoint: endpointOf(url), reason: `next link ${r.next} leaves ${origin}; not followed` })
            )
          }
          return Effect.succeed(r)
        })
      )

    const decode = <A, I>(schema: Schema.Schema<A, I>, url: string) => (body: unknown) =>
      Schema.decodeUnknown(schema)(body, { errors: "all", onExcessProperty: "ignore" }).pipe(
        Effect.mapError((e) =>
          new OktaDecodeError({ endpoint: endpointOf(url), reason: ParseResult.TreeFormatter.formatErrorSync(e) })
        )
      )

    /** Every page of a list, following `next` links. */
    const listAll = <A, I>(schema: Schema.Schema<A, I>, path: string, params: Record<string, string>) =>
      Effect.gen(function*() {
        const qs = new URLSearchParams(params).toString()
        let url: string | undefined = `${orgUrl}${path}${qs ? `?${qs}` : ""}`
        const out: Array<A> = []
        while (url !== undefined) {
          const page: { body: unknown; next: string | undefined } = yield* get(url)
          out.push(...(yield* decode(Schema.Array(schema), url)(page.body)))
          url = page.next
        }
        return out
      })

    /** A single resource; 404 → none. */
    const getOne = <A, I>(schema: Schema.Schema<A, I>, path: string) => {
      const url = `${orgUrl}${path}`
      return get(url).pipe(
        Effect.flatMap((r) => decode(schema, url)(r.body)),
        Effect.map(Option.some),
        Effect.catchIf((e) => e._tag === "RequestRejected" && e.status === 404, () => Effect.succeed(Option.none<A>()))
      )
    }

    const onApp = <A, E, R>(eff: Effect.Effect<A, E | OktaError, R>) =>
      eff.pipe(
        Effect.catchIf(
          (e): e is RequestRejected => (e as OktaError)._tag === "RequestRejected" && (e as RequestRejected).status === 404,
          () => Effect.fail(new AppNotFound({ appId: config.appId, orgUrl }))
        )
      )

    const appPath = `/api/v1/apps/${encodeURIComponent(config.appId)}`

    const fetchGroup = (id: string) => getOne(WireGroup, `/api/v1/groups/${encodeURIComponent(id)}`).pipe(Effect.map(Option.map(toGroup)))
    const fetchUser = (id: string) => getOne(WireUser, `/api/v1/users/${encodeURIComponent(id)}`).pipe(Effect.map(Option.map(toUser)))
    const fetchAppUser = (id: string) =>
      onApp(getOne(WireAppUser, `${appPath}/users/${encodeURIComponent(id)}`)).pipe(Effect.map(Option.map(toAssignment)))

    const searchGroups = (search: string) =>
      listAll(WireGroup, "/api/v1/groups", { search, limit: String(pageSize(MAX.groups)) }).pipe(
        Effect.map((gs) => gs.map(toGroup))
      )

    /** The candidate groups for the rules: server-side searches where selectors allow, else one listing. */
    const candidateGroups = (rules: RuleConfig.RuleConfig) =>
      Effect.gen(function*() {
        const byId: Array<string> = []
        const searches: Array<string> = []
        let listing = false
        for (const m of rules.mappings) {
          const s = m.select
          const typeClause = s.types && s.types.length > 0 ? s.types.map((t) => `type eq ${quote(t)}`).join(" or ") : undefined
          const prefix = s.nameRegex === undefined ? undefined : literalPrefix(s.nameRegex)
          if (s.ids !== undefined) byId.push(...s.ids)
          else if (s.names !== undefined) {
            for (let i = 0; i < s.names.length; i += 20) {
              searches.push(s.names.slice(i, i + 20).map((n) => `profile.name eq ${quote(n)}`).join(" or "))
            }
          } else if (prefix !== undefined) {
            searches.push(`profile.name sw ${quote(prefix)}${typeClause ? ` and (${typeClause})` : ""}`)
          } else if (typeClause !== undefined) searches.push(typeClause)
          else listing = true
        }
        if (listing) {
          const all = yield* listAll(WireGroup, "/api/v1/groups", { limit: String(pageSize(MAX.groups)) })
          return all.map(toGroup)
        }
        const [found, searched] = yield* Effect.all([
          Effect.forEach([...new Set(byId)], fetchGroup, { concurrency }),
          Effect.forEach([...new Set(searches)], searchGroups, { concurrency })
        ], { concurrency: 2 })
        const out = new Map<string, Domain.OktaGroup>()
        for (const g of [...found.flatMap(Option.toArray), ...searched.flat()]) out.set(g.id, g)
        return [...out.values()]
      })

    /**
     * Runs a read while estimating Okta's clock at its start: an answer dated D (whole seconds, so at
     * most its true send time) that arrived `elapsed` ms after the read began bounds the start from
     * below by D − elapsed; the tightest bound over the read's answers is kept.
     */
    const timed = <A, E>(read: Effect.Effect<A, E>) =>
      Effect.suspend(() => {
        const began = Date.now()
        let startedAt: number | undefined
        const watch = (oktaDate: number, receivedAt: number) => {
          const bound = oktaDate - (receivedAt - began)
          if (startedAt === undefined || bound > startedAt) startedAt = bound
        }
        clockWatchers.add(watch)
        return read.pipe(
          Effect.map((a) => ({ result: a, startedAt: startedAt === undefined ? undefined : new Date(startedAt) })),
          Effect.ensuring(Effect.sync(() => clockWatchers.delete(watch)))
        )
      })

    const readSource = (rules: RuleConfig.RuleConfig, options: ReadSourceOptions = {}) =>
      timed(readSourceUntimed(rules, options)).pipe(
        Effect.map(({ result, startedAt }) => (startedAt === undefined ? result : { ...result, startedAt }))
      )

    const readSourceUntimed = Effect.fn("OktaSource.readSource")(function*(
      rules: RuleConfig.RuleConfig,
      options: ReadSourceOptions = {}
    ) {
      const [appGroups, appUsers, candidates] = yield* Effect.all([
        onApp(listAll(WireAppGroup, `${appPath}/groups`, { limit: String(pageSize(MAX.appGroups)) })),
        onApp(listAll(WireAppUser, `${appPath}/users`, { limit: String(pageSize(MAX.appUsers)) })),
        candidateGroups(rules)
      ], { concurrency: 3 })
      const assigned = new Set(appGroups.map((g) => g.id))
      const isSelected = (g: Domain.OktaGroup) => !excluded(rules, g) && rules.mappings.some((m) => selects(m.select, g, assigned))
      const groups = new Map<string, Domain.OktaGroup>()
      for (const g of candidates) if (isSelected(g)) groups.set(g.id, g)
      const warnings: Array<SourceWarning> = []
      const suspect = new Set<OktaGroupId>()

      // Linked groups, and groups of the last read that vanished from the listing: confirm by id.
      const previous = options.previous
      const toConfirm = new Set<string>((options.linkedGroupIds ?? []).filter((id) => !groups.has(id)))
      const vanished = new Set((previous?.groups ?? []).filter((g) => !groups.has(g.id)).map((g) => g.id))
      for (const id of vanished) toConfirm.add(id)
      const confirmed = yield* Effect.forEach([...toConfirm], (id) => fetchGroup(id), { concurrency })
      const linked = new Set<string>(options.linkedGroupIds ?? [])
      for (const og of confirmed) {
        if (Option.isNone(og)) continue
        const g = og.value
        if (vanished.has(g.id) && isSelected(g)) {
          warnings.push({ _tag: "GroupMissingFromListing", groupId: g.id, groupName: g.name })
          suspect.add(g.id)
          groups.set(g.id, g)
        } else if (linked.has(g.id)) groups.set(g.id, g)
      }

      const memberLists = yield* Effect.forEach(
        [...groups.values()],
        (g) =>
          listAll(WireUser, `/api/v1/groups/${encodeURIComponent(g.id)}/users`, { limit: String(pageSize(MAX.members)) }).pipe(
            Effect.map((users) => ({ group: g, users }))
          ),
        { concurrency }
      )
      const previousCounts = new Map((previous?.memberships ?? []).map((m) => [m.groupId as string, m.userIds.length]))
      const users = new Map<string, Domain.OktaUser>()
      const memberships: Array<Domain.GroupMembership> = []
      for (const { group, users: members } of memberLists) {
        for (const u of members) if (!users.has(u.id)) users.set(u.id, toUser(u))
        memberships.push({ groupId: group.id, userIds: members.map((u) => Domain.OktaUserId.make(u.id)) })
        const before = previousCounts.get(group.id) ?? 0
        if (members.length === 0 && before > 0) {
          warnings.push({ _tag: "EmptyGroupAnswer", groupId: group.id, groupName: group.name, previousMembers: before })
          suspect.add(group.id)
        }
      }
      if (appUsers.length === 0 && (previous?.assignments.length ?? 0) > 0) {
        warnings.push({ _tag: "EmptyAssignmentsAnswer", previousAssignments: previous!.assignments.length })
      }
      const snapshot = new Domain.SourceSnapshot({
        users: [...users.values()],
        groups: [...groups.values()],
        memberships,
        assignments: appUsers.map(toAssignment),
        assignedGroupIds: appGroups.map((g) => Domain.OktaGroupId.make(g.id))
      })
      return { snapshot, warnings, suspectGroupIds: [...suspect] } satisfies ReadSourceResult
    })

    const readAppUsers = Effect.gen(function*() {
      const appUsers = yield* onApp(
        listAll(WireAppUserWithUser, `${appPath}/users`, { limit: String(pageSize(MAX.appUsers)), expand: "user" })
      )
      const users: Array<Domain.OktaUser> = []
      for (const a of appUsers) {
        const embedded = a._embedded?.user
        if (embedded !== undefined && embedded !== null) users.push(toUser(embedded))
      }
      // An answer without embedded users (an older org, a proxy that strips `_embedded`): read them by id.
      const have = new Set(users.map((u) => u.id as string))
      const missing = appUsers.filter((a) => !have.has(a.id)).map((a) => Domain.OktaUserId.make(a.id))
      if (missing.length > 0) users.push(...(yield* findUsers({ ids: missing })))
      return { assignments: appUsers.map(toAssignment), users } satisfies AppUsersResult
    }).pipe(Effect.withSpan("OktaSource.readAppUsers"))

    const findUsers = (query: FindUsersQuery) =>
      Effect.gen(function*() {
        const clauses = [
          ...[...new Set(query.ids ?? [])].map((id) => `id eq ${quote(id)}`),
          ...[...new Set(query.emails ?? [])].map((e) => `profile.email eq ${quote(e)}`)
        ]
        const searches: Array<string> = []
        for (let i = 0; i < clauses.length; i += SEARCH_CLAUSES) {
          searches.push(clauses.slice(i, i + SEARCH_CLAUSES).join(" or "))
        }
        const pages = yield* Effect.forEach(
          searches,
          (search) => listAll(WireUser, "/api/v1/users", { search, limit: String(pageSize(MAX.users)) }),
          { concurrency }
        )
        const out = new Map<string, Domain.OktaUser>()
        for (const u of pages.flat()) if (!out.has(u.id)) out.set(u.id, toUser(u))
        return [...out.values()]
      }).pipe(Effect.withSpan("OktaSource.findUsers"))

    // ---------------------------------------------------------------------------------------------
    // The System Log feed
    // ---------------------------------------------------------------------------------------------

    const feedFilter = FEED_EVENT_TYPES.map((t) => `eventType eq ${quote(t)}`).join(" or ")
    const startCursor = (since: Date): FeedCursor => FeedCursor.make(`since:${since.toISOString()}`)
    const cursorUrl = (cursor: FeedCursor): string => {
      if (cursor.startsWith("since:")) {
        const params = new URLSearchParams({
          since: cursor.slice("since:".length),
          sortOrder: "ASCENDING",
          limit: String(pageSize(MAX.logs)),
          filter: feedFilter
        })
        return `${orgUrl}/api/v1/logs?${params.toString()}`
      }
      return cursor
    }

    const poll = Effect.fn("OktaSource.poll")(function*(cursor: FeedCursor, options: PollOptions = {}) {
      let url = cursorUrl(cursor)
      if (new URL(url).origin !== origin) {
        return yield* Effect.fail(new OktaDecodeError({ endpoint: "GET /api/v1/logs", reason: `cursor ${url} is not on ${origin}` }))
      }
      const events: Array<WireLogEvent> = []
      let read = 0
      for (let pages = 0; pages < (config.maxPagesPerPoll ?? 20); pages++) {
        const page = yield* get(url)
        const batch = yield* decode(Schema.Array(WireLogEvent), url)(page.body)
        read += batch.length
        events.push(...batch)
        // A polling request always links next; an empty page means caught up: stop (no busy loop).
        if (page.next === undefined) break
        url = page.next
        if (batch.length === 0) break
      }
      // Dedupe by uuid within a window; then apply in published order.
      const fresh: Array<WireLogEvent> = []
      let duplicates = 0
      yield* Ref.update(seen, (s) => {
        for (const e of events) {
          if (s.set.has(e.uuid)) {
            duplicates++
            continue
          }
          s.set.add(e.uuid)
          s.order.push(e.uuid)
          fresh.push(e)
        }
        while (s.order.length > DEDUPE_WINDOW) s.set.delete(s.order.shift()!)
        return s
      })
      fresh.sort((a, b) => a.published.localeCompare(b.published))
      const mapped = yield* mapEvents(fresh, options)
      return {
        deltas: mapped.deltas,
        cursor: FeedCursor.make(url),
        skipped: mapped.skipped,
        events: read,
        duplicates: duplicates + mapped.stale
      } satisfies FeedBatch
    })

    const target = (e: WireLogEvent, type: string) => e.target?.find((t) => t.type === type)
    const forOurApp = (e: WireLogEvent) => target(e, "AppInstance")?.id === config.appId

    /** Events to deltas; state-like changes are read fresh (events can arrive late or out of order). */
    const mapEvents = (events: ReadonlyArray<WireLogEvent>, options: PollOptions) =>
      Effect.gen(function*() {
        const userIds = new Set<string>()
        const groupIds = new Set<string>()
        const appUserIds = new Set<string>()
        for (const e of events) {
          const u = target(e, "User")?.id
          const g = target(e, "UserGroup")?.id
          switch (e.eventType) {
            case "group.user_membership.add":
              if (u && !options.knownUserIds?.has(u)) userIds.add(u)
              break
            case "group.lifecycle.create":
            case "group.profile.update":
              if (g) groupIds.add(g)
              break
            case "application.user_membership.add":
            case "application.user_membership.change_username":
              if (u && forOurApp(e)) {
                appUserIds.add(u)
                if (!options.knownUserIds?.has(u)) userIds.add(u)
              }
              break
            default:
              if (u && (e.eventType.startsWith("user.lifecycle.") || e.eventType === "user.account.update_profile")) {
                userIds.add(u)
              }
          }
        }
        const [users, groups, appUsers] = yield* Effect.all([
          Effect.forEach([...userIds], (id) => fetchUser(id).pipe(Effect.map((o) => [id, o] as const)), { concurrency }),
          Effect.forEach([...groupIds], (id) => fetchGroup(id).pipe(Effect.map((o) => [id, o] as const)), { concurrency }),
          Effect.forEach([...appUserIds], (id) => fetchAppUser(id).pipe(Effect.map((o) => [id, o] as const)), { concurrency })
        ], { concurrency: 3 })
        const userOf = new Map(users)
        const groupOf = new Map(groups)
        const appUserOf = new Map(appUsers)
        const deltas: Array<Delta> = []
        let skipped = 0
        let stale = 0
        const reflectedBefore = options.snapshotTakenAt?.getTime()
        /**
         * Skips an event older than one already applied to the same thing (late delivery), or older than
         * the snapshot the caller applies deltas to (already in it).
         */
        const fresher = (key: string, e: WireLogEvent) => {
          const t = Date.parse(e.published)
          const last = lastApplied.get(key)
          if ((last !== undefined && last > t) || (reflectedBefore !== undefined && t < reflectedBefore)) {
            stale++
            return false
          }
          if (lastApplied.size > 200_000) lastApplied.clear()
          lastApplied.set(key, t)
          return true
        }
        for (const e of events) {
          const u = target(e, "User")?.id
          const g = target(e, "UserGroup")?.id
          const userId = u === undefined ? undefined : Domain.OktaUserId.make(u)
          const groupId = g === undefined ? undefined : Domain.OktaGroupId.make(g)
          switch (e.eventType) {
            case "group.user_membership.add":
            case "group.user_membership.remove": {
              if (!userId || !groupId) {
                skipped++
                break
              }
              if (!fresher(`m:${groupId}:${userId}`, e)) break
              if (e.eventType.endsWith(".remove")) deltas.push({ _tag: "MemberRemoved", groupId, userId })
              else {
                const user = Option.getOrUndefined(userOf.get(userId) ?? Option.none())
                deltas.push({ _tag: "MemberAdded", groupId, userId, ...(user ? { user } : {}) })
              }
              break
            }
            case "group.lifecycle.create": {
              const group = groupId && groupOf.get(groupId)
              if (group && Option.isSome(group)) deltas.push({ _tag: "GroupCreated", group: group.value })
              break
            }
            case "group.lifecycle.delete":
              if (groupId) deltas.push({ _tag: "GroupDeleted", groupId })
              else skipped++
              break
            case "group.profile.update": {
              const group = groupId && groupOf.get(groupId)
              if (group && Option.isSome(group)) deltas.push({ _tag: "GroupRenamed", groupId: group.value.id, name: group.value.name })
              break
            }
            case "group.application_assignment.add":
            case "group.application_assignment.remove":
              if (!groupId || !forOurApp(e)) {
                skipped++
                break
              }
              if (!fresher(`ga:${groupId}`, e)) break
              deltas.push(e.eventType.endsWith(".add") ? { _tag: "GroupAssigned", groupId } : { _tag: "GroupUnassigned", groupId })
              break
            case "application.user_membership.add":
            case "application.user_membership.change_username":
            case "application.user_membership.remove": {
              if (!userId || !forOurApp(e)) {
                skipped++
                break
              }
              if (e.eventType.endsWith(".remove")) {
                if (fresher(`a:${userId}`, e)) deltas.push({ _tag: "UserUnassigned", userId })
                break
              }
              if (!fresher(`a:${userId}`, e)) break
              const assignment = appUserOf.get(userId)
              if (assignment && Option.isSome(assignment)) {
                const user = Option.getOrUndefined(userOf.get(userId) ?? Option.none())
                deltas.push({ _tag: "UserAssigned", assignment: assignment.value, ...(user ? { user } : {}) })
              } else deltas.push({ _tag: "UserUnassigned", userId })
              break
            }
            case "user.account.update_profile": {
              const user = userId && userOf.get(userId)
              if (user && Option.isSome(user)) deltas.push({ _tag: "UserUpdated", user: user.value })
              break
            }
            default: {
              if (!e.eventType.startsWith("user.lifecycle.") || !FEED_EVENT_TYPES.includes(e.eventType) || !userId) {
                skipped++
                break
              }
              const user = userOf.get(userId)
              // A user that is gone (deleted) counts as deprovisioned.
              const status = user && Option.isSome(user) ? user.value.status : "DEPROVISIONED"
              deltas.push({ _tag: "UserStatusChanged", userId, status })
            }
          }
        }
        return { deltas, skipped, stale }
      })

    const pollInterval = config.pollInterval ?? Duration.seconds(15)
    const changes = (cursor: FeedCursor, options?: PollOptions): Stream.Stream<FeedBatch, OktaError> =>
      Stream.unfoldEffect({ cursor, first: true }, (s) =>
        (s.first ? poll(s.cursor, options) : Effect.zipRight(Effect.sleep(pollInterval), poll(s.cursor, options))).pipe(
          Effect.map((b) => Option.some([b, { cursor: b.cursor, first: false }] as const))
        ))

    const testConnection = Effect.gen(function*() {
      const app = yield* onApp(getOne(
        Schema.Struct({ id: Schema.String, label: Schema.String, status: Schema.String }),
        appPath
      ))
      if (Option.isNone(app)) return yield* Effect.fail(new AppNotFound({ appId: config.appId, orgUrl }))
      return { orgUrl, appId: app.value.id, appLabel: app.value.label, appStatus: app.value.status, authMode: mode }
    }).pipe(Effect.withSpan("OktaSource.testConnection"))

    return {
      readSource: (rules, options) => readSource(rules, options),
      readAppUsers,
      findUsers,
      poll: (cursor, options) => poll(cursor, options),
      changes,
      startCursor,
      fetchUser: (id) => fetchUser(id),
      testConnection,
      stats: Effect.sync(() => ({ requests: counts.requests, rateLimited: counts.rateLimited }))
    } satisfies OktaSourceService
  })

/** The scope an endpoint needs, for a 403 that doesn't say. */
const requiredScope = (path: string): string => {
  const b = bucketOf(path)
  return b.startsWith("api/v1/apps")
    ? "okta.apps.read"
    : b.startsWith("api/v1/logs")
    ? "okta.logs.read"
    : b.startsWith("api/v1/groups")
    ? "okta.groups.read"
    : "okta.users.read"
}
