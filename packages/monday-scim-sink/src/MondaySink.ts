/**
 * The monday.com side of a sync as one service: read the whole account (users and teams), apply
 * a plan's operations, and test a connection. The live layer talks SCIM 2.0; the dry-run layers
 * record the writes they would send instead of sending them.
 */
import type { HttpClient } from "@effect/platform"
import { Domain } from "@okta-monday/mapping-core"
import type { Plan } from "@okta-monday/mapping-core"
import { Config, Context, Effect, Either, Layer, Option, Ref } from "effect"
import type { Schema } from "effect"
import type { ConfigError, Duration, Redacted } from "effect"
import { type ApplyOptions, applyPlan, type PatchPlan, type TeamWriter } from "./internal/apply.js"
import { mentionsId } from "./internal/attribute.js"
import * as NameGuard from "./internal/nameGuard.js"
import { ListResponse } from "./ListResponse.js"
import * as PatchOp from "./PatchOp.js"
import * as ScimClient from "./ScimClient.js"
import { newGroup, ScimGroup } from "./ScimGroup.js"
import { newUser, profileOf, ScimUser, showsReplace } from "./ScimUser.js"
import { ServiceProviderConfig } from "./ServiceProviderConfig.js"
import {
  MalformedResponse,
  MemberDeactivated,
  type SinkError,
  TokenOwnerProtected,
  UserNotInAccount,
  UserNotScimProvisioned
} from "./SinkError.js"

export type { ApplyOptions } from "./internal/apply.js"

// ---------------------------------------------------------------------------------------------
// Interface
// ---------------------------------------------------------------------------------------------

export interface MondaySinkConfig {
  /** `https://<account>.monday.com/scim/v2`; plain http is accepted only for loopback. */
  readonly scimUrl: string
  readonly token: Redacted.Redacted
  /** Teams worked on at once by `apply`, and pages read at once by `readTarget`. Default 4. */
  readonly concurrency?: number
  /** `count` asked for per page of `/Users` and `/Groups`. Default 100. */
  readonly pageSize?: number
  readonly retry?: ScimClient.RetryOptions
  /** How long one attempt may take before it counts as dropped. Default 30 seconds. */
  readonly requestTimeout?: Duration.DurationInput
  readonly transformClient?: (client: HttpClient.HttpClient) => HttpClient.HttpClient
}

export interface ReadTargetOptions {
  /** What the engine last applied: the members to assume for teams the server returns without `members`. */
  readonly lastApplied?: Domain.Links
  /**
   * Also tell which users were created through SCIM (monday.com refuses to deactivate the others),
   * by listing `/Users` a second time with `scim_provisioned_only=true`. Default false: one pass.
   */
  readonly scimProvisioned?: boolean
}

export interface ReadTargetResult {
  readonly snapshot: Domain.TargetSnapshot
  readonly warnings: ReadonlyArray<Plan.Warning>
}

export interface ConnectionInfo {
  readonly reachable: true
  /** SCIM answered with this token, which monday.com only allows on the Enterprise plan. */
  readonly enterprise: true
  readonly scimUrl: string
  /** Users in the account (`totalResults` of `/Users`, SCIM-provisioned or not). */
  readonly users: number
  /** What `/ServiceProviderConfig` says, when the server has one. */
  readonly serviceProviderConfig?: ServiceProviderConfig
  readonly dryRun?: boolean
}

export interface Service {
  readonly readTarget: (options?: ReadTargetOptions) => Effect.Effect<ReadTargetResult, SinkError>
  /** One outcome per operation, in plan order; never fails as a whole (failures are outcomes). */
  readonly apply: (plan: Plan.Plan, options?: ApplyOptions) => Effect.Effect<ReadonlyArray<Plan.OperationOutcome>>
  readonly testConnection: Effect.Effect<ConnectionInfo, SinkError>
  /** Requests sent, retried, and answered 429 so far; the member cap per PATCH learnt from 413s. */
  readonly stats: Effect.Effect<Stats>
}

export interface Stats extends ScimClient.Stats {
  /** PATCHes refused as too large (413 or `tooMany`) and sent again in halves. */
  readonly patchSplits: number
  /**
   * Member changes per PATCH that monday.com accepted after refusing more (monday.com doesn't publish its cap):
   * the value to set as limits.maxMembersPerPatch. Absent until a PATCH was refused as too large.
   */
  readonly memberCap?: number
  /**
   * How the last apply with creates guarded their names: one filtered GET per create, or one paged list of every
   * team read just before the first create (whichever costs fewer requests; see `guardReads`).
   */
  readonly guard?: "per-create" | "list"
}

