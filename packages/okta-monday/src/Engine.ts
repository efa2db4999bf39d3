/**
 * The engine: one sync as data. Okta → source snapshot, monday.com → target snapshot, the links
 * from the state store → mapping-core's plan → the sink applies it, journaled → new links saved.
 * Also the saved-plan path (applied exactly as previewed, refused if monday.com moved), the
 * preflight report, and resuming an apply a crash interrupted.
 */
import { Clock, Context, Data, Effect, Fiber, Layer, Option, Redacted } from "effect"
import * as Crypto from "node:crypto"
import { Domain, Plan, PlanFile, Planner, RuleConfig } from "@okta-monday/mapping-core"
import { MondaySink } from "@okta-monday/monday-scim-sink"
import { OktaSource } from "@okta-monday/okta-source"
import type { SourceWarning } from "@okta-monday/okta-source"
import { StateStore } from "./state/StateStore.js"
import type { LinksChange, RunKind, TokenOwner } from "./state/StateStore.js"

/** The saved plan was computed against a monday.com that has changed since: plan again. */
export class TargetChanged extends Data.TaggedError("TargetChanged")<{
  readonly expected: string
  readonly actual: string
}> {
  override get message(): string {
    return "monday.com changed since this plan was made (its fingerprint no longer matches), so it can't be applied " +
      "exactly as previewed. Run `okta-monday plan` again and review the new plan."
  }
}

/** Everything one plan is computed from, and what reading it said. */
export interface SyncInput {
  readonly input: Planner.PlanInput
  readonly warnings: ReadonlyArray<Plan.Warning>
  /** The SCIM token's owner as the state store remembers it (then `input.rules` protects them). */
  readonly tokenOwner?: TokenOwner | undefined
  /**
   * When Okta's read began, by Okta's clock (`OktaSource`'s `startedAt`): System Log events published
   * before it are already in `input.source`, so a feed applied to it may drop them when they arrive late.
   */
  readonly sourceReadAt?: Date | undefined
}

export interface PlanReport extends SyncInput {
  readonly plan: Plan.Plan
  /** Blockers this plan would hold but for an approval; applying the plan spends those approvals. */
  readonly released: ReadonlyArray<Plan.Blocker>
  /** The readable diff, emails instead of ids. */
  readonly rendered: string
}

export interface ApplyReport {
  readonly runId: string | undefined
  readonly plan: Plan.Plan
  readonly outcomes: ReadonlyArray<Plan.OperationOutcome>
  readonly status: "nothing-to-do" | "succeeded" | "partial" | "failed"
  /** Keys whose operations are held back because they failed repeatedly and are backed off. */
  readonly backedOff: ReadonlyArray<string>
  /** The SCIM token's owner, when monday.com refusing an operation on them showed it in this apply. */
  readonly tokenOwner?: TokenOwner | undefined
  readonly links: Domain.Links
  readonly target: Domain.TargetSnapshot
}

export interface ApplyOptions {
  /** Advance the System Log cursor to this when the apply finishes (a delta run consumed events up to it). */
  readonly cursor?: string | undefined
  /** Blockers approvals released in the plan (see `PlanReport.released`): their approvals are spent. */
  readonly released?: ReadonlyArray<Plan.Blocker> | undefined
  /**
   * Folds the apply into a planner the caller keeps (`Planner.commit` of the planner that made the
   * plan) and gives the links and monday.com after it, instead of reconciling the whole input
   * (O(org)): the daemon's delta cycle. Called once, with the outcomes recorded when the apply ends
   * or is stopped; `sync.input` then serves only to name users in messages.
   */
  readonly commit?: ((plan: Plan.Plan, outcomes: ReadonlyArray<Plan.OperationOutcome>) => Planner.Committed) | undefined
}

export interface CheckReport {
  readonly teams: ReadonlyArray<Planner.TeamPreflight>
  readonly warnings: ReadonlyArray<Plan.Warning>
}

