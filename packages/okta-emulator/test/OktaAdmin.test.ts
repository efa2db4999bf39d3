/**
 * The admin client changes the org over HTTP, in Okta's API shapes, and each change lands in the org
 * and in the System Log as Okta records it.
 */
import { describe, expect, it } from "@effect/vitest"
import { Effect, Redacted } from "effect"
import { OktaAdmin, type OktaEmulator, startOktaEmulator } from "../src/index.js"

const emulator = Effect.acquireRelease(Effect.promise(() => startOktaEmulator()), (em) => Effect.promise(() => em.close()))

const org = {
  users: [
    { profile: { login: "ann@example.com", firstName: "Ann" } },
    { profile: { login: "bob@example.com" } },
    { profile: { login: "pat@example.com" }, status: "PROVISIONED" as const }
  ],
  groups: [{ name: "Sales", description: "Sales team", members: ["bob@example.com"] }]
}

/** The System Log events since `t`, as `[eventType, first target id]`. */
const eventsSince = (em: OktaEmulator, t: number) =>
  Effect.promise(async () => {
    const q = new URLSearchParams({ since: new Date(t - 1).toISOString(), until: new Date(Date.now() + 1000).toISOString(), limit: "1000" })
    const res = await fetch(`${em.orgUrl}/api/v1/logs?${q}`, { headers: { authorization: `SSWS ${em.token}` } })
    const body = (await res.json()) as Array<{ eventType: string; target: Array<{ id: string }> }>
    return body.map((e) => [e.eventType, e.target[0]!.id] as const)
  })

