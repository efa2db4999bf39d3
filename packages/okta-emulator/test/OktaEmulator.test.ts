import { afterAll, afterEach, beforeAll, describe, expect, it } from "@effect/vitest"
import okta from "@okta/okta-sdk-nodejs"
import { Effect } from "effect"
import { generateKeyPairSync } from "node:crypto"
import { type OktaEmulator, startOktaEmulator } from "../src/index.js"

let current: OktaEmulator | undefined
afterEach(async () => {
  await current?.close()
  current = undefined
})
const start = async (opts: Parameters<typeof startOktaEmulator>[0] = {}) => (current = await startOktaEmulator(opts))

const get = async (em: OktaEmulator, path: string, token = em.token) => {
  const res = await fetch(path.startsWith("http") ? path : `${em.orgUrl}${path}`, {
    headers: { authorization: `SSWS ${token}`, accept: "application/json" }
  })
  const text = await res.text()
  return { res, body: text ? JSON.parse(text) : undefined }
}
const nextLink = (res: Response): string | undefined =>
  /<([^>]+)>; rel="next"/.exec(res.headers.get("link") ?? "")?.[1]

/** Follows next links; returns every item and the number of pages. */
const all = async (em: OktaEmulator, path: string) => {
  const items: Array<any> = []
  let url: string | undefined = path
  let pages = 0
  while (url) {
    const { res, body } = await get(em, url)
    expect(res.status).toBe(200)
    items.push(...body)
    pages++
    url = nextLink(res)
  }
  return { items, pages }
}

const sdk = (em: OktaEmulator) =>
  new okta.Client({ orgUrl: em.orgUrl, token: em.token, authorizationMode: "SSWS", cacheMiddleware: null } as never)

const small = {
  users: [
    { profile: { login: "ann@example.com", firstName: "Ann", lastName: "A" } },
    { profile: { login: "bob@example.com", firstName: "Bob", lastName: "B" } },
    { profile: { login: "cy@example.com", firstName: "Cy", lastName: "C" }, status: "DEPROVISIONED" as const },
    { profile: { login: "di@example.com", firstName: "Di", lastName: "D" } }
  ],
  groups: [
    { name: "Engineering", members: ["ann@example.com", "bob@example.com", "cy@example.com"] },
    { name: "Eng Managers", members: ["ann@example.com"] },
    { name: "Sales", members: ["di@example.com"] },
    { name: "Imported", type: "APP_GROUP" as const, members: ["bob@example.com"] }
  ],
  assignments: { users: ["ann@example.com", { user: "di@example.com", status: "PENDING" }] }
}