export interface EngineOptions {
  readonly rules: RuleConfig.RuleConfig
  /** Failures in a row after which a team's operations are held back until its back-off is due. */
  readonly backoffAfterFailures?: number
  /**
   * Identifies the monday.com SCIM token in use (`tokenIdOf`), so the token owner remembered for
   * another token is not protected any more once the token changes.
   */
  readonly mondayTokenId?: string | undefined
}

/** A short hash naming a token without revealing it (64 bits of SHA-256). */
export const tokenIdOf = (token: Redacted.Redacted): string =>
  Crypto.createHash("sha256").update(Redacted.value(token) as string).digest("hex").slice(0, 16)

/**
 * The rules with the SCIM token's owner among `users.protect`: the planner then neither
 * deactivates nor demotes them (monday.com refuses both), and reports why.
 */
export const protectTokenOwner = (rules: RuleConfig.RuleConfig, owner: TokenOwner | undefined): RuleConfig.RuleConfig => {
  const users = rules.users
  if (owner === undefined || users === undefined) return rules
  const name = owner.userName.toLowerCase()
  if (users.protect.some((e) => e.trim().toLowerCase() === name)) return rules
  return { ...rules, users: { ...users, protect: [...users.protect, owner.userName] } }
}

/**
 * The plan's skipped deactivation of the token owner says so, unless the config protects them
 * anyway (`configured` are the rules as written, without `protectTokenOwner`).
 */
export const markTokenOwner = (
  plan: Plan.Plan,
  owner: TokenOwner | undefined,
  configured: RuleConfig.RuleConfig
): Plan.Plan => {
  if (owner === undefined) return plan
  const name = owner.userName.toLowerCase()
  if ((configured.users?.protect ?? []).some((e) => e.trim().toLowerCase() === name)) return plan
  let marked = false
  const warnings = plan.warnings.map((w): Plan.Warning => {
    if (
      w._tag !== "DeactivationSkipped" || w.because !== "protected" ||
      (w.mondayUserId !== owner.mondayUserId && w.userName.toLowerCase() !== name)
    ) return w
    marked = true
    return { ...w, because: "token-owner" }
  })
  return marked ? new Plan.Plan({ ...plan, warnings }) : plan
}

/** The user monday.com refused to deactivate or demote because they own the SCIM token, if any. */
export const tokenOwnerRefused = (
  plan: Plan.Plan,
  outcomes: ReadonlyArray<Plan.OperationOutcome>
): { readonly mondayUserId: string; readonly userName: string } | undefined => {
  for (const o of outcomes) {
    if (o.status !== "failed" || o.error?.tag !== "TokenOwnerProtected") continue
    const op = plan.operations[o.index]
    if (op?._tag === "DeactivateUser" || op?._tag === "UpdateUser") return { mondayUserId: op.mondayUserId, userName: op.userName }
  }
  return undefined
}

/** A person-readable line for what Okta's answer made suspicious. */
export const sourceWarningText = (w: SourceWarning): string => {
  switch (w._tag) {
    case "EmptyGroupAnswer":
      return `Okta lists no members for group "${w.groupName}" (${w.groupId}), which had ${w.previousMembers}: ` +
        "if the API token lacks an admin role Okta answers empty lists; removals from its team are held"
    case "EmptyAssignmentsAnswer":
      return `Okta lists no users assigned to the monday.com app, though ${w.previousAssignments} were: check the token's rights`
    case "GroupMissingFromListing":
      return `group "${w.groupName}" (${w.groupId}) was missing from Okta's listing but still exists`
  }
}

const randomId = () => globalThis.crypto.randomUUID()

/** The team or user keys whose operations a blocker holds back. */
const heldKeys = (b: Plan.Blocker): ReadonlyArray<string> => b._tag === "RunRemovalLimit" ? b.keys : [b.key]

