/**
 * The emulated monday.com accounts in memory, and every rule monday.com applies to SCIM writes: lowercase emails,
 * names without special characters, user types, token owners, teams that need all their members, same-name replace.
 * Synchronous and I/O-free, so the server stays fast and tests can read state between requests.
 */
import { randomBytes } from "node:crypto"
import { Schema } from "effect"
import { InvalidInputError, UnknownAccountError, UnknownUserError } from "./Errors.js"
import { parseFilteredPath, singleEq } from "./Filter.js"
import type { FilteredPath, ParsedFilter } from "./Filter.js"
import type {
  AccountSeed,
  AccountState,
  Address,
  CreatedAccount,
  PhoneNumber,
  Plan,
  TeamState,
  TokenRequest,
  UserState,
  UserUpdate
} from "./Model.js"
import { badRequest, notFound, ScimError } from "./ScimError.js"
import {
  Address as AddressSchema,
  decodeBody,
  Email,
  GroupPatchValue,
  LooseBoolean,
  MemberList,
  Name,
  PhoneNumber as PhoneNumberSchema,
  UserPatchValue
} from "./ScimSchemas.js"
import type { GroupInput, PatchOperation, UserInput } from "./ScimSchemas.js"

export const BUILT_IN_USER_TYPES: ReadonlyArray<string> = ["admin", "member", "viewer", "guest"]

