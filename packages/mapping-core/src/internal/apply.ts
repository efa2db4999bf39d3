/**
 * The monday.com snapshot after a plan's operations: all of them (`simulateApply`), or those an
 * apply's outcomes say were done (`appliedTarget`).
 */
import { MondayTeam, MondayUser, TargetSnapshot } from "../Domain.js"
import type { MondayTeamId, MondayUserId, OktaUserId } from "../Domain.js"
import { newUserPlaceholder, placeholderOktaUserId, Plan } from "../Plan.js"
import type { Operation, OperationOutcome } from "../Plan.js"
import { simulateUsers } from "./users.js"

/**
 * The monday.com snapshot after every operation of a plan succeeded, for tests and dry runs.
 * `newTeamId` names the team a CreateTeam makes (from its key), `newUserId` the user a CreateUser
 * makes (default: its `new:<oktaUserId>` placeholder); user operations change the users.
 */
export const simulateApply = (
  target: TargetSnapshot,
  plan: Plan,
  newTeamId: (key: string) => MondayTeamId,
  newUserId: (oktaUserId: OktaUserId) => MondayUserId = newUserPlaceholder
): TargetSnapshot => {
  const simulated = simulateUsers(target.users, plan.operations, newUserId, (fields) => new MondayUser(fields, true))
  const realId = (id: MondayUserId): MondayUserId => simulated.ids.get(id) ?? id
  const teams = new Map<string, { id: MondayTeamId; displayName: string; members: Set<MondayUserId>; membersFrom: MondayTeam["membersFrom"] }>()
  for (const t of target.teams) {
    teams.set(t.id, { id: t.id, displayName: t.displayName, members: new Set(t.members), membersFrom: t.membersFrom })
  }
  const created = new Map<string, MondayTeamId>()
  for (const op of plan.operations) {
    switch (op._tag) {
      case "CreateTeam": {
        const id = newTeamId(op.key)
        created.set(op.key, id)
        teams.set(id, { id, displayName: op.displayName, members: new Set(op.members.map(realId)), membersFrom: "server" })
        break
      }
      case "RenameTeam": {
        const t = teams.get(op.teamId)
        if (t !== undefined) t.displayName = op.to
        break
      }
      case "PatchMembers": {
        const id = op.teamId ?? created.get(op.key)
        const t = id === undefined ? undefined : teams.get(id)
        if (t === undefined) break
        for (const m of op.add) t.members.add(realId(m))
        for (const m of op.remove) t.members.delete(m)
        break
      }
      case "DeleteTeam": {
        teams.delete(op.teamId)
        break
      }
    }
  }
  return new TargetSnapshot(
    {
      users: simulated.users,
      teams: Array.from(teams.values(), (t) =>
        new MondayTeam({ id: t.id, displayName: t.displayName, members: [...t.members], membersFrom: t.membersFrom }, true)
      )
    },
    true
  )
}

/**
 * monday.com as it is after the operations an apply's outcomes say were done: a created team gets
 * the id its outcome gave (`pending:<key>` when none), a created user the outcome's `userId`, and
 * a placeholder whose user was not created is left out of its team operation (the sink doesn't
 * send it).
 */
export const appliedTarget = (
  target: TargetSnapshot,
  plan: Plan,
  outcomes: ReadonlyArray<OperationOutcome>
): TargetSnapshot => {
  const done = new Set(outcomes.filter((o) => o.status === "done").map((o) => o.index))
  const created = new Map<string, MondayTeamId>()
  const createdUsers = new Map<string, MondayUserId>()
  for (const o of outcomes) {
    if (o.status !== "done") continue
    if (o.teamId !== undefined) created.set(o.key, o.teamId)
    const op = plan.operations[o.index]
    if (o.userId !== undefined && op?._tag === "CreateUser") createdUsers.set(op.oktaUserId, o.userId)
  }
  const operations = plan.operations.filter((_, i) => done.has(i)).map((op): Operation =>
    op._tag === "CreateTeam"
      ? { ...op, members: sentMembers(op.members, createdUsers) }
      : op._tag === "PatchMembers"
      ? { ...op, add: sentMembers(op.add, createdUsers) }
      : op
  )
  return simulateApply(
    target,
    new Plan({ ...plan, operations }, true),
    (key) => created.get(key) ?? (`pending:${key}` as MondayTeamId),
    (oktaUserId) => createdUsers.get(oktaUserId) ?? newUserPlaceholder(oktaUserId)
  )
}

/** The members a team operation sends: a placeholder whose user was not created is left out. */
export const sentMembers = (
  ids: ReadonlyArray<MondayUserId>,
  createdUsers: ReadonlyMap<string, MondayUserId>
): Array<MondayUserId> =>
  ids.filter((id) => {
    const okta = placeholderOktaUserId(id)
    return okta === undefined || createdUsers.has(okta)
  })