describe("reads", () => {
  it.effect("pages with absolute self/next links and opaque cursors, honouring limit maxima", () =>
    Effect.promise(async () => {
      const em = await start()
      em.generate({ users: 45, groups: 3, memberships: 60 })
      const first = await get(em, "/api/v1/users?limit=10")
      expect(first.body).toHaveLength(10)
      expect(first.res.headers.get("content-type")).toBe("application/json;charset=UTF-8")
      const link = first.res.headers.get("link")!
      expect(link).toContain(`<${em.orgUrl}/api/v1/users?limit=10>; rel="self"`)
      const next = nextLink(first.res)!
      expect(next.startsWith(`${em.orgUrl}/api/v1/users?limit=10&after=`)).toBe(true)
      const { items, pages } = await all(em, "/api/v1/users?limit=10")
      const active = em.state().users.filter((u) => u.status !== "DEPROVISIONED")
      expect(items.map((u) => u.id)).toEqual(active.map((u) => u.id))
      expect(pages).toBe(Math.ceil(active.length / 10))
      // users: max 200 per page; app users: max 500.
      const big = await get(em, "/api/v1/users?limit=5000")
      expect(big.res.headers.get("link")).toContain("limit=200")
      const garbage = await get(em, "/api/v1/users?after=not-a-cursor")
      expect(garbage.res.status).toBe(400)
      expect(garbage.body.errorCode).toBe("E0000001")
    }))

  it.effect("with nextOnFullLastPage, a list whose size is a multiple of limit ends with an empty page", () =>
    Effect.promise(async () => {
      const em = await start()
      em.generate({ users: 20, groups: 1, memberships: 20, suspendedShare: 0, deprovisionedShare: 0 })
      const exact = await all(em, "/api/v1/users?limit=10")
      expect([exact.items.length, exact.pages]).toEqual([20, 2])
      em.setOptions({ nextOnFullLastPage: true })
      const padded = await all(em, "/api/v1/users?limit=10")
      expect([padded.items.length, padded.pages]).toEqual([20, 3])
      // A page that isn't full still ends the list.
      expect((await all(em, "/api/v1/users?limit=7")).pages).toBe(3)
    }))

  it.effect("searches groups by name (sw/eq) and type; q is not paged; expand=stats counts members", () =>
    Effect.promise(async () => {
      const em = await start()
      em.seed(small)
      const names = async (q: string) => (await all(em, `/api/v1/groups?${q}`)).items.map((g) => g.profile.name)
      expect(await names(`search=${encodeURIComponent(`profile.name sw "Eng"`)}`)).toEqual(["Engineering", "Eng Managers"])
      expect(await names(`search=${encodeURIComponent(`profile.name eq "Sales"`)}`)).toEqual(["Sales"])
      expect(await names(`search=${encodeURIComponent(`type eq "APP_GROUP"`)}`)).toEqual(["Imported"])
      expect(await names(`filter=${encodeURIComponent(`type eq "OKTA_GROUP"`)}`)).toHaveLength(3)
      const q = await get(em, "/api/v1/groups?q=eng")
      expect(q.body.map((g: any) => g.profile.name)).toEqual(["Engineering", "Eng Managers"])
      expect(q.res.headers.get("link")).toBeNull()
      const stats = await get(em, `/api/v1/groups?expand=stats&search=${encodeURIComponent(`profile.name eq "Engineering"`)}`)
      expect(stats.body[0]._embedded.stats.usersCount).toBe(3)
      const bad = await get(em, `/api/v1/groups?search=${encodeURIComponent(`profile.name sw`)}`)
      expect(bad.res.status).toBe(400)
      expect(bad.body.errorCauses[0].errorSummary).toContain("character")
    }))

  it.effect("lists users without DEPROVISIONED unless a filter asks; users by id or login; 404 E0000007", () =>
    Effect.promise(async () => {
      const em = await start()
      em.seed(small)
      expect((await all(em, "/api/v1/users")).items.map((u) => u.profile.login)).not.toContain("cy@example.com")
      const deprov = await all(em, `/api/v1/users?filter=${encodeURIComponent(`status eq "DEPROVISIONED"`)}`)
      expect(deprov.items.map((u) => u.profile.login)).toEqual(["cy@example.com"])
      const byLogin = await get(em, "/api/v1/users/bob@example.com")
      expect(byLogin.body.profile.firstName).toBe("Bob")
      const missing = await get(em, "/api/v1/users/nobody")
      expect(missing.res.status).toBe(404)
      expect(missing.body).toMatchObject({ errorCode: "E0000007", errorLink: "E0000007", errorCauses: [] })
      expect(typeof missing.body.errorId).toBe("string")
    }))

  it.effect("app users: USER scope for direct, GROUP scope via an assigned group, gone on unassign unless direct", () =>
    Effect.promise(async () => {
      const em = await start()
      em.seed(small)
      const eng = em.state().groups.find((g) => g.name === "Engineering")!.id
      const scopes = async () =>
        Object.fromEntries(
          (await all(em, `/api/v1/apps/${em.appId}/users?limit=1&expand=user`)).items.map((a) => [
            a._embedded.user.profile.login,
            `${a.scope}/${a.status}/${a.credentials.userName}`
          ])
        )
      expect(await scopes()).toEqual({
        "ann@example.com": "USER/ACTIVE/ann@example.com",
        "di@example.com": "USER/PENDING/di@example.com"
      })
      em.assignGroup(eng)
      expect(await scopes()).toMatchObject({
        "ann@example.com": "USER/ACTIVE/ann@example.com",
        "bob@example.com": "GROUP/ACTIVE/bob@example.com",
        "cy@example.com": "GROUP/ACTIVE/cy@example.com"
      })
      const groups = await get(em, `/api/v1/apps/${em.appId}/groups`)
      expect(groups.body.map((g: any) => g.id)).toEqual([eng])
      em.unassignGroup(eng)
      expect(Object.keys(await scopes())).toEqual(["ann@example.com", "di@example.com"])
      const app = await get(em, `/api/v1/apps/${em.appId}`)
      expect(app.body.id).toBe(em.appId)
      const wrong = await get(em, "/api/v1/apps/0oaNOPE")
      expect(wrong.res.status).toBe(404)
    }))

  it.effect("an admin-less token gets empty 200 lists", () =>
    Effect.promise(async () => {
      const em = await start()
      em.seed(small)
      em.addToken("readonly", { emptyLists: true })
      const r = await get(em, "/api/v1/groups", "readonly")
      expect(r.res.status).toBe(200)
      expect(r.body).toEqual([])
      em.setOptions({ emptyLists: true })
      expect((await get(em, "/api/v1/users")).body).toEqual([])
    }))

  it.effect("a token whose admin has no role gets 403 E0000006 everywhere, with no scope challenge", () =>
    Effect.promise(async () => {
      const em = await start()
      em.seed(small)
      em.addToken("roleless", { noRole: true })
      for (const path of ["/api/v1/groups", `/api/v1/apps/${em.appId}`, "/api/v1/logs"]) {
        const r = await get(em, path, "roleless")
        expect(r.res.status, path).toBe(403)
        expect(r.body.errorCode).toBe("E0000006")
        expect(r.res.headers.get("www-authenticate")).toBeNull()
      }
      expect((await get(em, "/api/v1/groups")).res.status).toBe(200)
    }))
})

