/**
 * The values both sides of a sync are described with: branded ids that can't be swapped, the
 * Okta source snapshot, the monday.com target snapshot, and the links the engine keeps between
 * them. Everything here is plain data and a Schema; nothing reads or writes.
 */
import { Schema } from "effect"

// ---------------------------------------------------------------------------------------------
// Ids
// ---------------------------------------------------------------------------------------------

const NonEmpty = Schema.String.pipe(Schema.minLength(1))

export const OktaUserId = NonEmpty.pipe(Schema.brand("OktaUserId"))
export type OktaUserId = typeof OktaUserId.Type

export const OktaGroupId = NonEmpty.pipe(Schema.brand("OktaGroupId"))
export type OktaGroupId = typeof OktaGroupId.Type

export const MondayUserId = NonEmpty.pipe(Schema.brand("MondayUserId"))
export type MondayUserId = typeof MondayUserId.Type

export const MondayTeamId = NonEmpty.pipe(Schema.brand("MondayTeamId"))
export type MondayTeamId = typeof MondayTeamId.Type

// ---------------------------------------------------------------------------------------------
// Okta (the source)
// ---------------------------------------------------------------------------------------------

/** Okta's user lifecycle states (`/api/v1/users` `status`). */
export const OktaUserStatus = Schema.Literal(
  "STAGED",
  "PROVISIONED",
  "ACTIVE",
  "RECOVERY",
  "PASSWORD_EXPIRED",
  "LOCKED_OUT",
  "SUSPENDED",
  "DEPROVISIONED"
)
export type OktaUserStatus = typeof OktaUserStatus.Type

/** A JSON value kept from an Okta profile (custom attributes included). */
export const ProfileValue = Schema.Union(
  Schema.String,
  Schema.Number,
  Schema.Boolean,
  Schema.Null,
  Schema.Array(Schema.String)
)
export type ProfileValue = typeof ProfileValue.Type

export class OktaUser extends Schema.Class<OktaUser>("OktaUser")({
  id: OktaUserId,
  /** `profile.login`: Okta's sign-in name, not necessarily the email. */
  login: Schema.String,
  /** `profile.email`: monday.com's userName is this, lowercased. */
  email: Schema.String,
  status: OktaUserStatus,
  firstName: Schema.optional(Schema.String),
  lastName: Schema.optional(Schema.String),
  /** The rest of the Okta profile, for attribute mappings (user provisioning, reports). */
  profile: Schema.optional(Schema.Record({ key: Schema.String, value: ProfileValue }))
}) {}

export const OktaGroupType = Schema.Literal("OKTA_GROUP", "APP_GROUP", "BUILT_IN")
export type OktaGroupType = typeof OktaGroupType.Type

export class OktaGroup extends Schema.Class<OktaGroup>("OktaGroup")({
  id: OktaGroupId,
  name: Schema.String,
  type: OktaGroupType,
  description: Schema.optional(Schema.String)
}) {}

/** One group's members, as Okta lists them (`/api/v1/groups/{id}/users`). */
export const GroupMembership = Schema.Struct({
  groupId: OktaGroupId,
  userIds: Schema.Array(OktaUserId)
})
export type GroupMembership = typeof GroupMembership.Type

/** How a user came to the monday.com app in Okta: directly (USER) or through a group (GROUP). */
export const AssignmentScope = Schema.Literal("USER", "GROUP")
export type AssignmentScope = typeof AssignmentScope.Type

/**
 * The monday.com app's user assignment in Okta (`/api/v1/apps/{appId}/users`). `status` is the
 * AppUser status (ACTIVE, PROVISIONED, STAGED, PENDING, INACTIVE, DEPROVISIONED, …); only ACTIVE
 * and PROVISIONED count as ready. Unknown statuses are kept as strings, never dropped.
 */
export const AppAssignment = Schema.Struct({
  userId: OktaUserId,
  scope: AssignmentScope,
  status: Schema.String,
  /** `credentials.userName` of the app user, when Okta has one. */
  userName: Schema.optional(Schema.String)
})
export type AppAssignment = typeof AppAssignment.Type

/** App user statuses that mean "not assigned (any more)": no assignment at all counts the same. */
export const UNASSIGNED_STATUSES: ReadonlySet<string> = new Set(["INACTIVE", "DEPROVISIONED"])
/** App user statuses that mean "assigned and usable in monday.com". */
export const READY_ASSIGNMENT_STATUSES: ReadonlySet<string> = new Set(["ACTIVE", "PROVISIONED"])
/** Okta user statuses that may hold a monday.com seat. */
export const ACTIVE_USER_STATUSES: ReadonlySet<OktaUserStatus> = new Set<OktaUserStatus>([
  "ACTIVE",
  "PROVISIONED",
  "RECOVERY",
  "PASSWORD_EXPIRED",
  "LOCKED_OUT"
])

/**
 * What the engine knows of Okta at one moment: the groups the rules select, their members, the
 * users they refer to, and the monday.com app's assignments (users, and groups assigned to it).
 */
