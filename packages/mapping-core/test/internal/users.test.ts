/**
 * Worked examples of the per-user lifecycle decision: who is created (and as what), whose profile
 * is corrected, who is deactivated or reactivated, and who is only reported.
 */
import { describe, expect, it } from "@effect/vitest"
import { FastCheck as fc } from "effect"
import { MondayUser, OktaUser } from "../../src/Domain.js"
import type { AppAssignment, MondayUserId, OktaUserId, OktaUserStatus } from "../../src/Domain.js"
import { cleanName, compileUsers, decideUser, desiredUser, unexplainedDecisions } from "../../src/internal/users.js"
import { DEFAULT_USER_LIFECYCLE } from "../../src/RuleConfig.js"
import type { UserLifecycle } from "../../src/RuleConfig.js"

const cfg = (over: Partial<UserLifecycle> = {}) =>
  compileUsers({ ...DEFAULT_USER_LIFECYCLE, provision: true, update: true, deactivate: true, ...over })

const okta = (spec: { status?: OktaUserStatus; email?: string; first?: string; last?: string; profile?: Record<string, string> } = {}) =>
  new OktaUser({
    id: "00u1" as OktaUserId,
    login: "ada@x.com",
    email: spec.email ?? "ada@x.com",
    status: spec.status ?? "ACTIVE",
    firstName: spec.first ?? "Ada",
    lastName: spec.last ?? "Lovelace",
    profile: { firstName: spec.first ?? "Ada", lastName: spec.last ?? "Lovelace", ...spec.profile }
  })

const assigned = (status = "ACTIVE"): AppAssignment => ({ userId: "00u1" as OktaUserId, scope: "USER", status })

const monday = (spec: Partial<ConstructorParameters<typeof MondayUser>[0]> = {}) =>
  new MondayUser({
    id: "m1" as MondayUserId,
    userName: "ada@x.com",
    active: true,
    displayName: "Ada Lovelace",
    name: { givenName: "Ada", familyName: "Lovelace" },
    userType: "member",
    scimProvisioned: true,
    ...spec
  })

const view = (user: OktaUser | undefined, assignment: AppAssignment | undefined, m: MondayUser | undefined) => ({
  oktaUserId: "00u1",
  user,
  assignment,
  monday: m
})

