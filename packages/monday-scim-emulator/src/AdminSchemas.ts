/**
 * Schemas of the HTTP admin surface's bodies (`/_emulator/...`) and of seed files: an account seed, faults, options.
 * They decode to the public types of Model.ts, so the programmatic and HTTP surfaces accept exactly the same input.
 */
import { Either, ParseResult, Schema } from "effect"
import { InvalidInputError } from "./Errors.js"
import type {
  AccountSeed as AccountSeedType,
  FaultOptions as FaultOptionsType,
  OptionsUpdate,
  TokenRequest as TokenRequestType,
  UserUpdate as UserUpdateType
} from "./Model.js"

const opt = <S extends Schema.Schema.Any>(schema: S) => Schema.optionalWith(schema, { exact: true })

export const PlanSchema = Schema.Literal("enterprise", "pro", "standard", "basic")

export const AccountSeed = Schema.Struct({
  slug: Schema.NonEmptyTrimmedString,
  plan: opt(PlanSchema),
  admin: Schema.Struct({ email: Schema.String, name: opt(Schema.String) }),
  token: opt(Schema.NonEmptyString),
  customRoles: opt(Schema.Array(Schema.String)),
  users: opt(
    Schema.Array(
      Schema.Struct({
        email: Schema.String,
        name: opt(Schema.String),
        userType: opt(Schema.String),
        active: opt(Schema.Boolean),
        scimProvisioned: opt(Schema.Boolean),
        id: opt(Schema.NonEmptyString)
      })
    )
  ),
  teams: opt(
    Schema.Array(
      Schema.Struct({
        displayName: Schema.String,
        members: Schema.Array(Schema.String),
        scimProvisioned: opt(Schema.Boolean),
        id: opt(Schema.NonEmptyString)
      })
    )
  )
})

/** A seed file: one account or a list of them. */
export const SeedFile = Schema.Union(AccountSeed, Schema.Array(AccountSeed))

const Share = Schema.Number.pipe(Schema.between(0, 1))
const FaultKind = Schema.Literal("429", "500", "502", "503", "drop", "slow", "drop-after", "500-after")

export const FaultOptions = Schema.Struct({
  shares: opt(
    Schema.Struct({
      "429": opt(Share),
      "500": opt(Share),
      "502": opt(Share),
      "503": opt(Share),
      drop: opt(Share),
      slow: opt(Share),
      "drop-after": opt(Share),
      "500-after": opt(Share)
    }).pipe(
      Schema.filter((shares) => Object.values(shares).reduce((sum: number, share) => sum + (share ?? 0), 0) <= 1, {
        message: () => "the shares add up to more than 1"
      })
    )
  ),
  next: opt(Schema.Array(FaultKind)),
  only: opt(Schema.Array(Schema.String)),
  retryAfterSeconds: opt(Schema.NonNegativeInt),
  slowMs: opt(Schema.NonNegativeInt),
  seed: opt(Schema.Int)
})

export const OptionsPatch = Schema.Struct({
  maxPageSize: opt(Schema.Int.pipe(Schema.positive())),
  maxMembersPerPatch: opt(Schema.NullOr(Schema.Int.pipe(Schema.positive()))),
  omitMembers: opt(Schema.Boolean),
  rateLimit: opt(
    Schema.NullOr(
      Schema.Struct({ capacity: Schema.Number.pipe(Schema.positive()), refillPerSecond: Schema.NonNegative })
    )
  ),
  seed: opt(Schema.Int),
  requireEnterprise: opt(Schema.Boolean),
  allowReactivation: opt(Schema.Boolean),
  acceptPut: opt(Schema.Boolean),
  groupPatchStatus: opt(Schema.Literal(200, 204))
})

export const TokenRequest = Schema.Struct({
  owner: opt(Schema.String),
  token: opt(Schema.NonEmptyString)
})

export const UserUpdate = Schema.Struct({
  active: opt(Schema.Boolean),
  userType: opt(Schema.String),
  name: opt(Schema.String)
})

export const PlanUpdate = Schema.Struct({ plan: PlanSchema })

// The decoded types must be the public ones (compile-time check).
const _seed: (a: typeof AccountSeed.Type) => AccountSeedType = (a) => a
const _faults: (a: typeof FaultOptions.Type) => FaultOptionsType = (a) => a
const _token: (a: typeof TokenRequest.Type) => TokenRequestType = (a) => a
const _update: (a: typeof UserUpdate.Type) => UserUpdateType = (a) => a
export const _typeChecks = [_seed, _faults, _token, _update] as const

/** `null` in an options patch switches the setting off (JSON has no undefined). */
export type OptionsPatch = typeof OptionsPatch.Type
export const optionsFromPatch = (patch: OptionsPatch): OptionsUpdate => {
  const out: Record<string, unknown> = {}
  for (const [key, value] of Object.entries(patch)) out[key] = value === null ? undefined : value
  return out as OptionsUpdate
}

/** Decodes an admin body or seed; a failure names the field and what was wrong. */
export const decodeAdmin = <A, I>(schema: Schema.Schema<A, I>, input: unknown, what: string): A => {
  const result = Schema.decodeUnknownEither(schema, { errors: "all", onExcessProperty: "error" })(input)
  if (Either.isRight(result)) return result.right
  const issues = ParseResult.ArrayFormatter.formatErrorSync(result.left)
    .slice(0, 8)
    .map((issue) => `${issue.path.length === 0 ? "(root)" : issue.path.join(".")}: ${issue.message}`)
  throw new InvalidInputError({ reason: `Invalid ${what}: ${issues.join("; ")}` })
}