/**
 * Requests the same-name guard needs at least for `creates` team creates in an account of `teams` teams, read
 * `pageSize` a page: the fewer of one GET per create and the list's pages. Benchmarks add it to the writes.
 */
export const guardReads = NameGuard.guardReads

/** A write the dry run would have sent. */
export interface RecordedRequest {
  readonly method: "POST" | "PATCH" | "DELETE"
  readonly path: string
  readonly body?: unknown
}

/** The writes a dry-run sink recorded, in the order they would have been sent. */
export class DryRunLog extends Context.Tag("@okta-monday/monday-scim-sink/DryRunLog")<DryRunLog, {
  readonly requests: Effect.Effect<ReadonlyArray<RecordedRequest>>
  readonly clear: Effect.Effect<void>
}>() {}

export class MondaySink extends Context.Tag("@okta-monday/monday-scim-sink/MondaySink")<MondaySink, Service>() {
  /** The live sink over SCIM. Fails with a ConfigError when the URL is not https (or loopback http). */
  static readonly layer = (
    config: MondaySinkConfig
  ): Layer.Layer<MondaySink, ConfigError.ConfigError, HttpClient.HttpClient> => Layer.effect(MondaySink, make(config))

  /** The live sink with its settings read from `Config` (see `mondaySinkConfig`). */
  static readonly layerConfig = (
    config: Config.Config<MondaySinkConfig> = mondaySinkConfig()
  ): Layer.Layer<MondaySink, ConfigError.ConfigError, HttpClient.HttpClient> =>
    Layer.effect(MondaySink, Effect.flatMap(config, make))

  /**
   * A sink that sends nothing: `readTarget` returns `target` (empty by default), `apply` records
   * each write in DryRunLog and answers `done` with synthetic team ids (`dry-run-1`, …) and user ids
   * (`dry-run-user-1`, …).
   */
  static readonly layerDryRun = (options?: {
    readonly target?: Domain.TargetSnapshot
  }): Layer.Layer<MondaySink | DryRunLog> => layerDryRun(options)

  /** Reads monday.com for real (and checks names before creates), but records writes instead of sending them. */
  static readonly layerDryRunReading = (
    config: MondaySinkConfig
  ): Layer.Layer<MondaySink | DryRunLog, ConfigError.ConfigError, HttpClient.HttpClient> => layerDryRunReading(config)
}

/**
 * Settings from the environment: MONDAY_SCIM_URL, MONDAY_SCIM_TOKEN, and optional
 * MONDAY_SCIM_CONCURRENCY and MONDAY_SCIM_PAGE_SIZE (another prefix may be given).
 */
export const mondaySinkConfig = (prefix = "MONDAY_SCIM"): Config.Config<MondaySinkConfig> =>
  Config.all({
    scimUrl: Config.string(`${prefix}_URL`),
    token: Config.redacted(`${prefix}_TOKEN`),
    concurrency: Config.option(Config.integer(`${prefix}_CONCURRENCY`).pipe(Config.validate({
      message: "must be a positive integer",
      validation: (n) => n > 0
    }))),
    pageSize: Config.option(Config.integer(`${prefix}_PAGE_SIZE`).pipe(Config.validate({
      message: "must be a positive integer",
      validation: (n) => n > 0
    })))
  }).pipe(
    Config.map(({ concurrency, pageSize, scimUrl, token }): MondaySinkConfig => ({
      scimUrl,
      token,
      ...Option.match(concurrency, { onNone: () => ({}), onSome: (concurrency) => ({ concurrency }) }),
      ...Option.match(pageSize, { onNone: () => ({}), onSome: (pageSize) => ({ pageSize }) })
    }))
  )

// ---------------------------------------------------------------------------------------------
// Reading
// ---------------------------------------------------------------------------------------------

/** monday.com lists only SCIM-provisioned objects unless told otherwise; the engine needs the whole account. */
const WHOLE_ACCOUNT = { scim_provisioned_only: "false" } as const

const UserList = ListResponse(ScimUser)
const GroupList = ListResponse(ScimGroup)