describe("page sizes: each endpoint's default and maximum limit", () => {
  // One org larger than every maximum: 10,050 groups, 1,100 users (all assigned), a group of 1,100, 250
  // groups assigned to the app, and 1,200 System Log events.
  let em: OktaEmulator
  let total: Record<string, number>
  beforeAll(async () => {
    em = await startOktaEmulator()
    const { userIds, groupIds } = em.generate({
      users: 1_100,
      groups: 10_050,
      memberships: 25_000,
      skew: 1.2,
      assignedShare: 1,
      suspendedShare: 0,
      deprovisionedShare: 0,
      assignedGroups: 250
    })
    const big = groupIds[0]!
    for (const u of userIds) em.addMember(big, u)
    for (let i = 0; i < 1_200; i++) em.updateUser(userIds[i % userIds.length]!, { title: `t${i}` })
    const state = em.state()
    total = {
      groups: state.groups.length,
      members: state.groups[0]!.members.length,
      users: state.users.length,
      appUsers: state.assignments.length,
      appGroups: state.assignedGroupIds.length,
      logs: state.logEvents
    }
  }, 120_000)
  afterAll(() => em.close())

  const since = encodeURIComponent(new Date(Date.now() - 3_600_000).toISOString())
  const until = () => encodeURIComponent(new Date(Date.now() + 60_000).toISOString())
  const cases = [
    { endpoint: "groups", path: () => "/api/v1/groups", def: 10_000, max: 10_000 },
    { endpoint: "members", path: () => `/api/v1/groups/${em.state().groups[0]!.id}/users`, def: 1_000, max: 1_000 },
    { endpoint: "users", path: () => "/api/v1/users", def: 200, max: 200 },
    { endpoint: "appUsers", path: () => `/api/v1/apps/${em.appId}/users`, def: 50, max: 500 },
    { endpoint: "appGroups", path: () => `/api/v1/apps/${em.appId}/groups`, def: 20, max: 200 },
    { endpoint: "logs", path: () => `/api/v1/logs?since=${since}&until=${until()}`, def: 100, max: 1_000 }
  ] as const

  for (const c of cases) {
    it.effect(`${c.endpoint}: ${c.def} by default, at most ${c.max}, and a bad limit is refused`, () =>
      Effect.promise(async () => {
        expect(total[c.endpoint], "the org must be larger than the maximum").toBeGreaterThan(c.max)
        const sep = c.path().includes("?") ? "&" : "?"
        const limitOf = (res: Response) => new URL(/<([^>]+)>; rel="self"/.exec(res.headers.get("link")!)![1]!).searchParams.get("limit")
        const byDefault = await get(em, c.path())
        expect(byDefault.res.status).toBe(200)
        expect(byDefault.body).toHaveLength(c.def)
        expect(limitOf(byDefault.res)).toBe(String(c.def))
        expect(nextLink(byDefault.res)).toBeDefined()
        const clamped = await get(em, `${c.path()}${sep}limit=${c.max + 1_000}`)
        expect(clamped.body).toHaveLength(c.max)
        expect(limitOf(clamped.res)).toBe(String(c.max))
        const small = await get(em, `${c.path()}${sep}limit=7`)
        expect(small.body).toHaveLength(7)
        for (const bad of ["0", "-1", "ten"]) {
          const refused = await get(em, `${c.path()}${sep}limit=${bad}`)
          expect(refused.res.status, `limit=${bad}`).toBe(400)
          expect(refused.body.errorCode).toBe("E0000001")
        }
      }))
  }
})