describe("OktaAdmin", () => {
  it.scopedLive("groups, members and app assignments over HTTP, each logged as Okta logs it", () =>
    Effect.gen(function*() {
      const em = yield* emulator
      em.seed(org)
      const admin = yield* OktaAdmin.forEmulator(em)
      const id = (login: string) => em.state().users.find((u) => u.profile.login === login)!.id
      const t = Date.now()
      em.resetCounters()
      const ops = yield* admin.createGroup({ name: "Ops", description: "Operations" })
      expect(ops).toMatchObject({ type: "OKTA_GROUP", profile: { name: "Ops", description: "Operations" } })
      yield* admin.addGroupMember(ops.id, id("ann@example.com"))
      const renamed = yield* admin.renameGroup(ops.id, "Operations")
      // PUT replaces the profile: the client carries the description over.
      expect(renamed.profile).toMatchObject({ name: "Operations", description: "Operations" })
      yield* admin.assignGroupToApp(ops.id, { priority: 0 })
      yield* admin.assignUserToApp(id("bob@example.com"), { userName: "bob.b@example.com" })
      expect(em.state().assignments.map((a) => [a.userId, a.scope, a.userName])).toEqual([
        [id("ann@example.com"), "GROUP", "ann@example.com"],
        [id("bob@example.com"), "USER", "bob.b@example.com"]
      ])
      yield* admin.unassignGroupFromApp(ops.id)
      yield* admin.unassignUserFromApp(id("bob@example.com"))
      yield* admin.removeGroupMember(ops.id, id("ann@example.com"))
      yield* admin.deleteGroup(ops.id)
      expect(em.state().groups.map((g) => g.name)).toEqual(["Sales"])
      expect(em.state().assignments).toEqual([])
      expect((yield* eventsSince(em, t)).map(([type]) => type)).toEqual([
        "group.lifecycle.create",
        "group.user_membership.add",
        "group.profile.update",
        "group.application_assignment.add",
        "application.user_membership.add", // ann, through the group
        "application.user_membership.add", // bob, directly
        "group.application_assignment.remove",
        "application.user_membership.remove",
        "application.user_membership.remove",
        "group.user_membership.remove",
        "group.lifecycle.delete"
      ])
      // Every change went over HTTP, none through an in-process shortcut.
      expect(em.counters()).toMatchObject({
        "POST /api/v1/groups": 1,
        "PUT /api/v1/groups/{groupId}/users/{userId}": 1,
        "PUT /api/v1/groups/{groupId}": 1,
        "PUT /api/v1/apps/{appId}/groups/{groupId}": 1,
        "POST /api/v1/apps/{appId}/users": 1,
        "DELETE /api/v1/groups/{groupId}": 1
      })
    }))

  it.scopedLive("the user lifecycle: the event follows the operation, not the status it lands in", () =>
    Effect.gen(function*() {
      const em = yield* emulator
      em.seed(org)
      const admin = yield* OktaAdmin.forEmulator(em)
      const id = (login: string) => em.state().users.find((u) => u.profile.login === login)!.id
      const status = (login: string) => em.state().users.find((u) => u.profile.login === login)!.status
      const ann = id("ann@example.com")
      const t = Date.now()
      yield* admin.deactivateUser(ann)
      expect(status("ann@example.com")).toBe("DEPROVISIONED")
      // A deactivated user comes back with `activate`, and Okta logs it as an activation.
      yield* admin.activateUser(ann)
      expect(status("ann@example.com")).toBe("ACTIVE")
      yield* admin.suspendUser(ann)
      expect(status("ann@example.com")).toBe("SUSPENDED")
      yield* admin.unsuspendUser(ann)
      expect(status("ann@example.com")).toBe("ACTIVE")
      // `reactivate` resends activation to a PROVISIONED user, who stays PROVISIONED.
      yield* admin.reactivateUser(id("pat@example.com"))
      expect(status("pat@example.com")).toBe("PROVISIONED")
      expect(yield* eventsSince(em, t)).toEqual([
        ["user.lifecycle.deactivate", ann],
        ["user.lifecycle.activate", ann],
        ["user.lifecycle.suspend", ann],
        ["user.lifecycle.unsuspend", ann],
        ["user.lifecycle.reactivate", id("pat@example.com")]
      ])
      const refused = yield* Effect.flip(admin.reactivateUser(ann))
      expect(refused).toMatchObject({ _tag: "OktaAdminError", status: 403, errorCode: "E0000001" })
      expect(refused.message).toContain("Cannot reactivate a user that is ACTIVE")
      expect(status("ann@example.com")).toBe("ACTIVE")
    }))

  it.scopedLive("users: create, update, delete in two steps as Okta does", () =>
    Effect.gen(function*() {
      const em = yield* emulator
      const admin = yield* OktaAdmin.forEmulator(em)
      const staged = yield* admin.createUser({ login: "new@example.com", firstName: "New" }, { activate: false })
      expect(staged).toMatchObject({ status: "STAGED", profile: { login: "new@example.com", email: "new@example.com" } })
      expect((yield* admin.updateUserProfile(staged.id, { firstName: "Newer" })).profile.firstName).toBe("Newer")
      yield* admin.deleteUser(staged.id)
      expect(em.state().users.map((u) => u.status)).toEqual(["DEPROVISIONED"])
      yield* admin.deleteUser(staged.id)
      expect(em.state().users).toEqual([])
    }))

  it.scopedLive("a refusal says what and why, and never shows the token", () =>
    Effect.gen(function*() {
      const em = yield* emulator
      em.seed(org)
      const admin = yield* OktaAdmin.forEmulator(em)
      const missing = yield* Effect.flip(admin.addGroupMember("00gNOPE", em.state().users[0]!.id))
      expect(missing).toMatchObject({ status: 404, errorCode: "E0000007" })
      expect(missing.message).toContain("PUT /api/v1/groups/00gNOPE/users/")
      // Through the layer, with a token Okta doesn't know.
      const stranger = yield* Effect.flip(
        Effect.flatMap(OktaAdmin.OktaAdmin, (a) => a.deleteGroup(em.state().groups[0]!.id)).pipe(
          Effect.provide(OktaAdmin.OktaAdmin.layerFetch({ orgUrl: `${em.orgUrl}/`, token: Redacted.make("wrong-secret"), appId: em.appId }))
        )
      )
      expect(stranger).toMatchObject({ status: 401, errorCode: "E0000011" })
      expect(stranger.message).not.toContain("wrong-secret")
      expect(JSON.stringify(stranger)).not.toContain("wrong-secret")
      expect(em.state().groups).toHaveLength(1)
    }))
})
