/**
 * User lifecycle planning, one user at a time: from an Okta user, its app assignment and its
 * monday.com user, whether to create, update, reactivate or deactivate it, and what to report.
 * Pure and local to the user, so the full and the incremental planner decide alike.
 */
import { ACTIVE_USER_STATUSES, ADDRESS_FIELDS, UNASSIGNED_STATUSES } from "../Domain.js"
import type { AppAssignment, MondayAddress, MondayUser, MondayUser as MondayUserClass, OktaUser } from "../Domain.js"
import { newUserPlaceholder, placeholderOktaUserId } from "../Plan.js"
import type {
  Blocker,
  CreateUser,
  DeactivateUser,
  DeactivationReason,
  ReactivateUser,
  UpdateUser,
  UserAttributes,
  UserChange,
  Warning
} from "../Plan.js"
import { BUILT_IN_USER_TYPES } from "../RuleConfig.js"
import type { UserLifecycle } from "../RuleConfig.js"
import { hashStrings } from "./hash.js"

/** The `users` section compiled once: Sets for the protected emails and custom roles. */
export interface CompiledUsers {
  readonly config: UserLifecycle
  readonly protect: ReadonlySet<string>
  readonly allowedTypes: ReadonlySet<string>
}

export const compileUsers = (config: UserLifecycle): CompiledUsers => ({
  config,
  protect: new Set(config.protect.map((e) => e.trim().toLowerCase())),
  allowedTypes: new Set(config.userType.allowed)
})

/** What the planner knows of one Okta user. */
export interface UserView {
  readonly oktaUserId: string
  readonly user: OktaUser | undefined
  readonly assignment: AppAssignment | undefined
  /** The monday.com user it maps to (user link, else lowercased email). */
  readonly monday: MondayUser | undefined
}

/** The plan's part for one user: at most one op of each kind, and what to report. */
export interface UserDecision {
  readonly create?: CreateUser
  readonly reactivate?: ReactivateUser
  readonly update?: UpdateUser
  readonly deactivate?: DeactivateUser
  readonly blocker?: Blocker
  readonly warnings: ReadonlyArray<Warning>
  /**
   * The id team operations of this plan may use for a user who becomes usable only through it:
   * the `new:<oktaUserId>` placeholder of a create, or the id of a reactivated user.
   */
  readonly readyAs?: string
  /** Why an assigned, active user can't be created (for the team's not-ready report). */
  readonly notProvisioned?: string
}

export const NO_DECISION: UserDecision = { warnings: [] }

export const userKey = (id: string) => `user:${id}`

/**
 * monday.com refuses names with "special characters": it takes letters of any script, combining
 * marks, digits, space, `-`, `'` and `.`. Typographic apostrophes become `'`; anything else a
 * space; runs of spaces collapse.
 */