/** The blockers of a plan made without approvals that these approvals release. */
export const releasedBy = (unapproved: Plan.Plan, approvals: ReadonlyArray<string>): Array<Plan.Blocker> => {
  const ids = new Set(approvals)
  return unapproved.blockers.filter((b) => ids.has(b.id))
}

/**
 * The approvals a plan acts on: those that released a blocker whose teams or users have operations
 * in it. Applying the plan spends them, so an identical blocker later (the same removals again, a
 * blocker id being a hash of what it holds) is held for a new review instead of passing silently.
 */
export const approvalsActedOn = (released: ReadonlyArray<Plan.Blocker>, plan: Plan.Plan): Array<string> => {
  const keys = new Set(plan.operations.map((op) => op.key))
  return released.filter((b) => heldKeys(b).some((k) => keys.has(k))).map((b) => b.id)
}

/** The change that turns `before` into `after`, touching only the teams and users that differ. */
export const linksChange = (before: Domain.Links, after: Domain.Links): LinksChange => {
  const oldTeams = new Map(before.teams.map((t) => [t.teamId, t]))
  const newTeams = new Map(after.teams.map((t) => [t.teamId, t]))
  const sameTeam = (a: Domain.TeamLink, b: Domain.TeamLink) =>
    a.displayName === b.displayName && a.origin === b.origin && sameSet(a.groupIds, b.groupIds) &&
    sameSet(a.managedMembers, b.managedMembers) && sameCounts(a.groupMembers, b.groupMembers)
  const oldUsers = new Map(before.users.map((u) => [u.oktaUserId, u]))
  const newUsers = new Map(after.users.map((u) => [u.oktaUserId, u]))
  return {
    teams: after.teams.filter((t) => {
      const o = oldTeams.get(t.teamId)
      return o === undefined || !sameTeam(o, t)
    }),
    removeTeams: before.teams.filter((t) => !newTeams.has(t.teamId)).map((t) => t.teamId),
    users: after.users.filter((u) => {
      const o = oldUsers.get(u.oktaUserId)
      return o === undefined || o.mondayUserId !== u.mondayUserId || o.email !== u.email
    }),
    removeUsers: before.users.filter((u) => !newUsers.has(u.oktaUserId)).map((u) => u.oktaUserId)
  }
}

/** Equal per-group member counts (the empty-group guard's memory); absent equals only absent. */
const sameCounts = (a: Domain.TeamLink["groupMembers"], b: Domain.TeamLink["groupMembers"]) => {
  if (a === undefined || b === undefined) return a === b
  const keys = Object.keys(a)
  return keys.length === Object.keys(b).length && keys.every((k) => a[k] === b[k])
}

const sameSet = (a: ReadonlyArray<string>, b: ReadonlyArray<string>) => {
  if (a.length !== b.length) return false
  const s = new Set(a)
  return b.every((x) => s.has(x))
}

export const isEmptyChange = (c: LinksChange) =>
  (c.teams?.length ?? 0) + (c.removeTeams?.length ?? 0) + (c.users?.length ?? 0) + (c.removeUsers?.length ?? 0) === 0

/** The links after an apply, with the user links the planner matched. */
const linksAfter = (input: Planner.PlanInput, plan: Plan.Plan, outcomes: ReadonlyArray<Plan.OperationOutcome>) =>
  Planner.reconcileLinks(input, plan, outcomes)

/** monday.com as it is after the operations that were done (for the daemon's in-memory target). */
export const targetAfter: (
  target: Domain.TargetSnapshot,
  plan: Plan.Plan,
  outcomes: ReadonlyArray<Plan.OperationOutcome>
) => Domain.TargetSnapshot = Planner.appliedTarget

/**
 * The source with every app-assigned user added (group members are there already): the user
 * lifecycle provisions and deactivates by assignment, whatever the groups.
 */