describe("writes through the real SDK record System Log events", () => {
  it.effect("group create / rename / members / delete, user lifecycle and profile, app assignments", () =>
    Effect.promise(async () => {
      const em = await start()
      em.seed(small)
      const client = sdk(em)
      const ann = em.state().users[0]!.id
      const g = await client.groupApi.createGroup({ group: { profile: { name: "Ops" } } })
      await client.groupApi.replaceGroup({ groupId: g.id!, group: { profile: { name: "Operations" } } })
      await client.groupApi.assignUserToGroup({ groupId: g.id!, userId: ann })
      await client.groupApi.unassignUserFromGroup({ groupId: g.id!, userId: ann })
      await client.applicationApi.assignGroupToApplication({ appId: em.appId, groupId: g.id! })
      await client.applicationApi.unassignApplicationFromGroup({ appId: em.appId, groupId: g.id! })
      await client.groupApi.deleteGroup({ groupId: g.id! })
      await fetch(`${em.orgUrl}/api/v1/users/${ann}/lifecycle/suspend`, { method: "POST", headers: { authorization: `SSWS ${em.token}` } })
      await fetch(`${em.orgUrl}/api/v1/users/${ann}/lifecycle/unsuspend`, { method: "POST", headers: { authorization: `SSWS ${em.token}` } })
      await client.userApi.updateUser({ userId: ann, user: { profile: { firstName: "Annie" } } as never })
      const created = await client.userApi.createUser({ body: { profile: { login: "eve@example.com", email: "eve@example.com" } } as never, activate: true })
      await client.applicationApi.assignUserToApplication({ appId: em.appId, appUser: { id: created.id! } as never })
      await client.applicationApi.unassignUserFromApplication({ appId: em.appId, userId: created.id! })
      const window = `since=${encodeURIComponent(new Date(Date.now() - 60_000).toISOString())}&until=${encodeURIComponent(new Date(Date.now() + 1000).toISOString())}`
      const { items } = await all(em, `/api/v1/logs?${window}&limit=1000`)
      expect(items.map((e) => e.eventType).filter((t, i, a) => a.indexOf(t) === i)).toEqual([
        "group.lifecycle.create",
        "group.profile.update",
        "group.user_membership.add",
        "group.user_membership.remove",
        "group.application_assignment.add",
        "group.application_assignment.remove",
        "group.lifecycle.delete",
        "user.lifecycle.suspend",
        "user.lifecycle.unsuspend",
        "user.account.update_profile",
        "user.lifecycle.create",
        "user.lifecycle.activate",
        "application.user_membership.add",
        "application.user_membership.remove"
      ])
      const add = items.find((e) => e.eventType === "group.user_membership.add")
      expect(add.target.map((t: any) => [t.type, t.id])).toEqual([["User", ann], ["UserGroup", g.id]])
      const appAdd = items.find((e) => e.eventType === "application.user_membership.add")
      expect(appAdd.target.map((t: any) => t.type)).toEqual(["AppUser", "AppInstance", "User"])
      expect(appAdd).toMatchObject({ version: "0", severity: "INFO", outcome: { result: "SUCCESS" } })
      expect(em.state().users.find((u) => u.id === ann)!.profile.firstName).toBe("Annie")
    }))

  it.effect("duplicate group names and changes to APP_GROUP members are refused as Okta does", () =>
    Effect.promise(async () => {
      const em = await start()
      em.seed(small)
      const client = sdk(em)
      await expect(client.groupApi.createGroup({ group: { profile: { name: "Sales" } } })).rejects.toMatchObject({
        status: 400,
        errorCode: "E0000001"
      })
      const imported = em.state().groups.find((g) => g.name === "Imported")!.id
      expect(() => em.addMember(imported, em.state().users[0]!.id)).toThrow(/APP_GROUP/)
    }))
})

