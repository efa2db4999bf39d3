/**
 * Conformance: the sink reads and applies against SCIMMY, a standard SCIM 2.0 server nobody here
 * wrote. Where SCIMMY and monday.com differ, the sink follows the standard and the test says so.
 */
import { HttpClient, HttpClientRequest } from "@effect/platform"
import { describe, expect, it } from "@effect/vitest"
import { Domain, Plan } from "@okta-monday/mapping-core"
import { Effect } from "effect"
import { create, liveSink, patch, plan, remove, rename, teamId, userId } from "./support/plan.js"
import { startScimmy } from "./support/scimmy.js"

const scimmy = Effect.acquireRelease(Effect.promise(() => startScimmy()), (s) => Effect.promise(() => s.close()))

const members = (ids: ReadonlyArray<{ value: string }>) => ids.map((m) => m.value).sort()

describe("MondaySink against SCIMMY", () => {
  it.scopedLive("reads every page of users and teams, members included, asking for the whole account", () =>
    Effect.gen(function*() {
      const server = yield* scimmy
      const users = Array.from({ length: 45 }, (_, i) => server.addUser(`User${i}@Example.com`, `User ${i}`))
      server.addGroup("Design", [users[0].id, users[1].id])
      server.addGroup("Eng", [users[2].id])
      server.addGroup("Empty", [])
      const sink = yield* liveSink(server.scimUrl, server.token, { pageSize: 10 })

      const { snapshot, warnings } = yield* sink.readTarget()

      expect(snapshot.users.map((u) => u.userName).sort()).toEqual(
        users.map((u) => u.userName.toLowerCase()).sort()
      )
      expect(snapshot.users.every((u) => u.active)).toBe(true)
      const design = snapshot.teams.find((t) => t.displayName === "Design")!
      expect([...design.members].sort()).toEqual([users[0].id, users[1].id].sort())
      expect(design.membersFrom).toBe("server")
      expect(snapshot.teams.map((t) => t.displayName).sort()).toEqual(["Design", "Empty", "Eng"])
      expect(warnings).toEqual([])
      const lists = server.requests.filter((r) => r.method === "GET" && (r.path === "/Users" || r.path === "/Groups"))
      // 45 users in pages of 10 → 5 pages, 3 teams → 1 page; members came with the list, so no GET per team.
      expect(lists.map((r) => r.path).sort()).toEqual(["/Groups", "/Users", "/Users", "/Users", "/Users", "/Users"])
      expect(lists.filter((r) => r.path === "/Users").map((r) => new URLSearchParams(r.query).get("startIndex")).sort())
        .toEqual(["1", "11", "21", "31", "41"])
      expect(lists.every((r) => r.query.includes("scim_provisioned_only=false"))).toBe(true)
      expect(server.requests.some((r) => r.path.startsWith("/Groups/"))).toBe(false)
    }))

  it.scopedLive("applies creates, member patches, renames and deletes; outcomes in plan order", () =>
    Effect.gen(function*() {
      const server = yield* scimmy
      const [a, b, c] = ["a@x.io", "b@x.io", "c@x.io"].map((e) => server.addUser(e))
      const old = server.addGroup("Old", [a.id])
      const keep = server.addGroup("Keep", [a.id, b.id])
      const sink = yield* liveSink(server.scimUrl, server.token)
      const seen: Array<Plan.OperationOutcome> = []

      const outcomes = yield* sink.apply(
        plan([
          create("New", [a.id]),
          patch("New", { add: [b.id, c.id] }),
          rename("Keep", keep.id, "Keep", "Kept"),
          patch("Keep", { teamId: keep.id, add: [c.id], remove: [a.id] }),
          remove("Old", old.id)
        ]),
        { onOutcome: (o) => Effect.sync(() => seen.push(o)) }
      )

      expect(outcomes.map((o) => [o.index, o.status])).toEqual([[0, "done"], [1, "done"], [2, "done"], [3, "done"], [
        4,
        "done"
      ]])
      const created = server.groups.get(outcomes[0].teamId!)!
      expect(created.displayName).toBe("New")
      expect(members(created.members)).toEqual([a.id, b.id, c.id].sort())
      const kept = server.groups.get(keep.id)!
      expect(kept.displayName).toBe("Kept")
      expect(members(kept.members)).toEqual([b.id, c.id].sort())
      expect(server.groups.has(old.id)).toBe(false)
      expect(seen.map((o) => o.index).sort()).toEqual([0, 1, 2, 3, 4])
    }))

  it.scopedLive("refuses to create a team whose name is taken, and sends no POST", () =>
    Effect.gen(function*() {
      const server = yield* scimmy
      const a = server.addUser("a@x.io")
      const existing = server.addGroup("Design", [a.id])
      const sink = yield* liveSink(server.scimUrl, server.token)

      const outcomes = yield* sink.apply(plan([create("Design", []), patch("Design", { add: [a.id] }), create("Ops")]))

      expect(outcomes[0].status).toBe("failed")
      expect(outcomes[0].error?.tag).toBe("Conflict")
      expect(outcomes[0].error?.message).toContain(existing.id)
      expect(outcomes[1].status).toBe("skipped")
      expect(outcomes[2].status).toBe("done")
      expect(server.requests.filter((r) => r.method === "POST").length).toBe(1)
      expect(server.groups.get(existing.id)!.members).toEqual([{ value: a.id }])
    }))

  it.scopedLive("difference: SCIMMY's displayName eq is case-sensitive (RFC 7643 makes it caseExact false)", () =>
    Effect.gen(function*() {
      const server = yield* scimmy
      server.addGroup("Design", [])
      const sink = yield* liveSink(server.scimUrl, server.token)
      // The guard relies on the server's filter; a server that matches names exactly lets a
      // differently-cased name through, as a new team (SCIMMY never replaces one).
      const outcomes = yield* sink.apply(plan([create("design")]))
      expect(outcomes[0].status).toBe("done")
      expect([...server.groups.values()].map((g) => g.displayName).sort()).toEqual(["Design", "design"])
    }))

  it.scopedLive("difference: SCIMMY keeps both teams on a same-name POST, where monday.com replaces the old one", () =>
    Effect.gen(function*() {
      const server = yield* scimmy
      server.addGroup("Design", [])
      // A raw POST, bypassing the sink's guard: a standard server adds a second team of the same name.
      const res = yield* Effect.promise(() =>
        fetch(`${server.scimUrl}/Groups`, {
          method: "POST",
          headers: { authorization: `Bearer ${server.token}`, "content-type": "application/scim+json" },
          body: JSON.stringify({ schemas: ["urn:ietf:params:scim:schemas:core:2.0:Group"], displayName: "Design" })
        })
      )
      expect(res.status).toBe(201)
      expect([...server.groups.values()].filter((g) => g.displayName === "Design").length).toBe(2)
    }))

  it.scopedLive("difference: SCIMMY answers PATCH with 200 and the team, monday.com with 204; both are success", () =>
    Effect.gen(function*() {
      const server = yield* scimmy
      const a = server.addUser("a@x.io")
      const team = server.addGroup("T", [])
      const res = yield* Effect.promise(() =>
        fetch(`${server.scimUrl}/Groups/${team.id}`, {
          method: "PATCH",
          headers: { authorization: `Bearer ${server.token}`, "content-type": "application/scim+json" },
          body: JSON.stringify({
            schemas: ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
            Operations: [{ op: "add", path: "members", value: [{ value: a.id }] }]
          })
        })
      )
      expect(res.status).toBe(200)
      const sink = yield* liveSink(server.scimUrl, server.token)
      const outcomes = yield* sink.apply(plan([patch("T", { teamId: team.id, remove: [a.id] })]))
      expect(outcomes[0].status).toBe("done")
      expect(server.groups.get(team.id)!.members).toEqual([])
    }))

  it.scopedLive("a team deleted in monday.com fails its operations with TeamNotFound; other teams go on", () =>
    Effect.gen(function*() {
      const server = yield* scimmy
      const a = server.addUser("a@x.io")
      const other = server.addGroup("Other", [])
      const sink = yield* liveSink(server.scimUrl, server.token)

      const outcomes = yield* sink.apply(
        plan([
          patch("Gone", { teamId: "999", add: [a.id] }),
          rename("Gone", "999", "Gone", "Still gone"),
          patch("Other", { teamId: other.id, add: [a.id] })
        ])
      )

      expect(outcomes.map((o) => o.status)).toEqual(["failed", "skipped", "done"])
      expect(outcomes[0].error).toMatchObject({ tag: "TeamNotFound", retryable: false })
      expect(outcomes[0].error?.message).toContain("next full sync")
      expect(server.groups.get(other.id)!.members).toEqual([{ value: a.id }])
    }))

  it.scopedLive("deleting a team that is already gone is done: the plan's end state holds", () =>
    Effect.gen(function*() {
      const server = yield* scimmy
      const sink = yield* liveSink(server.scimUrl, server.token)
      const outcomes = yield* sink.apply(plan([remove("Gone", "4242")]))
      expect(outcomes[0].status).toBe("done")
    }))

  it.scopedLive("testConnection reads ServiceProviderConfig and counts users", () =>
    Effect.gen(function*() {
      const server = yield* scimmy
      server.addUser("a@x.io")
      server.addUser("b@x.io")
      const sink = yield* liveSink(server.scimUrl, server.token)
      const info = yield* sink.testConnection
      expect(info).toMatchObject({ reachable: true, enterprise: true, users: 2, scimUrl: server.scimUrl })
      expect(info.serviceProviderConfig?.patch?.supported).toBe(true)
    }))

  it.scopedLive("a wrong token is TokenRejected, and the message tells where to get a new one without echoing it", () =>
    Effect.gen(function*() {
      const server = yield* scimmy
      const sink = yield* liveSink(server.scimUrl, "wrong-token-value")
      const error = yield* Effect.flip(sink.readTarget())
      expect(error._tag).toBe("TokenRejected")
      expect(error.message).toContain("Admin → Security → SCIM")
      expect(JSON.stringify(error)).not.toContain("wrong-token-value")
      expect(String(error)).not.toContain("wrong-token-value")
    }))

  it.scopedLive("falls back on last-applied members, with a warning, when the server leaves members out", () =>
    Effect.gen(function*() {
      const server = yield* scimmy
      const [a, b] = [server.addUser("a@x.io"), server.addUser("b@x.io")]
      const linked = server.addGroup("Linked", [a.id, b.id])
      const unlinked = server.addGroup("Unlinked", [a.id])
      // `excludedAttributes` is standard SCIM, so SCIMMY can play a server that never returns members.
      const sink = yield* liveSink(server.scimUrl, server.token, {
        transformClient: HttpClient.mapRequest(HttpClientRequest.setUrlParam("excludedAttributes", "members"))
      })
      const lastApplied = new Domain.Links({
        teams: [
          new Domain.TeamLink({
            teamId: teamId(linked.id),
            displayName: "Linked",
            groupIds: [],
            origin: "created",
            managedMembers: [userId(a.id)]
          })
        ],
        users: []
      })

      const { snapshot, warnings } = yield* sink.readTarget({ lastApplied })

      const byName = new Map(snapshot.teams.map((t) => [t.displayName, t]))
      expect(byName.get("Linked")).toMatchObject({ members: [a.id], membersFrom: "last-applied" })
      expect(byName.get("Unlinked")).toMatchObject({ members: [], membersFrom: "last-applied" })
      expect(warnings).toEqual(expect.arrayContaining([
        { _tag: "MembersFromLastApplied", key: "Linked", teamId: linked.id },
        { _tag: "MembersFromLastApplied", key: "Unlinked", teamId: unlinked.id }
      ]))
      // One GET probes whether single reads carry members; they don't, so no GET per team follows.
      expect(server.requests.filter((r) => r.path.startsWith("/Groups/")).length).toBe(1)
    }))
})

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

