/**
 * Changes to the Okta side, as the System Log reports them, in a form the planner understands.
 * Applying a batch of deltas to a source snapshot gives the snapshot Okta would answer now, and
 * tells which groups (and so which teams) the batch touched.
 */
import { Schema } from "effect"
import { AppAssignment, OktaGroup, OktaGroupId, OktaUser, OktaUserId, OktaUserStatus } from "./Domain.js"
import type { SourceSnapshot } from "./Domain.js"
import { emptyEffects, SourceIndex } from "./internal/source.js"

export const Delta = Schema.Union(
  /** `user` is given when the source fetched a user the snapshot didn't hold yet. */
  Schema.TaggedStruct("MemberAdded", { groupId: OktaGroupId, userId: OktaUserId, user: Schema.optional(OktaUser) }),
  Schema.TaggedStruct("MemberRemoved", { groupId: OktaGroupId, userId: OktaUserId }),
  Schema.TaggedStruct("GroupCreated", { group: OktaGroup }),
  Schema.TaggedStruct("GroupRenamed", { groupId: OktaGroupId, name: Schema.String }),
  Schema.TaggedStruct("GroupDeleted", { groupId: OktaGroupId }),
  Schema.TaggedStruct("GroupAssigned", { groupId: OktaGroupId }),
  Schema.TaggedStruct("GroupUnassigned", { groupId: OktaGroupId }),
  Schema.TaggedStruct("UserAssigned", { assignment: AppAssignment, user: Schema.optional(OktaUser) }),
  Schema.TaggedStruct("UserUnassigned", { userId: OktaUserId }),
  /** Deactivated, suspended, unsuspended, reactivated, deleted (DEPROVISIONED). */
  Schema.TaggedStruct("UserStatusChanged", { userId: OktaUserId, status: OktaUserStatus }),
  /** Profile changed (email, names, custom attributes): the whole user as Okta has it now. */
  Schema.TaggedStruct("UserUpdated", { user: OktaUser })
)
export type Delta = typeof Delta.Type

/**
 * Applies a batch of deltas to a source snapshot (in order) and says which groups they touched:
 * a membership or group change touches its group; a user's status, assignment or profile change
 * touches every group the user is in. O(org): the incremental path is `Planner.make(…).applyDeltas`.
 */
export const applyDeltas = (
  source: SourceSnapshot,
  deltas: ReadonlyArray<Delta>
): { readonly source: SourceSnapshot; readonly touchedGroupIds: ReadonlyArray<OktaGroupId> } => {
  const index = SourceIndex.fromSnapshot(source)
  const effects = emptyEffects()
  for (const d of deltas) index.apply(d, effects)
  for (const u of effects.users) index.touchUserGroups(u, effects)
  return {
    source: index.toSnapshot(),
    touchedGroupIds: Array.from(effects.groups).sort() as Array<OktaGroupId>
  }
}