describe("System Log", () => {
  const since = () => encodeURIComponent(new Date(Date.now() - 60_000).toISOString())

  it.effect("a polling request always links next, even on an empty page; after is exclusive", () =>
    Effect.promise(async () => {
      const em = await start()
      em.seed(small)
      const first = await get(em, `/api/v1/logs?since=${since()}&sortOrder=ASCENDING`)
      expect(first.body).toEqual([])
      const next = nextLink(first.res)!
      expect(next).toBeDefined()
      const idle = await get(em, next)
      expect(idle.body).toEqual([])
      em.createGroup({ name: "New" })
      const one = await get(em, nextLink(idle.res)!)
      expect(one.body.map((e: any) => e.eventType)).toEqual(["group.lifecycle.create"])
      const after = await get(em, nextLink(one.res)!)
      expect(after.body).toEqual([])
      expect(nextLink(after.res)).toBeDefined()
    }))

  it.effect("filters on eventType and target.id with or/and; bounded requests end", () =>
    Effect.promise(async () => {
      const em = await start()
      em.seed(small)
      const [ann, bob] = em.state().users
      const sales = em.state().groups.find((g) => g.name === "Sales")!.id
      em.addMember(sales, ann!.id)
      em.addMember(sales, bob!.id)
      em.renameGroup(sales, "Sales EU")
      const filter = encodeURIComponent(`(eventType eq "group.user_membership.add" or eventType eq "x") and target.id eq "${bob!.id}"`)
      const r = await get(em, `/api/v1/logs?since=${since()}&filter=${filter}`)
      expect(r.body).toHaveLength(1)
      expect(r.body[0].target[0].id).toBe(bob!.id)
      const until = encodeURIComponent(new Date(Date.now() + 1000).toISOString())
      const bounded = await all(em, `/api/v1/logs?since=${since()}&until=${until}&limit=1`)
      expect(bounded.items.map((e) => e.eventType)).toEqual([
        "group.user_membership.add",
        "group.user_membership.add",
        "group.profile.update"
      ])
      expect(bounded.pages).toBe(3)
    }))

  it.effect("late events arrive out of published order and duplicates share a uuid; polling still sees them", () =>
    Effect.promise(async () => {
      const em = await start()
      em.seed(small)
      const first = await get(em, `/api/v1/logs?since=${since()}&sortOrder=ASCENDING`)
      em.setLogFaults([{ times: 1, delayMs: 150 }, { times: 1, duplicate: true }])
      em.createGroup({ name: "Late" })
      await new Promise((r) => setTimeout(r, 5))
      em.createGroup({ name: "Twice" })
      await new Promise((r) => setTimeout(r, 200))
      const page = await get(em, nextLink(first.res)!)
      const seen = page.body.map((e: any) => e.target[0].displayName)
      expect(seen).toEqual(["Twice", "Twice", "Late"])
      expect(page.body[0].uuid).toBe(page.body[1].uuid)
      expect(Date.parse(page.body[2].published)).toBeLessThan(Date.parse(page.body[0].published))
    }))
})