/** Letters and marks of any script, digits, space, hyphen, apostrophe and dot; anything else is "special". */
const NAME_PATTERN = /^[\p{L}\p{M}\p{N} .'-]*$/u
const EMAIL_PATTERN = /^[^\s@]+@[^\s@]+$/

export interface UserRecord {
  readonly id: string
  userName: string
  displayName: string
  givenName: string | undefined
  familyName: string | undefined
  userType: string
  active: boolean
  scimProvisioned: boolean
  externalId: string | undefined
  title: string | undefined
  timezone: string | undefined
  locale: string | undefined
  preferredLanguage: string | undefined
  phoneNumbers: ReadonlyArray<PhoneNumber> | undefined
  addresses: ReadonlyArray<Address> | undefined
  passwordSet: boolean
  readonly created: string
  lastModified: string
}

export interface TeamRecord {
  readonly id: string
  readonly internalId: number
  displayName: string
  /** Insertion-ordered set of user ids. */
  members: Set<string>
  scimProvisioned: boolean
  externalId: string | undefined
  readonly created: string
  lastModified: string
}

export interface Account {
  readonly slug: string
  plan: Plan
  readonly customRoles: Set<string>
  readonly users: Map<string, UserRecord>
  readonly userIdByName: Map<string, string>
  readonly teams: Map<string, TeamRecord>
  /** Lower-cased displayName -> team id. */
  readonly teamIdByName: Map<string, string>
  /** token -> owner user id. */
  readonly tokens: Map<string, string>
}

export interface ListQuery {
  readonly filter: ParsedFilter | undefined
  readonly scimProvisionedOnly: boolean
}

export interface StoreSettings {
  readonly allowReactivation: () => boolean
}

const now = (): string => new Date().toISOString()

const validateUserName = (userName: string, attribute = "userName"): string => {
  if (!EMAIL_PATTERN.test(userName)) {
    throw badRequest(
      "invalidValue",
      `${attribute} "${userName}" is not an email address; monday.com uses the email as userName`
    )
  }
  if (userName !== userName.toLowerCase()) {
    throw badRequest(
      "invalidValue",
      `${attribute} "${userName}" must be lowercase: monday.com refuses emails with capital letters; send "${userName.toLowerCase()}"`
    )
  }
  return userName
}

const validateName = (attribute: string, value: string): string => {
  if (!NAME_PATTERN.test(value)) {
    throw badRequest(
      "invalidValue",
      `${attribute} "${value}" contains special characters; monday.com allows only letters, digits, spaces, "-", "'" and "."`
    )
  }
  return value
}

const normaliseUserType = (account: Account, value: string): string => {
  const lower = value.toLowerCase()
  if (BUILT_IN_USER_TYPES.includes(lower)) return lower
  if (account.customRoles.has(value)) return value
  const custom =
    account.customRoles.size === 0 ? "" : ` or a custom role id of the account (${[...account.customRoles].join(", ")})`
  throw badRequest("invalidValue", `userType "${value}" is not admin, member, viewer, guest${custom}`)
}

const decodeValue = <A, I>(schema: Schema.Schema<A, I>, value: unknown, path: string): A =>
  decodeBody(schema, value, `value for "${path}"`)

const addressFields = new Set(["formatted", "streetAddress", "locality", "region", "postalCode", "country"])

export class Store {
  private readonly accounts = new Map<string, Account>()
  /** token -> account slug. */
  private readonly tokenAccounts = new Map<string, string>()
  private readonly userIds = new Set<string>()
  private readonly teamIds = new Set<string>()
  private nextUserId = 10_000_001
  private nextTeamId = 5_000_001

  constructor(private readonly settings: StoreSettings) {}

  reset(): void {
    this.accounts.clear()
    this.tokenAccounts.clear()
    this.userIds.clear()
    this.teamIds.clear()
    this.nextUserId = 10_000_001
    this.nextTeamId = 5_000_001
  }

  // ---------------------------------------------------------------------------------------------------------------
  // Seeding and the admin surface (monday UI actions: they bypass the SCIM rules)

  createAccount(seed: AccountSeed): CreatedAccount {
    if (seed.slug.trim() === "") throw new InvalidInputError({ reason: "slug must not be empty" })
    if (this.accounts.has(seed.slug)) {
      throw new InvalidInputError({
        reason: `An account with slug "${seed.slug}" already exists; pick another slug or reset`
      })
    }
    const token = seed.token ?? randomBytes(24).toString("base64url")
    if (this.tokenAccounts.has(token)) {
      throw new InvalidInputError({ reason: `Account "${seed.slug}": the token is already used by another account` })
    }
    const account: Account = {
      slug: seed.slug,
      plan: seed.plan ?? "enterprise",
      customRoles: new Set(seed.customRoles ?? []),
      users: new Map(),
      userIdByName: new Map(),
      teams: new Map(),
      teamIdByName: new Map(),
      tokens: new Map()
    }
    const where = (what: string) => `Account "${seed.slug}", ${what}`
    const seedIds = new Set<string>()
    const claimId = (id: string | undefined, what: string): string | undefined => {
      if (id === undefined) return undefined
      if (seedIds.has(id) || this.userIds.has(id) || this.teamIds.has(id)) {
        throw new InvalidInputError({ reason: `${where(what)}: id "${id}" is already taken; choose another id` })
      }
      seedIds.add(id)
      return id
    }
    const seedUser = (
      email: string,
      name: string | undefined,
      userType: string,
      active: boolean,
      scimProvisioned: boolean,
      id: string | undefined,
      what: string
    ): UserRecord => {
      const userName = email.trim().toLowerCase()
      if (!EMAIL_PATTERN.test(userName))
        throw new InvalidInputError({ reason: `${where(what)}: "${email}" is not an email` })
      if (account.userIdByName.has(userName)) {
        throw new InvalidInputError({ reason: `${where(what)}: email "${userName}" appears twice` })
      }
      const lower = userType.toLowerCase()
      const type = BUILT_IN_USER_TYPES.includes(lower) ? lower : userType
      if (!BUILT_IN_USER_TYPES.includes(type) && !account.customRoles.has(type)) {
        throw new InvalidInputError({
          reason: `${where(what)}: userType "${userType}" is not admin, member, viewer, guest or one of customRoles`
        })
      }
      const stamp = now()
      const [given, ...rest] = (name ?? "").trim().split(/\s+/)
      const record: UserRecord = {
        id: claimId(id, what) ?? this.allocateUserId(seedIds),
        userName,
        displayName: name ?? userName.split("@")[0]!,
        givenName: given === "" ? undefined : given,
        familyName: rest.length === 0 ? undefined : rest.join(" "),
        userType: type,
        active,
        scimProvisioned,
        externalId: undefined,
        title: undefined,
        timezone: undefined,
        locale: undefined,
        preferredLanguage: undefined,
        phoneNumbers: undefined,
        addresses: undefined,
        passwordSet: false,
        created: stamp,
        lastModified: stamp
      }
      account.users.set(record.id, record)
      account.userIdByName.set(userName, record.id)
      return record
    }
    const admin = seedUser(seed.admin.email, seed.admin.name, "admin", true, false, undefined, "admin")
    seed.users?.forEach((user, index) =>
      seedUser(
        user.email,
        user.name,
        user.userType ?? "member",
        user.active ?? true,
        user.scimProvisioned ?? true,
        user.id,
        `users[${index}] (${user.email})`
      )
    )
    seed.teams?.forEach((team, index) => {
      const what = `teams[${index}] (${team.displayName})`
      if (team.displayName.trim() === "")
        throw new InvalidInputError({ reason: `${where(what)}: displayName is empty` })
      const key = team.displayName.toLowerCase()
      if (account.teamIdByName.has(key)) {
        throw new InvalidInputError({ reason: `${where(what)}: another seeded team has the same name` })
      }
      const members = new Set<string>()
      for (const email of team.members) {
        const userId = account.userIdByName.get(email.trim().toLowerCase())
        if (userId === undefined) {
          throw new InvalidInputError({
            reason: `${where(what)}: member "${email}" is not a user of the seed; add it to users`
          })
        }
        members.add(userId)
      }
      const internalId = this.nextTeamId++
      const id = claimId(team.id, what) ?? this.allocateTeamId(internalId, seedIds)
      const stamp = now()
      account.teams.set(id, {
        id,
        internalId,
        displayName: team.displayName,
        members,
        scimProvisioned: team.scimProvisioned ?? true,
        externalId: undefined,
        created: stamp,
        lastModified: stamp
      })
      account.teamIdByName.set(key, id)
    })
    // Commit only once the whole seed is valid.
    for (const id of account.users.keys()) this.userIds.add(id)
    for (const id of account.teams.keys()) this.teamIds.add(id)
    account.tokens.set(token, admin.id)
    this.tokenAccounts.set(token, account.slug)
    this.accounts.set(account.slug, account)
    return { slug: account.slug, token, adminUserId: admin.id }
  }

  private allocateUserId(reserved: ReadonlySet<string>): string {
    let id = String(this.nextUserId++)
    while (this.userIds.has(id) || this.teamIds.has(id) || reserved.has(id)) id = String(this.nextUserId++)
    return id
  }

  private allocateTeamId(internalId: number, reserved: ReadonlySet<string>): string {
    let id = String(internalId)
    while (this.userIds.has(id) || this.teamIds.has(id) || reserved.has(id)) id = String(this.nextTeamId++)
    return id
  }

  getAccount(slug: string): Account {
    const account = this.accounts.get(slug)
    if (account === undefined) throw new UnknownAccountError({ slug })
    return account
  }

  slugs(): ReadonlyArray<string> {
    return [...this.accounts.keys()]
  }

  accountState(slug: string): AccountState {
    const account = this.getAccount(slug)
    let seatsUsed = 0
    const users: Array<UserState> = []
    for (const user of account.users.values()) {
      if (user.active) seatsUsed++
      users.push(userState(user))
    }
    const teams: Array<TeamState> = [...account.teams.values()].map((team) => ({
      id: team.id,
      internalId: team.internalId,
      displayName: team.displayName,
      members: [...team.members],
      scimProvisioned: team.scimProvisioned,
      ...(team.externalId === undefined ? {} : { externalId: team.externalId })
    }))
    return {
      slug: account.slug,
      plan: account.plan,
      customRoles: [...account.customRoles],
      tokens: [...account.tokens.values()].map((ownerUserId) => ({
        ownerUserId,
        working: this.ownerCanUseToken(account, ownerUserId)
      })),
      users,
      teams,
      seatsUsed
    }
  }

  createToken(slug: string, request: TokenRequest = {}): string {
    const account = this.getAccount(slug)
    const owner =
      request.owner === undefined
        ? [...account.users.values()].find((user) => user.userType === "admin" && user.active)
        : this.findUser(account, request.owner)
    if (owner === undefined)
      throw new InvalidInputError({ reason: `Account "${slug}" has no active admin to own a token` })
    if (owner.userType !== "admin") {
      throw new InvalidInputError({
        reason: `User "${owner.userName}" is not an admin; only admins can generate SCIM tokens`
      })
    }
    const token = request.token ?? randomBytes(24).toString("base64url")
    if (this.tokenAccounts.has(token)) throw new InvalidInputError({ reason: "That token is already in use" })
    account.tokens.set(token, owner.id)
    this.tokenAccounts.set(token, slug)
    return token
  }

  /** A change an admin makes in the monday UI: no SCIM rule applies (this is how a token owner gets demoted). */
  updateUser(slug: string, user: string, update: UserUpdate): UserState {
    const account = this.getAccount(slug)
    const record = this.findUser(account, user)
    if (update.userType !== undefined) {
      const lower = update.userType.toLowerCase()
      const type = BUILT_IN_USER_TYPES.includes(lower) ? lower : update.userType
      if (!BUILT_IN_USER_TYPES.includes(type) && !account.customRoles.has(type)) {
        throw new InvalidInputError({ reason: `userType "${update.userType}" is not a built-in type or custom role` })
      }
      record.userType = type
    }
    if (update.active !== undefined) record.active = update.active
    if (update.name !== undefined) record.displayName = update.name
    record.lastModified = now()
    return userState(record)
  }

  setPlan(slug: string, plan: Plan): void {
    this.getAccount(slug).plan = plan
  }

  private findUser(account: Account, user: string): UserRecord {
    const record = account.users.get(user) ?? account.users.get(account.userIdByName.get(user.toLowerCase()) ?? "")
    if (record === undefined) throw new UnknownUserError({ slug: account.slug, user })
    return record
  }

  // ---------------------------------------------------------------------------------------------------------------
  // Auth

  /** The account a bearer token opens, or 401 when the token is unknown or its admin can no longer use it. */
  authenticate(token: string | undefined): Account {
    if (token === undefined) {
      throw new ScimError({ status: 401, detail: "Authentication required: send Authorization: Bearer <SCIM token>" })
    }
    const slug = this.tokenAccounts.get(token)
    const account = slug === undefined ? undefined : this.accounts.get(slug)
    if (account === undefined) {
      throw new ScimError({
        status: 401,
        detail: "The SCIM token is not valid; generate one in Admin > Security > SCIM"
      })
    }
    if (!this.ownerCanUseToken(account, account.tokens.get(token)!)) {
      throw new ScimError({
        status: 401,
        detail:
          "The SCIM token is no longer valid: the admin who generated it was deactivated or is no longer an admin; " +
          "an active admin must generate a new token"
      })
    }
    return account
  }

  private ownerCanUseToken(account: Account, ownerId: string): boolean {
    const owner = account.users.get(ownerId)
    return owner !== undefined && owner.active && owner.userType === "admin"
  }

  private ownsToken(account: Account, userId: string): boolean {
    for (const owner of account.tokens.values()) if (owner === userId) return true
    return false
  }

  // ---------------------------------------------------------------------------------------------------------------
  // Users

  getUser(account: Account, id: string): UserRecord {
    const user = account.users.get(id)
    if (user === undefined) throw notFound(`User ${id} not found`)
    return user
  }

  listUsers(account: Account, query: ListQuery): ReadonlyArray<UserRecord> {
    let candidates: Iterable<UserRecord> = account.users.values()
    const lookup = query.filter?.lookup
    if (lookup !== undefined) {
      const id =
        lookup.attribute === "id"
          ? lookup.value
          : lookup.attribute === "username"
            ? account.userIdByName.get(lookup.value)
            : undefined
      if (lookup.attribute !== "displayname") {
        const user = id === undefined ? undefined : account.users.get(id)
        candidates = user === undefined ? [] : [user]
      }
    }
    const visible: Array<UserRecord> = []
    for (const user of candidates) if (!query.scimProvisionedOnly || user.scimProvisioned) visible.push(user)
    if (query.filter === undefined || (lookup !== undefined && lookup.attribute !== "displayname")) return visible
    const views = visible.map(userFilterView)
    const matched = new Set(query.filter.match(views))
    return visible.filter((_, index) => matched.has(views[index]!))
  }

  createUser(account: Account, input: UserInput): UserRecord {
    const userName = validateUserName(input.userName)
    this.checkEmails(input.emails, userName)
    const existing = account.userIdByName.get(userName)
    if (existing !== undefined) {
      throw new ScimError({
        status: 409,
        scimType: "uniqueness",
        detail: `A user with userName "${userName}" already exists (id ${existing})`
      })
    }
    const givenName =
      input.name?.givenName === undefined ? undefined : validateName("name.givenName", input.name.givenName)
    const familyName =
      input.name?.familyName === undefined ? undefined : validateName("name.familyName", input.name.familyName)
    if (input.name?.formatted !== undefined) validateName("name.formatted", input.name.formatted)
    const displayName = validateName(
      "displayName",
      input.displayName ??
        input.name?.formatted ??
        ([givenName, familyName].filter(Boolean).join(" ") ||
          userName.split("@")[0]!.replace(/[^\p{L}\p{M}\p{N} .'-]/gu, " "))
    )
    const stamp = now()
    const user: UserRecord = {
      id: this.allocateUserId(new Set()),
      userName,
      displayName,
      givenName,
      familyName,
      userType: input.userType === undefined ? "member" : normaliseUserType(account, input.userType),
      active: input.active ?? true,
      scimProvisioned: true,
      externalId: input.externalId,
      title: input.title,
      timezone: input.timezone,
      locale: input.locale,
      preferredLanguage: input.preferredLanguage,
      phoneNumbers: input.phoneNumbers?.map(stripUndefined),
      addresses: input.addresses?.map(stripUndefined),
      passwordSet: input.password !== undefined,
      created: stamp,
      lastModified: stamp
    }
    this.userIds.add(user.id)
    account.users.set(user.id, user)
    account.userIdByName.set(userName, user.id)
    return user
  }

  /** userName is always the user's email: a primary (or only) email that differs is refused. */
  private checkEmails(
    emails: ReadonlyArray<{ readonly value: string; readonly primary?: boolean }> | undefined,
    userName: string
  ) {
    if (emails === undefined || emails.length === 0) return
    const primary = emails.find((email) => email.primary === true) ?? emails[0]!
    validateUserName(primary.value, "emails.value")
    if (primary.value !== userName) {
      throw badRequest(
        "invalidValue",
        `The primary email "${primary.value}" differs from userName "${userName}"; monday.com's userName is always the email`
      )
    }
  }

  /** PUT /Users/{id}: replaces every writable attribute (when the server accepts PUT at all). */
  replaceUser(account: Account, id: string, input: UserInput): UserRecord {
    const user = this.getUser(account, id)
    const value: Record<string, unknown> = { ...input }
    const ops: Array<PatchOperation> = [{ op: "replace", value }]
    for (const attribute of ["title", "timezone", "locale", "externalId", "phoneNumbers", "addresses"] as const) {
      if (input[attribute] === undefined) ops.push({ op: "remove", path: attribute })
    }
    return this.patchUser(account, user.id, ops)
  }

  patchUser(account: Account, id: string, operations: ReadonlyArray<PatchOperation>): UserRecord {
    const user = this.getUser(account, id)
    const draft: UserRecord = { ...user }
    for (const operation of operations) {
      if (operation.path === undefined) {
        if (operation.op === "remove") throw badRequest("noTarget", "A remove operation needs a path")
        const value = decodeValue(UserPatchValue, operation.value, "path-less " + operation.op)
        for (const [key, attributeValue] of Object.entries(value)) {
          if (key === "name" && attributeValue !== undefined) {
            for (const [sub, subValue] of Object.entries(attributeValue as Record<string, unknown>)) {
              this.setUserAttribute(account, draft, `name.${sub}`, subValue, operation.op)
            }
          } else if (attributeValue !== undefined) {
            this.setUserAttribute(account, draft, key, attributeValue, operation.op, true)
          }
        }
      } else {
        this.setUserAttribute(account, draft, operation.path, operation.value, operation.op)
      }
    }
    // Rules that depend on the before/after pair.
    if (draft.userName !== user.userName) {
      const holder = account.userIdByName.get(draft.userName)
      if (holder !== undefined && holder !== user.id) {
        throw new ScimError({
          status: 409,
          scimType: "uniqueness",
          detail: `A user with userName "${draft.userName}" already exists (id ${holder})`
        })
      }
    }
    if (user.active && !draft.active) {
      if (this.ownsToken(account, user.id)) {
        throw new ScimError({
          status: 403,
          detail:
            `User ${user.id} (${user.userName}) owns the SCIM token: monday.com does not let SCIM deactivate the ` +
            "admin who generated the token; generate a token as another admin first"
        })
      }
      if (!user.scimProvisioned) {
        throw badRequest(
          "mutability",
          `User ${user.id} (${user.userName}) was not provisioned through SCIM, so it cannot be deactivated through SCIM; ` +
            "deactivate it in the monday.com admin"
        )
      }
    }
    if (!user.active && draft.active && !this.settings.allowReactivation()) {
      throw badRequest("invalidValue", `User ${user.id} is deactivated; only an admin can reactivate it in monday.com`)
    }
    if (user.userType === "admin" && draft.userType !== "admin" && this.ownsToken(account, user.id)) {
      throw new ScimError({
        status: 403,
        detail:
          `User ${user.id} (${user.userName}) owns the SCIM token: monday.com does not let SCIM change the user ` +
          "type of the admin who generated the token"
      })
    }
    draft.lastModified = now()
    if (draft.userName !== user.userName) {
      account.userIdByName.delete(user.userName)
      account.userIdByName.set(draft.userName, user.id)
    }
    Object.assign(user, draft)
    return user
  }

  private setUserAttribute(
    account: Account,
    draft: UserRecord,
    path: string,
    value: unknown,
    op: PatchOperation["op"],
    fromPathless = false
  ): void {
    const key = path.toLowerCase()
    const remove = op === "remove"
    const text = (attribute: string): string | undefined =>
      remove ? undefined : decodeValue(Schema.String, value, attribute)
    switch (key) {
      case "username": {
        if (remove) throw badRequest("mutability", "userName is required and cannot be removed")
        draft.userName = validateUserName(text(path)!)
        return
      }
      case "displayname": {
        if (remove) throw badRequest("mutability", "displayName is required and cannot be removed")
        draft.displayName = validateName("displayName", text(path)!)
        return
      }
      case "name": {
        const name = remove ? {} : decodeValue(Name, value, path)
        if (name.givenName !== undefined || remove)
          draft.givenName = name.givenName === undefined ? undefined : validateName("name.givenName", name.givenName)
        if (name.familyName !== undefined || remove)
          draft.familyName =
            name.familyName === undefined ? undefined : validateName("name.familyName", name.familyName)
        if (name.formatted !== undefined) validateName("name.formatted", name.formatted)
        return
      }
      case "name.givenname": {
        const given = text(path)
        draft.givenName = given === undefined ? undefined : validateName("name.givenName", given)
        return
      }
      case "name.familyname": {
        const family = text(path)
        draft.familyName = family === undefined ? undefined : validateName("name.familyName", family)
        return
      }
      case "name.formatted": {
        const formatted = text(path)
        if (formatted !== undefined) validateName("name.formatted", formatted)
        return
      }
      case "active": {
        if (remove) throw badRequest("mutability", "active cannot be removed; replace it with false to deactivate")
        draft.active = decodeValue(LooseBoolean, value, path)
        return
      }
      case "usertype": {
        if (remove) throw badRequest("mutability", "userType cannot be removed")
        draft.userType = normaliseUserType(account, text(path)!)
        return
      }
      case "title":
        draft.title = text(path)
        return
      case "timezone":
        draft.timezone = text(path)
        return
      case "locale":
        draft.locale = text(path)
        return
      case "preferredlanguage":
        draft.preferredLanguage = text(path)
        return
      case "externalid":
        draft.externalId = text(path)
        return
      case "password":
        if (!remove) {
          decodeValue(Schema.String, value, path)
          draft.passwordSet = true
        }
        return
      case "emails": {
        if (remove) throw badRequest("mutability", "emails cannot be removed: the email is the userName")
        const emails = decodeValue(Schema.Array(Email), value, path)
        if (emails.length === 0) return
        const primary = emails.find((email) => email.primary === true) ?? emails[0]!
        draft.userName = validateUserName(primary.value, "emails.value")
        return
      }
      case "phonenumbers":
        draft.phoneNumbers = remove
          ? undefined
          : decodeValue(Schema.Array(PhoneNumberSchema), value, path).map(stripUndefined)
        return
      case "addresses":
        draft.addresses = remove ? undefined : decodeValue(Schema.Array(AddressSchema), value, path).map(stripUndefined)
        return
      case "roles":
      case "schemas":
      case "id":
      case "meta":
        // Entra maps roles (monday.com reads the role from userType); id, meta and schemas are read-only and ignored.
        if (fromPathless || key === "roles") return
        throw badRequest("mutability", `${path} is read-only`)
    }
    const filtered = parseFilteredPath(path)
    if (filtered !== undefined) return this.setFilteredUserAttribute(draft, path, filtered, value, op)
    if (fromPathless) return
    throw badRequest("invalidPath", `Attribute path "${path}" is not supported on Users`)
  }

  /**
   * `emails[…].value`, `phoneNumbers[…].value`, `addresses[…].<field>`, and removing `phoneNumbers[…]` or
   * `addresses[…]`. The entries the filter matches change; when none match, a filter that is one `type eq "x"` adds
   * an entry of that type (what Entra relies on), any other is 400 noTarget (RFC 7644 §3.5.2.3).
   */
  private setFilteredUserAttribute(
    draft: UserRecord,
    path: string,
    filtered: FilteredPath,
    value: unknown,
    op: PatchOperation["op"]
  ): void {
    const remove = op === "remove"
    const text = () => decodeValue(Schema.String, value, path)
    const sub = filtered.sub
    const noTarget = () => badRequest("noTarget", `"${path}" matches no value to ${op}`)
    switch (filtered.attribute) {
      case "emails": {
        if (sub?.toLowerCase() !== "value") throw badRequest("invalidPath", `"${path}": only emails[…].value can be set`)
        if (remove) throw badRequest("mutability", "emails cannot be removed: the email is the userName")
        draft.userName = validateUserName(text(), "emails.value")
        return
      }
      case "phonenumbers": {
        const phones = draft.phoneNumbers ?? []
        const matched = new Set(filtered.filter.match(phones as Array<PhoneNumber>))
        if (sub === undefined || remove) {
          if (sub !== undefined && sub.toLowerCase() !== "value") {
            throw badRequest("invalidPath", `"${path}": phone numbers have no sub-attribute ${sub}`)
          }
          if (!remove) throw badRequest("invalidPath", `"${path}": set phoneNumbers[…].value, or replace phoneNumbers`)
          draft.phoneNumbers = phones.filter((phone) => !matched.has(phone))
          return
        }
        if (sub.toLowerCase() !== "value") {
          throw badRequest("invalidPath", `"${path}": phone numbers have no sub-attribute ${sub}`)
        }
        const number = text()
        if (matched.size > 0) {
          draft.phoneNumbers = phones.map((phone) => (matched.has(phone) ? { ...phone, value: number } : phone))
          return
        }
        const type = singleEq(filtered, "type")
        if (type === undefined) throw noTarget()
        draft.phoneNumbers = [...phones, { value: number, type }]
        return
      }
      case "addresses": {
        const addresses = draft.addresses ?? []
        const matched = new Set(filtered.filter.match(addresses as Array<Address>))
        if (sub === undefined) {
          if (!remove) throw badRequest("invalidPath", `"${path}": set addresses[…].<field>, or replace addresses`)
          draft.addresses = addresses.filter((address) => !matched.has(address))
          return
        }
        if (!addressFields.has(sub)) throw badRequest("invalidPath", `"${path}": addresses have no sub-attribute ${sub}`)
        const change = (address: Address): Address => {
          const updated: Record<string, unknown> = { ...address }
          if (remove) delete updated[sub]
          else updated[sub] = text()
          return updated as Address
        }
        if (matched.size > 0) {
          draft.addresses = addresses.map((address) => (matched.has(address) ? change(address) : address))
          return
        }
        if (remove) return
        const type = singleEq(filtered, "type")
        if (type === undefined) throw noTarget()
        draft.addresses = [...addresses, change({ type })]
        return
      }
    }
    throw badRequest("invalidPath", `Attribute path "${path}" is not supported on Users`)
  }

  // ---------------------------------------------------------------------------------------------------------------
  // Teams (SCIM Groups)

  getTeam(account: Account, id: string): TeamRecord {
    const team = account.teams.get(id)
    if (team === undefined) throw notFound(`Group ${id} not found`)
    return team
  }

  listTeams(account: Account, query: ListQuery): ReadonlyArray<TeamRecord> {
    let candidates: Iterable<TeamRecord> = account.teams.values()
    const lookup = query.filter?.lookup
    if (lookup !== undefined && lookup.attribute !== "username") {
      const id = lookup.attribute === "id" ? lookup.value : account.teamIdByName.get(lookup.value)
      const team = id === undefined ? undefined : account.teams.get(id)
      candidates = team === undefined ? [] : [team]
    }
    const visible: Array<TeamRecord> = []
    for (const team of candidates) if (!query.scimProvisionedOnly || team.scimProvisioned) visible.push(team)
    if (query.filter === undefined || (lookup !== undefined && lookup.attribute !== "username")) return visible
    const views = visible.map(teamFilterView)
    const matched = new Set(query.filter.match(views))
    return visible.filter((_, index) => matched.has(views[index]!))
  }

  /** Users that can join a team: they must exist in the account and be active. Refuses with every bad id named. */
  private resolveMembers(account: Account, ids: ReadonlyArray<string>, context: string): void {
    const missing: Array<string> = []
    const inactive: Array<string> = []
    for (const id of ids) {
      const user = account.users.get(id)
      if (user === undefined) missing.push(id)
      else if (!user.active) inactive.push(id)
    }
    if (missing.length === 0 && inactive.length === 0) return
    const parts: Array<string> = []
    if (missing.length > 0) parts.push(`these members are not users of the account: ${missing.join(", ")}`)
    if (inactive.length > 0) parts.push(`these members are deactivated: ${inactive.join(", ")}`)
    throw badRequest("invalidValue", `${context}: ${parts.join("; ")}. Provision (or reactivate) the users first`)
  }

  private validateTeamName(displayName: string): string {
    if (displayName.trim() === "") throw badRequest("invalidValue", "displayName must not be empty")
    return displayName
  }

  /**
   * POST /Groups. A team whose name equals (case-insensitively) the posted displayName is REPLACED: same id, its
   * members become the posted ones [doc]. `replaced` tells the caller which case happened.
   */
  createTeam(account: Account, input: GroupInput): { readonly team: TeamRecord; readonly replaced: boolean } {
    const displayName = this.validateTeamName(input.displayName)
    const memberIds = (input.members ?? []).map((member) => member.value)
    this.resolveMembers(account, memberIds, `Team "${displayName}" cannot be pushed`)
    const stamp = now()
    const existingId = account.teamIdByName.get(displayName.toLowerCase())
    if (existingId !== undefined) {
      const team = account.teams.get(existingId)!
      team.members = new Set(memberIds)
      team.displayName = displayName
      team.scimProvisioned = true
      if (input.externalId !== undefined) team.externalId = input.externalId
      team.lastModified = stamp
      return { team, replaced: true }
    }
    const internalId = this.nextTeamId++
    const team: TeamRecord = {
      id: this.allocateTeamId(internalId, new Set()),
      internalId,
      displayName,
      members: new Set(memberIds),
      scimProvisioned: true,
      externalId: input.externalId,
      created: stamp,
      lastModified: stamp
    }
    this.teamIds.add(team.id)
    account.teams.set(team.id, team)
    account.teamIdByName.set(displayName.toLowerCase(), team.id)
    return { team, replaced: false }
  }

  /** PUT /Groups/{id} (when accepted): the whole team is replaced, under the same member rules. */
  replaceTeam(account: Account, id: string, input: GroupInput, maxMembers: number | undefined): TeamRecord {
    return this.patchTeam(
      account,
      id,
      [{ op: "replace", value: { ...input, members: input.members ?? [] } }],
      maxMembers
    )
  }

  /** PATCH /Groups/{id}: applied atomically; every added member must exist and be active. */
  patchTeam(
    account: Account,
    id: string,
    operations: ReadonlyArray<PatchOperation>,
    maxMembers: number | undefined
  ): TeamRecord {
    const team = this.getTeam(account, id)
    const members = new Set(team.members)
    let displayName = team.displayName
    let externalId = team.externalId
    const added: Array<string> = []
    let memberValues = 0
    const addAll = (list: ReadonlyArray<{ readonly value: string }>) => {
      memberValues += list.length
      for (const member of list) {
        added.push(member.value)
        members.add(member.value)
      }
    }
    const removeAll = (list: ReadonlyArray<{ readonly value: string }>) => {
      memberValues += list.length
      for (const member of list) members.delete(member.value)
    }
    const replaceAll = (list: ReadonlyArray<{ readonly value: string }>) => {
      members.clear()
      addAll(list)
    }
    for (const operation of operations) {
      const path = operation.path?.trim()
      if (path === undefined || path === "") {
        if (operation.op === "remove") throw badRequest("noTarget", "A remove operation needs a path")
        const value = decodeValue(GroupPatchValue, operation.value, `path-less ${operation.op}`)
        if (value.displayName !== undefined) displayName = this.validateTeamName(value.displayName)
        if (value.externalId !== undefined) externalId = value.externalId
        if (value.members !== undefined) (operation.op === "add" ? addAll : replaceAll)(value.members)
        continue
      }
      const key = path.toLowerCase()
      if (key === "members") {
        if (operation.op === "remove" && operation.value === undefined) {
          memberValues += members.size
          members.clear()
        } else {
          const list = decodeValue(MemberList, operation.value, path)
          ;(operation.op === "add" ? addAll : operation.op === "remove" ? removeAll : replaceAll)(list)
        }
        continue
      }
      if (key === "displayname") {
        if (operation.op === "remove") throw badRequest("mutability", "displayName is required and cannot be removed")
        displayName = this.validateTeamName(decodeValue(Schema.String, operation.value, path))
        continue
      }
      if (key === "externalid") {
        externalId = operation.op === "remove" ? undefined : decodeValue(Schema.String, operation.value, path)
        continue
      }
      const filtered = parseFilteredPath(path)
      if (filtered !== undefined && filtered.attribute === "members" && filtered.sub === undefined) {
        if (operation.op !== "remove") {
          throw badRequest("invalidPath", `"${path}": use op "add" with path "members" to add members`)
        }
        // Okta's form, members[value eq "id"], is one lookup; any other filter is matched against every member.
        const single = singleEq(filtered, "value")
        if (single !== undefined) {
          memberValues += 1
          members.delete(single)
          continue
        }
        const matched = filtered.filter.match([...members].map((id) => memberView(account, id))) as ReadonlyArray<{
          readonly value: string
        }>
        memberValues += Math.max(1, matched.length)
        for (const member of matched) members.delete(member.value)
        continue
      }
      throw badRequest("invalidPath", `Attribute path "${path}" is not supported on Groups`)
    }
    if (maxMembers !== undefined && memberValues > maxMembers) {
      throw new ScimError({
        status: 413,
        scimType: "tooMany",
        detail: `The request changes ${memberValues} members; at most ${maxMembers} member changes are allowed per PATCH`
      })
    }
    this.resolveMembers(account, added, `Cannot add members to team "${team.displayName}"`)
    const newKey = displayName.toLowerCase()
    const holder = account.teamIdByName.get(newKey)
    if (holder !== undefined && holder !== team.id) {
      throw new ScimError({
        status: 409,
        scimType: "uniqueness",
        detail: `Another team (id ${holder}) is already named "${displayName}"`
      })
    }
    if (newKey !== team.displayName.toLowerCase()) {
      account.teamIdByName.delete(team.displayName.toLowerCase())
      account.teamIdByName.set(newKey, team.id)
    }
    team.displayName = displayName
    team.externalId = externalId
    team.members = members
    team.lastModified = now()
    return team
  }

  /** DELETE /Groups/{id}: the team is deprovisioned (gone); its users stay. */
  deleteTeam(account: Account, id: string): void {
    const team = this.getTeam(account, id)
    account.teams.delete(team.id)
    account.teamIdByName.delete(team.displayName.toLowerCase())
    this.teamIds.delete(team.id)
  }
}

const stripUndefined = <A extends object>(value: A): A =>
  Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as A

const lower = (value: string | undefined): string | undefined => value?.toLowerCase()

/** What a filter sees of a user: compared strings lower-cased (id and externalId are case-exact). */
const userFilterView = (user: UserRecord): object => ({
  id: user.id,
  externalId: user.externalId,
  userName: user.userName,
  displayName: lower(user.displayName),
  active: user.active,
  userType: lower(user.userType),
  title: lower(user.title),
  emails: [{ value: user.userName, type: "work" }],
  name: { givenName: lower(user.givenName), familyName: lower(user.familyName), formatted: lower(user.displayName) }
})

/** A team member as a filter sees it: `members[display co "Bob"]` works as well as `members[value eq "1"]`. */
const memberView = (account: Account, id: string): { readonly value: string; readonly display?: string } => {
  const display = account.users.get(id)?.displayName
  return display === undefined ? { value: id } : { value: id, display }
}

const teamFilterView = (team: TeamRecord): object => ({
  id: team.id,
  externalId: team.externalId,
  displayName: team.displayName.toLowerCase(),
  members: [...team.members].map((value) => ({ value }))
})

const userState = (user: UserRecord): UserState => {
  const optional = {
    givenName: user.givenName,
    familyName: user.familyName,
    externalId: user.externalId,
    title: user.title,
    timezone: user.timezone,
    locale: user.locale,
    phoneNumbers: user.phoneNumbers,
    addresses: user.addresses
  }
  return {
    id: user.id,
    userName: user.userName,
    displayName: user.displayName,
    userType: user.userType,
    active: user.active,
    scimProvisioned: user.scimProvisioned,
    passwordSet: user.passwordSet,
    ...stripUndefined(optional)
  } as UserState
}
