/**
 * The public shapes of the emulator: its options, the seed of an account, fault injection and the plain-data view of
 * an account's state that tests read. Everything here is data; behaviour lives in Store, Server and Emulator.
 */

export type Plan = "enterprise" | "pro" | "standard" | "basic"

export interface RateLimit {
  /** Requests an account may burst. */
  readonly capacity: number
  /** Tokens added back per second. */
  readonly refillPerSecond: number
}

export interface MondayEmulatorOptions {
  /** Default 0 (random). */
  readonly port?: number
  /** Default "127.0.0.1". */
  readonly host?: string
  /** Largest page a list answers, whatever `count` asks. Default 100 [assumed]. */
  readonly maxPageSize?: number
  /** Member values allowed in one PATCH /Groups/{id}; over it: 413 tooMany. Default undefined (no cap). */
  readonly maxMembersPerPatch?: number
  /** Leave `members` out of GET /Groups/{id} and of list answers. Default false. */
  readonly omitMembers?: boolean
  /** Per-account token bucket; an empty bucket answers 429 with Retry-After. Default none. */
  readonly rateLimit?: RateLimit
  /** Seed of the random generator that picks faults by share. Default: time-based. */
  readonly seed?: number
  /** Refuse SCIM for accounts not on the enterprise plan (403) [doc; status assumed]. Default true. */
  readonly requireEnterprise?: boolean
  /** `active: true` reactivates a deactivated user [assumed]. When false: 400 invalidValue. Default true. */
  readonly allowReactivation?: boolean
  /** Accept PUT /Users/{id} and PUT /Groups/{id} [unknown]. When false: 405. Default false. */
  readonly acceptPut?: boolean
  /**
   * Status of a successful PATCH /Groups/{id}. 204 (no body) is what Entra expects [doc]; 200 answers the team.
   * Either way a request carrying `attributes` or `excludedAttributes` gets 200 with the team (RFC 7644 §3.5.2).
   * Default 204.
   */
  readonly groupPatchStatus?: 200 | 204
}

/** A runtime change of options: a key set to undefined goes back to its default. */
export type OptionsUpdate = { readonly [K in keyof MondayEmulatorOptions]?: MondayEmulatorOptions[K] | undefined }

export interface SeedUser {
  readonly email: string
  readonly name?: string
  /** admin | member | viewer | guest | a custom role id of the account. Default "member". */
  readonly userType?: string
  /** Default true. */
  readonly active?: boolean
  /** False marks a user created in the monday UI. Default true. */
  readonly scimProvisioned?: boolean
  readonly id?: string
}

export interface SeedTeam {
  readonly displayName: string
  /** Emails of seeded users (or of the admin). */
  readonly members: ReadonlyArray<string>
  /** False marks a team created in the monday UI. Default true. */
  readonly scimProvisioned?: boolean
  readonly id?: string
}

export interface AccountSeed {
  readonly slug: string
  /** Default "enterprise". */
  readonly plan?: Plan
  /** The admin who generated the SCIM token (created in the UI, so not SCIM-provisioned). */
  readonly admin: { readonly email: string; readonly name?: string }
  /** Default random; returned by createAccount. */
  readonly token?: string
  readonly customRoles?: ReadonlyArray<string>
  readonly users?: ReadonlyArray<SeedUser>
  readonly teams?: ReadonlyArray<SeedTeam>
}

export interface CreatedAccount {
  readonly slug: string
  readonly token: string
  readonly adminUserId: string
}

/**
 * `drop` and `500`…`503` answer before the store acts: nothing changes. `drop-after` and `500-after` let the store act
 * and then lose the answer (the socket is destroyed, or a 500 replaces it): the change took, the client can't know.
 */
export type FaultKind = "429" | "500" | "502" | "503" | "drop" | "slow" | "drop-after" | "500-after"

export interface FaultOptions {
  /** Probability (0..1) that a request gets each fault; the shares must add up to at most 1. */
  readonly shares?: Partial<Record<FaultKind, number>>
  /** Deterministic form: the next requests (that match `only`) get these faults, in order, before any share applies. */
  readonly next?: ReadonlyArray<FaultKind>
  /** Only requests whose "METHOD /template" is listed get faults, e.g. ["PATCH /Groups/{id}"]. Default: all. */
  readonly only?: ReadonlyArray<string>
  /** Retry-After (seconds) on injected 429s. Default 1. */
  readonly retryAfterSeconds?: number
  /** Delay of a "slow" answer. Default 200 ms. */
  readonly slowMs?: number
  /** Re-seeds the random generator. */
  readonly seed?: number
}

/** Faults injected so far, by `"<kind> <METHOD> <template>"` (e.g. `"500-after PATCH /Groups/{id}"`). */
export type InjectedFaults = Readonly<Record<string, number>>

export interface UserUpdate {
  readonly active?: boolean
  readonly userType?: string
  readonly name?: string
}

export interface TokenRequest {
  /** Email or id of an admin of the account. Default: the account's first admin. */
  readonly owner?: string
  readonly token?: string
}

export interface PhoneNumber {
  readonly value: string
  readonly type?: string
  readonly primary?: boolean
}

export interface Address {
  readonly formatted?: string
  readonly streetAddress?: string
  readonly locality?: string
  readonly region?: string
  readonly postalCode?: string
  readonly country?: string
  readonly type?: string
  readonly primary?: boolean
}

export interface UserState {
  readonly id: string
  readonly userName: string
  readonly displayName: string
  readonly givenName?: string
  readonly familyName?: string
  readonly userType: string
  readonly active: boolean
  readonly scimProvisioned: boolean
  readonly externalId?: string
  readonly title?: string
  readonly timezone?: string
  readonly locale?: string
  readonly phoneNumbers?: ReadonlyArray<PhoneNumber>
  readonly addresses?: ReadonlyArray<Address>
  readonly passwordSet: boolean
}

export interface TeamState {
  readonly id: string
  readonly internalId: number
  readonly displayName: string
  /** User ids, in the order they joined. */
  readonly members: ReadonlyArray<string>
  readonly scimProvisioned: boolean
  readonly externalId?: string
}

export interface AccountState {
  readonly slug: string
  readonly plan: Plan
  readonly customRoles: ReadonlyArray<string>
  /** Who owns each SCIM token and whether the token works now (tokens themselves are not shown). */
  readonly tokens: ReadonlyArray<{ readonly ownerUserId: string; readonly working: boolean }>
  readonly users: ReadonlyArray<UserState>
  readonly teams: ReadonlyArray<TeamState>
  /** Active users: a deactivated user frees a seat [doc]. */
  readonly seatsUsed: number
}
