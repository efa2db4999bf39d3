import { describe, expect, layer } from "@effect/vitest"
import { Effect } from "effect"
import { layer as emulatorLayer } from "../src/index.js"
import { freshAcme, request, scim } from "./support.js"

const ERROR = "urn:ietf:params:scim:api:messages:2.0:Error"

layer(emulatorLayer())("Server", (it) => {
  describe("auth", () => {
    it.effect("401 SCIM error without a token and with an unknown token", () =>
      Effect.gen(function* () {
        const { emulator } = yield* freshAcme
        for (const token of [undefined, "not-a-token"]) {
          const reply = yield* scim(emulator, token).get("/Users")
          expect(reply.status).toBe(401)
          expect(reply.body.schemas).toEqual([ERROR])
          expect(reply.body.status).toBe("401")
          expect(reply.headers.get("content-type")).toBe("application/scim+json")
        }
      })
    )

    it.effect("the token stops working when its admin is deactivated or demoted in the UI", () =>
      Effect.gen(function* () {
        const { emulator, created, client } = yield* freshAcme
        expect((yield* client.get("/Users")).status).toBe(200)
        emulator.updateUser("acme", created.adminUserId, { userType: "member" })
        const demoted = yield* client.get("/Users")
        expect(demoted.status).toBe(401)
        expect(demoted.body.detail).toContain("no longer an admin")
        expect(demoted.body.detail).not.toContain(created.token)
        emulator.updateUser("acme", created.adminUserId, { userType: "admin", active: false })
        expect((yield* client.get("/Users")).status).toBe(401)
        emulator.updateUser("acme", created.adminUserId, { active: true })
        expect((yield* client.get("/Users")).status).toBe(200)
        expect(emulator.account("acme").tokens).toEqual([{ ownerUserId: created.adminUserId, working: true }])
      })
    )

    it.effect("several tokens per account, each tied to its owner", () =>
      Effect.gen(function* () {
        const { emulator, created } = yield* freshAcme
        emulator.updateUser("acme", "bob@acme.com", { userType: "admin" })
        const second = emulator.createToken("acme", { owner: "bob@acme.com" })
        expect((yield* scim(emulator, second).get("/Users")).status).toBe(200)
        emulator.updateUser("acme", "bob@acme.com", { userType: "member" })
        expect((yield* scim(emulator, second).get("/Users")).status).toBe(401)
        expect((yield* scim(emulator, created.token).get("/Users")).status).toBe(200)
      })
    )

    it.effect("SCIM cannot deactivate or demote the token owner (403)", () =>
      Effect.gen(function* () {
        const { emulator, created, client } = yield* freshAcme
        const path = `/Users/${created.adminUserId}`
        const deactivate = yield* client.ops(path, { op: "replace", value: { active: false } })
        expect(deactivate.status).toBe(403)
        expect(deactivate.body.detail).toContain("owns the SCIM token")
        const demote = yield* client.ops(path, { op: "replace", path: "userType", value: "viewer" })
        expect(demote.status).toBe(403)
        const admin = emulator.account("acme").users.find((user) => user.id === created.adminUserId)!
        expect(admin).toMatchObject({ active: true, userType: "admin" })
      })
    )

    it.effect("accounts not on the enterprise plan get 403 (switchable)", () =>
      Effect.gen(function* () {
        const { emulator, client } = yield* freshAcme
        emulator.setPlan("acme", "pro")
        const refused = yield* client.get("/Users")
        expect(refused.status).toBe(403)
        expect(refused.body.detail).toContain("Enterprise")
        emulator.setOptions({ requireEnterprise: false })
        expect((yield* client.get("/Users")).status).toBe(200)
      })
    )
  })

  describe("discovery", () => {
    it.effect("ServiceProviderConfig: patch yes, bulk no, filter with maxResults, changePassword", () =>
      Effect.gen(function* () {
        const { emulator, client } = yield* freshAcme
        emulator.setOptions({ maxPageSize: 50 })
        const { status, body } = yield* client.get("/ServiceProviderConfig")
        expect(status).toBe(200)
        expect(body.patch.supported).toBe(true)
        expect(body.bulk.supported).toBe(false)
        expect(body.filter).toEqual({ supported: true, maxResults: 50 })
        expect(body.changePassword.supported).toBe(true)
      })
    )

    it.effect("ResourceTypes and Schemas list User and Group", () =>
      Effect.gen(function* () {
        const { client } = yield* freshAcme
        const types = yield* client.get("/ResourceTypes")
        expect(types.body.Resources.map((type: any) => type.endpoint)).toEqual(["/Users", "/Groups"])
        expect((yield* client.get("/ResourceTypes/Group")).body.schema).toBe(
          "urn:ietf:params:scim:schemas:core:2.0:Group"
        )
        const schemas = yield* client.get("/Schemas")
        expect(schemas.body.totalResults).toBe(2)
        const user = yield* client.get("/Schemas/urn:ietf:params:scim:schemas:core:2.0:User")
        expect(user.body.attributes.map((attribute: any) => attribute.name)).toContain("userType")
        expect((yield* client.get("/Schemas/urn:nope")).status).toBe(404)
      })
    )
  })

  describe("lists", () => {
    it.effect("paging: 1-based startIndex, count, max page size, totalResults", () =>
      Effect.gen(function* () {
        const { emulator, client } = yield* freshAcme
        for (let i = 0; i < 7; i++) {
          expect((yield* client.post("/Users", { userName: `user${i}@acme.com` })).status).toBe(201)
        }
        // 3 seeded SCIM users + 7 new ones.
        const page = yield* client.get("/Users?startIndex=2&count=3")
        expect(page.body).toMatchObject({ totalResults: 10, itemsPerPage: 3, startIndex: 2 })
        expect(page.body.Resources.map((user: any) => user.userName)).toEqual([
          "carol@acme.com",
          "dave@acme.com",
          "user0@acme.com"
        ])
        const tail = yield* client.get("/Users?startIndex=9&count=5")
        expect(tail.body.itemsPerPage).toBe(2)
        emulator.setOptions({ maxPageSize: 4 })
        const capped = yield* client.get("/Users?count=500")
        expect(capped.body).toMatchObject({ totalResults: 10, itemsPerPage: 4, startIndex: 1 })
        const zero = yield* client.get("/Users?count=0&startIndex=0")
        expect(zero.body).toMatchObject({ totalResults: 10, itemsPerPage: 0, startIndex: 1, Resources: [] })
        const bad = yield* client.get("/Users?count=abc")
        expect(bad.status).toBe(400)
        expect(bad.body.scimType).toBe("invalidValue")
      })
    )

    it.effect("scim_provisioned_only defaults to true; false lists UI-created users and teams too", () =>
      Effect.gen(function* () {
        const { client } = yield* freshAcme
        const scimUsers = yield* client.get("/Users")
        expect(scimUsers.body.Resources.map((user: any) => user.id)).toEqual(["101", "102", "103"])
        const allUsers = yield* client.get("/Users?scim_provisioned_only=false")
        expect(allUsers.body.totalResults).toBe(5)
        expect(allUsers.body.Resources.map((user: any) => user.userName)).toContain("admin@acme.com")
        const scimTeams = yield* client.get("/Groups")
        expect(scimTeams.body.Resources.map((team: any) => team.displayName)).toEqual(["Engineering"])
        const allTeams = yield* client.get("/Groups?scim_provisioned_only=false")
        expect(allTeams.body.Resources.map((team: any) => team.displayName)).toEqual(["Engineering", "UI Team"])
      })
    )

    it.effect("filters: userName eq (case-insensitive), displayName eq, id eq, and/or", () =>
      Effect.gen(function* () {
        const { client } = yield* freshAcme
        const q = (filter: string) => `filter=${encodeURIComponent(filter)}`
        const byName = yield* client.get(`/Users?${q(`userName eq "Carol@Acme.com"`)}`)
        expect(byName.body.Resources.map((user: any) => user.id)).toEqual(["102"])
        const none = yield* client.get(`/Users?${q(`userName eq "nobody@acme.com"`)}`)
        expect(none.body).toMatchObject({ totalResults: 0, Resources: [] })
        const or = yield* client.get(`/Users?${q(`userName eq "bob@acme.com" or id eq "103"`)}`)
        expect(or.body.Resources.map((user: any) => user.id)).toEqual(["101", "103"])
        const and = yield* client.get(`/Users?${q(`userName eq "bob@acme.com" and active eq false`)}`)
        expect(and.body.totalResults).toBe(0)
        const hidden = yield* client.get(`/Users?${q(`userName eq "uiuser@acme.com"`)}`)
        expect(hidden.body.totalResults).toBe(0)
        const shown = yield* client.get(`/Users?${q(`userName eq "uiuser@acme.com"`)}&scim_provisioned_only=false`)
        expect(shown.body.totalResults).toBe(1)
        const team = yield* client.get(`/Groups?${q(`displayName eq "engineering"`)}`)
        expect(team.body.Resources.map((t: any) => t.id)).toEqual(["201"])
        const teamById = yield* client.get(
          `/Groups?${q(`id eq "201" or displayName eq "UI Team"`)}&scim_provisioned_only=false`
        )
        expect(teamById.body.totalResults).toBe(2)
      })
    )

    it.effect("invalid or unsupported filters are 400 invalidFilter", () =>
      Effect.gen(function* () {
        const { client } = yield* freshAcme
        for (const filter of [`userName xx "a"`, `userName eq`, `(userName eq "a"`, `password eq "x"`, `bogus`]) {
          const reply = yield* client.get(`/Users?filter=${encodeURIComponent(filter)}`)
          expect(reply.status, filter).toBe(400)
          expect(reply.body.scimType, filter).toBe("invalidFilter")
        }
        const groups = yield* client.get(`/Groups?filter=${encodeURIComponent(`userName eq "a@b.c"`)}`)
        expect(groups.body.scimType).toBe("invalidFilter")
      })
    )

    it.effect("excludedAttributes=members and attributes project the resources", () =>
      Effect.gen(function* () {
        const { client } = yield* freshAcme
        const teams = yield* client.get("/Groups?excludedAttributes=members")
        expect(teams.body.Resources[0].members).toBeUndefined()
        expect(teams.body.Resources[0].displayName).toBe("Engineering")
        const users = yield* client.get("/Users/101?attributes=userName")
        expect(Object.keys(users.body).sort()).toEqual(["id", "schemas", "userName"])
      })
    )
  })

  describe("protocol", () => {
    it.effect("accepts application/json and application/scim+json, refuses other media types", () =>
      Effect.gen(function* () {
        const { client } = yield* freshAcme
        const json = yield* client.post("/Users", { userName: "j@acme.com" }, { "content-type": "application/json" })
        expect(json.status).toBe(201)
        expect(json.headers.get("content-type")).toBe("application/scim+json")
        expect(json.headers.get("location")).toBe(json.body.meta.location)
        const scimJson = yield* client.post(
          "/Users",
          { userName: "s@acme.com" },
          {
            "content-type": "application/scim+json; charset=utf-8"
          }
        )
        expect(scimJson.status).toBe(201)
        const text = yield* client.post("/Users", { userName: "t@acme.com" }, { "content-type": "text/plain" })
        expect(text.status).toBe(415)
        const broken = yield* client.post("/Users", "{not json", { "content-type": "application/json" })
        expect(broken.status).toBe(400)
        expect(broken.body.scimType).toBe("invalidSyntax")
      })
    )

    it.effect("unknown endpoints are 404 and unsupported methods 405, as SCIM errors", () =>
      Effect.gen(function* () {
        const { emulator, client } = yield* freshAcme
        expect((yield* client.get("/Nope")).status).toBe(404)
        expect((yield* client.get("/Users/999999")).status).toBe(404)
        expect((yield* client.get("/Groups/999999")).status).toBe(404)
        const root = yield* request(`${emulator.url}/api/v2/Users`, {})
        expect(root.status).toBe(404)
        const del = yield* client.delete("/Groups")
        expect(del.status).toBe(405)
        expect(del.body.schemas).toEqual([ERROR])
      })
    )

    it.effect("PUT is refused with 405 by default and accepted when acceptPut is on", () =>
      Effect.gen(function* () {
        const { emulator, client } = yield* freshAcme
        const refused = yield* client.put("/Groups/201", { displayName: "Engineering", members: [] })
        expect(refused.status).toBe(405)
        expect(refused.body.detail).toContain("PATCH")
        expect(emulator.account("acme").teams[0]!.members).toEqual(["101", "102"])
        emulator.setOptions({ acceptPut: true })
        const team = yield* client.put("/Groups/201", { displayName: "Eng", members: [{ value: "101" }] })
        expect(team.status).toBe(200)
        expect(emulator.account("acme").teams[0]).toMatchObject({ displayName: "Eng", members: ["101"] })
        const user = yield* client.put("/Users/101", { userName: "bob@acme.com", title: "Boss" })
        expect(user.status).toBe(200)
        expect(user.body.title).toBe("Boss")
      })
    )
  })
})
