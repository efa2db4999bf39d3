import { describe, expect, layer } from "@effect/vitest"
import { Effect } from "effect"
import { layer as emulatorLayer } from "../src/index.js"
import { freshAcme, members } from "./support.js"

layer(emulatorLayer())("Store rules over HTTP", (it) => {
  describe("users", () => {
    it.effect("creates a user with the attributes monday.com keeps", () =>
      Effect.gen(function* () {
        const { emulator, client } = yield* freshAcme
        const created = yield* client.post("/Users", {
          schemas: ["urn:ietf:params:scim:schemas:core:2.0:User"],
          userName: "erin@acme.com",
          name: { givenName: "Érin", familyName: "O'Neil-Smith" },
          emails: [{ value: "erin@acme.com", primary: true, type: "work" }],
          userType: "viewer",
          title: "Engineer",
          timezone: "Europe/Paris",
          locale: "fr-FR",
          phoneNumbers: [{ value: "+33 1 23", type: "work" }],
          addresses: [{ locality: "Paris", country: "FR", type: "work" }],
          password: "s3cret!"
        })
        expect(created.status).toBe(201)
        expect(created.body).toMatchObject({
          userName: "erin@acme.com",
          displayName: "Érin O'Neil-Smith",
          userType: "viewer",
          active: true,
          title: "Engineer",
          timezone: "Europe/Paris",
          locale: "fr-FR",
          phoneNumbers: [{ value: "+33 1 23", type: "work" }],
          addresses: [{ locality: "Paris", country: "FR", type: "work" }]
        })
        expect(created.body.password).toBeUndefined()
        const fetched = yield* client.get(`/Users/${created.body.id}`)
        expect(fetched.body).toEqual(created.body)
        const state = emulator.account("acme").users.find((user) => user.userName === "erin@acme.com")!
        expect(state).toMatchObject({ scimProvisioned: true, passwordSet: true })
      })
    )

    it.effect("uppercase userName or email is 400 invalidValue saying it must be lowercase", () =>
      Effect.gen(function* () {
        const { client } = yield* freshAcme
        const upper = yield* client.post("/Users", { userName: "Erin@acme.com" })
        expect(upper.status).toBe(400)
        expect(upper.body.scimType).toBe("invalidValue")
        expect(upper.body.detail).toContain("lowercase")
        const email = yield* client.post("/Users", { userName: "erin@acme.com", emails: [{ value: "ERIN@acme.com" }] })
        expect(email.status).toBe(400)
        expect(email.body.detail).toContain("lowercase")
        const patch = yield* client.ops("/Users/101", { op: "replace", path: "userName", value: "Bob@acme.com" })
        expect(patch.status).toBe(400)
        const notEmail = yield* client.post("/Users", { userName: "erin" })
        expect(notEmail.body.detail).toContain("not an email")
      })
    )

    it.effect("names with special characters are 400 invalidValue naming the attribute", () =>
      Effect.gen(function* () {
        const { client } = yield* freshAcme
        const cases = [
          [{ name: { givenName: "Er<in>" } }, "name.givenName"],
          [{ name: { familyName: "Smith!" } }, "name.familyName"],
          [{ displayName: "Erin @ Home" }, "displayName"]
        ] as const
        for (const [extra, attribute] of cases) {
          const reply = yield* client.post("/Users", { userName: "erin@acme.com", ...extra })
          expect(reply.status).toBe(400)
          expect(reply.body.scimType).toBe("invalidValue")
          expect(reply.body.detail).toContain(attribute)
        }
        const ok = yield* client.post("/Users", {
          userName: "zoe@acme.com",
          name: { givenName: "Zoë 李", familyName: "D'Arc Jr." }
        })
        expect(ok.status).toBe(201)
        const patch = yield* client.ops("/Users/101", { op: "replace", value: { name: { givenName: "B#b" } } })
        expect(patch.status).toBe(400)
        expect(patch.body.detail).toContain("name.givenName")
      })
    )

    it.effect("userType must be admin|member|viewer|guest or a custom role id of the account", () =>
      Effect.gen(function* () {
        const { client } = yield* freshAcme
        const custom = yield* client.post("/Users", { userName: "x@acme.com", userType: "role-4242" })
        expect(custom.body.userType).toBe("role-4242")
        const guest = yield* client.ops("/Users/101", { op: "replace", path: "userType", value: "guest" })
        expect(guest.body.userType).toBe("guest")
        const bad = yield* client.post("/Users", { userName: "y@acme.com", userType: "superuser" })
        expect(bad.status).toBe(400)
        expect(bad.body.scimType).toBe("invalidValue")
        expect(bad.body.detail).toContain("superuser")
        const badPatch = yield* client.ops("/Users/101", { op: "replace", path: "userType", value: "role-1" })
        expect(badPatch.status).toBe(400)
      })
    )

    it.effect("duplicate userName is 409 uniqueness", () =>
      Effect.gen(function* () {
        const { client } = yield* freshAcme
        for (const userName of ["bob@acme.com", "uiuser@acme.com", "dave@acme.com"]) {
          const reply = yield* client.post("/Users", { userName })
          expect(reply.status).toBe(409)
          expect(reply.body.scimType).toBe("uniqueness")
        }
        const rename = yield* client.ops("/Users/101", { op: "replace", path: "userName", value: "carol@acme.com" })
        expect(rename.status).toBe(409)
      })
    )

    it.effect("active false deactivates (kept, seat freed); active true reactivates unless switched off", () =>
      Effect.gen(function* () {
        const { emulator, client } = yield* freshAcme
        const seats = emulator.account("acme").seatsUsed
        const off = yield* client.ops("/Users/101", { op: "replace", value: { active: false } })
        expect(off.status).toBe(200)
        expect(off.body.active).toBe(false)
        expect(emulator.account("acme").seatsUsed).toBe(seats - 1)
        const listed = yield* client.get(`/Users?filter=${encodeURIComponent(`userName eq "bob@acme.com"`)}`)
        expect(listed.body.Resources[0].active).toBe(false)
        // Entra sends "False"/"True" strings.
        const on = yield* client.ops("/Users/101", { op: "Replace", path: "active", value: "True" })
        expect(on.body.active).toBe(true)
        emulator.setOptions({ allowReactivation: false })
        const refused = yield* client.ops("/Users/103", { op: "replace", path: "active", value: true })
        expect(refused.status).toBe(400)
        expect(emulator.account("acme").users.find((user) => user.id === "103")!.active).toBe(false)
      })
    )

    it.effect("DELETE /Users/{id} is not allowed: monday deactivates, never deletes", () =>
      Effect.gen(function* () {
        const { emulator, client } = yield* freshAcme
        const reply = yield* client.delete("/Users/101")
        expect(reply.status).toBe(405)
        expect(reply.body.detail).toContain("deactivate")
        expect(emulator.account("acme").users.some((user) => user.id === "101")).toBe(true)
      })
    )

    it.effect("deactivating a user not provisioned through SCIM fails with 400", () =>
      Effect.gen(function* () {
        const { emulator, client } = yield* freshAcme
        const reply = yield* client.ops("/Users/104", { op: "replace", value: { active: false } })
        expect(reply.status).toBe(400)
        expect(reply.body.detail).toContain("not provisioned through SCIM")
        expect(emulator.account("acme").users.find((user) => user.id === "104")!.active).toBe(true)
        // Other changes to such a user are fine.
        expect((yield* client.ops("/Users/104", { op: "replace", path: "title", value: "Designer" })).status).toBe(200)
      })
    )

    it.effect("path-less replace, path forms and remove update the kept attributes atomically", () =>
      Effect.gen(function* () {
        const { client } = yield* freshAcme
        const reply = yield* client.ops(
          "/Users/102",
          { op: "replace", value: { userType: "viewer", title: "Lead", timezone: "UTC" } },
          { op: "add", path: "locale", value: "en-GB" },
          { op: "replace", path: "name.familyName", value: "Chen-Li" },
          { op: "replace", path: `phoneNumbers[type eq "mobile"].value`, value: "+44 7000" },
          { op: "replace", path: `addresses[type eq "work"].locality`, value: "London" }
        )
        expect(reply.status).toBe(200)
        expect(reply.body).toMatchObject({
          userType: "viewer",
          title: "Lead",
          timezone: "UTC",
          locale: "en-GB",
          name: { familyName: "Chen-Li" },
          phoneNumbers: [{ value: "+44 7000", type: "mobile" }],
          addresses: [{ type: "work", locality: "London" }]
        })
        const removed = yield* client.ops("/Users/102", { op: "remove", path: "title" })
        expect(removed.body.title).toBeUndefined()
        // A bad operation anywhere leaves the user untouched.
        const atomic = yield* client.ops(
          "/Users/102",
          { op: "replace", path: "title", value: "Changed" },
          { op: "replace", path: "favouriteColour", value: "blue" }
        )
        expect(atomic.status).toBe(400)
        expect(atomic.body.scimType).toBe("invalidPath")
        expect((yield* client.get("/Users/102")).body.title).toBeUndefined()
        // Filtered paths take any SCIM filter: the matching entries change; a plain `type eq` adds one when none match.
        const filtered = yield* client.ops(
          "/Users/102",
          { op: "add", path: `phoneNumbers[type eq "work"].value`, value: "+1 555" },
          { op: "replace", path: `phoneNumbers[value sw "+44"].value`, value: "+44 7999" },
          { op: "add", path: `addresses[type eq "home"].country`, value: "FR" },
          { op: "remove", path: `addresses[type eq "work"]` }
        )
        expect(filtered.status).toBe(200)
        expect(filtered.body.phoneNumbers).toEqual([
          { value: "+44 7999", type: "mobile" },
          { value: "+1 555", type: "work" }
        ])
        expect(filtered.body.addresses).toEqual([{ type: "home", country: "FR" }])
        const noTarget = yield* client.ops("/Users/102", {
          op: "replace",
          path: `phoneNumbers[value sw "+33"].value`,
          value: "+33 1"
        })
        expect(noTarget.status).toBe(400)
        expect(noTarget.body.scimType).toBe("noTarget")
        const badFilter = yield* client.ops("/Users/102", { op: "replace", path: `emails[type zz "x"].value`, value: "a@b.c" })
        expect(badFilter.body.scimType).toBe("invalidPath")
        const badOp = yield* client.patch("/Users/102", { Operations: [{ op: "merge", path: "title", value: "x" }] })
        expect(badOp.status).toBe(400)
        expect(badOp.body.scimType).toBe("invalidSyntax")
      })
    )
  })

  describe("teams", () => {
    it.effect("POST /Groups creates a team with members, id and internalId", () =>
      Effect.gen(function* () {
        const { emulator, client } = yield* freshAcme
        const reply = yield* client.post("/Groups", {
          schemas: ["urn:ietf:params:scim:schemas:core:2.0:Group"],
          displayName: "Design",
          members: [{ value: "101" }, { value: "102", display: "Carol" }]
        })
        expect(reply.status).toBe(201)
        expect(reply.body.displayName).toBe("Design")
        expect(typeof reply.body.internalId).toBe("number")
        expect(reply.body.members).toEqual([
          { value: "101", display: "Bob Builder" },
          { value: "102", display: "Carol Chen" }
        ])
        const state = emulator.account("acme").teams.find((team) => team.id === reply.body.id)!
        expect(state).toMatchObject({ displayName: "Design", members: ["101", "102"], scimProvisioned: true })
      })
    )

    it.effect("POST /Groups fails unless every member is an active user of the account, naming the ids", () =>
      Effect.gen(function* () {
        const { emulator, client } = yield* freshAcme
        const missing = yield* client.post("/Groups", {
          displayName: "Design",
          members: [{ value: "101" }, { value: "999" }, { value: "998" }]
        })
        expect(missing.status).toBe(400)
        expect(missing.body.detail).toContain("999, 998")
        const inactive = yield* client.post("/Groups", { displayName: "Design", members: [{ value: "103" }] })
        expect(inactive.status).toBe(400)
        expect(inactive.body.detail).toContain("deactivated: 103")
        expect(emulator.account("acme").teams.map((team) => team.displayName)).not.toContain("Design")
      })
    )

    it.effect("POST /Groups with an existing team's name REPLACES that team's members and keeps its id", () =>
      Effect.gen(function* () {
        const { emulator, client } = yield* freshAcme
        const reply = yield* client.post("/Groups", { displayName: "engineering", members: [{ value: "104" }] })
        expect(reply.status).toBe(201)
        expect(reply.body.id).toBe("201")
        expect(members(reply.body)).toEqual(["104"])
        const teams = emulator.account("acme").teams
        expect(teams.filter((team) => team.displayName.toLowerCase() === "engineering")).toHaveLength(1)
        expect(teams.find((team) => team.id === "201")!.members).toEqual(["104"])
      })
    )

    it.effect("PATCH add/remove in Okta's and Entra's forms, op names in any case", () =>
      Effect.gen(function* () {
        const { emulator, client } = yield* freshAcme
        const team = () => emulator.account("acme").teams.find((t) => t.id === "201")!.members
        const add = yield* client.ops("/Groups/201", { op: "add", path: "members", value: [{ value: "104" }] })
        expect(add.status).toBe(204)
        expect(add.body).toBeUndefined()
        expect(team()).toEqual(["101", "102", "104"])
        yield* client.ops("/Groups/201", { op: "remove", path: `members[value eq "101"]` })
        expect(team()).toEqual(["102", "104"])
        yield* client.ops("/Groups/201", { op: "Remove", path: "members", value: [{ value: "102" }] })
        expect(team()).toEqual(["104"])
        yield* client.ops("/Groups/201", { op: "Add", path: "members", value: [{ value: "101" }, { value: "102" }] })
        expect(team()).toEqual(["104", "101", "102"])
        // Removing a non-member and adding an existing member are no-ops.
        expect((yield* client.ops("/Groups/201", { op: "remove", path: `members[value eq "999"]` })).status).toBe(204)
        expect(
          (yield* client.ops("/Groups/201", { op: "ADD", path: "members", value: [{ value: "101" }] })).status
        ).toBe(204)
        expect(team()).toEqual(["104", "101", "102"])
        // Any SCIM filter inside the brackets works (parsed by SCIMMY).
        yield* client.ops("/Groups/201", { op: "remove", path: `members[value eq "101" or value eq "104"]` })
        expect(team()).toEqual(["102"])
        const bad = yield* client.ops("/Groups/201", { op: "remove", path: `members[value zz "1"]` })
        expect(bad.status).toBe(400)
        expect(bad.body.scimType).toBe("invalidPath")
        const addByFilter = yield* client.ops("/Groups/201", { op: "add", path: `members[value eq "101"]`, value: [] })
        expect(addByFilter.body.scimType).toBe("invalidPath")
      })
    )

    it.effect("a members[…] remove takes any SCIM filter, on value or display", () =>
      Effect.gen(function* () {
        const { emulator, client } = yield* freshAcme
        const team = () => emulator.account("acme").teams.find((t) => t.id === "201")!.members
        expect((yield* client.ops("/Groups/201", { op: "remove", path: `members[display co "Bob"]` })).status).toBe(204)
        expect(team()).toEqual(["102"])
        const urn = "urn:ietf:params:scim:schemas:core:2.0:Group:members"
        expect((yield* client.ops("/Groups/201", { op: "remove", path: `${urn}[value sw "10"]` })).status).toBe(204)
        expect(team()).toEqual([])
        const sub = yield* client.ops("/Groups/201", { op: "remove", path: `members[value eq "101"].display` })
        expect(sub.body.scimType).toBe("invalidPath")
      })
    )

    it.effect("PATCH adding a user who doesn't exist (or is deactivated) is 400 and changes nothing", () =>
      Effect.gen(function* () {
        const { emulator, client } = yield* freshAcme
        const reply = yield* client.ops(
          "/Groups/201",
          { op: "remove", path: `members[value eq "101"]` },
          { op: "add", path: "members", value: [{ value: "555" }, { value: "103" }] }
        )
        expect(reply.status).toBe(400)
        expect(reply.body.detail).toContain("555")
        expect(reply.body.detail).toContain("103")
        expect(emulator.account("acme").teams.find((t) => t.id === "201")!.members).toEqual(["101", "102"])
      })
    )

    it.effect("rename by PATCH replace on displayName, with a path or path-less", () =>
      Effect.gen(function* () {
        const { emulator, client } = yield* freshAcme
        yield* client.ops("/Groups/201", { op: "Replace", path: "displayName", value: "Platform" })
        expect(emulator.account("acme").teams[0]!.displayName).toBe("Platform")
        yield* client.ops("/Groups/201", { op: "replace", value: { displayName: "Platform EU" } })
        const team = yield* client.get("/Groups/201")
        expect(team.body.displayName).toBe("Platform EU")
        expect(members(team.body)).toEqual(["101", "102"])
        const byOldName = yield* client.get(`/Groups?filter=${encodeURIComponent(`displayName eq "Engineering"`)}`)
        expect(byOldName.body.totalResults).toBe(0)
        const clash = yield* client.ops("/Groups/201", { op: "replace", path: "displayName", value: "UI team" })
        expect(clash.status).toBe(409)
      })
    )

    it.effect("PATCH answers 200 with the team when asked (option or attributes param)", () =>
      Effect.gen(function* () {
        const { emulator, client } = yield* freshAcme
        const withAttributes = yield* client.ops("/Groups/201?excludedAttributes=members", {
          op: "add",
          path: "members",
          value: [{ value: "104" }]
        })
        expect(withAttributes.status).toBe(200)
        expect(withAttributes.body.members).toBeUndefined()
        emulator.setOptions({ groupPatchStatus: 200 })
        const full = yield* client.ops("/Groups/201", { op: "remove", path: `members[value eq "104"]` })
        expect(full.status).toBe(200)
        expect(members(full.body)).toEqual(["101", "102"])
      })
    )

    it.effect("a cap on members per PATCH answers 413 tooMany over it", () =>
      Effect.gen(function* () {
        const { emulator, client } = yield* freshAcme
        emulator.setOptions({ maxMembersPerPatch: 2 })
        const over = yield* client.ops(
          "/Groups/201",
          { op: "add", path: "members", value: [{ value: "104" }, { value: emulator.account("acme").users[0]!.id }] },
          { op: "remove", path: `members[value eq "101"]` }
        )
        expect(over.status).toBe(413)
        expect(over.body.scimType).toBe("tooMany")
        expect(emulator.account("acme").teams[0]!.members).toEqual(["101", "102"])
        const within = yield* client.ops("/Groups/201", { op: "add", path: "members", value: [{ value: "104" }] })
        expect(within.status).toBe(204)
      })
    )

    it.effect("omitMembers leaves members out of GET /Groups/{id} and list answers", () =>
      Effect.gen(function* () {
        const { emulator, client } = yield* freshAcme
        emulator.setOptions({ omitMembers: true })
        expect((yield* client.get("/Groups/201")).body.members).toBeUndefined()
        expect((yield* client.get("/Groups")).body.Resources[0].members).toBeUndefined()
        emulator.setOptions({ omitMembers: false })
        expect(members((yield* client.get("/Groups/201")).body)).toEqual(["101", "102"])
      })
    )

    it.effect("DELETE /Groups/{id} deprovisions the team and keeps its users", () =>
      Effect.gen(function* () {
        const { emulator, client } = yield* freshAcme
        expect((yield* client.delete("/Groups/201")).status).toBe(204)
        expect((yield* client.get("/Groups/201")).status).toBe(404)
        expect(emulator.account("acme").teams.map((team) => team.id)).toEqual(["202"])
        expect(emulator.account("acme").users.map((user) => user.id)).toContain("101")
        expect((yield* client.delete("/Groups/201")).status).toBe(404)
      })
    )
  })
})
