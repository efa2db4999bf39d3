/**
 * User operations against the monday.com emulator: creating users (with the placeholders team
 * operations use), profile updates, deactivation and reactivation, the phases a plan is applied
 * in, monday.com's refusals as typed errors, and a POST /Users that is retried without duplicating.
 */
import { HttpClient, HttpClientError } from "@effect/platform"
import { describe, expect, it } from "@effect/vitest"
import { Domain, Plan } from "@okta-monday/mapping-core"
import { Effect } from "effect"
import * as MondaySink from "../src/MondaySink.js"
import * as PatchOp from "../src/PatchOp.js"
import type * as ScimClient from "../src/ScimClient.js"
import { newUser } from "../src/ScimUser.js"
import { emulator } from "./support/emulator.js"
import { create, liveClient, liveSink, patch, plan, userId } from "./support/plan.js"

const createUser = (oktaUserId: string, userName: string, extra: Partial<Plan.CreateUser> = {}): Plan.Operation => ({
  _tag: "CreateUser",
  key: `user:${oktaUserId}`,
  oktaUserId: Domain.OktaUserId.make(oktaUserId),
  userName,
  displayName: "New Person",
  name: { givenName: "New", familyName: "Person" },
  userType: "member",
  attributes: {},
  ...extra
})

const userOp = (
  tag: "DeactivateUser" | "ReactivateUser",
  id: string,
  userName: string
): Plan.Operation =>
  tag === "DeactivateUser"
    ? { _tag: tag, key: `user:${id}`, mondayUserId: userId(id), userName, reason: "inactive-in-okta", detail: "SUSPENDED" }
    : { _tag: tag, key: `user:${id}`, mondayUserId: userId(id), userName }

const placeholder = (oktaUserId: string) => Plan.newUserPlaceholder(oktaUserId)

const seed = (emu: Awaited<ReturnType<typeof import("@okta-monday/monday-scim-emulator").startMondayEmulator>>) => {
  const created = emu.createAccount({
    slug: "acme",
    admin: { email: "admin@acme.io" },
    customRoles: ["role-42"],
    users: [
      { email: "bob@acme.io", name: "Bob Builder" },
      { email: "ui@acme.io", scimProvisioned: false },
      { email: "gone@acme.io", active: false }
    ],
    teams: [{ displayName: "Eng", members: ["bob@acme.io"] }]
  })
  const state = emu.account("acme")
  const idOf = (email: string) => state.users.find((u) => u.userName === email)!.id
  const teamOf = (name: string) => state.teams.find((t) => t.displayName === name)!.id
  return { ...created, idOf, teamOf }
}