export class SourceSnapshot extends Schema.Class<SourceSnapshot>("SourceSnapshot")({
  users: Schema.Array(OktaUser),
  groups: Schema.Array(OktaGroup),
  memberships: Schema.Array(GroupMembership),
  assignments: Schema.Array(AppAssignment),
  /** Groups assigned to the monday.com app (`/api/v1/apps/{appId}/groups`). */
  assignedGroupIds: Schema.Array(OktaGroupId)
}) {}

// ---------------------------------------------------------------------------------------------
// monday.com (the target)
// ---------------------------------------------------------------------------------------------

/** A postal address as monday.com keeps it (SCIM `addresses`, the primary or first one). */
export const MondayAddress = Schema.Struct({
  streetAddress: Schema.optional(Schema.String),
  locality: Schema.optional(Schema.String),
  region: Schema.optional(Schema.String),
  postalCode: Schema.optional(Schema.String),
  country: Schema.optional(Schema.String)
})
export type MondayAddress = typeof MondayAddress.Type

/** The parts of an address the engine maps, in a fixed order (for changes and rendering). */
export const ADDRESS_FIELDS = ["streetAddress", "locality", "region", "postalCode", "country"] as const
export type AddressField = typeof ADDRESS_FIELDS[number]

export class MondayUser extends Schema.Class<MondayUser>("MondayUser")({
  id: MondayUserId,
  /** Always the user's email, lowercase. */
  userName: Schema.String,
  active: Schema.Boolean,
  displayName: Schema.optional(Schema.String),
  /** admin, member, viewer, guest, or a custom role id. */
  userType: Schema.optional(Schema.String),
  /** Whether the user was created through SCIM (monday.com refuses to deactivate the others). */
  scimProvisioned: Schema.optional(Schema.Boolean),
  /** `name.givenName` / `name.familyName`, when monday.com has them (profile drift compares them). */
  name: Schema.optional(
    Schema.Struct({ givenName: Schema.optional(Schema.String), familyName: Schema.optional(Schema.String) })
  ),
  title: Schema.optional(Schema.String),
  timezone: Schema.optional(Schema.String),
  locale: Schema.optional(Schema.String),
  /** The primary (or first) phone number's value. */
  phoneNumber: Schema.optional(Schema.String),
  address: Schema.optional(MondayAddress)
}) {}

export class MondayTeam extends Schema.Class<MondayTeam>("MondayTeam")({
  id: MondayTeamId,
  displayName: Schema.String,
  members: Schema.Array(MondayUserId),
  /**
   * "server" when the members came from monday.com; "last-applied" when the server left them out
   * and the sink fell back on what the engine last applied (then hand edits can't be seen).
   */
  membersFrom: Schema.optionalWith(Schema.Literal("server", "last-applied"), { default: () => "server" as const })
}) {}

export class TargetSnapshot extends Schema.Class<TargetSnapshot>("TargetSnapshot")({
  users: Schema.Array(MondayUser),
  teams: Schema.Array(MondayTeam)
}) {}

// ---------------------------------------------------------------------------------------------
// Links: what the engine remembers between runs
// ---------------------------------------------------------------------------------------------

/** Okta member counts by group id (see `TeamLink.groupMembers`). */
export const GroupMemberCounts = Schema.Record({ key: Schema.String, value: Schema.Int.pipe(Schema.nonNegative()) })
export type GroupMemberCounts = typeof GroupMemberCounts.Type

/**
 * A monday.com team the engine created or adopted, the Okta groups that feed it, and the members
 * the engine itself put there (so members added by hand in monday.com can be told apart).
 */
export class TeamLink extends Schema.Class<TeamLink>("TeamLink")({
  teamId: MondayTeamId,
  /** The name the engine last gave the team. */
  displayName: Schema.String,
  groupIds: Schema.Array(OktaGroupId),
  origin: Schema.Literal("created", "adopted"),
  /** Members the engine added or claimed, as last applied. */
  managedMembers: Schema.Array(MondayUserId),
  /**
   * How many members Okta listed for each of the team's groups (by group id) when the engine last
   * applied the team, so a group that had members and now reads empty can be told from one that
   * was always empty. Absent in links saved before okta-monday kept it.
   */
  groupMembers: Schema.optional(GroupMemberCounts)
}) {}

/**
 * An Okta user matched to a monday.com user: by lowercased email the first time, then kept by id
 * so a changed email doesn't break membership.
 */
export class UserLink extends Schema.Class<UserLink>("UserLink")({
  oktaUserId: OktaUserId,
  mondayUserId: MondayUserId,
  /** The lowercased email the match was made on. */
  email: Schema.String
}) {}

export class Links extends Schema.Class<Links>("Links")({
  teams: Schema.Array(TeamLink),
  users: Schema.Array(UserLink)
}) {
  static readonly empty = new Links({ teams: [], users: [] })
}