const makeReader = (client: ScimClient.Service, pageSize: number, concurrency: number) => {
  /**
   * Every read of the account (pages, single teams) takes one of `concurrency` permits, so users,
   * teams and their pages read side by side never have more than `concurrency` requests in flight.
   */
  const reads = Effect.unsafeMakeSemaphore(concurrency)
  /**
   * Every page of a list endpoint. After the first page the rest are read concurrently, stepping
   * by the page size the server actually gave (it may cap `count`); if the account changed while
   * reading and the pages don't add up, it is read again one page after the other.
   */
  /** Pages a full list of /Groups took when last read (for the same-name guard's choice). */
  let groupPages: number | undefined

  /**
   * Like listAll, but gives up (undefined) after the first page when the list takes more than `maxPages` pages.
   */
  const listUpTo = <L extends ListResponse<{ readonly id: string }>, I>(
    path: "/Users" | "/Groups",
    list: Schema.Schema<L, I>,
    scimProvisionedOnly: boolean,
    maxPages: number
  ): Effect.Effect<Array<L["Resources"][number]> | undefined, SinkError> => {
    type A = L["Resources"][number]
    const page = (startIndex: number) =>
      reads.withPermits(1)(client.json(
        {
          method: "GET",
          path,
          urlParams: {
            scim_provisioned_only: String(scimProvisionedOnly),
            startIndex: String(startIndex),
            count: String(pageSize)
          }
        },
        list
      ))
    const distinct = (items: ReadonlyArray<A>) => [...new Map(items.map((item) => [item.id, item])).values()]
    const sequential = Effect.gen(function*() {
      const items: Array<A> = []
      let startIndex = 1
      let total = 0
      while (true) {
        const response = yield* page(startIndex)
        items.push(...response.Resources)
        total = response.totalResults
        startIndex += response.Resources.length
        if (response.Resources.length === 0 || startIndex > response.totalResults) break
      }
      const all = distinct(items)
      // A short read must not pass for the whole account: missing users and teams become wrong plans.
      if (all.length < total) {
        return yield* Effect.fail(
          new MalformedResponse({
            endpoint: `GET ${path}`,
            status: 200,
            problem: `the pages add up to ${all.length} distinct resources but totalResults is ${total}; ` +
              "the server does not page by startIndex and count as SCIM requires"
          })
        )
      }
      return all
    })
    return Effect.gen(function*() {
      const first = yield* page(1)
      const step = first.Resources.length
      // The server may cap `count` below the page size asked for: the first page shows the real step.
      const pages = Math.max(1, Math.ceil(first.totalResults / (step > 0 && step < first.totalResults ? step : pageSize)))
      if (path === "/Groups" && !scimProvisionedOnly) groupPages = pages
      if (pages > maxPages) return undefined
      if (step === 0 || step >= first.totalResults) return distinct(first.Resources)
      const starts: Array<number> = []
      for (let start = 1 + step; start <= first.totalResults; start += step) starts.push(start)
      const rest = yield* Effect.forEach(starts, page, { concurrency })
      const items = distinct([...first.Resources, ...rest.flatMap((response) => response.Resources)])
      if (items.length === first.totalResults) return items
      return yield* sequential
    })
  }

  const listAll = <L extends ListResponse<{ readonly id: string }>, I>(
    path: "/Users" | "/Groups",
    list: Schema.Schema<L, I>,
    scimProvisionedOnly = false
  ): Effect.Effect<Array<L["Resources"][number]>, SinkError> =>
    Effect.map(listUpTo(path, list, scimProvisionedOnly, Infinity), (items) => items ?? [])

  const getGroup = (teamId: string) =>
    client.json({ method: "GET", path: `/Groups/${encodeURIComponent(teamId)}`, teamId }, ScimGroup).pipe(
      Effect.map(Option.some),
      Effect.catchTag("TeamNotFound", () => Effect.succeedNone),
      reads.withPermits(1)
    )

  const readTarget = Effect.fn("MondaySink.readTarget")(function*(options?: ReadTargetOptions) {
    const [users, listed, provisioned] = yield* Effect.all([
      listAll("/Users", UserList),
      listAll("/Groups", GroupList),
      options?.scimProvisioned
        ? Effect.map(listAll("/Users", UserList, true), (list) => new Set(list.map((user) => user.id)))
        : Effect.succeed(undefined)
    ], { concurrency: 3 })

    // Lists usually carry members. When they don't, one GET tells whether single reads do; only
    // then is every such team read on its own, so a server that never returns members costs one
    // extra request, not one per team.
    const groups = new Map(listed.map((group) => [group.id, group]))
    const missing = listed.filter((group) => group.members === undefined)
    if (missing.length > 0) {
      const probe = yield* getGroup(missing[0].id)
      if (Option.isNone(probe)) groups.delete(missing[0].id)
      else if (probe.value.members !== undefined) {
        groups.set(probe.value.id, probe.value)
        const others = yield* Effect.forEach(missing.slice(1), (group) => getGroup(group.id), { concurrency })
        missing.slice(1).forEach((group, i) => {
          const read = others[i]
          if (Option.isNone(read)) groups.delete(group.id)
          else groups.set(group.id, read.value)
        })
      }
    }

    const links = new Map((options?.lastApplied?.teams ?? []).map((link) => [link.teamId as string, link]))
    const warnings: Array<Plan.Warning> = []
    const teams = [...groups.values()].map((group) => {
      const id = Domain.MondayTeamId.make(group.id)
      if (group.members !== undefined) {
        return new Domain.MondayTeam({
          id,
          displayName: group.displayName,
          members: [...new Set(group.members.map((member) => member.value))].map((m) => Domain.MondayUserId.make(m)),
          membersFrom: "server"
        })
      }
      const link = links.get(group.id)
      warnings.push({ _tag: "MembersFromLastApplied", key: link?.displayName ?? group.displayName, teamId: id })
      return new Domain.MondayTeam({
        id,
        displayName: group.displayName,
        members: link?.managedMembers ?? [],
        membersFrom: "last-applied"
      })
    })
    const snapshot = new Domain.TargetSnapshot({
      users: users.map((user) =>
        new Domain.MondayUser({
          id: Domain.MondayUserId.make(user.id),
          userName: user.userName.toLowerCase(),
          active: user.active,
          ...(user.displayName !== undefined ? { displayName: user.displayName } : {}),
          ...(user.userType !== undefined ? { userType: user.userType } : {}),
          ...(provisioned !== undefined ? { scimProvisioned: provisioned.has(user.id) } : {}),
          ...profileOf(user)
        })
      ),
      teams
    })
    return { snapshot, warnings } satisfies ReadTargetResult
  })

  const testConnection = Effect.gen(function*() {
    const spc = yield* client.json({ method: "GET", path: "/ServiceProviderConfig" }, ServiceProviderConfig).pipe(
      Effect.map(Option.some),
      // Not every SCIM server publishes it; reaching /Users is what proves the connection.
      Effect.catchIf(
        (error): error is MalformedResponse => error._tag === "MalformedResponse" && error.status === 404,
        () => Effect.succeedNone
      )
    )
    const users = yield* client.json(
      { method: "GET", path: "/Users", urlParams: { ...WHOLE_ACCOUNT, startIndex: "1", count: "1" } },
      UserList
    )
    const info: ConnectionInfo = {
      reachable: true,
      enterprise: true,
      scimUrl: client.scimUrl,
      users: users.totalResults,
      ...(Option.isSome(spc) ? { serviceProviderConfig: spc.value } : {})
    }
    return info
  }).pipe(Effect.withSpan("MondaySink.testConnection"))

  /** Teams named `displayName` (SCIM `eq` on displayName is case-insensitive), whoever created them. */
  const findTeamsByName = (displayName: string) =>
    client.json(
      {
        method: "GET",
        path: "/Groups",
        urlParams: { ...WHOLE_ACCOUNT, filter: `displayName eq ${PatchOp.quote(displayName)}` }
      },
      GroupList
    ).pipe(
      // A server that ignores the filter returns every team: only same-name ones count.
      Effect.map((list) =>
        list.Resources.filter((group) => group.displayName.toLowerCase() === displayName.toLowerCase())
      )
    )

  /** Where the same-name guard looks names up: one filtered GET per name, or the paged list of every team. */
  const names: NameGuard.NameSource = {
    byName: findTeamsByName,
    list: (maxPages) => listUpTo("/Groups", GroupList, false, maxPages),
    knownPages: () => groupPages
  }
  let lastGuardMode: NameGuard.GuardMode | undefined
  const nameGuard = (displayNames: ReadonlyArray<string>) =>
    NameGuard.make(names, displayNames, (mode) => (lastGuardMode = mode))

  /** The user whose userName is this email, whoever created it (`userName eq` is case-insensitive in SCIM). */
  const findUserByName = (userName: string) =>
    client.json(
      {
        method: "GET",
        path: "/Users",
        urlParams: { ...WHOLE_ACCOUNT, filter: `userName eq ${PatchOp.quote(userName)}` }
      },
      UserList
    ).pipe(
      Effect.map((list) =>
        Option.fromNullable(list.Resources.find((user) => user.userName.toLowerCase() === userName.toLowerCase()))
      )
    )

  const getUser = (userId: string): Effect.Effect<Option.Option<ScimUser>, SinkError> =>
    client.json({ method: "GET", path: `/Users/${encodeURIComponent(userId)}`, userId }, ScimUser).pipe(
      Effect.map(Option.some),
      Effect.catchTag("UserNotInAccount", () => Effect.succeedNone)
    )

  /** Whether a user is in the account and active, by id (for telling why monday.com refused a member). */
  const userState = (userId: string) =>
    Effect.map(getUser(userId), (user): "active" | "deactivated" | "missing" =>
      Option.isNone(user) ? "missing" : user.value.active ? "active" : "deactivated")

  return {
    readTarget,
    testConnection,
    findTeamsByName,
    nameGuard,
    guardMode: () => lastGuardMode,
    getGroup,
    findUserByName,
    getUser,
    userState
  }
}

