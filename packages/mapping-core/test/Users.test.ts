/**
 * Profile drift, the one definition the planner and the access report share: what it says for a
 * cleaned name and a changed title, and, over generated users, that it is exactly what the
 * planner's UpdateUser corrects and that a user just provisioned has none.
 */
import { describe, expect, it } from "@effect/vitest"
import { FastCheck as fc } from "effect"
import { Links, MondayUser, OktaUser, SourceSnapshot, TargetSnapshot } from "../src/Domain.js"
import type { MondayUserId, OktaUserId } from "../src/Domain.js"
import * as Planner from "../src/Planner.js"
import { DEFAULT_USER_LIFECYCLE } from "../src/RuleConfig.js"
import type { UserLifecycle } from "../src/RuleConfig.js"
import { profileDrift } from "../src/Users.js"
import { rules } from "./util/org.js"

const okta = (first: string | undefined, last: string | undefined, profile: Record<string, string> = {}, email = "ada@x.com") =>
  new OktaUser({
    id: "00u1" as OktaUserId,
    login: email,
    email,
    status: "ACTIVE",
    ...(first !== undefined ? { firstName: first } : {}),
    ...(last !== undefined ? { lastName: last } : {}),
    profile: { ...(first !== undefined ? { firstName: first } : {}), ...(last !== undefined ? { lastName: last } : {}), ...profile }
  })

const monday = (fields: Partial<ConstructorParameters<typeof MondayUser>[0]> = {}) =>
  new MondayUser({ id: "m1" as MondayUserId, userName: "ada@x.com", active: true, scimProvisioned: true, ...fields })

describe("profile drift", () => {
  it("compares names as cleaned for monday.com: a name provisioned cleaned has no drift", () => {
    const zoe = okta("Zoë", "Dubois (Contractor)")
    const provisioned = monday({ displayName: "Zoë Dubois Contractor", name: { givenName: "Zoë", familyName: "Dubois Contractor" } })
    expect(profileDrift()(zoe, provisioned)).toStrictEqual({ changes: [] })
  })

  it("lists a changed title, and each other differing attribute, with monday.com's value and Okta's", () => {
    const ann = okta("Ann", "Lee", { title: "Director", locale: "nb_NO", mobilePhone: "+47 1", city: "Oslo" })
    const m = monday({ displayName: "Ann Lee", name: { givenName: "Ann", familyName: "Lee" }, title: "Intern", locale: "nb_NO" })
    expect(profileDrift()(ann, m).changes).toStrictEqual([
      { attribute: "title", from: "Intern", to: "Director" },
      { attribute: "phoneNumber", to: "+47 1" },
      { attribute: "address.locality", to: "Oslo" }
    ])
  })

  it("compares the user type only when an Okta attribute sets it, and never for a protected user", () => {
    const max = okta("Max", "Roth", { mondayRole: "viewer" }, "max@x.com")
    const m = monday({ userName: "max@x.com", displayName: "Max Roth", name: { givenName: "Max", familyName: "Roth" }, userType: "admin" })
    expect(profileDrift()(max, m).changes).toStrictEqual([])
    const typed: UserLifecycle = { ...DEFAULT_USER_LIFECYCLE, userType: { attribute: "mondayRole", default: "member", allowed: [] } }
    expect(profileDrift(typed)(max, m).changes).toStrictEqual([{ attribute: "userType", from: "admin", to: "viewer" }])
    expect(profileDrift({ ...typed, protect: ["MAX@x.com"] })(max, m).changes).toStrictEqual([])
  })

  it("says when monday.com's userName is not Okta's email, which no sync renames", () => {
    const gus = okta("Gus", "Ek", {}, "Gus.New@X.com")
    const m = monday({ userName: "gus@x.com", displayName: "Gus Ek", name: { givenName: "Gus", familyName: "Ek" } })
    expect(profileDrift()(gus, m)).toStrictEqual({ changes: [], userName: { from: "gus@x.com", to: "gus.new@x.com" } })
  })
})

