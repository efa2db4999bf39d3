/**
 * The failures a caller of the Okta source can act on, each with a message that says what to fix.
 * Tokens and keys never appear in them.
 */
import { Schema } from "effect"

/** 401: the API token is wrong or revoked, or the service app's credentials were refused. */
export class AuthFailed extends Schema.TaggedError<AuthFailed>()("AuthFailed", {
  mode: Schema.Literal("SSWS", "PrivateKey"),
  orgUrl: Schema.String,
  /** What Okta said, when it said more than the status (the token endpoint's `error_description`). */
  detail: Schema.optional(Schema.String)
}) {
  get message(): string {
    const said = this.detail ? ` Okta said: "${this.detail}".` : ""
    return this.mode === "SSWS"
      ? `Okta (${this.orgUrl}) rejected the API token (401 E0000011): it is wrong, expired or revoked. ` +
        `Create a new one in the Okta Admin Console under Security → API → Tokens and update the config.${said}`
      : `Okta (${this.orgUrl}) refused the service app's credentials:${said} Check the client id, that the ` +
        `private key (and key id) match a public key registered on the app (Applications → the app → General → ` +
        `Public keys), and that every requested scope is granted on its "Okta API Scopes" tab.`
  }
}

/**
 * The credentials can't reach an endpoint: an access token without the OAuth scope (403), a scope the
 * service app was never granted (the token endpoint's 400 `invalid_scope`), or an API token whose
 * admin has no role that allows it (403 E0000006).
 */
export class ForbiddenScope extends Schema.TaggedError<ForbiddenScope>()("ForbiddenScope", {
  endpoint: Schema.String,
  scope: Schema.String,
  mode: Schema.Literal("SSWS", "PrivateKey"),
  /** True when the token endpoint refused to issue a token with the scope at all. */
  notGranted: Schema.optional(Schema.Boolean),
  /** What Okta said (the token endpoint's `error_description`). */
  detail: Schema.optional(Schema.String)
}) {
  get message(): string {
    const said = this.detail ? ` Okta said: "${this.detail}".` : ""
    if (this.mode === "SSWS") {
      return `Okta refused ${this.endpoint} (403 E0000006): the API token's admin has no role that allows it (needs ` +
        `${this.scope}). Use a token created by an admin with the Read-Only Administrator role or higher.`
    }
    return this.notGranted
      ? `Okta would not issue an access token with the scope ${this.scope} (400 invalid_scope): the service app ` +
        `was never granted it.${said} Grant ${this.scope} on the service app's "Okta API Scopes" tab, or remove ` +
        `it from the configured scopes.`
      : `Okta refused ${this.endpoint} (403 E0000006): the access token lacks the scope ${this.scope}. Grant ` +
        `${this.scope} on the service app's "Okta API Scopes" tab and add it to the configured scopes.`
  }
}

/** 429 after waiting for the reset the allowed number of times. */
export class RateLimited extends Schema.TaggedError<RateLimited>()("RateLimited", {
  endpoint: Schema.String,
  /** Epoch milliseconds of `X-Rate-Limit-Reset`, when known. */
  resetAt: Schema.optional(Schema.Number)
}) {
  get message(): string {
    const at = this.resetAt === undefined ? "" : ` until ${new Date(this.resetAt).toISOString()}`
    return `Okta rate limit for ${this.endpoint} is exhausted${at}; other integrations may be using the same ` +
      `bucket. The next run will retry; lower concurrency or raise the headroom if this repeats.`
  }
}

/** 5xx or a network failure, after the bounded retries. */
export class Unavailable extends Schema.TaggedError<Unavailable>()("Unavailable", {
  endpoint: Schema.String,
  status: Schema.optional(Schema.Number),
  reason: Schema.String
}) {
  get message(): string {
    return `Okta is unavailable for ${this.endpoint} (${this.status ?? "network"}: ${this.reason}); ` +
      `check the org URL and connectivity, or try again later.`
  }
}

/** 404 on the configured monday.com app id. */
export class AppNotFound extends Schema.TaggedError<AppNotFound>()("AppNotFound", {
  appId: Schema.String,
  orgUrl: Schema.String
}) {
  get message(): string {
    return `No app with id ${this.appId} in ${this.orgUrl}: copy the monday.com app's id from the Okta Admin ` +
      `Console (Applications → monday.com → the id in the address bar, 0oa…) into the config.`
  }
}

/** Any other refusal (4xx) Okta explained with an error body. */
export class RequestRejected extends Schema.TaggedError<RequestRejected>()("RequestRejected", {
  endpoint: Schema.String,
  status: Schema.Number,
  errorCode: Schema.String,
  summary: Schema.String
}) {
  get message(): string {
    return `Okta rejected ${this.endpoint} (${this.status} ${this.errorCode}): ${this.summary}`
  }
}

/** Okta answered with a shape the source does not understand. */
export class OktaDecodeError extends Schema.TaggedError<OktaDecodeError>()("OktaDecodeError", {
  endpoint: Schema.String,
  reason: Schema.String
}) {
  get message(): string {
    return `Unexpected answer from Okta for ${this.endpoint}: ${this.reason}`
  }
}

export type OktaError = AuthFailed | ForbiddenScope | RateLimited | Unavailable | AppNotFound | RequestRejected | OktaDecodeError