// ---------------------------------------------------------------------------------------------
// Writing
// ---------------------------------------------------------------------------------------------

const CreatedGroup = ScimGroup

/**
 * Whether a refused team write may be monday.com refusing one of its members (it refuses a push
 * unless every member is an active user of the account). Decided by status, scimType and what the
 * request was, never by the detail's words: a 400 `invalidValue` (or without scimType) that names
 * no other attribute of the request; a 404 on POST /Groups; a 404 on a PATCH that adds members.
 */
const mayBeMemberRefusal = (error: SinkError): boolean => {
  switch (error._tag) {
    case "InvalidAttribute":
      return error.status === 400 &&
        (error.scimType === undefined || error.scimType === "invalidValue") &&
        (error.attribute === undefined || error.attribute.toLowerCase().startsWith("members"))
    case "MalformedResponse":
      return error.status === 404
    case "TeamNotFound":
      return true
    default:
      return false
  }
}

/** A membership change cut into changes of at most `size` (adds first), each its own PatchPlan. */
const chunks = (patch: PatchPlan, size: number): Array<PatchPlan> => {
  const changes = [
    ...patch.add.map((id) => ({ add: id })),
    ...patch.remove.map((id) => ({ remove: id }))
  ]
  const out: Array<PatchPlan> = []
  for (let at = 0; at < changes.length; at += size) {
    const part = changes.slice(at, at + size)
    const add = part.flatMap((change) => ("add" in change ? [change.add] : []))
    const remove = part.flatMap((change) => ("remove" in change ? [change.remove] : []))
    const [first, ...rest] = PatchOp.membersChange(add, remove)
    out.push({ operations: [first!, ...rest], add, remove })
  }
  return out
}

