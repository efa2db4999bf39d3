/**
 * User lifecycle through the real stack (engine, Okta source, SCIM sink) against both emulators:
 * provisioning with a team in one sync, profile drift, deactivation and reactivation by the
 * daemon's poll, the token owner, unknown user types, names and emails monday.com would refuse,
 * unexplained users, and the run removal limit.
 */
import { describe, expect, it } from "@effect/vitest"
import { Duration, Effect, Redacted } from "effect"
import type { Plan } from "@okta-monday/mapping-core"
import type * as Daemon from "../../src/Daemon.js"
import { inProcessDaemon } from "../support/daemon.js"
import { withEngine } from "../support/engine.js"
import { ADMIN, eventually, org } from "./support.js"

const tags = (plan: Plan.Plan) => plan.operations.map((op) => `${op._tag}:${op.key}`)
const ofTag = <T extends Plan.Operation["_tag"]>(plan: Plan.Plan, tag: T) =>
  plan.operations.filter((op): op is Extract<Plan.Operation, { _tag: T }> => op._tag === tag)

type DeltaEvent = Extract<Daemon.CycleEvent, { kind: "delta" }>

/** The first System Log (delta) cycle whose plan holds an operation of `tag`, if it happened yet. */
const deltaWith = (events: ReadonlyArray<Daemon.CycleEvent>, tag: Plan.Operation["_tag"]): DeltaEvent | undefined =>
  events.find((e): e is DeltaEvent => e.kind === "delta" && e.report.plan.operations.some((op) => op._tag === tag))