export const withAppUsers = (
  source: Domain.SourceSnapshot,
  users: ReadonlyArray<Domain.OktaUser>,
  assignments: ReadonlyArray<Domain.AppAssignment>
): Domain.SourceSnapshot => {
  const have = new Set(source.users.map((u) => u.id as string))
  const extra = users.filter((u) => !have.has(u.id))
  // Both listings read the same endpoint; the later one (with users) wins when they differ.
  return new Domain.SourceSnapshot({ ...source, users: [...source.users, ...extra], assignments })
}

/** The prefix of a user operation's key (`user:<id>`); every other key names a team. */
const USER_KEY = "user:"

export const isUserKey = (key: string): boolean => key.startsWith(USER_KEY)

/** A plan key as a person reads it: `team "Sales"`, or `user ann@example.com` for a user's operations. */
export const describeKey = (key: string, plan: Plan.Plan, input: Planner.PlanInput): string => {
  if (!isUserKey(key)) return `team "${key}"`
  const id = key.slice(USER_KEY.length)
  const op = plan.operations.find((o) => o.key === key && "userName" in o)
  const name = (op !== undefined && "userName" in op ? op.userName : undefined) ??
    input.source.users.find((u) => u.id === id)?.email ??
    // Users no Okta record explains are keyed by their monday.com id.
    input.target.users.find((u) => u.id === id)?.userName
  return `user ${name ?? id}`
}

/** Emails for the readable diff. */
export const namesOf = (input: Planner.PlanInput): PlanFile.Names => {
  const monday = new Map(input.target.users.map((u) => [u.id as string, u.userName]))
  const okta = new Map(input.source.users.map((u) => [u.id as string, u.email]))
  return { mondayUser: (id) => monday.get(id), oktaUser: (id) => okta.get(id) }
}