const makeLiveWriter = (
  client: ScimClient.Service,
  reader: ReturnType<typeof makeReader>
): TeamWriter & { readonly stats: Effect.Effect<Pick<Stats, "patchSplits" | "memberCap">> } => {
  let splits = 0
  /**
   * Tells why a team write carrying `members` was refused, by asking monday.com about the members
   * the detail names (all of them when it names none): missing ones are UserNotInAccount,
   * deactivated ones MemberDeactivated. When every member checks out, or the check itself fails,
   * the original error stands.
   */
  const explainRefusal = (error: SinkError, members: ReadonlyArray<string>, teamId?: string) =>
    Effect.gen(function*() {
      if (members.length === 0 || !mayBeMemberRefusal(error)) return yield* Effect.fail(error)
      if (error._tag === "TeamNotFound") {
        // A 404 on the PATCH: the team may be gone (drift), or a member missing.
        const team = yield* Effect.either(reader.getGroup(teamId ?? error.teamId))
        if (Either.isLeft(team) || Option.isNone(team.right)) return yield* Effect.fail(error)
      }
      const detail = error._tag === "InvalidAttribute" ? error.detail : undefined
      const named = members.filter((id) => mentionsId(detail, id))
      const suspects = [...new Set(named.length > 0 ? named : members)]
      // One at a time: the apply's bound on requests in flight is one per team worked on.
      const checked = yield* Effect.either(Effect.forEach(suspects, reader.userState))
      if (Either.isLeft(checked)) return yield* Effect.fail(error)
      const missing = suspects.filter((_, i) => checked.right[i] === "missing")
      const deactivated = suspects.filter((_, i) => checked.right[i] === "deactivated")
      const endpoint = error.endpoint
      const withDetail = detail !== undefined ? { detail } : {}
      if (missing.length > 0) {
        return yield* Effect.fail(
          new UserNotInAccount({
            endpoint,
            role: "member",
            userIds: missing,
            ...(deactivated.length > 0 ? { deactivated } : {}),
            ...withDetail
          })
        )
      }
      if (deactivated.length > 0) {
        return yield* Effect.fail(new MemberDeactivated({ endpoint, userIds: deactivated, ...withDetail }))
      }
      return yield* Effect.fail(error)
    })

  /** One team PATCH, checked before any re-send (its answer may be lost after it took), refusals explained. */
  const sendPatch = (teamId: string, patch: PatchPlan) =>
    client.send({
      method: "PATCH",
      path: `/Groups/${encodeURIComponent(teamId)}`,
      teamId,
      body: PatchOp.make(patch.operations),
      // A PATCH whose answer was lost may have been applied: if the team already shows the change,
      // don't send it again (re-sending a remove that took would be refused as noTarget).
      recover: Effect.map(reader.getGroup(teamId), (group) => {
        if (Option.isNone(group)) return Option.none()
        if (patch.rename !== undefined && group.value.displayName !== patch.rename) return Option.none()
        if (patch.add.length + patch.remove.length === 0) return Option.some(undefined)
        if (group.value.members === undefined) return Option.none()
        const members = new Set(group.value.members.map((member) => member.value))
        const took = patch.add.every((id) => members.has(id)) && patch.remove.every((id) => !members.has(id))
        return took ? Option.some(undefined) : Option.none()
      })
    }).pipe(
      Effect.catchAll((error) => explainRefusal(error, patch.add, teamId)),
      Effect.withSpan("MondaySink.patchTeam", { attributes: { teamId } })
    )

  /**
   * What monday.com's member cap per PATCH turned out to be (it is not published): the smallest change count
   * refused as too large, and the largest accepted below it. Later PATCHes are sent in chunks of the latter.
   */
  const caps: { refused?: number; accepted?: number; chunk?: number } = {}
  const learn = (size: number, refused: boolean) =>
    Effect.gen(function*() {
      if (refused) {
        caps.refused = Math.min(caps.refused ?? Infinity, size)
        if (caps.accepted !== undefined && caps.accepted >= caps.refused) delete caps.accepted
        splits++
      } else if (caps.refused !== undefined && size < caps.refused && size > (caps.accepted ?? 0)) {
        caps.accepted = size
        yield* Effect.logWarning(
          `monday.com refused ${caps.refused} member changes in one PATCH as too large and accepted ${size}; ` +
            `the sink now sends at most ${size} per PATCH. Set limits.maxMembersPerPatch: ${size} in the rule config ` +
            "so plans are made that way."
        ).pipe(Effect.annotateLogs({ memberCap: size, refused: caps.refused }))
      }
      const chunk = caps.accepted ?? (caps.refused === undefined ? undefined : Math.ceil(caps.refused / 2))
      if (chunk === undefined) delete caps.chunk
      else caps.chunk = chunk
    })

  /**
   * Sends a membership PATCH; refused as too large (413, or scimType tooMany), it is sent again as two halves, one
   * after the other, each split the same way: at most 2n - 1 requests for n changes. A single change refused as too
   * large fails with the refusal, and the halves after it are not sent.
   */
  const sendSplitting = (teamId: string, patch: PatchPlan): Effect.Effect<void, SinkError> => {
    const size = patch.add.length + patch.remove.length
    return sendPatch(teamId, patch).pipe(
      Effect.tap(() => (size > 0 ? learn(size, false) : Effect.void)),
      Effect.catchIf(
        (error) => error._tag === "InvalidAttribute" && (error.status === 413 || error.scimType === "tooMany"),
        (error) =>
          size <= 1 || patch.rename !== undefined
            ? Effect.fail(error)
            : Effect.zipRight(
              learn(size, true),
              Effect.forEach(chunks(patch, Math.ceil(size / 2)), (half) => sendSplitting(teamId, half), {
                discard: true
              })
            )
      )
    )
  }

  return {
    nameGuard: reader.nameGuard,

    createTeam: (displayName, members, guard) =>
      Effect.gen(function*() {
        yield* guard.claim(displayName)
        const created = yield* client.json(
          {
            method: "POST",
            path: "/Groups",
            body: newGroup(displayName, members),
            // The guard saw no such team, so one found now is the one this POST created before its answer was lost.
            recover: Effect.map(reader.findTeamsByName(displayName), (found) =>
              found.length > 0 ? Option.some(found[0]) : Option.none())
          },
          CreatedGroup
        ).pipe(
          Effect.catchAll((error) => explainRefusal(error, members)),
          Effect.tapError(() => guard.release(displayName))
        )
        yield* guard.created(displayName, created.id)
        return created.id
      }).pipe(Effect.withSpan("MondaySink.createTeam", { attributes: { displayName } })),

    patchTeam: (teamId, patch) => {
      const changes = patch.add.length + patch.remove.length
      if (changes <= 1 || caps.chunk === undefined || changes <= caps.chunk) return sendSplitting(teamId, patch)
      // A cap learnt from an earlier 413: send in chunks of it from the start.
      return Effect.forEach(chunks(patch, caps.chunk), (chunk) => sendSplitting(teamId, chunk), { discard: true })
    },

    deleteTeam: (teamId) =>
      client.send({ method: "DELETE", path: `/Groups/${encodeURIComponent(teamId)}`, teamId }).pipe(
        Effect.catchTag("TeamNotFound", () => Effect.void),
        Effect.withSpan("MondaySink.deleteTeam", { attributes: { teamId } })
      ),

    createUser: (op) => {
      // An active user found by userName is this POST's user (its answer was lost) or one a crashed
      // run created: adopted, never created twice. A deactivated one is not ours to take over.
      const adopt = Effect.map(reader.findUserByName(op.userName), Option.filter((user) => user.active))
      return client.json({ method: "POST", path: "/Users", body: newUser(op), recover: adopt }, ScimUser).pipe(
        Effect.catchTag("Conflict", (conflict) =>
          Effect.flatMap(adopt, (found) => (Option.isSome(found) ? Effect.succeed(found.value) : Effect.fail(conflict)))),
        Effect.map((user) => user.id),
        Effect.withSpan("MondaySink.createUser", { attributes: { userName: op.userName } })
      )
    },

    stats: Effect.sync(() => ({ patchSplits: splits, ...(caps.accepted !== undefined ? { memberCap: caps.accepted } : {}) })),

    patchUser: (userId, userName, value) => {
      const endpoint = `PATCH /Users/${userId}`
      const withDetail = (detail: string | undefined) => (detail ? { detail } : {})
      // What monday.com never lets SCIM do to the admin who owns the token: deactivate or demote them.
      const touchesOwnerRights = value.active === false || "userType" in value
      return client.send({
        method: "PATCH",
        path: `/Users/${encodeURIComponent(userId)}`,
        userId,
        body: PatchOp.make([{ op: "replace", value }]),
        // Its answer lost, the replace may have taken: when the user already shows every value, it's done.
        recover: Effect.map(
          reader.getUser(userId),
          (user) => Option.isSome(user) && showsReplace(user.value, value) ? Option.some(undefined) : Option.none()
        )
      }).pipe(
        Effect.catchTags({
          // SCIM already answered for this account, so a 403 on a deactivation or a userType change is
          // monday.com protecting the token owner.
          NotEnterprise: (e): Effect.Effect<never, SinkError> =>
            Effect.fail(
              touchesOwnerRights ? new TokenOwnerProtected({ endpoint, userName, ...withDetail(e.detail) }) : e
            ),
          // The one reason monday.com gives for refusing a deactivation with a 400: the user was not made
          // through SCIM (a mutability refusal; some answers carry no scimType).
          InvalidAttribute: (e): Effect.Effect<never, SinkError> =>
            Effect.fail(
              value.active === false && e.status === 400 && (e.scimType === "mutability" || e.scimType === undefined)
                ? new UserNotScimProvisioned({ endpoint, userName, ...withDetail(e.detail) })
                : e
            )
        }),
        Effect.withSpan("MondaySink.patchUser", { attributes: { userId } })
      )
    }
  }
}

