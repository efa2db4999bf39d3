/**
 * Applying a plan in three phases: user creates, reactivations and updates; then team operations
 * (a team's in plan order, teams concurrently), with `new:<oktaUserId>` placeholders replaced by the
 * created users' ids; then deactivations, after every team removal. One outcome per operation.
 * Independent of HTTP, so the live sink and the dry run share every rule here.
 */
import type { Plan } from "@okta-monday/mapping-core"
import { Domain, Plan as PlanModule } from "@okta-monday/mapping-core"
import { Effect, Either } from "effect"
import * as PatchOp from "../PatchOp.js"
import * as ScimUser from "../ScimUser.js"
import type { SinkError } from "../SinkError.js"
import type { NameGuard } from "./nameGuard.js"

/** What applying needs from monday.com, live or recorded. */
export interface TeamWriter {
  /** The same-name guard for one apply that creates teams of these names (see nameGuard.ts). */
  readonly nameGuard: (displayNames: ReadonlyArray<string>) => Effect.Effect<NameGuard>
  /**
   * Creates a team once `guard` holds its name (monday.com replaces a same-name team on POST);
   * fails with Conflict when a team of that name exists.
   */
  readonly createTeam: (
    displayName: string,
    members: ReadonlyArray<string>,
    guard: NameGuard
  ) => Effect.Effect<string, SinkError>
  readonly patchTeam: (teamId: string, operations: PatchPlan) => Effect.Effect<void, SinkError>
  /** Deleting a team that is already gone succeeds: the plan's end state holds. */
  readonly deleteTeam: (teamId: string) => Effect.Effect<void, SinkError>
  /** Creates a user; the id of the user created (or of the same user found after a lost answer). */
  readonly createUser: (op: Plan.CreateUser) => Effect.Effect<string, SinkError>
  /** One PATCH on a user: a path-less `replace` with these attributes (`active`, names, title, …). */
  readonly patchUser: (
    userId: string,
    userName: string,
    value: Readonly<Record<string, unknown>>
  ) => Effect.Effect<void, SinkError>
}

/** A PATCH to send, with what it means for membership (so a retry can check whether it already took). */
export interface PatchPlan {
  readonly operations: readonly [PatchOp.PatchOperation, ...Array<PatchOp.PatchOperation>]
  readonly add: ReadonlyArray<string>
  readonly remove: ReadonlyArray<string>
  /** The new name, for a rename. */
  readonly rename?: string
}

export interface ApplyOptions {
  /** Teams worked on at once. Default 4. */
  readonly concurrency?: number
  /** Called as each operation finishes, in the order they finish (the engine journals with it). */
  readonly onOutcome?: (outcome: Plan.OperationOutcome) => Effect.Effect<void>
}

type Outcome = Plan.OperationOutcome

/** A plan that can't be applied as written (a PatchMembers with no team id and no create before it). */
const invalidPlan = (message: string) => ({ tag: "InvalidPlan", message, retryable: false })

const toOutcomeError = (error: SinkError) => ({ tag: error._tag, message: error.message, retryable: error.retryable })

/** The phase an operation runs in: users that must exist first, teams, then deactivations. */
const phaseOf = (operation: Plan.Operation): 0 | 1 | 2 => {
  switch (operation._tag) {
    case "CreateUser":
    case "ReactivateUser":
    case "UpdateUser":
      return 0
    case "DeactivateUser":
      return 2
    default:
      return 1
  }
}

