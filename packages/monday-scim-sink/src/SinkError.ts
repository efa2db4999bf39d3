/**
 * What can go wrong talking to monday.com's SCIM API, one error per thing a person can act on.
 * Every message says what happened, where (method and path, never the token) and what to do.
 */
import { Schema } from "effect"

/** `METHOD /path?query` relative to the SCIM base URL: where an error happened. */
const Endpoint = Schema.String

const detailSuffix = (detail: string | undefined) => (detail ? ` (monday.com said: ${detail})` : "")

/** 401: the token expired, or the admin who generated it was deactivated or demoted. */
export class TokenRejected extends Schema.TaggedError<TokenRejected>()("TokenRejected", {
  endpoint: Endpoint,
  detail: Schema.optional(Schema.String)
}) {
  readonly retryable = false
  get message() {
    return `monday.com rejected the SCIM token (401 on ${this.endpoint})${detailSuffix(this.detail)}. ` +
      "The token has expired, or the admin who generated it was deactivated or demoted. " +
      "Generate a new token in monday.com Admin → Security → SCIM and update the engine's token."
  }
}

/** 403: SCIM is only available on the Enterprise plan. */
export class NotEnterprise extends Schema.TaggedError<NotEnterprise>()("NotEnterprise", {
  endpoint: Endpoint,
  detail: Schema.optional(Schema.String)
}) {
  readonly retryable = false
  get message() {
    return `monday.com refused SCIM access (403 on ${this.endpoint})${detailSuffix(this.detail)}. ` +
      "SCIM provisioning needs the Enterprise plan: check the account's plan in Admin → Billing, " +
      "and that SCIM is enabled in Admin → Security."
  }
}

const listed = (ids: ReadonlyArray<string>) => ids.map((id) => JSON.stringify(id)).join(", ")

/**
 * A user monday.com does not have. `role: "member"`: a team write carried them as members
 * (monday.com refuses a team push unless every member is already in the account); `"target"`:
 * the request was about that user (404 on `/Users/{id}`).
 */
export class UserNotInAccount extends Schema.TaggedError<UserNotInAccount>()("UserNotInAccount", {
  endpoint: Endpoint,
  role: Schema.Literal("member", "target"),
  /** The users checked and not found, when the sink could tell which. */
  userIds: Schema.optional(Schema.Array(Schema.String)),
  /** Members of the same request found deactivated (they need reactivating, not provisioning). */
  deactivated: Schema.optional(Schema.Array(Schema.String)),
  detail: Schema.optional(Schema.String)
}) {
  readonly retryable = false
  get message() {
    const ids = this.userIds ?? []
    if (this.role === "target") {
      return `monday.com has no user${ids.length > 0 ? ` ${listed(ids)}` : ""} (404 on ${this.endpoint})` +
        `${detailSuffix(this.detail)}: it left the account since the engine last read it. ` +
        "The next full sync reads monday.com again and plans from what is there."
    }
    const who = ids.length === 0
      ? "a member is not a user of the monday.com account"
      : `${ids.length === 1 ? "user" : "users"} ${listed(ids)} ${ids.length === 1 ? "is" : "are"} not in the monday.com account`
    const also = (this.deactivated ?? []).length > 0
      ? ` Also deactivated in monday.com: ${listed(this.deactivated!)} (reactivate them rather than provision them).`
      : ""
    return `monday.com refused a team write on ${this.endpoint}: ${who}${detailSuffix(this.detail)}. ` +
      `Provision the user first (assign them to the monday.com app in Okta), then sync again.${also}`
  }
}

/** A team write carried members who are in the account but deactivated: monday.com won't put them on a team. */
export class MemberDeactivated extends Schema.TaggedError<MemberDeactivated>()("MemberDeactivated", {
  endpoint: Endpoint,
  userIds: Schema.Array(Schema.String),
  detail: Schema.optional(Schema.String)
}) {
  readonly retryable = false
  get message() {
    const many = this.userIds.length !== 1
    return `monday.com refused a team write on ${this.endpoint}: ${many ? "users" : "user"} ${listed(this.userIds)} ` +
      `${many ? "are" : "is"} deactivated in monday.com${detailSuffix(this.detail)}, and a deactivated user can't ` +
      "join a team. If they are active in Okta, reactivate them (in monday.com Admin → Users, or let the engine do " +
      "it with users.reactivate); otherwise remove them from the Okta group. Then sync again."
  }
}

/** 404 on a team: it was deleted in monday.com since the engine last saw it (drift). */
export class TeamNotFound extends Schema.TaggedError<TeamNotFound>()("TeamNotFound", {
  endpoint: Endpoint,
  teamId: Schema.String
}) {
  readonly retryable = false
  get message() {
    return `monday.com team ${this.teamId} no longer exists (404 on ${this.endpoint}): it was deleted in monday.com. ` +
      "The next full sync reads monday.com again and recreates or relinks the team."
  }
}

/** 409, or a team of the same name already exists (monday.com replaces a same-name team on create). */
export class Conflict extends Schema.TaggedError<Conflict>()("Conflict", {
  endpoint: Endpoint,
  displayName: Schema.optional(Schema.String),
  existingTeamId: Schema.optional(Schema.String),
  /** Another create of the same apply holds the name (its create is still under way). */
  samePlan: Schema.optional(Schema.Boolean),
  detail: Schema.optional(Schema.String)
}) {
  readonly retryable = false
  get message() {
    if (this.samePlan === true) {
      return `two teams of the plan are named ${JSON.stringify(this.displayName ?? "")} (monday.com compares names ` +
        "without case); the second was not created, so monday.com would not replace the first with it. " +
        "Rename one of them in the mapping rule, then sync again."
    }
    if (this.existingTeamId !== undefined) {
      return `a monday.com team named ${JSON.stringify(this.displayName ?? "")} already exists ` +
        `(id ${this.existingTeamId}); creating it again would make monday.com replace that team and its members, ` +
        `so ${this.endpoint} was not sent. Rename one of the teams, or let the engine adopt the existing team ` +
        "(policies.existingTeam: adopt), then sync again."
    }
    return `monday.com reported a conflict (409 on ${this.endpoint})${detailSuffix(this.detail)}. ` +
      "Another object already has this name or value: rename it in monday.com or in the mapping rule, then sync again."
  }
}