const makeRecordingWriter = (
  log: Ref.Ref<ReadonlyArray<RecordedRequest>>,
  nameGuard: TeamWriter["nameGuard"]
): TeamWriter => {
  let created = 0
  let createdUsers = 0
  const record = (request: RecordedRequest) => Ref.update(log, (requests) => [...requests, request])
  return {
    nameGuard,
    createTeam: (displayName, members, guard) =>
      Effect.gen(function*() {
        yield* guard.claim(displayName)
        yield* record({ method: "POST", path: "/Groups", body: newGroup(displayName, members) })
        created++
        yield* guard.created(displayName, `dry-run-${created}`)
        return `dry-run-${created}`
      }),
    patchTeam: (teamId, patch) =>
      record({ method: "PATCH", path: `/Groups/${encodeURIComponent(teamId)}`, body: PatchOp.make(patch.operations) }),
    deleteTeam: (teamId) => record({ method: "DELETE", path: `/Groups/${encodeURIComponent(teamId)}` }),
    createUser: (op) =>
      Effect.gen(function*() {
        yield* record({ method: "POST", path: "/Users", body: newUser(op) })
        createdUsers++
        return `dry-run-user-${createdUsers}`
      }),
    patchUser: (userId, _userName, value) =>
      record({ method: "PATCH", path: `/Users/${encodeURIComponent(userId)}`, body: PatchOp.make([{ op: "replace", value }]) })
  }
}

