/**
 * A plan: the operations that bring monday.com teams in step with Okta groups, the blockers that
 * hold some teams back (and why), warnings and counts. A plan is data: it encodes to JSON, can be
 * saved, reviewed and applied later exactly as previewed.
 */
import { Schema } from "effect"
import { MondayAddress, MondayTeamId, MondayUserId, OktaGroupId, OktaUserId } from "./Domain.js"

/**
 * Every operation names its team by `key` (the desired team's name at planning time, unique in a
 * plan); `teamId` is absent only for a team this plan creates, in which case the sink resolves it
 * from the create's outcome in the same apply.
 */
export const CreateTeam = Schema.TaggedStruct("CreateTeam", {
  key: Schema.String,
  displayName: Schema.String,
  groupIds: Schema.Array(OktaGroupId),
  /** First members, sent with the POST (at most `maxMembersPerPatch`; the rest follow as PatchMembers). */
  members: Schema.Array(MondayUserId)
})
export type CreateTeam = typeof CreateTeam.Type

export const RenameTeam = Schema.TaggedStruct("RenameTeam", {
  key: Schema.String,
  teamId: MondayTeamId,
  from: Schema.String,
  to: Schema.String
})
export type RenameTeam = typeof RenameTeam.Type

/** One PATCH: `add.length + remove.length` is at most `maxMembersPerPatch`. */
export const PatchMembers = Schema.TaggedStruct("PatchMembers", {
  key: Schema.String,
  teamId: Schema.optional(MondayTeamId),
  displayName: Schema.String,
  add: Schema.Array(MondayUserId),
  remove: Schema.Array(MondayUserId)
})
export type PatchMembers = typeof PatchMembers.Type

export const DeleteTeam = Schema.TaggedStruct("DeleteTeam", {
  key: Schema.String,
  teamId: MondayTeamId,
  displayName: Schema.String,
  reason: Schema.Literal("group-deleted", "unmapped"),
  memberCount: Schema.Number
})
export type DeleteTeam = typeof DeleteTeam.Type

// ---------------------------------------------------------------------------------------------
// User lifecycle (opt-in: `users` in the rule config)
// ---------------------------------------------------------------------------------------------

/**
 * A user this plan creates, as team operations of the same plan name it: `new:<oktaUserId>`. The
 * sink replaces it with the created user's id before sending the team operation.
 */
export const newUserPlaceholder = (oktaUserId: OktaUserId | string): MondayUserId =>
  `new:${oktaUserId}` as MondayUserId

/** The Okta user a placeholder stands for, or undefined for a real monday.com id. */
export const placeholderOktaUserId = (id: MondayUserId | string): OktaUserId | undefined =>
  id.startsWith("new:") ? (id.slice(4) as OktaUserId) : undefined

/** Profile attributes mapped from Okta (each only when the Okta profile has a value). */
export const UserAttributes = Schema.Struct({
  title: Schema.optional(Schema.String),
  timezone: Schema.optional(Schema.String),
  locale: Schema.optional(Schema.String),
  phoneNumber: Schema.optional(Schema.String),
  address: Schema.optional(MondayAddress)
})
export type UserAttributes = typeof UserAttributes.Type

export const UserName = Schema.Struct({
  givenName: Schema.optional(Schema.String),
  familyName: Schema.optional(Schema.String)
})

/** POST /Users: a person assigned to the app in Okta who has no monday.com user. Key `user:<oktaUserId>`. */
export const CreateUser = Schema.TaggedStruct("CreateUser", {
  key: Schema.String,
  oktaUserId: OktaUserId,
  /** The lowercased email. */
  userName: Schema.String,
  /** Cleaned of characters monday.com refuses. */
  displayName: Schema.String,
  name: Schema.optional(UserName),
  userType: Schema.String,
  attributes: UserAttributes
})
export type CreateUser = typeof CreateUser.Type

/**
 * One attribute that differs from Okta: `displayName`, `name.givenName`, `name.familyName`,
 * `userType`, `title`, `timezone`, `locale`, `phoneNumber`, `address.<field>`.
 */
export const UserChange = Schema.Struct({
  attribute: Schema.String,
  /** Absent when monday.com has no value. */
  from: Schema.optional(Schema.String),
  to: Schema.String
})
export type UserChange = typeof UserChange.Type

/** PATCH replace of the attributes that drifted from Okta. */
export const UpdateUser = Schema.TaggedStruct("UpdateUser", {
  key: Schema.String,
  mondayUserId: MondayUserId,
  userName: Schema.String,
  changes: Schema.Array(UserChange),
  /** The whole address to write when an `address.*` attribute changed (monday.com keeps it as one value). */
  address: Schema.optional(MondayAddress)
})
export type UpdateUser = typeof UpdateUser.Type

