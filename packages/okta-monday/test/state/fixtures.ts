/**
 * Builders for the values the state store keeps: links, plans, outcomes and blockers, sized from
 * a handful up to 1,000 teams × 200 members.
 */
import {
  MondayTeamId,
  MondayUserId,
  OktaGroupId,
  OktaUserId,
  TeamLink,
  UserLink
} from "@okta-monday/mapping-core/Domain"
import type { Blocker, OperationOutcome } from "@okta-monday/mapping-core/Plan"
import { Plan } from "@okta-monday/mapping-core/Plan"

export const teamId = (i: number) => MondayTeamId.make(`team-${i}`)
export const userId = (i: number) => MondayUserId.make(`mu-${i}`)
export const oktaUserId = (i: number) => OktaUserId.make(`00u${i}`)
export const groupId = (i: number) => OktaGroupId.make(`00g${i}`)

export const team = (i: number, members: number, options: { name?: string; offset?: number } = {}) =>
  new TeamLink({
    teamId: teamId(i),
    displayName: options.name ?? `Team ${i}`,
    groupIds: [groupId(i), groupId(i + 100_000)],
    origin: i % 2 === 0 ? "created" : "adopted",
    managedMembers: Array.from({ length: members }, (_, m) => userId((options.offset ?? i) * 7 + m))
  })

export const user = (i: number, email?: string) =>
  new UserLink({ oktaUserId: oktaUserId(i), mondayUserId: userId(i), email: email ?? `user${i}@example.com` })

export const teams = (count: number, members: number) => Array.from({ length: count }, (_, i) => team(i, members))
export const users = (count: number) => Array.from({ length: count }, (_, i) => user(i))

/** Stores order rows by their database's collation; tests compare in one fixed order. */
export const byTeam = (xs: ReadonlyArray<TeamLink>) => [...xs].sort((a, b) => (a.teamId < b.teamId ? -1 : 1))
export const byUser = (xs: ReadonlyArray<UserLink>) => [...xs].sort((a, b) => (a.oktaUserId < b.oktaUserId ? -1 : 1))

export const plan = (operations: number, fingerprint = "fp-1") =>
  new Plan({
    version: 1,
    targetFingerprint: fingerprint,
    operations: Array.from({ length: operations }, (_, i) => ({
      _tag: "PatchMembers" as const,
      key: `Team ${i}`,
      teamId: teamId(i),
      displayName: `Team ${i}`,
      add: [userId(i), userId(i + 1)],
      remove: [userId(i + 2)]
    })),
    blockers: [],
    warnings: [{ _tag: "Message", message: "a warning kept with the plan" }],
    counts: {
      teams: operations,
      unchanged: 0,
      creates: 0,
      renames: 0,
      patches: operations,
      adds: operations * 2,
      removes: operations,
      deletes: 0,
      blocked: 0
    }
  })

export const done = (index: number): OperationOutcome => ({ index, key: `Team ${index}`, status: "done" })
export const failed = (index: number): OperationOutcome => ({
  index,
  key: `Team ${index}`,
  status: "failed",
  error: { tag: "RateLimited", message: "429 from monday.com", retryable: true }
})
export const skipped = (index: number): OperationOutcome => ({ index, key: `Team ${index}`, status: "skipped" })

export const emptyGroup = (id: string, previousMembers = 12): Blocker => ({
  _tag: "EmptyGroup",
  id,
  key: `Team ${id}`,
  groupId: groupId(1),
  groupName: "Engineering",
  previousMembers
})

export const removalLimit = (id: string): Blocker => ({
  _tag: "TeamRemovalLimit",
  id,
  key: "Sales",
  teamId: teamId(9),
  removals: [userId(1), userId(2)],
  currentMembers: 10,
  maxRemovals: 1,
  maxFraction: 0.1
})