const makeDryRunLog = (log: Ref.Ref<ReadonlyArray<RecordedRequest>>) =>
  DryRunLog.of({ requests: Ref.get(log), clear: Ref.set(log, []) })

// ---------------------------------------------------------------------------------------------
// Constructors
// ---------------------------------------------------------------------------------------------

const DEFAULT_CONCURRENCY = 4
const DEFAULT_PAGE_SIZE = 100

const clientOptions = (config: MondaySinkConfig): ScimClient.Options => ({
  scimUrl: config.scimUrl,
  token: config.token,
  ...(config.retry ? { retry: config.retry } : {}),
  ...(config.requestTimeout !== undefined ? { requestTimeout: config.requestTimeout } : {}),
  ...(config.transformClient ? { transformClient: config.transformClient } : {})
})

/** The live sink from a SCIM client. */
export const fromClient = (client: ScimClient.Service, config?: Pick<MondaySinkConfig, "concurrency" | "pageSize">) =>
  makeLive(client, config).sink

const makeLive = (client: ScimClient.Service, config?: Pick<MondaySinkConfig, "concurrency" | "pageSize">) => {
  const concurrency = Math.max(1, config?.concurrency ?? DEFAULT_CONCURRENCY)
  const reader = makeReader(client, Math.max(1, config?.pageSize ?? DEFAULT_PAGE_SIZE), concurrency)
  const writer = makeLiveWriter(client, reader)
  const sink = MondaySink.of({
    readTarget: reader.readTarget,
    apply: (plan, options) => applyPlan(writer, plan, options, concurrency).pipe(Effect.withSpan("MondaySink.apply")),
    testConnection: reader.testConnection,
    stats: Effect.zipWith(client.stats, writer.stats, (client, writer): Stats => ({
      ...client,
      ...writer,
      ...(reader.guardMode() !== undefined ? { guard: reader.guardMode()! } : {})
    }))
  })
  return { sink, reader }
}