export const make = (options: EngineOptions) =>
  Effect.gen(function*() {
    const okta = yield* OktaSource
    const sink = yield* MondaySink.MondaySink
    const store = yield* StateStore
    const rules = options.rules
    const backoffAfter = options.backoffAfterFailures ?? 3

    const now = Clock.currentTimeMillis.pipe(Effect.map((ms) => new Date(ms)))

    /** The token owner remembered for this token (one remembered for another token no longer applies). */
    const tokenOwner = store.tokenOwner.get.pipe(
      Effect.map(Option.filter((o) =>
        o.tokenId === undefined || options.mondayTokenId === undefined || o.tokenId === options.mondayTokenId
      )),
      Effect.map(Option.getOrUndefined)
    )

    /** Reads Okta (the selected groups and every linked one), monday.com and the links. */
    const read = Effect.fn("Engine.read")(function*() {
      const links = yield* store.loadLinks
      const linkedGroupIds = Array.from(new Set(links.teams.flatMap((t) => t.groupIds)))
      const lifecycle = RuleConfig.usersEnabled(rules)
      const [source, target, appUsers] = yield* Effect.all(
        [
          okta.readSource(rules, { linkedGroupIds }),
          // Deactivating needs to know which users monday.com lets SCIM deactivate.
          sink.readTarget({ lastApplied: links, scimProvisioned: rules.users?.deactivate === true }),
          // User lifecycle covers everyone assigned to the app, not only members of mapped groups.
          lifecycle ? Effect.map(okta.readAppUsers, Option.some) : Effect.succeedNone
        ],
        { concurrency: 3 }
      )
      const warnings: Array<Plan.Warning> = [
        ...source.warnings.map((w): Plan.Warning => ({ _tag: "Message", message: sourceWarningText(w) })),
        ...target.warnings
      ]
      let snapshot = Option.match(appUsers, {
        onNone: () => source.snapshot,
        onSome: (app) => withAppUsers(source.snapshot, app.users, app.assignments)
      })
      if (rules.users?.deactivate === true) {
        // Active monday.com users neither linked nor matched by email may still be Okta users who
        // are not assigned (any more): look them up by email so they count as unassigned, not unexplained.
        const linked = new Set(links.users.map((l) => l.mondayUserId as string))
        const known = new Set(snapshot.users.map((u) => u.email.toLowerCase()))
        const emails = target.snapshot.users
          .filter((u) => u.active && !linked.has(u.id) && !known.has(u.userName.toLowerCase()))
          .map((u) => u.userName)
        if (emails.length > 0) {
          const found = yield* okta.findUsers({ emails })
          snapshot = withAppUsers(snapshot, found, snapshot.assignments)
        }
      }
      const owner = yield* tokenOwner
      return {
        input: { rules: protectTokenOwner(rules, owner), source: snapshot, target: target.snapshot, links },
        warnings,
        tokenOwner: owner,
        sourceReadAt: source.startedAt
      } satisfies SyncInput
    })

    const approvalIds = store.approvals.list.pipe(Effect.map((list) => list.map((a) => a.blockerId)))

    const planFrom = (sync: SyncInput) =>
      Effect.gen(function*() {
        const approvals = yield* approvalIds
        const planner = Planner.make(sync.input)
        const plan = markTokenOwner(planner.planAll({ approvals }), sync.tokenOwner, rules)
        // Which approvals this plan uses: what it would hold without them (planned only when there are any).
        const released = approvals.length === 0 ? [] : releasedBy(planner.planAll(), approvals)
        return { ...sync, plan, released, rendered: PlanFile.renderPlan(plan, namesOf(sync.input)) } satisfies PlanReport
      })

    /**
     * An apply a crash interrupted: fold what is known to have happened into the links. A
     * CreateTeam with no recorded outcome may have reached monday.com: if a team of that name now
     * exists and no link claims it, it is the one we created, so it is linked rather than refused
     * as someone else's team.
     */
    const resume = Effect.fn("Engine.resume")(function*(sync: SyncInput) {
      const unfinished = yield* store.unfinishedApply
      if (Option.isNone(unfinished)) return sync
      const u = unfinished.value
      yield* Effect.logWarning(`resuming run ${u.runId}: it was interrupted after ${u.outcomes.length} of ${u.plan.operations.length} operations`)
      const recorded = new Map(u.outcomes.map((o) => [o.index, o]))
      const linked = new Set(sync.input.links.teams.map((t) => t.teamId as string))
      const byName = new Map(sync.input.target.teams.filter((t) => !linked.has(t.id)).map((t) => [t.displayName, t]))
      const outcomes: Array<Plan.OperationOutcome> = [...u.outcomes]
      u.plan.operations.forEach((op, index) => {
        if (op._tag !== "CreateTeam" || recorded.has(index)) return
        const team = byName.get(op.displayName)
        if (team !== undefined) outcomes.push({ index, key: op.key, status: "done", teamId: team.id })
      })
      const links = linksAfter(sync.input, u.plan, outcomes)
      yield* store.finishApply(u.runId, { status: "interrupted", message: "resumed after a restart" }, linksChange(sync.input.links, links))
      return { ...sync, input: { ...sync.input, links } }
    })

    /** Holds back the operations of teams (and users) that keep failing, until their back-off is due. */
    const withoutBackedOff = (plan: Plan.Plan, input: Planner.PlanInput) =>
      Effect.gen(function*() {
        const entries = yield* store.backoff.list
        const t = yield* now
        const held = new Set(
          entries.filter((e) => e.failures >= backoffAfter && e.nextAttemptAt.getTime() > t.getTime()).map((e) => e.key)
        )
        if (held.size === 0) return { plan, held: [] as Array<string> }
        const operations = plan.operations.filter((op) => !held.has(op.key))
        const warnings: Array<Plan.Warning> = [
          ...plan.warnings,
          ...Array.from(held, (key): Plan.Warning => ({
            _tag: "Message",
            message: `${describeKey(key, plan, input)} failed ${backoffAfter}+ times in a row; its changes wait for its back-off`
          }))
        ]
        return { plan: new Plan.Plan({ ...plan, operations, warnings }), held: Array.from(held).sort() }
      })

    /** Applies a plan computed from `sync`, journaled, and saves what it produced. */
    const applyPlan = Effect.fn("Engine.apply")(function*(
      sync: SyncInput,
      planned: Plan.Plan,
      kind: RunKind,
      applyOptions: ApplyOptions = {}
    ) {
      const { cursor, released = [] } = applyOptions
      const { plan, held } = kind === "saved-plan" ? { plan: planned, held: [] } : yield* withoutBackedOff(planned, sync.input)
      /** The links and monday.com after the apply, and the change of the links to save. */
      const after = (outcomes: ReadonlyArray<Plan.OperationOutcome>): {
        readonly links: Domain.Links
        readonly change: LinksChange
        readonly target: () => Domain.TargetSnapshot
      } => {
        if (applyOptions.commit !== undefined) {
          const committed = applyOptions.commit(plan, outcomes)
          return { ...committed, target: () => committed.target }
        }
        const links = linksAfter(sync.input, plan, outcomes)
        return {
          links,
          change: linksChange(sync.input.links, links),
          target: () => outcomes.length === 0 ? sync.input.target : targetAfter(sync.input.target, plan, outcomes)
        }
      }
      yield* store.blocked.set(plan.blockers)
      if (plan.operations.length === 0) {
        const { change, links, target } = after([])
        if (!isEmptyChange(change)) yield* store.saveLinks(change)
        if (cursor !== undefined) yield* store.setCursor(cursor)
        const report: ApplyReport = {
          runId: undefined,
          plan,
          outcomes: [],
          status: "nothing-to-do",
          backedOff: held,
          links,
          target: target()
        }
        return report
      }
      const runId = randomId()
      const { links, outcomes, status, target } = yield* Effect.uninterruptibleMask((restore) =>
        Effect.gen(function*() {
          yield* store.beginApply({ runId, kind, plan, consumeApprovals: approvalsActedOn(released, plan) })
          // Each operation runs with its journal entry uninterruptibly, so every operation is either
          // done and recorded or known not to have been sent. A shutdown waits for the ones in
          // flight only: it stops the apply between operations (the sink's fibers see `stopping`
          // once they have recorded an outcome) and the run is closed with what was done.
          const recorded: Array<Plan.OperationOutcome> = []
          let stopping = false
          const applying = yield* Effect.fork(sink.apply(plan, {
            onOutcome: (o) =>
              store.recordOutcome(runId, o).pipe(
                Effect.orDie,
                Effect.zipRight(Effect.suspend(() => {
                  recorded.push(o)
                  return stopping ? Effect.interrupt : Effect.void
                }))
              )
          }))
          const outcomes = yield* restore(Fiber.join(applying)).pipe(
            Effect.onInterrupt(() =>
              Effect.gen(function*() {
                stopping = true
                yield* Fiber.await(applying)
                yield* store.finishApply(
                  runId,
                  {
                    status: "interrupted",
                    message: `stopped by a shutdown after ${recorded.length} of ${plan.operations.length} operations`
                  },
                  after(recorded).change
                ).pipe(
                  // Left open, the run is resumed by the next start.
                  Effect.catchAll((e) => Effect.logWarning(`could not close run ${runId} on shutdown: ${e.message}`))
                )
                yield* Effect.logInfo(`apply stopped by a shutdown after ${recorded.length} of ${plan.operations.length} operations`)
              })
            )
          )
          const { change, links, target } = after(outcomes)
          const failed = outcomes.filter((o) => o.status !== "done").length
          const status = failed === 0 ? "succeeded" as const : failed === outcomes.length ? "failed" as const : "partial" as const
          yield* store.finishApply(
            runId,
            { status, ...(failed > 0 ? { message: `${failed} of ${outcomes.length} operations did not succeed` } : {}) },
            change,
            cursor === undefined ? undefined : { cursor }
          )
          return { links, outcomes, status, target }
        })
      )
      const t = yield* now
      // The token owner is remembered and protected from the next plan on, instead of being
      // deactivated or demoted (and refused) again every cycle.
      const refused = tokenOwnerRefused(plan, outcomes)
      const owner = refused === undefined ? undefined : {
        ...refused,
        ...(options.mondayTokenId !== undefined ? { tokenId: options.mondayTokenId } : {}),
        detectedAt: t
      }
      if (owner !== undefined) {
        yield* store.tokenOwner.set(owner)
        yield* Effect.logWarning(
          `monday.com refused to deactivate or demote ${owner.userName}: they own the SCIM token. ` +
            "The engine leaves them alone from now on; to deactivate them, configure a SCIM token another admin generated."
        )
      }
      // Only failures the team itself causes count towards its back-off: a transient error (429,
      // 5xx) is the server's, a team deleted by hand (TeamNotFound) is repaired by the next full
      // sync, which must not then be held back, and the token owner is protected from now on.
      const failedKeys = new Set(outcomes.filter((o) => o.status === "failed").map((o) => o.key))
      for (const key of failedKeys) {
        const error = outcomes.find((o) => o.key === key && o.error !== undefined)?.error
        if (error === undefined || error.retryable || error.tag === "TeamNotFound" || error.tag === "TokenOwnerProtected") continue
        yield* store.backoff.recordFailure(key, t, error.message)
      }
      for (const key of new Set(outcomes.filter((o) => o.status === "done").map((o) => o.key))) {
        if (!failedKeys.has(key)) yield* store.backoff.recordSuccess(key)
      }
      const report: ApplyReport = {
        runId,
        plan,
        outcomes,
        status,
        backedOff: held,
        ...(owner !== undefined ? { tokenOwner: owner } : {}),
        links,
        target: target()
      }
      return report
    })

    const readResumed = read().pipe(Effect.flatMap(resume))

    return {
      read: readResumed,
      check: readResumed.pipe(
        Effect.map((sync): CheckReport => ({ teams: Planner.preflight(sync.input), warnings: sync.warnings }))
      ),
      plan: readResumed.pipe(Effect.flatMap(planFrom)),
      /** A full cycle: read both sides, plan, apply. Repairs edits made by hand in monday.com. */
      sync: Effect.gen(function*() {
        const report = yield* readResumed.pipe(Effect.flatMap(planFrom))
        const applied = yield* applyPlan(report, report.plan, "full", { released: report.released })
        return { ...applied, input: report.input, warnings: report.warnings }
      }).pipe(Effect.withSpan("Engine.sync")),
      /** Applies a reviewed plan (from `plan`) as it is. */
      applyReport: (report: PlanReport, kind: RunKind = "full", cursor?: string) =>
        applyPlan(report, report.plan, kind, { cursor, released: report.released }),
      /** Applies a saved plan exactly as previewed, refusing if monday.com changed since. */
      applySaved: Effect.fn("Engine.applySaved")(function*(plan: Plan.Plan) {
        const sync = yield* readResumed
        const actual = PlanFile.targetFingerprint(sync.input.target)
        if (actual !== plan.targetFingerprint) {
          return yield* new TargetChanged({ expected: plan.targetFingerprint, actual })
        }
        const approvals = yield* approvalIds
        const released = approvals.length === 0 ? [] : releasedBy(Planner.plan(sync.input), approvals)
        return yield* applyPlan(sync, plan, "saved-plan", { released })
      }),
      /** Applies a plan computed by the caller from an input it holds (the daemon's delta path). */
      applyPlanned: applyPlan,
      approve: (ids: ReadonlyArray<string>, by?: string) =>
        Effect.forEach(ids, (id) => store.approvals.add(id, by), { discard: true }),
      rules
    }
  })

export type EngineService = Effect.Effect.Success<ReturnType<typeof make>>

export class Engine extends Context.Tag("okta-monday/Engine")<Engine, EngineService>() {
  static readonly layer = (options: EngineOptions) => Layer.effect(Engine, make(options))
}