const userOp = (tag: "DeactivateUser" | "ReactivateUser", id: string, userName: string): Plan.Operation =>
  tag === "DeactivateUser"
    ? { _tag: tag, key: `user:${id}`, mondayUserId: userId(id), userName, reason: "inactive-in-okta", detail: "SUSPENDED" }
    : { _tag: tag, key: `user:${id}`, mondayUserId: userId(id), userName }

describe("MondaySink users against SCIMMY", () => {
  it.scopedLive("creates a user with every attribute the sink maps, and a team with them, in one apply", () =>
    Effect.gen(function*() {
      const server = yield* scimmy
      const sink = yield* liveSink(server.scimUrl, server.token)
      const address = { streetAddress: "1 Main St", locality: "Lyon", country: "FR" }

      const outcomes = yield* sink.apply(plan([
        createUser("00u1", "new@x.io", {
          userType: "viewer",
          attributes: { title: "Engineer", timezone: "Europe/Paris", locale: "fr-FR", phoneNumber: "+33 1", address }
        }),
        create("Platform", [Plan.newUserPlaceholder("00u1")])
      ]))

      expect(outcomes.map((o) => o.status)).toEqual(["done", "done"])
      const stored = server.users.get(outcomes[0]!.userId!)!
      expect(stored).toMatchObject({
        userName: "new@x.io",
        displayName: "New Person",
        name: { givenName: "New", familyName: "Person" },
        userType: "viewer",
        title: "Engineer",
        timezone: "Europe/Paris",
        locale: "fr-FR",
        active: true,
        emails: [{ value: "new@x.io", type: "work", primary: true }],
        phoneNumbers: [{ value: "+33 1", type: "work", primary: true }],
        addresses: [{ ...address, type: "work", primary: true }]
      })
      expect(members(server.groups.get(outcomes[1]!.teamId!)!.members)).toEqual([stored.id])

      // readTarget gives back what the planner compares.
      const { snapshot } = yield* sink.readTarget()
      expect(snapshot.users.find((u) => u.id === stored.id)).toMatchObject({
        userName: "new@x.io",
        userType: "viewer",
        title: "Engineer",
        timezone: "Europe/Paris",
        locale: "fr-FR",
        phoneNumber: "+33 1",
        address,
        name: { givenName: "New", familyName: "Person" }
      })
    }))

  it.scopedLive("updates drifted attributes with one path-less PATCH replace", () =>
    Effect.gen(function*() {
      const server = yield* scimmy
      const bob = server.addUser("bob@x.io", "Bob Builder")
      const sink = yield* liveSink(server.scimUrl, server.token)

      const outcomes = yield* sink.apply(plan([{
        _tag: "UpdateUser",
        key: "user:00ubob",
        mondayUserId: userId(bob.id),
        userName: "bob@x.io",
        changes: [
          { attribute: "displayName", from: "Bob Builder", to: "Robert Builder" },
          { attribute: "name.givenName", to: "Robert" },
          { attribute: "title", to: "Lead" },
          { attribute: "userType", to: "admin" },
          { attribute: "phoneNumber", to: "+1 555" },
          { attribute: "address.locality", to: "Oslo" }
        ],
        address: { locality: "Oslo", country: "NO" }
      }]))

      expect(outcomes.map((o) => o.status)).toEqual(["done"])
      expect(server.requests.filter((r) => r.method === "PATCH").map((r) => r.path)).toEqual([`/Users/${bob.id}`])
      const { snapshot } = yield* sink.readTarget()
      expect(snapshot.users.find((u) => u.id === bob.id)).toMatchObject({
        displayName: "Robert Builder",
        name: { givenName: "Robert" },
        title: "Lead",
        userType: "admin",
        phoneNumber: "+1 555",
        address: { locality: "Oslo", country: "NO" }
      })
    }))

  it.scopedLive("deactivates and reactivates with PATCH active, keeping the user", () =>
    Effect.gen(function*() {
      const server = yield* scimmy
      const [a, b] = [server.addUser("a@x.io", "A"), server.addUser("b@x.io", "B")]
      server.users.set(b.id, { ...b, active: false })
      const sink = yield* liveSink(server.scimUrl, server.token)

      const outcomes = yield* sink.apply(plan([userOp("DeactivateUser", a.id, "a@x.io"), userOp("ReactivateUser", b.id, "b@x.io")]))

      expect(outcomes.map((o) => o.status)).toEqual(["done", "done"])
      expect(server.users.get(a.id)).toMatchObject({ userName: "a@x.io", active: false })
      expect(server.users.get(b.id)).toMatchObject({ userName: "b@x.io", active: true })
      expect(server.requests.filter((r) => r.method !== "GET").map((r) => `${r.method} ${r.path}`)).toEqual([
        `PATCH /Users/${b.id}`,
        `PATCH /Users/${a.id}`
      ])
      const { snapshot } = yield* sink.readTarget()
      expect(snapshot.users.map((u) => [u.userName, u.active])).toEqual([["a@x.io", false], ["b@x.io", true]])
    }))

  it.scopedLive("a create that finds the user already there adopts it (SCIMMY's 409 comes from the store)", () =>
    Effect.gen(function*() {
      const server = yield* scimmy
      const bob = server.addUser("bob@x.io", "Bob")
      server.uniqueUserNames(true)
      const sink = yield* liveSink(server.scimUrl, server.token)
      const outcomes = yield* sink.apply(plan([createUser("00u1", "bob@x.io")]))
      expect(outcomes[0]).toMatchObject({ status: "done", userId: bob.id })
      expect(server.users.size).toBe(1)
    }))

  it.scopedLive("difference: SCIMMY takes an uppercase userName, any userType and special characters; monday.com refuses all three", () =>
    Effect.gen(function*() {
      const server = yield* scimmy
      const sink = yield* liveSink(server.scimUrl, server.token)
      // The sink sends what the plan says (the planner lowercases emails); a standard server keeps it.
      const outcomes = yield* sink.apply(plan([
        createUser("00u1", "Upper@x.io"),
        createUser("00u2", "typed@x.io", { userType: "boss" }),
        createUser("00u3", "odd@x.io", { displayName: "Odd (Contractor)" })
      ]))
      expect(outcomes.map((o) => o.status)).toEqual(["done", "done", "done"])
      expect([...server.users.values()].map((u) => [u.userName, u.userType, u.displayName])).toEqual([
        ["Upper@x.io", "member", "New Person"],
        ["typed@x.io", "boss", "New Person"],
        ["odd@x.io", "member", "Odd (Contractor)"]
      ])
    }))

  it.scopedLive("difference: SCIMMY deletes users on DELETE /Users/{id}; monday.com never does, so the sink deactivates", () =>
    Effect.gen(function*() {
      const server = yield* scimmy
      const a = server.addUser("a@x.io")
      const res = yield* Effect.promise(() =>
        fetch(`${server.scimUrl}/Users/${a.id}`, { method: "DELETE", headers: { authorization: `Bearer ${server.token}` } })
      )
      expect(res.status).toBe(204)
      expect(server.users.has(a.id)).toBe(false)
      // The sink's way: a deactivation is a PATCH, and the user stays.
      const b = server.addUser("b@x.io")
      const sink = yield* liveSink(server.scimUrl, server.token)
      yield* sink.apply(plan([userOp("DeactivateUser", b.id, "b@x.io")]))
      expect(server.users.get(b.id)?.active).toBe(false)
      expect(server.requests.filter((r) => r.method === "DELETE").length).toBe(1)
    }))

  it.scopedLive("difference: SCIMMY lets SCIM deactivate any user; monday.com refuses its token owner (403) and UI-made users (400)", () =>
    Effect.gen(function*() {
      const server = yield* scimmy
      const admin = server.addUser("admin@x.io", "Token Owner")
      const sink = yield* liveSink(server.scimUrl, server.token)
      const outcomes = yield* sink.apply(plan([userOp("DeactivateUser", admin.id, "admin@x.io")]))
      expect(outcomes[0]!.status).toBe("done")
      expect(server.users.get(admin.id)?.active).toBe(false)
    }))

  it.scopedLive("a user deleted from the server fails its update with UserNotInAccount for that user", () =>
    Effect.gen(function*() {
      const server = yield* scimmy
      const sink = yield* liveSink(server.scimUrl, server.token)
      const outcomes = yield* sink.apply(plan([userOp("DeactivateUser", "4242", "gone@x.io")]))
      expect(outcomes[0]!.error?.tag).toBe("UserNotInAccount")
      expect(outcomes[0]!.error?.message).toContain(`monday.com has no user "4242"`)
    }))
})