export const make = (
  config: MondaySinkConfig
): Effect.Effect<Service, ConfigError.ConfigError, HttpClient.HttpClient> =>
  Effect.map(ScimClient.make(clientOptions(config)), (client) => fromClient(client, config))

const layerDryRun = (options?: { readonly target?: Domain.TargetSnapshot }) =>
  Layer.effectContext(Effect.gen(function*() {
    const target = options?.target ?? new Domain.TargetSnapshot({ users: [], teams: [] })
    const log = yield* Ref.make<ReadonlyArray<RecordedRequest>>([])
    // The target snapshot plays the account: names are looked up in it, for free.
    const teams = target.teams.map((team) => ({ id: team.id as string, displayName: team.displayName }))
    const names: NameGuard.NameSource = {
      byName: (displayName) =>
        Effect.succeed(teams.filter((team) => team.displayName.toLowerCase() === displayName.toLowerCase())),
      list: () => Effect.succeed(teams),
      knownPages: () => 1
    }
    const writer = makeRecordingWriter(log, (displayNames) => NameGuard.make(names, displayNames))
    const sink = MondaySink.of({
      readTarget: () => Effect.succeed({ snapshot: target, warnings: [] }),
      apply: (plan, applyOptions) => applyPlan(writer, plan, applyOptions, DEFAULT_CONCURRENCY),
      testConnection: Effect.succeed({
        reachable: true,
        enterprise: true,
        scimUrl: "dry-run",
        users: target.users.length,
        dryRun: true
      }),
      stats: Effect.succeed<Stats>({ ...ScimClient.emptyStats, patchSplits: 0 })
    })
    return Context.make(MondaySink, sink).pipe(Context.add(DryRunLog, makeDryRunLog(log)))
  }))

const layerDryRunReading = (config: MondaySinkConfig) =>
  Layer.effectContext(Effect.gen(function*() {
    const client = yield* ScimClient.make(clientOptions(config))
    const { reader, sink: live } = makeLive(client, config)
    const log = yield* Ref.make<ReadonlyArray<RecordedRequest>>([])
    const writer = makeRecordingWriter(log, reader.nameGuard)
    const sink = MondaySink.of({
      ...live,
      apply: (plan, options) => applyPlan(writer, plan, options, config.concurrency ?? DEFAULT_CONCURRENCY)
    })
    return Context.make(MondaySink, sink).pipe(Context.add(DryRunLog, makeDryRunLog(log)))
  }))