export const cleanName = (raw: string): string =>
  raw
    .normalize("NFC")
    .replace(/[\u2018\u2019\u02BC\u0060\u00B4]/g, "'")
    .replace(/[^\p{L}\p{M}\p{N} .'-]/gu, " ")
    .replace(/\s+/g, " ")
    .trim()

/** A profile value as text: strings trimmed, numbers and booleans printed; empty, null and lists count as absent. */
const profileText = (user: OktaUser, attribute: string): string | undefined => {
  const v = user.profile?.[attribute] ??
    (attribute === "firstName" ? user.firstName : attribute === "lastName" ? user.lastName : attribute === "email"
      ? user.email
      : attribute === "login" ? user.login : undefined)
  if (typeof v === "string") return v.trim() === "" ? undefined : v.trim()
  if (typeof v === "number" || typeof v === "boolean") return String(v)
  return undefined
}

type TypeResult = { readonly type: string } | { readonly unknown: string; readonly attribute: string }

const normaliseType = (value: string, allowed: ReadonlySet<string>): string | undefined => {
  const lower = value.toLowerCase()
  if (BUILT_IN_USER_TYPES.includes(lower)) return lower
  return allowed.has(value) ? value : undefined
}

const userTypeOf = (cfg: CompiledUsers, user: OktaUser): TypeResult => {
  const { attribute, default: fallback } = cfg.config.userType
  const byDefault = { type: normaliseType(fallback, cfg.allowedTypes) ?? fallback }
  if (attribute === undefined) return byDefault
  const raw = profileText(user, attribute)
  if (raw === undefined) return byDefault
  const type = normaliseType(raw, cfg.allowedTypes)
  return type === undefined ? { unknown: raw, attribute } : { type }
}

/** What monday.com should hold for an Okta user, names cleaned, with what cleaning changed. */
export interface DesiredUser {
  readonly userName: string
  readonly displayName: string
  readonly name: { readonly givenName?: string; readonly familyName?: string } | undefined
  readonly userType: TypeResult
  readonly attributes: UserAttributes
  readonly cleaned: ReadonlyArray<{ readonly attribute: string; readonly from: string; readonly to: string }>
}

export const desiredUser = (cfg: CompiledUsers, user: OktaUser): DesiredUser => {
  const cleaned: Array<{ attribute: string; from: string; to: string }> = []
  const clean = (attribute: string, raw: string | undefined): string | undefined => {
    if (raw === undefined) return undefined
    const to = cleanName(raw)
    if (to !== raw) cleaned.push({ attribute, from: raw, to })
    return to === "" ? undefined : to
  }
  const userName = user.email.trim().toLowerCase()
  const givenName = clean("name.givenName", profileText(user, "firstName"))
  const familyName = clean("name.familyName", profileText(user, "lastName"))
  let displayName = [givenName, familyName].filter((x) => x !== undefined).join(" ")
  if (displayName === "") displayName = clean("displayName", profileText(user, "displayName")) ?? ""
  if (displayName === "") displayName = cleanName(userName.split("@")[0] ?? "") || "user"
  const name = givenName === undefined && familyName === undefined
    ? undefined
    : { ...(givenName !== undefined ? { givenName } : {}), ...(familyName !== undefined ? { familyName } : {}) }
  const map = cfg.config.attributes
  const attr = (a: string | undefined) => (a === undefined ? undefined : profileText(user, a))
  const address: Record<string, string> = {}
  for (const f of ADDRESS_FIELDS) {
    const v = attr(map.address?.[f])
    if (v !== undefined) address[f] = v
  }
  const title = attr(map.title)
  const timezone = attr(map.timezone)
  const locale = attr(map.locale)
  const phoneNumber = attr(map.phoneNumber)
  const attributes: UserAttributes = {
    ...(title !== undefined ? { title } : {}),
    ...(timezone !== undefined ? { timezone } : {}),
    ...(locale !== undefined ? { locale } : {}),
    ...(phoneNumber !== undefined ? { phoneNumber } : {}),
    ...(Object.keys(address).length > 0 ? { address: address as MondayAddress } : {})
  }
  return { userName, displayName, name, userType: userTypeOf(cfg, user), attributes, cleaned }
}

const unknownTypeBlocker = (key: string, user: OktaUser, t: { unknown: string; attribute: string }): Blocker => ({
  _tag: "UnknownUserType",
  id: `UnknownUserType-${hashStrings(["UnknownUserType", key, t.attribute, t.unknown])}`,
  key,
  oktaUserId: user.id,
  email: user.email,
  attribute: t.attribute,
  value: t.unknown
})

const isProtected = (cfg: CompiledUsers, monday: MondayUser, user: OktaUser | undefined) =>
  cfg.protect.has(monday.userName.toLowerCase()) || (user !== undefined && cfg.protect.has(user.email.toLowerCase()))

/**
 * A deactivation, or the warning that replaces it: protected users (the SCIM token owner, break-glass
 * admins) and users monday.com says were not created through SCIM are never sent.
 */
export const deactivation = (
  cfg: CompiledUsers,
  key: string,
  monday: MondayUser,
  user: OktaUser | undefined,
  reason: DeactivationReason,
  detail: string | undefined
): UserDecision => {
  const why = { reason, ...(detail !== undefined ? { detail } : {}) }
  if (isProtected(cfg, monday, user)) {
    return {
      warnings: [{ _tag: "DeactivationSkipped", key, mondayUserId: monday.id, userName: monday.userName, because: "protected", ...why }]
    }
  }
  if (monday.scimProvisioned === false) {
    return {
      warnings: [{
        _tag: "DeactivationSkipped",
        key,
        mondayUserId: monday.id,
        userName: monday.userName,
        because: "not-scim-provisioned",
        ...why
      }]
    }
  }
  return {
    deactivate: {
      _tag: "DeactivateUser",
      key,
      mondayUserId: monday.id,
      userName: monday.userName,
      ...why,
      ...(user !== undefined ? { oktaUserId: user.id } : {})
    },
    warnings: []
  }
}

const NAME_ATTRIBUTES = new Set(["displayName", "name.givenName", "name.familyName"])

/**
 * The attributes of `monday` that differ from `d` (only those Okta has a value for): what an
 * UpdateUser corrects, and what the access report calls profile drift.
 */
export const driftOf = (
  cfg: CompiledUsers,
  d: DesiredUser,
  monday: MondayUser,
  user: OktaUser
): { changes: Array<UserChange>; address: MondayAddress | undefined } => {
  const changes: Array<UserChange> = []
  const diff = (attribute: string, from: string | undefined, to: string | undefined) => {
    if (to !== undefined && from !== to) changes.push({ attribute, ...(from !== undefined ? { from } : {}), to })
  }
  diff("displayName", monday.displayName, d.displayName)
  diff("name.givenName", monday.name?.givenName, d.name?.givenName)
  diff("name.familyName", monday.name?.familyName, d.name?.familyName)
  // The type is only managed when an attribute says it, and never for protected users (monday.com
  // refuses to demote the token owner).
  if (cfg.config.userType.attribute !== undefined && "type" in d.userType && !isProtected(cfg, monday, user)) {
    const current = monday.userType === undefined ? undefined : normaliseType(monday.userType, cfg.allowedTypes) ?? monday.userType
    diff("userType", current, d.userType.type)
  }
  diff("title", monday.title, d.attributes.title)
  diff("timezone", monday.timezone, d.attributes.timezone)
  diff("locale", monday.locale, d.attributes.locale)
  diff("phoneNumber", monday.phoneNumber, d.attributes.phoneNumber)
  let address: MondayAddress | undefined = undefined
  const want = d.attributes.address
  if (want !== undefined) {
    const before = changes.length
    for (const f of ADDRESS_FIELDS) diff(`address.${f}`, monday.address?.[f], want[f])
    if (changes.length > before) address = { ...monday.address, ...want }
  }
  return { changes, address }
}

const cleanedWarning = (key: string, user: OktaUser, d: DesiredUser, only?: ReadonlySet<string>): Array<Warning> => {
  const changes = d.cleaned.filter((c) => only === undefined || only.has(c.attribute))
  return changes.length === 0 ? [] : [{ _tag: "NameCleaned", key, oktaUserId: user.id, email: user.email, changes }]
}

/**
 * The lifecycle decision for one Okta user (excluded users never reach here):
 * - no monday.com user: create it when provisioning, assigned (any status but INACTIVE/DEPROVISIONED)
 *   and active in Okta; an unknown user type blocks it instead;
 * - an active monday.com user whose Okta user is unassigned or not active: deactivate it;
 * - a deactivated one whose Okta user is assigned and active: reactivate it;
 * - an assigned, active one: correct what drifted from Okta.
 */
export const decideUser = (cfg: CompiledUsers, v: UserView): UserDecision => {
  const { assignment, monday, user } = v
  const c = cfg.config
  const key = userKey(v.oktaUserId)
  const assigned = assignment !== undefined && !UNASSIGNED_STATUSES.has(assignment.status)
  const active = user !== undefined && ACTIVE_USER_STATUSES.has(user.status)
  if (monday === undefined) {
    if (!c.provision || !assigned || !active) return NO_DECISION
    const d = desiredUser(cfg, user)
    if ("unknown" in d.userType) {
      return {
        blocker: unknownTypeBlocker(key, user, d.userType),
        warnings: [],
        notProvisioned: `${d.userType.attribute} "${d.userType.unknown}" is not a monday.com user type`
      }
    }
    return {
      create: {
        _tag: "CreateUser",
        key,
        oktaUserId: user.id,
        userName: d.userName,
        displayName: d.displayName,
        ...(d.name !== undefined ? { name: d.name } : {}),
        userType: d.userType.type,
        attributes: d.attributes
      },
      readyAs: newUserPlaceholder(user.id),
      warnings: cleanedWarning(key, user, d)
    }
  }
  if (!assigned || !active) {
    if (!monday.active || !c.deactivate) return NO_DECISION
    if (user === undefined) {
      // Linked, but Okta listed neither the user nor an assignment: unassigned (or deleted).
      return assignment === undefined ? deactivation(cfg, key, monday, user, "unassigned", undefined) : NO_DECISION
    }
    return active
      ? deactivation(cfg, key, monday, user, "unassigned", assignment?.status)
      : deactivation(cfg, key, monday, user, "inactive-in-okta", user.status)
  }
  let reactivate: ReactivateUser | undefined = undefined
  if (!monday.active) {
    if (!c.deactivate || !c.reactivate) return NO_DECISION
    reactivate = { _tag: "ReactivateUser", key, mondayUserId: monday.id, userName: monday.userName, oktaUserId: user.id }
  }
  let update: UpdateUser | undefined = undefined
  const warnings: Array<Warning> = []
  let blocker: Blocker | undefined = undefined
  if (c.update) {
    const d = desiredUser(cfg, user)
    if ("unknown" in d.userType) blocker = unknownTypeBlocker(key, user, d.userType)
    const { address, changes } = driftOf(cfg, d, monday, user)
    if (changes.length > 0) {
      update = {
        _tag: "UpdateUser",
        key,
        mondayUserId: monday.id,
        userName: monday.userName,
        changes,
        ...(address !== undefined ? { address } : {})
      }
      const names = new Set(changes.map((ch) => ch.attribute).filter((a) => NAME_ATTRIBUTES.has(a)))
      if (names.size > 0) warnings.push(...cleanedWarning(key, user, d, names))
    }
  }
  return {
    ...(reactivate !== undefined ? { reactivate, readyAs: monday.id } : {}),
    ...(update !== undefined ? { update } : {}),
    ...(blocker !== undefined ? { blocker } : {}),
    warnings
  }
}

/** Active monday.com users no Okta record explains: reported, or deactivated under `unexplained: deactivate`. */
export const unexplainedDecisions = (
  cfg: CompiledUsers,
  users: ReadonlyArray<MondayUser>
): { readonly decisions: ReadonlyArray<UserDecision>; readonly warnings: ReadonlyArray<Warning> } => {
  if (users.length === 0) return { decisions: [], warnings: [] }
  const sortedUsers = [...users].sort((a, b) => (a.userName < b.userName ? -1 : a.userName > b.userName ? 1 : 0))
  if (cfg.config.unexplained === "deactivate" && cfg.config.deactivate) {
    return {
      decisions: sortedUsers.map((m) => deactivation(cfg, userKey(m.id), m, undefined, "unexplained", undefined)),
      warnings: []
    }
  }
  return {
    decisions: [],
    warnings: [{
      _tag: "UnexplainedUsers",
      key: "users:unexplained",
      users: sortedUsers.map((m) => ({ mondayUserId: m.id, userName: m.userName }))
    }]
  }
}


// ---------------------------------------------------------------------------------------------
// Plan assembly and bookkeeping
// ---------------------------------------------------------------------------------------------

/** The user part of a plan: creates, reactivations and updates go first; deactivations last. */
export interface UserPlanParts {
  readonly first: Array<CreateUser | ReactivateUser | UpdateUser>
  readonly deactivations: Array<DeactivateUser>
  readonly blockers: Array<Blocker>
  readonly warnings: Array<Warning>
}

const byKey = (a: { readonly key: string }, b: { readonly key: string }) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0)

/** Decisions to plan parts, sorted by key (a reactivation before the same user's update). */
export const collectDecisions = (decisions: Iterable<UserDecision>): UserPlanParts => {
  const parts: UserPlanParts = { first: [], deactivations: [], blockers: [], warnings: [] }
  for (const d of decisions) {
    if (d.create !== undefined) parts.first.push(d.create)
    if (d.reactivate !== undefined) parts.first.push(d.reactivate)
    if (d.update !== undefined) parts.first.push(d.update)
    if (d.deactivate !== undefined) parts.deactivations.push(d.deactivate)
    if (d.blocker !== undefined) parts.blockers.push(d.blocker)
    parts.warnings.push(...d.warnings)
  }
  // Stable: a user's reactivation stays before its update.
  parts.first.sort(byKey)
  parts.deactivations.sort(byKey)
  return parts
}

/** Placeholder → the id its CreateUser's outcome gave, for the creates that were done. */
export const createdUserIds = (
  operations: ReadonlyArray<{ readonly _tag: string }>,
  outcomes: ReadonlyArray<{ readonly index: number; readonly status: string; readonly userId?: MondayUser["id"] | undefined }>
): Map<string, MondayUser["id"]> => {
  const out = new Map<string, MondayUser["id"]>()
  for (const o of outcomes) {
    const op = operations[o.index]
    if (o.status !== "done" || o.userId === undefined || op === undefined || op._tag !== "CreateUser") continue
    out.set(newUserPlaceholder((op as CreateUser).oktaUserId), o.userId)
  }
  return out
}

/**
 * Ids a plan names as they stand after its apply, given `createdUserIds`: a real id stays, a
 * placeholder becomes the id its CreateUser gave, and one whose create was not done is dropped (it
 * was not sent).
 */
export const realIdsAfter = (createdUsers: ReadonlyMap<string, string>) => (ids: Iterable<string>): Array<string> => {
  const out: Array<string> = []
  for (const id of ids) {
    if (placeholderOktaUserId(id) === undefined) out.push(id)
    else {
      const r = createdUsers.get(id)
      if (r !== undefined) out.push(r)
    }
  }
  return out
}

/** monday.com's users after a plan's user operations all succeeded (created users get `newUserId`). */
export const simulateUsers = (
  users: ReadonlyArray<MondayUser>,
  operations: ReadonlyArray<{ readonly _tag: string }>,
  newUserId: (oktaUserId: CreateUser["oktaUserId"]) => MondayUser["id"],
  make: (fields: ConstructorParameters<typeof MondayUserClass>[0]) => MondayUser
): { readonly users: Array<MondayUser>; readonly ids: Map<string, MondayUser["id"]> } => {
  const byId = new Map(users.map((u) => [u.id as string, u]))
  const ids = new Map<string, MondayUser["id"]>()
  for (const raw of operations) {
    const op = raw as CreateUser | UpdateUser | DeactivateUser | ReactivateUser
    switch (op._tag) {
      case "CreateUser": {
        const id = newUserId(op.oktaUserId)
        ids.set(newUserPlaceholder(op.oktaUserId), id)
        byId.set(id, make({
          id,
          userName: op.userName,
          active: true,
          displayName: op.displayName,
          userType: op.userType,
          scimProvisioned: true,
          ...(op.name !== undefined ? { name: op.name } : {}),
          ...op.attributes
        }))
        break
      }
      case "UpdateUser":
      case "DeactivateUser":
      case "ReactivateUser": {
        const u = byId.get(op.mondayUserId)
        if (u !== undefined) byId.set(u.id, userAfter(u, op, make))
        break
      }
    }
  }
  return { users: [...byId.values()], ids }
}

/** A monday.com user after an UpdateUser, DeactivateUser or ReactivateUser of it succeeded. */
export const userAfter = (
  u: MondayUser,
  op: UpdateUser | DeactivateUser | ReactivateUser,
  make: (fields: ConstructorParameters<typeof MondayUserClass>[0]) => MondayUser
): MondayUser => {
  if (op._tag !== "UpdateUser") return make({ ...u, active: op._tag === "ReactivateUser" })
  const fields: Record<string, unknown> = { ...u }
  let name = u.name
  for (const c of op.changes) {
    if (c.attribute === "name.givenName") name = { ...name, givenName: c.to }
    else if (c.attribute === "name.familyName") name = { ...name, familyName: c.to }
    else if (!c.attribute.startsWith("address.")) fields[c.attribute] = c.to
  }
  if (name !== undefined) fields.name = name
  if (op.address !== undefined) fields.address = op.address
  return make(fields as ConstructorParameters<typeof MondayUserClass>[0])
}
