/**
 * Conformance: the sink reads and applies against SCIMMY, a standard SCIM 2.0 server nobody here
 * wrote. Where SCIMMY and monday.com differ, the sink follows the standard and the test says so.
 */
import { HttpClient, HttpClientRequest } from "@effect/platform"
import { describe, expect, it } from "@effect/vitest"
import { Domain } from "@okta-monday/mapping-core"
import { Effect } from "effect"
import type { Plan } from "@okta-monday/mapping-core"
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
