/**
 * Errors of the programmatic and HTTP admin surface (seeding, reading state). SCIM-facing errors are ScimError.
 */
import { Data } from "effect"

/** A seed, option, fault setting or admin request is wrong: the message names the field or record and the fix. */
export class InvalidInputError extends Data.TaggedError("InvalidInputError")<{ readonly reason: string }> {
  override get message(): string {
    return this.reason
  }
}

export class UnknownAccountError extends Data.TaggedError("UnknownAccountError")<{ readonly slug: string }> {
  override get message(): string {
    return `No emulated account has slug "${this.slug}"; create it first with createAccount (POST /_emulator/accounts)`
  }
}

export class UnknownUserError extends Data.TaggedError("UnknownUserError")<{
  readonly slug: string
  readonly user: string
}> {
  override get message(): string {
    return `Account "${this.slug}" has no user with id or email "${this.user}"`
  }
}

/** Former name of InvalidInputError, kept for callers of the first release. */
export const InvalidSeedError = InvalidInputError