describe("user lifecycle", () => {
  it.scopedLive("provisions new people and pushes their new team in one sync; names and emails made acceptable", () =>
    Effect.gen(function*() {
      const o = yield* org({
        people: [
          { email: "ann@example.com", firstName: "Ann", lastName: "Lee", monday: { name: "Ann Lee" } },
          { email: "Kim.Park@Example.com", firstName: "Kim", lastName: "Park", profile: { title: "Engineer", timezone: "Asia/Seoul" } },
          { email: "zoe@example.com", firstName: "Zoë", lastName: "Dubois (Contractor)" },
          { email: "taro@example.com", firstName: "太郎", lastName: "山田" },
          { email: "max@example.com", firstName: "Max", lastName: "Roth", profile: { mondayRole: "superuser" } },
          { email: "pat@example.com", firstName: "Pat", lastName: "Kay", profile: { mondayRole: "Viewer" } }
        ],
        groups: {
          "team-Platform": ["ann@example.com", "Kim.Park@Example.com", "zoe@example.com", "taro@example.com", "max@example.com", "pat@example.com"]
        }
      })
      const settings = o.settings("provision: true\nuserType: { attribute: mondayRole }")
      yield* withEngine(settings, (engine) =>
        Effect.gen(function*() {
          const report = yield* engine.plan
          const creates = ofTag(report.plan, "CreateUser")
          expect(creates.map((c) => c.userName).sort()).toEqual(["kim.park@example.com", "pat@example.com", "taro@example.com", "zoe@example.com"])
          expect(creates.find((c) => c.userName === "pat@example.com")?.userType).toBe("viewer")
          // The team is created in the same plan, with the new users by placeholder, after them.
          expect(tags(report.plan).indexOf("CreateTeam:Platform")).toBeGreaterThan(tags(report.plan).indexOf(`CreateUser:user:${o.oktaId("zoe@example.com")}`))
          expect(report.plan.blockers).toMatchObject([{ _tag: "UnknownUserType", email: "max@example.com", value: "superuser", attribute: "mondayRole" }])
          expect(report.plan.warnings.filter((w) => w._tag === "NameCleaned")).toMatchObject([
            { _tag: "NameCleaned", email: "zoe@example.com", changes: [{ attribute: "name.familyName", from: "Dubois (Contractor)", to: "Dubois Contractor" }] }
          ])
          expect(report.rendered).toContain("+ create user kim.park@example.com (member)")
          expect(report.rendered).toContain("+ add zoe@example.com (new)")
          expect(report.rendered).toContain("superuser")

          const applied = yield* engine.applyReport(report)
          expect(applied.status).toBe("succeeded")
          expect(o.user("kim.park@example.com")).toMatchObject({ userName: "kim.park@example.com", title: "Engineer", timezone: "Asia/Seoul" })
          expect(o.user("zoe@example.com")).toMatchObject({ displayName: "Zoë Dubois Contractor" })
          expect(o.user("taro@example.com")).toMatchObject({ displayName: "太郎 山田" })
          expect(o.user("max@example.com")).toBeUndefined()
          expect(o.team("Platform")).toEqual(["ann@example.com", "kim.park@example.com", "pat@example.com", "taro@example.com", "zoe@example.com"])

          // Converged: the only thing left is the reported blocker.
          const again = yield* engine.plan
          expect(again.plan.operations).toEqual([])
          expect(again.plan.blockers.map((b) => b._tag)).toEqual(["UnknownUserType"])
          const skipped = again.plan.warnings.find((w) => w._tag === "MembersSkipped")
          expect(skipped?._tag === "MembersSkipped" && skipped.users).toMatchObject([{ email: "max@example.com", reason: "not-provisioned" }])
        }))
    }))

  it.scopedLive("corrects profile drift and lists it in the plan", () =>
    Effect.gen(function*() {
      const o = yield* org({
        people: [
          { email: "ann@example.com", firstName: "Ann", lastName: "Lee", profile: { title: "Director", city: "Oslo" }, monday: { name: "Ann Li" } },
          { email: "bo@example.com", firstName: "Bo", lastName: "Ek", monday: { name: "Bo Ek" } }
        ],
        groups: { "team-Ops": ["ann@example.com", "bo@example.com"] }
      })
      yield* withEngine(o.settings("update: true"), (engine) =>
        Effect.gen(function*() {
          const report = yield* engine.plan
          const ann = ofTag(report.plan, "UpdateUser").find((u) => u.userName === "ann@example.com")!
          expect(ann.changes).toEqual(expect.arrayContaining([
            { attribute: "displayName", from: "Ann Li", to: "Ann Lee" },
            { attribute: "title", to: "Director" },
            { attribute: "address.locality", to: "Oslo" }
          ]))
          expect(report.rendered).toContain('~ update user ann@example.com displayName: "Ann Li" → "Ann Lee"')
          yield* engine.applyReport(report)
          expect(o.user("ann@example.com")).toMatchObject({ displayName: "Ann Lee", title: "Director", givenName: "Ann", familyName: "Lee" })
          expect(o.user("ann@example.com")!.addresses).toMatchObject([{ locality: "Oslo" }])
          expect((yield* engine.plan).plan.operations).toEqual([])
        }))
    }))

  it.scopedLive("the daemon deactivates a user suspended or unassigned in Okta at its next poll, and reactivates them when unsuspended", () =>
    Effect.gen(function*() {
      const o = yield* org({
        people: [
          { email: "ann@example.com", firstName: "Ann", lastName: "Lee", monday: { name: "Ann Lee" } },
          { email: "bo@example.com", firstName: "Bo", lastName: "Ek", monday: { name: "Bo Ek" } }
        ],
        groups: { "team-Ops": ["ann@example.com", "bo@example.com"] }
      })
      const settings = o.settings("deactivate: true")
      const daemon = yield* inProcessDaemon(settings, { pollInterval: Duration.millis(200), store: "memory" })
      yield* eventually(() => daemon.events.length, (n) => n > 0)
      expect(o.team("Ops")).toEqual(["ann@example.com", "bo@example.com"])

      o.okta.setUserStatus(o.oktaId("bo@example.com"), "SUSPENDED")
      // The daemon records its cycle only after the apply is done and journaled: wait on the
      // event, then the emulator's state is already there to check.
      const delta = yield* eventually(() => deltaWith(daemon.events, "DeactivateUser"), (e) => e !== undefined)
      expect(delta && ofTag(delta.report.plan, "DeactivateUser")).toMatchObject([{ userName: "bo@example.com", reason: "inactive-in-okta", detail: "SUSPENDED" }])
      expect(o.user("bo@example.com")!.active).toBe(false)
      // Data kept: still in the team (removal follows the team rules, not the deactivation).
      expect(o.team("Ops")).toEqual(["ann@example.com", "bo@example.com"])

      o.okta.setUserStatus(o.oktaId("bo@example.com"), "ACTIVE")
      const back = yield* eventually(() => deltaWith(daemon.events, "ReactivateUser"), (e) => e !== undefined)
      expect(back && ofTag(back.report.plan, "ReactivateUser")).toMatchObject([{ userName: "bo@example.com" }])
      expect(back?.report.status).toBe("succeeded")
      expect(o.user("bo@example.com")!.active).toBe(true)

      // Unassigned from the app: the System Log's application.user_membership.remove.
      o.okta.unassignUser(o.oktaId("ann@example.com"))
      const unassigned = yield* eventually(
        () => daemon.events.find((e) => e.kind === "delta" && ofTag(e.report.plan, "DeactivateUser").some((d) => d.userName === "ann@example.com")),
        (e) => e !== undefined
      )
      expect(unassigned?.kind === "delta" && ofTag(unassigned.report.plan, "DeactivateUser")).toMatchObject([{ userName: "ann@example.com", reason: "unassigned" }])
      expect(o.user("ann@example.com")!.active).toBe(false)
      // All of it by the System Log poll: the only full sync is the daemon's first.
      expect(daemon.events.filter((e) => e.kind === "full")).toHaveLength(1)
      expect(daemon.events.filter((e) => e.kind === "failed")).toEqual([])
    }))

  // The account admin here also owns the token, but what keeps them is that monday.com did not create
  // them through SCIM; the token owner as such is the next test.
  it.scopedLive("the daemon deactivates a user deprovisioned (deactivated) in Okta from the System Log, not a full sync", () =>
    Effect.gen(function*() {
      const o = yield* org({
        people: [
          { email: "ann@example.com", firstName: "Ann", lastName: "Lee", monday: { name: "Ann Lee" } },
          { email: "bo@example.com", firstName: "Bo", lastName: "Ek", monday: { name: "Bo Ek" } }
        ],
        groups: { "team-Ops": ["ann@example.com", "bo@example.com"] }
      })
      const daemon = yield* inProcessDaemon(o.settings("deactivate: true"), { pollInterval: Duration.millis(200), store: "memory" })
      yield* eventually(() => daemon.events.length, (n) => n > 0)

      // Okta's "Deactivate" sets DEPROVISIONED and logs user.lifecycle.deactivate.
      o.okta.setUserStatus(o.oktaId("bo@example.com"), "DEPROVISIONED")
      const delta = yield* eventually(() => deltaWith(daemon.events, "DeactivateUser"), (e) => e !== undefined)
      expect(delta && ofTag(delta.report.plan, "DeactivateUser")).toMatchObject([
        { userName: "bo@example.com", reason: "inactive-in-okta", detail: "DEPROVISIONED" }
      ])
      expect(delta?.report.status).toBe("succeeded")
      expect(o.user("bo@example.com")!.active).toBe(false)
      expect(o.user("ann@example.com")!.active).toBe(true)
      expect(daemon.events.filter((e) => e.kind === "full")).toHaveLength(1)
    }))

  it.scopedLive("the daemon pushes a new group of new people in one poll: users created before the team operations that need them", () =>
    Effect.gen(function*() {
      const o = yield* org({
        people: [{ email: "ann@example.com", firstName: "Ann", lastName: "Lee", monday: { name: "Ann Lee" } }],
        groups: { "team-Ops": ["ann@example.com"] }
      })
      const daemon = yield* inProcessDaemon(o.settings("provision: true"), { pollInterval: Duration.millis(200), store: "memory" })
      yield* eventually(() => daemon.events.length, (n) => n > 0)
      const full = daemon.events.length

      // All between two polls (the daemon runs in this process, so no poll can fall in between):
      // two new people, assigned to the app, in a new group; one of them also joins Ops.
      const cy = o.okta.createUser({ login: "cy@example.com", email: "Cy@Example.com", firstName: "Cy", lastName: "Ro" })
      const di = o.okta.createUser({ login: "di@example.com", email: "di@example.com", firstName: "Di", lastName: "Ng" })
      o.okta.assignUser(cy)
      o.okta.assignUser(di)
      const group = o.okta.createGroup({ name: "team-Design" })
      o.okta.addMember(group, cy)
      o.okta.addMember(group, di)
      o.okta.addMember(o.okta.state().groups.find((g) => g.name === "team-Ops")!.id, di)

      const delta = yield* eventually(() => deltaWith(daemon.events, "CreateTeam"), (e) => e !== undefined)
      const order = delta!.report.plan.operations.map((op) => `${op._tag}:${op.key}`)
      expect(order).toEqual([
        `CreateUser:user:${cy}`,
        `CreateUser:user:${di}`,
        "CreateTeam:Design",
        "PatchMembers:Ops"
      ])
      expect(delta!.report.outcomes.map((x) => x.status)).toEqual(["done", "done", "done", "done"])
      // Nothing else happened in between: this one poll did it all.
      expect(daemon.events.slice(full).filter((e) => e.kind !== "idle")).toEqual([delta])
      expect(o.team("Design")).toEqual(["cy@example.com", "di@example.com"])
      expect(o.team("Ops")).toEqual(["ann@example.com", "di@example.com"])
    }))

  it.scopedLive("a custom role id from an Okta attribute becomes the user type; phone and locale follow their mappings", () =>
    Effect.gen(function*() {
      const o = yield* org({
        customRoles: ["7391"],
        people: [
          { email: "ann@example.com", firstName: "Ann", lastName: "Lee", profile: { mondayRole: "7391", mobilePhone: "+47 555 01", locale: "nb_NO" } },
          { email: "bo@example.com", firstName: "Bo", lastName: "Ek", profile: { workPhone: "+46 555 02", preferredLanguage: "sv_SE", mobilePhone: "+46 000" } },
          { email: "cy@example.com", firstName: "Cy", lastName: "Ro", monday: { name: "Cy Ro", userType: "member" }, profile: { mondayRole: "7391" } }
        ],
        groups: { "team-Ops": ["ann@example.com", "bo@example.com", "cy@example.com"] }
      })
      // Defaults first: mobilePhone and locale.
      yield* withEngine(o.settings("provision: true\nupdate: true\nuserType: { attribute: mondayRole, allowed: [\"7391\"] }"), (engine) =>
        Effect.gen(function*() {
          const applied = yield* engine.sync
          expect(applied.status).toBe("succeeded")
          expect(ofTag(applied.plan, "CreateUser").find((c) => c.userName === "ann@example.com")).toMatchObject({
            userType: "7391",
            attributes: { phoneNumber: "+47 555 01", locale: "nb_NO" }
          })
          expect(ofTag(applied.plan, "UpdateUser")).toMatchObject([
            { userName: "cy@example.com", changes: [{ attribute: "userType", from: "member", to: "7391" }] }
          ])
        }))
      expect(o.user("ann@example.com")).toMatchObject({ userType: "7391", locale: "nb_NO", phoneNumbers: [{ value: "+47 555 01" }] })
      expect(o.user("bo@example.com")).toMatchObject({ userType: "member", phoneNumbers: [{ value: "+46 000" }] })
      expect(o.user("cy@example.com")!.userType).toBe("7391")

      // Other mappings: the phone from workPhone, the locale from preferredLanguage; drift corrected.
      const mapped = o.settings("update: true\nattributes: { phoneNumber: workPhone, locale: preferredLanguage }")
      yield* withEngine(mapped, (engine) =>
        Effect.gen(function*() {
          const applied = yield* engine.sync
          expect(ofTag(applied.plan, "UpdateUser")).toMatchObject([{
            userName: "bo@example.com",
            changes: [{ attribute: "locale", to: "sv_SE" }, { attribute: "phoneNumber", from: "+46 000", to: "+46 555 02" }]
          }])
          expect((yield* engine.plan).plan.operations).toEqual([])
        }))
      expect(o.user("bo@example.com")).toMatchObject({ locale: "sv_SE", phoneNumbers: [{ value: "+46 555 02" }] })
    }))

  it.scopedLive("users.unexplained: deactivate deactivates monday.com users no Okta record explains, except those monday.com didn't create through SCIM", () =>
    Effect.gen(function*() {
      const o = yield* org({
        people: [{ email: "ann@example.com", firstName: "Ann", lastName: "Lee", monday: { name: "Ann Lee" } }],
        groups: { "team-Ops": ["ann@example.com"] },
        mondayOnly: ["ghost@example.com"]
      })
      yield* withEngine(o.settings("deactivate: true\nunexplained: deactivate"), (engine) =>
        Effect.gen(function*() {
          const applied = yield* engine.sync
          expect(ofTag(applied.plan, "DeactivateUser").map((d) => [d.userName, d.reason])).toEqual([["ghost@example.com", "unexplained"]])
          expect(applied.plan.warnings.filter((w) => w._tag === "UnexplainedUsers")).toEqual([])
          const skipped = applied.plan.warnings.filter((w) => w._tag === "DeactivationSkipped")
          expect(skipped).toMatchObject([{ userName: ADMIN, reason: "unexplained", because: "not-scim-provisioned" }])
          expect(applied.status).toBe("succeeded")
          expect((yield* engine.plan).plan.operations).toEqual([])
        }))
      expect(o.user("ghost@example.com")!.active).toBe(false)
      expect(o.user("ann@example.com")!.active).toBe(true)
      expect(o.user(ADMIN)!.active).toBe(true)
    }))

  it.scopedLive("deactivates users unassigned from the app; skips, and reports, protected users and users not created through SCIM", () =>
    Effect.gen(function*() {
      const o = yield* org({
        people: [
          { email: "ann@example.com", firstName: "Ann", lastName: "Lee", monday: { name: "Ann Lee" } },
          { email: "bo@example.com", firstName: "Bo", lastName: "Ek", monday: { name: "Bo Ek" } },
          { email: "cy@example.com", firstName: "Cy", lastName: "Ro", monday: { name: "Cy Ro" } },
          { email: ADMIN, firstName: "IT", lastName: "Admin" }
        ],
        groups: { "team-Ops": ["ann@example.com"] }
      })
      yield* withEngine(o.settings(`deactivate: true\nprotect: [CY@example.com]`), (engine) =>
        Effect.gen(function*() {
          expect((yield* engine.plan).plan.operations.filter((op) => op._tag === "DeactivateUser")).toEqual([])
          o.okta.unassignUser(o.oktaId("bo@example.com"))
          o.okta.unassignUser(o.oktaId("cy@example.com"))
          o.okta.setUserStatus(o.oktaId(ADMIN), "SUSPENDED")
          const report = yield* engine.plan
          expect(ofTag(report.plan, "DeactivateUser").map((d) => [d.userName, d.reason])).toEqual([["bo@example.com", "unassigned"]])
          const skipped = report.plan.warnings.filter((w) => w._tag === "DeactivationSkipped")
          expect(skipped.map((w) => w._tag === "DeactivationSkipped" && [w.userName, w.because]).sort()).toEqual([
            ["cy@example.com", "protected"],
            [ADMIN, "not-scim-provisioned"]
          ].sort())
          expect(report.rendered).toContain("x deactivate user bo@example.com (unassigned from the monday.com app in Okta")
          yield* engine.applyReport(report)
          expect(o.user("bo@example.com")!.active).toBe(false)
          expect(o.user("cy@example.com")!.active).toBe(true)
          expect(o.user(ADMIN)!.active).toBe(true)
        }))
    }))

  it.scopedLive("a SCIM-provisioned, unprotected token owner: refused once with a reason to act on, then remembered, left alone and reported", () =>
    Effect.gen(function*() {
      const o = yield* org({
        people: [{ email: "owner@example.com", firstName: "Own", lastName: "Er", monday: { name: "Own Er", userType: "admin" } }],
        groups: {}
      })
      // A second token, generated by a SCIM-provisioned admin: the engine's token now belongs to them.
      const token = o.monday.createToken("acme", { owner: o.user("owner@example.com")!.id })
      const settings = o.settings("deactivate: true")
      o.okta.setUserStatus(o.oktaId("owner@example.com"), "SUSPENDED")
      yield* withEngine({ ...settings, monday: { ...settings.monday, token: Redacted.make(token) } }, (engine) =>
        Effect.gen(function*() {
          const ownerPatches = () => o.monday.counters()["PATCH /Users/{id}"] ?? 0
          const applied = yield* engine.sync
          const outcome = applied.outcomes.find((x) => x.key === `user:${o.oktaId("owner@example.com")}`)
          expect(outcome?.status).toBe("failed")
          expect(outcome?.error?.tag).toBe("TokenOwnerProtected")
          expect(outcome?.error?.message).toContain("users.protect")
          expect(o.user("owner@example.com")!.active).toBe(true)
          expect(ownerPatches()).toBe(1)

          // The refusal taught the engine who owns the token: the next sync sends nothing for them
          // and says why, so it is not partial every time.
          const again = yield* engine.sync
          expect(ownerPatches()).toBe(1)
          expect(again.status).toBe("nothing-to-do")
          expect(again.plan.operations).toEqual([])
          expect(again.plan.warnings.filter((w) => w._tag === "DeactivationSkipped")).toMatchObject([
            { userName: "owner@example.com", because: "token-owner", reason: "inactive-in-okta", detail: "SUSPENDED" }
          ])
          const rendered = (yield* engine.plan).rendered
          expect(rendered).toContain("owner@example.com")
          expect(rendered).toContain("owns the SCIM token")
          expect(o.user("owner@example.com")!.active).toBe(true)
        }))
    }))

  it.scopedLive("unexplained monday.com users are reported and left alone by default", () =>
    Effect.gen(function*() {
      const o = yield* org({
        people: [{ email: "ann@example.com", firstName: "Ann", lastName: "Lee", monday: { name: "Ann Lee" } }],
        groups: { "team-Ops": ["ann@example.com"] },
        mondayOnly: ["ghost@example.com"]
      })
      yield* withEngine(o.settings("deactivate: true"), (engine) =>
        Effect.gen(function*() {
          const applied = yield* engine.sync
          const unexplained = applied.plan.warnings.find((w) => w._tag === "UnexplainedUsers")
          expect(unexplained?._tag === "UnexplainedUsers" && unexplained.users.map((u) => u.userName)).toEqual(["ghost@example.com", ADMIN])
          expect(applied.plan.operations.filter((op) => op._tag === "DeactivateUser")).toEqual([])
          expect(o.user("ghost@example.com")!.active).toBe(true)
        }))
    }))

  it.scopedLive("deactivations count against the run removal limit and wait for an approval", () =>
    Effect.gen(function*() {
      const o = yield* org({
        people: ["a", "b", "c"].map((h) => ({ email: `${h}@example.com`, firstName: h, lastName: "Test", monday: {} })),
        groups: { "team-Ops": ["a@example.com"] }
      })
      yield* withEngine(o.settings("deactivate: true", "limits: { maxRemovalsPerRun: 1 }"), (engine) =>
        Effect.gen(function*() {
          yield* engine.sync
          o.okta.setUserStatus(o.oktaId("b@example.com"), "SUSPENDED")
          o.okta.setUserStatus(o.oktaId("c@example.com"), "SUSPENDED")
          const held = yield* engine.sync
          expect(held.plan.operations.filter((op) => op._tag === "DeactivateUser")).toEqual([])
          const blocker = held.plan.blockers.find((b) => b._tag === "RunRemovalLimit")
          expect(blocker).toMatchObject({ removals: 2, maxRemovals: 1 })
          expect(o.user("b@example.com")!.active).toBe(true)

          yield* engine.approve([blocker!.id])
          const released = yield* engine.sync
          expect(ofTag(released.plan, "DeactivateUser").map((d) => d.userName)).toEqual(["b@example.com", "c@example.com"])
          expect(o.user("b@example.com")!.active).toBe(false)
          expect(o.user("c@example.com")!.active).toBe(false)
        }))
    }))
})