/** 400/413: the server refused a value; `attribute` is the one its SCIM error names, when it names one. */
export class InvalidAttribute extends Schema.TaggedError<InvalidAttribute>()("InvalidAttribute", {
  endpoint: Endpoint,
  status: Schema.Number,
  scimType: Schema.optional(Schema.String),
  attribute: Schema.optional(Schema.String),
  detail: Schema.optional(Schema.String)
}) {
  readonly retryable = false
  get message() {
    const what = this.attribute ? `attribute "${this.attribute}"` : "a value"
    const kind = this.scimType ? ` ${this.scimType}` : ""
    const fix = this.status === 413
      ? "The request was too large: lower limits.maxMembersPerPatch in the rule config."
      : "Fix the value in Okta or in the mapping rule (team names and user attributes), then sync again."
    return `monday.com refused ${what} (${this.status}${kind} on ${this.endpoint})${detailSuffix(this.detail)}. ${fix}`
  }
}

/** 403 on deactivating or demoting a user: monday.com never lets SCIM do that to the admin who owns the token. */
export class TokenOwnerProtected extends Schema.TaggedError<TokenOwnerProtected>()("TokenOwnerProtected", {
  endpoint: Endpoint,
  userName: Schema.String,
  detail: Schema.optional(Schema.String)
}) {
  readonly retryable = false
  get message() {
    return `monday.com refused to deactivate or change the user type of ${this.userName} (403 on ${this.endpoint})` +
      `${detailSuffix(this.detail)}: this admin owns the SCIM token, and monday.com never lets SCIM deactivate or ` +
      "demote the token owner. Add the email to users.protect in the rule config so the engine stops trying; " +
      "to deactivate this admin, generate a SCIM token as another admin first."
  }
}

/** Deactivating a user that monday.com says was not created through SCIM. */
export class UserNotScimProvisioned extends Schema.TaggedError<UserNotScimProvisioned>()("UserNotScimProvisioned", {
  endpoint: Endpoint,
  userName: Schema.String,
  detail: Schema.optional(Schema.String)
}) {
  readonly retryable = false
  get message() {
    return `monday.com refused to deactivate ${this.userName} (${this.endpoint})${detailSuffix(this.detail)}: ` +
      "the user was not created through SCIM, and monday.com lets SCIM deactivate only users it provisioned. " +
      "Deactivate the user in monday.com Admin → Users, or add the email to users.protect in the rule config."
  }
}

/** 429 answers kept coming until the retry budget ran out. */
export class RateLimited extends Schema.TaggedError<RateLimited>()("RateLimited", {
  endpoint: Endpoint,
  attempts: Schema.Number,
  retryAfterMillis: Schema.optional(Schema.Number)
}) {
  readonly retryable = true
  get message() {
    const after = this.retryAfterMillis !== undefined
      ? ` (last Retry-After: ${Math.ceil(this.retryAfterMillis / 1000)} s)`
      : ""
    return `monday.com kept answering 429 Too Many Requests on ${this.endpoint}${after}; gave up after ` +
      `${this.attempts} attempt(s) when the retry budget ran out. Run again later, lower the sink's concurrency, ` +
      "or raise retry.maxTotalWait."
  }
}

/** 5xx answers or dropped connections, after retries. */
export class ServerUnavailable extends Schema.TaggedError<ServerUnavailable>()("ServerUnavailable", {
  endpoint: Endpoint,
  attempts: Schema.Number,
  /** The last HTTP status, when there was an answer at all. */
  status: Schema.optional(Schema.Number),
  reason: Schema.String
}) {
  readonly retryable = true
  get message() {
    const status = this.status !== undefined ? ` ${this.status}` : ""
    return `monday.com was unavailable on ${this.endpoint} (${this.reason}${status}) ` +
      `after ${this.attempts} attempt(s). ` +
      "Check the SCIM URL and the network, and try again later; nothing is lost, the next sync retries."
  }
}

/** A body that doesn't decode: the endpoint and the field, and nothing written from it. */
export class MalformedResponse extends Schema.TaggedError<MalformedResponse>()("MalformedResponse", {
  endpoint: Endpoint,
  status: Schema.Number,
  problem: Schema.String
}) {
  readonly retryable = false
  get message() {
    return `monday.com answered ${this.endpoint} (${this.status}) with a body the sink can't read: ${this.problem}. ` +
      "Nothing was changed on the strength of it; if it persists, check that the SCIM URL points at " +
      "https://<account>.monday.com/scim/v2 and report the answer."
  }
}

export type SinkError =
  | TokenRejected
  | NotEnterprise
  | UserNotInAccount
  | MemberDeactivated
  | TeamNotFound
  | Conflict
  | InvalidAttribute
  | RateLimited
  | ServerUnavailable
  | MalformedResponse
  | TokenOwnerProtected
  | UserNotScimProvisioned

export const SinkError = Schema.Union(
  TokenRejected,
  NotEnterprise,
  UserNotInAccount,
  MemberDeactivated,
  TeamNotFound,
  Conflict,
  InvalidAttribute,
  RateLimited,
  ServerUnavailable,
  MalformedResponse,
  TokenOwnerProtected,
  UserNotScimProvisioned
)