/** Why a user loses their seat. */
export const DeactivationReason = Schema.Literal("unassigned", "inactive-in-okta", "unexplained")
export type DeactivationReason = typeof DeactivationReason.Type

/** PATCH `active: false` (data kept, seat freed); sent after every team operation of the plan. */
export const DeactivateUser = Schema.TaggedStruct("DeactivateUser", {
  key: Schema.String,
  mondayUserId: MondayUserId,
  userName: Schema.String,
  reason: DeactivationReason,
  /** The Okta user status or app assignment status behind the reason. */
  detail: Schema.optional(Schema.String),
  oktaUserId: Schema.optional(OktaUserId)
})
export type DeactivateUser = typeof DeactivateUser.Type

/** PATCH `active: true`: a deactivated user whose Okta user is active and assigned again. */
export const ReactivateUser = Schema.TaggedStruct("ReactivateUser", {
  key: Schema.String,
  mondayUserId: MondayUserId,
  userName: Schema.String,
  oktaUserId: Schema.optional(OktaUserId)
})
export type ReactivateUser = typeof ReactivateUser.Type

export const Operation = Schema.Union(
  CreateTeam,
  RenameTeam,
  PatchMembers,
  DeleteTeam,
  CreateUser,
  UpdateUser,
  DeactivateUser,
  ReactivateUser
)
export type Operation = typeof Operation.Type

/** The operations on users, as opposed to teams. */
export type UserOperation = CreateUser | UpdateUser | DeactivateUser | ReactivateUser
export const isUserOperation = (op: Operation): op is UserOperation =>
  op._tag === "CreateUser" || op._tag === "UpdateUser" || op._tag === "DeactivateUser" || op._tag === "ReactivateUser"

/** Why a member can't be pushed to monday.com yet. */
export const NotReadyReason = Schema.Literal(
  "not-assigned",
  "not-provisioned",
  "deactivated-in-monday",
  "inactive-in-okta"
)
export type NotReadyReason = typeof NotReadyReason.Type

export const BlockedUser = Schema.Struct({
  oktaUserId: OktaUserId,
  email: Schema.String,
  reason: NotReadyReason,
  /** Okta user status or AppUser status behind the reason, for the report. */
  detail: Schema.optional(Schema.String)
})
export type BlockedUser = typeof BlockedUser.Type

/**
 * A blocker holds back a team (or its removals, or the run's removals) until the world changes
 * or an admin approves it. `id` is deterministic: it changes when what it holds back changes, so
 * an approval releases exactly what was reviewed.
 */
export const Blocker = Schema.Union(
  Schema.TaggedStruct("MembersNotReady", {
    id: Schema.String,
    key: Schema.String,
    groupIds: Schema.Array(OktaGroupId),
    users: Schema.Array(BlockedUser)
  }),
  /**
   * Desired teams whose names differ only in letter case: monday.com treats them as one name, so
   * creating both would make the second replace the first. Held until the mapping renders them
   * apart (or equal, which makes them one team).
   */
  Schema.TaggedStruct("NameCollision", {
    id: Schema.String,
    key: Schema.String,
    groupIds: Schema.Array(OktaGroupId),
    /** The other desired team names that equal this one but for case. */
    others: Schema.Array(Schema.String)
  }),
  Schema.TaggedStruct("NameTaken", {
    id: Schema.String,
    key: Schema.String,
    groupIds: Schema.Array(OktaGroupId),
    /** The existing team the engine did not create and won't replace. */
    teamId: MondayTeamId,
    memberCount: Schema.Number
  }),
  Schema.TaggedStruct("EmptyGroup", {
    id: Schema.String,
    key: Schema.String,
    groupId: OktaGroupId,
    groupName: Schema.String,
    /**
     * Members Okta listed for the group when the engine last applied the team (for links saved
     * before per-group counts were kept: the team's managed members).
     */
    previousMembers: Schema.Number,
    /** The removals held (absent in plans saved before it was recorded). */
    removals: Schema.optional(Schema.Array(MondayUserId))
  }),
  Schema.TaggedStruct("TeamRemovalLimit", {
    id: Schema.String,
    key: Schema.String,
    teamId: MondayTeamId,
    removals: Schema.Array(MondayUserId),
    currentMembers: Schema.Number,
    maxRemovals: Schema.Number,
    maxFraction: Schema.Number
  }),
  Schema.TaggedStruct("RunRemovalLimit", {
    id: Schema.String,
    removals: Schema.Number,
    maxRemovals: Schema.Number,
    keys: Schema.Array(Schema.String)
  }),
  /** The Okta attribute that gives the user type holds a value monday.com has no type for. */
  Schema.TaggedStruct("UnknownUserType", {
    id: Schema.String,
    key: Schema.String,
    oktaUserId: OktaUserId,
    email: Schema.String,
    attribute: Schema.String,
    value: Schema.String
  })
)
export type Blocker = typeof Blocker.Type