describe("user operations against the monday.com emulator", () => {
  it.scopedLive("creates a user with its attributes, and a new team with them in the same apply", () =>
    Effect.gen(function*() {
      const emu = yield* emulator()
      const { token } = seed(emu)
      const sink = yield* liveSink(emu.scimUrl, token)
      const address = { streetAddress: "1 Main St", locality: "Lyon", country: "FR" }
      const outcomes = yield* sink.apply(plan([
        createUser("00u1", "new@acme.io", {
          userType: "viewer",
          attributes: { title: "Engineer", timezone: "Europe/Paris", locale: "fr-FR", phoneNumber: "+33 1", address }
        }),
        create("Platform", [placeholder("00u1")])
      ]))

      expect(outcomes.map((o) => o.status)).toEqual(["done", "done"])
      const state = emu.account("acme")
      const user = state.users.find((u) => u.userName === "new@acme.io")!
      expect(outcomes[0]!.userId).toBe(user.id)
      expect(user).toMatchObject({ userType: "viewer", title: "Engineer", timezone: "Europe/Paris", locale: "fr-FR" })
      expect(user.givenName).toBe("New")
      expect(state.teams.find((t) => t.displayName === "Platform")!.members).toEqual([user.id])

      // readTarget gives back what the planner compares.
      const { snapshot } = yield* sink.readTarget()
      const read = snapshot.users.find((u) => u.userName === "new@acme.io")!
      expect(read).toMatchObject({
        title: "Engineer",
        timezone: "Europe/Paris",
        locale: "fr-FR",
        phoneNumber: "+33 1",
        address,
        name: { givenName: "New", familyName: "Person" },
        displayName: "New Person"
      })
    }))

  it.scopedLive("a refused create drops its placeholder from the team operation, and the outcome says so", () =>
    Effect.gen(function*() {
      const emu = yield* emulator()
      const { idOf, teamOf, token } = seed(emu)
      const sink = yield* liveSink(emu.scimUrl, token)
      const outcomes = yield* sink.apply(plan([
        createUser("00u1", "Upper@acme.io"),
        createUser("00u2", "odd@acme.io", { displayName: "Odd (Contractor)" }),
        createUser("00u3", "typed@acme.io", { userType: "boss" }),
        createUser("00u4", "fine@acme.io", { userType: "role-42" }),
        patch("Eng", {
          teamId: teamOf("Eng"),
          add: [placeholder("00u1"), placeholder("00u2"), placeholder("00u3"), placeholder("00u4")]
        })
      ]))

      expect(outcomes.map((o) => o.status)).toEqual(["failed", "failed", "failed", "done", "done"])
      expect(outcomes.slice(0, 3).map((o) => o.error?.tag)).toEqual(["InvalidAttribute", "InvalidAttribute", "InvalidAttribute"])
      // The sink's own wording names the attribute; the server's quoted detail alone would not pass these.
      expect(outcomes[0]!.error?.message).toContain(`refused attribute "userName"`)
      expect(outcomes[1]!.error?.message).toContain(`refused attribute "displayName"`)
      expect(outcomes[2]!.error?.message).toContain(`refused attribute "userType"`)
      expect(outcomes[4]!.droppedMembers).toEqual([placeholder("00u1"), placeholder("00u2"), placeholder("00u3")])
      const fine = emu.account("acme").users.find((u) => u.userName === "fine@acme.io")!
      expect(fine.userType).toBe("role-42")
      expect([...emu.account("acme").teams.find((t) => t.displayName === "Eng")!.members].sort()).toEqual(
        [idOf("bob@acme.io"), fine.id].sort()
      )
    }))

  it.scopedLive("InvalidAttribute.attribute is the attribute monday.com refused, for each of its rules", () =>
    Effect.gen(function*() {
      const emu = yield* emulator()
      const { idOf, token } = seed(emu)
      const client = yield* liveClient(emu.scimUrl, token)
      const refusal = (request: ScimClient.Request<unknown>) =>
        Effect.flip(client.send(request as ScimClient.Request<void>))
      const post = (op: Plan.Operation) =>
        refusal({ method: "POST", path: "/Users", body: newUser(op as Plan.CreateUser) })
      const patchUser = (value: Record<string, unknown>) =>
        refusal({ method: "PATCH", path: `/Users/${idOf("bob@acme.io")}`, body: PatchOp.make([{ op: "replace", value }]) })

      const cases = [
        [yield* post(createUser("00u1", "Upper@acme.io")), "userName"],
        [yield* post(createUser("00u2", "odd@acme.io", { displayName: "Odd (Contractor)" })), "displayName"],
        [yield* post(createUser("00u3", "typed@acme.io", { userType: "boss" })), "userType"],
        [yield* post(createUser("00u4", "given@acme.io", { name: { givenName: "N@me", familyName: "Ok" } })), "name.givenName"],
        [yield* patchUser({ userType: "boss" }), "userType"],
        [yield* patchUser({ name: { familyName: "B*lder" } }), "name.familyName"],
        [yield* patchUser({ displayName: "Bob <b>" }), "displayName"]
      ] as const
      for (const [error, attribute] of cases) {
        expect(error).toMatchObject({ _tag: "InvalidAttribute", status: 400, scimType: "invalidValue", attribute })
      }
    }))

  it.scopedLive("updates drifted attributes with one PATCH replace", () =>
    Effect.gen(function*() {
      const emu = yield* emulator()
      const { idOf, token } = seed(emu)
      const sink = yield* liveSink(emu.scimUrl, token)
      const bob = idOf("bob@acme.io")
      const outcomes = yield* sink.apply(plan([{
        _tag: "UpdateUser",
        key: "user:00ubob",
        mondayUserId: userId(bob),
        userName: "bob@acme.io",
        changes: [
          { attribute: "displayName", from: "Bob Builder", to: "Robert Builder" },
          { attribute: "name.givenName", to: "Robert" },
          { attribute: "title", to: "Lead" },
          { attribute: "phoneNumber", to: "+1 555" },
          { attribute: "address.locality", to: "Oslo" }
        ],
        address: { locality: "Oslo", country: "NO" }
      }]))

      expect(outcomes.map((o) => o.status)).toEqual(["done"])
      expect(emu.counters()["PATCH /Users/{id}"]).toBe(1)
      const { snapshot } = yield* sink.readTarget()
      expect(snapshot.users.find((u) => u.id === bob)).toMatchObject({
        displayName: "Robert Builder",
        name: { givenName: "Robert" },
        title: "Lead",
        phoneNumber: "+1 555",
        address: { locality: "Oslo", country: "NO" }
      })
    }))

  it.scopedLive("deactivates after the team removals of the plan, reactivates first, and names monday.com's refusals", () =>
    Effect.gen(function*() {
      const emu = yield* emulator()
      const { adminUserId, idOf, teamOf, token } = seed(emu)
      const sink = yield* liveSink(emu.scimUrl, token)
      const bob = idOf("bob@acme.io")
      const order: Array<string> = []
      const ops = [
        userOp("DeactivateUser", bob, "bob@acme.io"),
        userOp("DeactivateUser", adminUserId, "admin@acme.io"),
        userOp("DeactivateUser", idOf("ui@acme.io"), "ui@acme.io"),
        patch("Eng", { teamId: teamOf("Eng"), remove: [bob], add: [idOf("gone@acme.io")] }),
        userOp("ReactivateUser", idOf("gone@acme.io"), "gone@acme.io")
      ]
      const outcomes = yield* sink.apply(plan(ops), {
        concurrency: 1,
        onOutcome: (o) => Effect.sync(() => order.push(ops[o.index]!._tag))
      })

      expect(outcomes.map((o) => o.status)).toEqual(["done", "failed", "failed", "done", "done"])
      expect(outcomes[1]!.error?.tag).toBe("TokenOwnerProtected")
      expect(outcomes[1]!.error?.message).toContain("users.protect")
      expect(outcomes[2]!.error?.tag).toBe("UserNotScimProvisioned")
      expect(order).toEqual(["ReactivateUser", "PatchMembers", "DeactivateUser", "DeactivateUser", "DeactivateUser"])
      const state = emu.account("acme")
      expect(state.users.find((u) => u.id === bob)!.active).toBe(false)
      expect(state.users.find((u) => u.id === adminUserId)!.active).toBe(true)
      expect(state.users.find((u) => u.userName === "gone@acme.io")!.active).toBe(true)
      expect(state.teams.find((t) => t.displayName === "Eng")!.members).toEqual([idOf("gone@acme.io")])
    }))

  it.scopedLive("a POST /Users whose answer was lost is looked up and adopted, not sent twice", () =>
    Effect.gen(function*() {
      const emu = yield* emulator()
      const { token } = seed(emu)
      let lost = 0
      const loseFirstPostAnswer = (client: HttpClient.HttpClient) =>
        HttpClient.transform(client, (response, request) =>
          Effect.flatMap(response, (res) =>
            request.method === "POST" && lost++ === 0
              ? Effect.fail(new HttpClientError.RequestError({ request, reason: "Transport", description: "socket hang up" }))
              : Effect.succeed(res)))
      const sink = yield* liveSink(emu.scimUrl, token, { transformClient: loseFirstPostAnswer })

      const outcomes = yield* sink.apply(plan([createUser("00u1", "new@acme.io"), create("Platform", [placeholder("00u1")])]))

      expect(outcomes.map((o) => o.status)).toEqual(["done", "done"])
      const users = emu.account("acme").users.filter((u) => u.userName === "new@acme.io")
      expect(users.length).toBe(1)
      expect(outcomes[0]!.userId).toBe(users[0]!.id)
      expect(emu.counters()["POST /Users"]).toBe(1)
      expect(emu.account("acme").teams.find((t) => t.displayName === "Platform")!.members).toEqual([users[0]!.id])
    }))

  it.scopedLive("a create that finds the user already there (a crashed run made it) adopts it; a deactivated one is refused", () =>
    Effect.gen(function*() {
      const emu = yield* emulator()
      const { idOf, token } = seed(emu)
      const sink = yield* liveSink(emu.scimUrl, token)
      const outcomes = yield* sink.apply(plan([createUser("00u1", "bob@acme.io"), createUser("00u2", "gone@acme.io")]))
      expect(outcomes.map((o) => o.status)).toEqual(["done", "failed"])
      expect(outcomes[0]!.userId).toBe(idOf("bob@acme.io"))
      expect(outcomes[1]!.error?.tag).toBe("Conflict")
    }))

  it.effect("the dry run records user writes in phase order and answers synthetic ids", () =>
    Effect.gen(function*() {
      const sink = yield* MondaySink.MondaySink
      const log = yield* MondaySink.DryRunLog
      const outcomes = yield* sink.apply(plan([
        userOp("DeactivateUser", "7", "x@acme.io"),
        create("Platform", [placeholder("00u1")]),
        createUser("00u1", "new@acme.io")
      ]))
      expect(outcomes.map((o) => o.status)).toEqual(["done", "done", "done"])
      expect(outcomes[2]!.userId).toBe("dry-run-user-1")
      const requests = yield* log.requests
      expect(requests.map((r) => `${r.method} ${r.path}`)).toEqual(["POST /Users", "POST /Groups", "PATCH /Users/7"])
      expect(requests[1]!.body).toMatchObject({ members: [{ value: "dry-run-user-1" }] })
    }).pipe(Effect.provide(MondaySink.MondaySink.layerDryRun())))
})