export const applyPlan = (
  writer: TeamWriter,
  plan: Plan.Plan,
  options: ApplyOptions | undefined,
  defaultConcurrency: number
): Effect.Effect<ReadonlyArray<Outcome>> =>
  Effect.gen(function*() {
    const phases = [new Map<string, Array<number>>(), new Map<string, Array<number>>(), new Map<string, Array<number>>()]
    plan.operations.forEach((operation, index) => {
      const byKey = phases[phaseOf(operation)]!
      const indices = byKey.get(operation.key)
      if (indices) indices.push(index)
      else byKey.set(operation.key, [index])
    })
    const outcomes: Array<Outcome> = new Array(plan.operations.length)
    const onOutcome = options?.onOutcome
    const guard = yield* writer.nameGuard(
      plan.operations.flatMap((operation) => (operation._tag === "CreateTeam" ? [operation.displayName] : []))
    )
    /** Placeholder → the id of the user its CreateUser made. */
    const createdUsers = new Map<string, string>()

    /** Team members with placeholders replaced; placeholders whose user wasn't created are dropped. */
    const resolveMembers = (ids: ReadonlyArray<string>) => {
      const out: Array<string> = []
      const dropped: Array<Domain.MondayUserId> = []
      for (const id of ids) {
        if (PlanModule.placeholderOktaUserId(id) === undefined) out.push(id)
        else {
          const real = createdUsers.get(id)
          if (real !== undefined) out.push(real)
          else dropped.push(Domain.MondayUserId.make(id))
        }
      }
      return { ids: out, dropped }
    }

    type Result = Either.Either<
      { readonly teamId?: string; readonly userId?: string; readonly dropped?: ReadonlyArray<Domain.MondayUserId> },
      Outcome["error"] & {}
    >

    const runOne = (operation: Plan.Operation, teamId: string | undefined): Effect.Effect<Result> => {
      const sent = <A>(effect: Effect.Effect<A, SinkError>) => Effect.either(Effect.mapError(effect, toOutcomeError))
      const withDropped = (dropped: ReadonlyArray<Domain.MondayUserId>) => (dropped.length > 0 ? { dropped } : {})
      switch (operation._tag) {
        case "CreateTeam": {
          const { dropped, ids } = resolveMembers(operation.members)
          return sent(Effect.map(writer.createTeam(operation.displayName, ids, guard), (id) => ({ teamId: id, ...withDropped(dropped) })))
        }
        case "RenameTeam":
          return sent(
            Effect.as(
              writer.patchTeam(operation.teamId, {
                operations: [PatchOp.replaceDisplayName(operation.to)],
                add: [],
                remove: [],
                rename: operation.to
              }),
              { teamId: operation.teamId }
            )
          )
        case "PatchMembers": {
          const id = operation.teamId ?? teamId
          if (id === undefined) {
            return Effect.succeed(
              Either.left(invalidPlan(`PatchMembers for "${operation.key}" has no team id and no CreateTeam before it`))
            )
          }
          const { dropped, ids: add } = resolveMembers(operation.add)
          const [first, ...rest] = PatchOp.membersChange(add, operation.remove)
          if (first === undefined) return Effect.succeed(Either.right({ teamId: id, ...withDropped(dropped) }))
          const change = { operations: [first, ...rest] as const, add, remove: operation.remove }
          return sent(Effect.as(writer.patchTeam(id, change), { teamId: id, ...withDropped(dropped) }))
        }
        case "DeleteTeam":
          return sent(Effect.as(writer.deleteTeam(operation.teamId), { teamId: operation.teamId }))
        case "CreateUser":
          return sent(
            Effect.map(writer.createUser(operation), (userId) => {
              createdUsers.set(PlanModule.newUserPlaceholder(operation.oktaUserId), userId)
              return { userId }
            })
          )
        case "UpdateUser":
          return sent(Effect.as(writer.patchUser(operation.mondayUserId, operation.userName, userReplaceValue(operation)), {}))
        case "ReactivateUser":
          return sent(Effect.as(writer.patchUser(operation.mondayUserId, operation.userName, { active: true }), {}))
        case "DeactivateUser":
          return sent(Effect.as(writer.patchUser(operation.mondayUserId, operation.userName, { active: false }), {}))
      }
    }

    const runGroup = (indices: ReadonlyArray<number>) =>
      Effect.gen(function*() {
        let teamId: string | undefined
        let failed = false
        for (const index of indices) {
          const operation = plan.operations[index]
          let outcome: Outcome
          if (failed) {
            outcome = { index, key: operation.key, status: "skipped" }
          } else {
            const result = yield* runOne(operation, teamId)
            if (Either.isRight(result)) {
              const r = result.right
              if (operation._tag === "CreateTeam") teamId = r.teamId
              outcome = {
                index,
                key: operation.key,
                status: "done",
                ...(operation._tag === "CreateTeam" && r.teamId !== undefined
                  ? { teamId: Domain.MondayTeamId.make(r.teamId) }
                  : {}),
                ...(r.userId !== undefined ? { userId: Domain.MondayUserId.make(r.userId) } : {}),
                ...(r.dropped !== undefined ? { droppedMembers: r.dropped } : {})
              }
            } else {
              failed = true
              outcome = { index, key: operation.key, status: "failed", error: result.left }
            }
          }
          outcomes[index] = outcome
          if (onOutcome) yield* onOutcome(outcome)
        }
      })

    const concurrency = Math.max(1, options?.concurrency ?? defaultConcurrency)
    for (const byKey of phases) {
      if (byKey.size > 0) yield* Effect.forEach(byKey.values(), runGroup, { concurrency, discard: true })
    }
    return outcomes
  })

/** The path-less `replace` value of an UpdateUser (see ScimUser.userReplaceValue). */
const userReplaceValue = (op: Plan.UpdateUser) => ScimUser.userReplaceValue(op)