describe("names monday.com accepts", () => {
  it("keeps letters of every script, digits, spaces, - ' and .; replaces the rest", () => {
    expect(cleanName("José Müller-O'Neil Jr.")).toBe("José Müller-O'Neil Jr.")
    expect(cleanName("山田 太郎")).toBe("山田 太郎")
    expect(cleanName("Ольга Петрова")).toBe("Ольга Петрова")
    expect(cleanName("Ada (Contractor) <ext>")).toBe("Ada Contractor ext")
    expect(cleanName("D’Arcy")).toBe("D'Arcy")
    expect(cleanName("a\tb  c!")).toBe("a b c")
  })

  it.prop("a cleaned name is accepted by monday.com's rule and cleaning it again changes nothing", [fc.string()], ([s]) => {
    const once = cleanName(s)
    expect(/^[\p{L}\p{M}\p{N} .'-]*$/u.test(once)).toBe(true)
    expect(cleanName(once)).toBe(once)
  })
})

describe("provisioning", () => {
  it("creates an assigned, active user: lowercased email, cleaned names, mapped attributes, default type", () => {
    const user = okta({ email: "Ada.L@X.com", first: "Ada (Eng)", profile: { title: "Countess", mobilePhone: "+44 1", city: "London" } })
    const d = decideUser(cfg(), view(user, assigned("PENDING"), undefined))
    expect(d.create).toStrictEqual({
      _tag: "CreateUser",
      key: "user:00u1",
      oktaUserId: "00u1",
      userName: "ada.l@x.com",
      displayName: "Ada Eng Lovelace",
      name: { givenName: "Ada Eng", familyName: "Lovelace" },
      userType: "member",
      attributes: { title: "Countess", phoneNumber: "+44 1", address: { locality: "London" } }
    })
    expect(d.readyAs).toBe("new:00u1")
    expect(d.warnings).toStrictEqual([{
      _tag: "NameCleaned",
      key: "user:00u1",
      oktaUserId: "00u1",
      email: "Ada.L@X.com",
      changes: [{ attribute: "name.givenName", from: "Ada (Eng)", to: "Ada Eng" }]
    }])
  })

  it("takes the type from the configured attribute: built-in in any case, listed custom roles, else a blocker", () => {
    const typed = (value: string) =>
      decideUser(
        cfg({ userType: { attribute: "mondayRole", default: "viewer", allowed: ["role-42"] } }),
        view(okta({ profile: { mondayRole: value } }), assigned(), undefined)
      )
    expect(typed("Admin").create?.userType).toBe("admin")
    expect(typed("role-42").create?.userType).toBe("role-42")
    expect(typed("").create?.userType).toBe("viewer")
    const blocked = typed("superuser")
    expect(blocked.create).toBeUndefined()
    expect(blocked.blocker).toMatchObject({ _tag: "UnknownUserType", key: "user:00u1", attribute: "mondayRole", value: "superuser" })
    expect(blocked.notProvisioned).toContain("superuser")
  })

  it("creates nobody unassigned, deassigned, inactive in Okta, or when provisioning is off", () => {
    expect(decideUser(cfg(), view(okta(), undefined, undefined)).create).toBeUndefined()
    expect(decideUser(cfg(), view(okta(), assigned("INACTIVE"), undefined)).create).toBeUndefined()
    expect(decideUser(cfg(), view(okta({ status: "SUSPENDED" }), assigned(), undefined)).create).toBeUndefined()
    expect(decideUser(cfg({ provision: false }), view(okta(), assigned(), undefined)).create).toBeUndefined()
  })
})

describe("deactivation and reactivation", () => {
  it("deactivates a user suspended, deprovisioned or unassigned in Okta, saying why", () => {
    expect(decideUser(cfg(), view(okta({ status: "SUSPENDED" }), assigned(), monday())).deactivate).toStrictEqual({
      _tag: "DeactivateUser",
      key: "user:00u1",
      mondayUserId: "m1",
      userName: "ada@x.com",
      reason: "inactive-in-okta",
      detail: "SUSPENDED",
      oktaUserId: "00u1"
    })
    expect(decideUser(cfg(), view(okta(), undefined, monday())).deactivate).toMatchObject({ reason: "unassigned" })
    expect(decideUser(cfg(), view(okta(), assigned("DEPROVISIONED"), monday())).deactivate).toMatchObject({
      reason: "unassigned",
      detail: "DEPROVISIONED"
    })
    // Linked, and gone from every Okta listing.
    expect(decideUser(cfg(), view(undefined, undefined, monday())).deactivate).toMatchObject({ reason: "unassigned" })
    expect(decideUser(cfg({ deactivate: false }), view(okta({ status: "SUSPENDED" }), assigned(), monday())).deactivate)
      .toBeUndefined()
  })

  it("never deactivates protected users or users monday.com did not provision through SCIM: a warning instead", () => {
    const protectedOne = decideUser(cfg({ protect: ["ADA@x.com"] }), view(okta({ status: "SUSPENDED" }), assigned(), monday()))
    expect(protectedOne.deactivate).toBeUndefined()
    expect(protectedOne.warnings).toMatchObject([{ _tag: "DeactivationSkipped", because: "protected", reason: "inactive-in-okta" }])
    const uiMade = decideUser(cfg(), view(okta(), undefined, monday({ scimProvisioned: false })))
    expect(uiMade.deactivate).toBeUndefined()
    expect(uiMade.warnings).toMatchObject([{ _tag: "DeactivationSkipped", because: "not-scim-provisioned", reason: "unassigned" }])
  })

  it("reactivates a deactivated user who is assigned and active again (with deactivate and reactivate on)", () => {
    const back = decideUser(cfg(), view(okta(), assigned(), monday({ active: false })))
    expect(back.reactivate).toMatchObject({ _tag: "ReactivateUser", mondayUserId: "m1" })
    expect(back.readyAs).toBe("m1")
    expect(decideUser(cfg({ reactivate: false }), view(okta(), assigned(), monday({ active: false }))).reactivate).toBeUndefined()
    expect(decideUser(cfg({ deactivate: false }), view(okta(), assigned(), monday({ active: false }))).reactivate).toBeUndefined()
  })
})

describe("profile drift", () => {
  it("lists every attribute that differs from Okta, never clearing what Okta leaves empty", () => {
    const user = okta({ first: "Ada", last: "King", profile: { title: "Countess", timezone: "Europe/London", city: "London", state: "" } })
    const d = decideUser(cfg(), view(user, assigned(), monday({ title: "Lady", locale: "en-GB", address: { locality: "Paris", country: "FR" } })))
    expect(d.update).toStrictEqual({
      _tag: "UpdateUser",
      key: "user:00u1",
      mondayUserId: "m1",
      userName: "ada@x.com",
      changes: [
        { attribute: "displayName", from: "Ada Lovelace", to: "Ada King" },
        { attribute: "name.familyName", from: "Lovelace", to: "King" },
        { attribute: "title", from: "Lady", to: "Countess" },
        { attribute: "timezone", to: "Europe/London" },
        { attribute: "address.locality", from: "Paris", to: "London" }
      ],
      address: { locality: "London", country: "FR" }
    })
  })

  it("compares the user type only when an attribute gives it, and never for protected users", () => {
    const user = okta({ profile: { mondayRole: "admin" } })
    expect(decideUser(cfg(), view(user, assigned(), monday())).update).toBeUndefined()
    const withAttr = cfg({ userType: { attribute: "mondayRole", default: "member", allowed: [] } })
    expect(decideUser(withAttr, view(user, assigned(), monday())).update?.changes).toStrictEqual([
      { attribute: "userType", from: "member", to: "admin" }
    ])
    const guarded = cfg({ userType: { attribute: "mondayRole", default: "member", allowed: [] }, protect: ["ada@x.com"] })
    expect(decideUser(guarded, view(okta({ profile: { mondayRole: "viewer" } }), assigned(), monday({ userType: "admin" }))).update)
      .toBeUndefined()
  })

  it("is planned only with update on, and is idempotent once applied", () => {
    const user = okta({ profile: { title: "Countess" } })
    expect(decideUser(cfg({ update: false }), view(user, assigned(), monday())).update).toBeUndefined()
    const d = desiredUser(cfg(), user)
    const synced = monday({ title: d.attributes.title! })
    expect(decideUser(cfg(), view(user, assigned(), synced)).update).toBeUndefined()
  })
})

describe("unexplained monday.com users", () => {
  const ghosts = [monday({ id: "m9" as MondayUserId, userName: "zed@x.com" }), monday({ id: "m8" as MondayUserId, userName: "amy@x.com" })]

  it("are reported in one warning by default, and deactivated only under unexplained: deactivate", () => {
    expect(unexplainedDecisions(cfg(), ghosts).warnings).toStrictEqual([{
      _tag: "UnexplainedUsers",
      key: "users:unexplained",
      users: [{ mondayUserId: "m8", userName: "amy@x.com" }, { mondayUserId: "m9", userName: "zed@x.com" }]
    }])
    const deactivating = unexplainedDecisions(cfg({ unexplained: "deactivate", protect: ["zed@x.com"] }), ghosts)
    expect(deactivating.decisions.map((d) => d.deactivate?.key ?? d.warnings[0]?._tag)).toStrictEqual(["user:m8", "DeactivationSkipped"])
  })
})