describe("rate limits, faults, counters", () => {
  it.effect("every response carries X-Rate-Limit-*; over the bucket answers 429 E0000047 until reset", () =>
    Effect.promise(async () => {
      const em = await start({ rateLimits: { "api/v1/apps": 3 } })
      em.seed(small)
      const statuses: Array<number> = []
      let last: Response | undefined
      for (let i = 0; i < 4; i++) {
        const { res, body } = await get(em, `/api/v1/apps/${em.appId}/users`)
        statuses.push(res.status)
        expect(res.headers.get("x-rate-limit-limit")).toBe("3")
        if (res.status === 429) expect(body.errorCode).toBe("E0000047")
        last = res
      }
      expect(statuses).toEqual([200, 200, 200, 429])
      expect(last!.headers.get("x-rate-limit-remaining")).toBe("0")
      // The window record a client's headroom is checked against.
      expect(em.rateLimitWindows().filter((w) => w.bucket === "api/v1/apps")).toEqual([
        expect.objectContaining({ limit: 3, requests: 3, rejected: 1, lowestRemaining: 0 })
      ])
      expect(Number(last!.headers.get("x-rate-limit-reset"))).toBeGreaterThanOrEqual(Math.floor(Date.now() / 1000))
      // another bucket is unaffected (enterprise figure for groups)
      const groups = await get(em, "/api/v1/groups")
      expect(groups.res.status).toBe(200)
      expect(groups.res.headers.get("x-rate-limit-limit")).toBe("600")
      expect(em.rateLimitWindows().find((w) => w.bucket === "api/v1/groups")).toMatchObject({ requests: 1, lowestRemaining: 599 })
      em.resetCounters()
      expect(em.rateLimitWindows()).toEqual([])
      const unauth = await get(em, "/api/v1/groups", "wrong")
      expect(unauth.res.status).toBe(401)
      expect(unauth.body.errorCode).toBe("E0000011")
      expect(unauth.res.headers.get("x-rate-limit-remaining")).not.toBeNull()
    }))

  it.effect("injected faults hit the next N matching requests; counters group by path template", () =>
    Effect.promise(async () => {
      const em = await start()
      em.seed(small)
      const gid = em.state().groups[0]!.id
      em.setFaults([
        { match: "GET /api/v1/groups/{groupId}/users", status: 503, times: 2 },
        { match: "/api/v1/users", status: 429, resetInSeconds: 2, times: 1 }
      ])
      const a = await get(em, `/api/v1/groups/${gid}/users`)
      const b = await get(em, `/api/v1/groups/${gid}/users`)
      const c = await get(em, `/api/v1/groups/${gid}/users`)
      expect([a.res.status, b.res.status, c.res.status]).toEqual([503, 503, 200])
      const limited = await get(em, "/api/v1/users")
      expect(limited.res.status).toBe(429)
      expect(Number(limited.res.headers.get("x-rate-limit-reset")) - Date.now() / 1000).toBeGreaterThan(0.9)
      expect((await get(em, "/api/v1/users")).res.status).toBe(200)
      expect(em.counters()).toEqual({ "GET /api/v1/groups/{groupId}/users": 3, "GET /api/v1/users": 2 })
      em.resetCounters()
      expect(em.counters()).toEqual({})
      em.setFaults([{ delayMs: 120, times: 1 }])
      const t0 = Date.now()
      await get(em, "/api/v1/groups")
      expect(Date.now() - t0).toBeGreaterThanOrEqual(100)
    }))

  it.effect("injected resets, spoiled bodies and broken pages, for one path or a whole template", () =>
    Effect.promise(async () => {
      const em = await start()
      em.seed(small)
      const [eng, managers] = em.state().groups
      const raw = (path: string) => fetch(`${em.orgUrl}${path}`, { headers: { authorization: `SSWS ${em.token}` } })
      em.setFaults([{ match: "GET /api/v1/users", reset: true, times: 1 }])
      await expect(raw("/api/v1/users")).rejects.toThrow()
      expect((await raw("/api/v1/users")).status).toBe(200)

      const whole = await (await raw("/api/v1/users")).text()
      em.setFaults([{ match: "/api/v1/users", body: "truncated", times: 1 }])
      const cut = await raw("/api/v1/users")
      expect(cut.status).toBe(200)
      expect(cut.headers.get("content-type")).toBe("application/json;charset=UTF-8")
      const text = await cut.text()
      expect(whole.startsWith(text) && text.length < whole.length).toBe(true)
      expect(() => JSON.parse(text)).toThrow()

      em.setFaults([{ match: "/api/v1/users", body: "garbled", times: 1 }])
      const garbled = await raw("/api/v1/users")
      expect(garbled.status).toBe(200)
      const garbledText = await garbled.text()
      expect(() => JSON.parse(garbledText)).toThrow()

      // A broken page for one group only: the other group's members still come through.
      em.setFaults([{ match: `/api/v1/groups/${eng!.id}/users`, body: "empty", times: 1 }])
      const broken = await get(em, `/api/v1/groups/${eng!.id}/users?limit=1`)
      expect(broken.body).toEqual([])
      expect(nextLink(broken.res)).toBeUndefined()
      expect((await get(em, `/api/v1/groups/${managers!.id}/users`)).body).toHaveLength(1)
      expect((await all(em, `/api/v1/groups/${eng!.id}/users?limit=1`)).items).toHaveLength(3)
    }))
})