describe("properties", () => {
  // Small pools, so monday.com's value often equals Okta's and often doesn't.
  const name = fc.option(fc.constantFrom("Ann", "Zoë", "Dubois (Contractor)", "Dubois Contractor", "山田", "O’Neil", " Lee ", "!"), { nil: undefined })
  const value = (...xs: Array<string>) => fc.option(fc.constantFrom(...xs), { nil: undefined })
  const oktaUser = fc.record({
    first: name,
    last: name,
    title: value("Director", "Intern"),
    timezone: value("Europe/Oslo", "Asia/Seoul"),
    locale: value("nb_NO", "en_US"),
    mobilePhone: value("+47 1", "+1 2"),
    city: value("Oslo", "Seoul"),
    mondayRole: value("viewer", "Admin", "role-7", "superuser")
  }).map((p) => {
    const profile: Record<string, string> = {}
    for (const k of ["title", "timezone", "locale", "mobilePhone", "city", "mondayRole"] as const) {
      if (p[k] !== undefined) profile[k] = p[k]
    }
    return okta(p.first, p.last, profile)
  })
  const mondayUser = fc.record({
    displayName: value("Ann", "Ann Lee", "Zoë Dubois Contractor", "山田", "Dubois Contractor"),
    givenName: value("Ann", "Zoë", "山田", "O'Neil"),
    familyName: value("Lee", "Dubois Contractor", "!"),
    userType: value("member", "viewer", "admin", "role-7"),
    title: value("Director", "Intern"),
    timezone: value("Europe/Oslo"),
    locale: value("nb_NO", "en_US"),
    phoneNumber: value("+47 1"),
    locality: value("Oslo")
  }).map((m) =>
    monday({
      ...(m.displayName !== undefined ? { displayName: m.displayName } : {}),
      ...(m.givenName !== undefined || m.familyName !== undefined
        ? { name: { ...(m.givenName !== undefined ? { givenName: m.givenName } : {}), ...(m.familyName !== undefined ? { familyName: m.familyName } : {}) } }
        : {}),
      ...(m.userType !== undefined ? { userType: m.userType } : {}),
      ...(m.title !== undefined ? { title: m.title } : {}),
      ...(m.timezone !== undefined ? { timezone: m.timezone } : {}),
      ...(m.locale !== undefined ? { locale: m.locale } : {}),
      ...(m.phoneNumber !== undefined ? { phoneNumber: m.phoneNumber } : {}),
      ...(m.locality !== undefined ? { address: { locality: m.locality } } : {})
    })
  )
  const usersSection = fc.record({
    typed: fc.boolean(),
    protect: fc.boolean()
  }).map(({ protect, typed }) => ({
    provision: true,
    update: true,
    ...(typed ? { userType: { attribute: "mondayRole", allowed: ["role-7"] } } : {}),
    ...(protect ? { protect: ["ada@x.com"] } : {})
  }))

  const input = (users: Record<string, unknown>, o: OktaUser, m: ReadonlyArray<MondayUser>): Planner.PlanInput => ({
    rules: rules({ mappings: [{ select: { names: ["none"] } }], users }),
    source: new SourceSnapshot({
      users: [o],
      groups: [],
      memberships: [],
      assignments: [{ userId: o.id, scope: "USER", status: "ACTIVE" }],
      assignedGroupIds: []
    }),
    target: new TargetSnapshot({ users: m, teams: [] }),
    links: new Links({ teams: [], users: [] })
  })

  it.prop("drift is exactly what the planner's UpdateUser corrects", [usersSection, oktaUser, mondayUser], ([users, o, m]) => {
    const i = input(users, o, [m])
    const update = Planner.plan(i).operations.find((op) => op._tag === "UpdateUser")
    expect(profileDrift(i.rules.users)(o, m).changes).toStrictEqual(update?._tag === "UpdateUser" ? update.changes : [])
  })

  it.prop("a user as the planner provisions it has no drift", [usersSection, oktaUser], ([users, o]) => {
    const i = input(users, o, [])
    const plan = Planner.plan(i)
    const created = Planner.simulateApply(i.target, plan, (key) => key as never, () => "m1" as MondayUserId).users
    // An unknown user type blocks the create instead.
    if (created.length === 0) return
    expect(profileDrift(i.rules.users)(o, created[0]!)).toStrictEqual({ changes: [] })
  })
})