export const Warning = Schema.Union(
  Schema.TaggedStruct("MembersSkipped", {
    key: Schema.String,
    users: Schema.Array(BlockedUser)
  }),
  Schema.TaggedStruct("MembersFromLastApplied", {
    key: Schema.String,
    teamId: MondayTeamId
  }),
  Schema.TaggedStruct("Message", { message: Schema.String }),
  /** A name had characters monday.com refuses; what is sent instead. */
  Schema.TaggedStruct("NameCleaned", {
    key: Schema.String,
    oktaUserId: OktaUserId,
    email: Schema.String,
    changes: Schema.Array(Schema.Struct({ attribute: Schema.String, from: Schema.String, to: Schema.String }))
  }),
  /**
   * A user who should be deactivated but won't be: protected by the config, not created through SCIM,
   * or the admin who owns the SCIM token (monday.com refused it once; the engine remembers).
   */
  Schema.TaggedStruct("DeactivationSkipped", {
    key: Schema.String,
    mondayUserId: MondayUserId,
    userName: Schema.String,
    because: Schema.Literal("protected", "not-scim-provisioned", "token-owner"),
    reason: DeactivationReason,
    detail: Schema.optional(Schema.String)
  }),
  /**
   * A group a mapping selects whose team name template renders empty (a regex capture that did
   * not take part), so it feeds no team. `key` is `group:<groupId>`.
   */
  Schema.TaggedStruct("TeamNameEmpty", {
    key: Schema.String,
    groupId: OktaGroupId,
    groupName: Schema.String,
    /** The mapping's `id`, or `mappings[<index>]`. */
    mapping: Schema.String,
    template: Schema.String
  }),
  /** Active monday.com users no Okta record explains (no link, no Okta user with their email). */
  Schema.TaggedStruct("UnexplainedUsers", {
    key: Schema.String,
    users: Schema.Array(Schema.Struct({ mondayUserId: MondayUserId, userName: Schema.String }))
  })
)
export type Warning = typeof Warning.Type

export const PlanCounts = Schema.Struct({
  teams: Schema.Number,
  unchanged: Schema.Number,
  creates: Schema.Number,
  renames: Schema.Number,
  patches: Schema.Number,
  adds: Schema.Number,
  removes: Schema.Number,
  deletes: Schema.Number,
  blocked: Schema.Number,
  /** User lifecycle counts: absent (read as 0) in plans without user operations and in older saved plans. */
  userCreates: Schema.optional(Schema.Number),
  userUpdates: Schema.optional(Schema.Number),
  userDeactivations: Schema.optional(Schema.Number),
  userReactivations: Schema.optional(Schema.Number),
  usersBlocked: Schema.optional(Schema.Number)
})
export type PlanCounts = typeof PlanCounts.Type

export class Plan extends Schema.Class<Plan>("Plan")({
  version: Schema.Literal(1),
  /** Fingerprint of the monday.com state the plan was computed against. */
  targetFingerprint: Schema.String,
  operations: Schema.Array(Operation),
  blockers: Schema.Array(Blocker),
  warnings: Schema.Array(Warning),
  counts: PlanCounts
}) {}

/**
 * Approvals an admin gave for blockers that can be overridden (removal limits, the empty-group
 * guard), by blocker id. A changed blocker has a new id, so old approvals don't carry over.
 */
export const Approvals = Schema.Array(Schema.String)
export type Approvals = typeof Approvals.Type

/**
 * What happened to one operation of a plan when it was applied. `index` is the operation's
 * position in `plan.operations`; `teamId` is the created team's id for a CreateTeam, `userId` the created
 * user's for a CreateUser. `skipped`
 * means it was not sent because an earlier operation of the same team failed.
 */
export const OperationOutcome = Schema.Struct({
  index: Schema.Number,
  key: Schema.String,
  status: Schema.Literal("done", "failed", "skipped"),
  teamId: Schema.optional(MondayTeamId),
  /** The created user's id, for a CreateUser (team operations' `new:<oktaUserId>` placeholders resolve to it). */
  userId: Schema.optional(MondayUserId),
  /** Placeholders left out of a team operation because creating their user failed. */
  droppedMembers: Schema.optional(Schema.Array(MondayUserId)),
  error: Schema.optional(
    Schema.Struct({
      /** The sink's error tag (TokenRejected, TeamNotFound, RateLimited, …). */
      tag: Schema.String,
      message: Schema.String,
      retryable: Schema.Boolean
    })
  )
})
export type OperationOutcome = typeof OperationOutcome.Type