describe("OAuth service app", () => {
  it.effect("client_credentials with a signed client_assertion gives a Bearer token limited to its scopes", () =>
    Effect.promise(async () => {
      const em = await start()
      em.seed(small)
      const { privateKey, publicKey } = generateKeyPairSync("rsa", { modulusLength: 2048 })
      const pem = privateKey.export({ type: "pkcs1", format: "pem" }).toString()
      em.registerServiceApp({
        clientId: "0oaSERVICE",
        publicJwk: publicKey.export({ format: "jwk" }),
        scopes: ["okta.groups.read", "okta.users.read"]
      })
      const client = new okta.Client({
        orgUrl: em.orgUrl,
        authorizationMode: "PrivateKey",
        clientId: "0oaSERVICE",
        scopes: ["okta.groups.read"],
        privateKey: pem,
        keyId: "kid1",
        cacheMiddleware: null
      } as never)
      const groups = await client.groupApi.listGroups({})
      const names: Array<string> = []
      for await (const g of groups) if (g) names.push(g.profile!.name!)
      expect(names).toContain("Engineering")
      await expect(client.userApi.getUser({ userId: "ann@example.com" })).rejects.toMatchObject({ status: 403, errorCode: "E0000006" })
      // a scope the client was never granted is refused at the token endpoint
      const greedy = new okta.Client({
        orgUrl: em.orgUrl,
        authorizationMode: "PrivateKey",
        clientId: "0oaSERVICE",
        scopes: ["okta.logs.read"],
        privateKey: pem,
        cacheMiddleware: null
      } as never)
      // (the SDK does not check the token endpoint's answer, so this surfaces as a 401 on the API call)
      await expect(greedy.groupApi.getGroup({ groupId: "x" })).rejects.toMatchObject({ status: 401, errorCode: "E0000011" })
      // a key that isn't the registered one is refused
      const other = generateKeyPairSync("rsa", { modulusLength: 2048 }).privateKey.export({ type: "pkcs1", format: "pem" }).toString()
      const impostor = new okta.Client({
        orgUrl: em.orgUrl,
        authorizationMode: "PrivateKey",
        clientId: "0oaSERVICE",
        scopes: ["okta.groups.read"],
        privateKey: other,
        cacheMiddleware: null
      } as never)
      await expect(impostor.groupApi.getGroup({ groupId: "x" })).rejects.toMatchObject({ status: 401 })
    }))
})
