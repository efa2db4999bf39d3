import { describe, expect, it } from "@effect/vitest"
import { Effect, Either } from "effect"
import { literalPrefix } from "../src/OktaSource.js"
import { admin, canonical, emulator, emulatorMemberships, rules, sampleOrg as org, source } from "./helpers.js"

describe("readSource", () => {
  it.scopedLive("reads only the selected groups, with searches, all pages of members and assignments", () =>
    Effect.gen(function*() {
      const em = yield* emulator()
      em.seed(org)
      const src = yield* source(em, { pageSize: 1 })
      const { snapshot, warnings } = yield* src.readSource(rules([
        { select: { names: ["Sales"] } },
        { select: { nameRegex: "^Eng(ineering)?$" } },
        { select: { types: ["APP_GROUP"] } }
      ]))
      expect(warnings).toEqual([])
      const names = snapshot.groups.map((g) => g.name).sort()
      expect(names).toEqual(["Engineering", "Imported", "Sales"])
      const ids = snapshot.groups.map((g) => g.id)
      expect(canonical(snapshot).memberships).toEqual(emulatorMemberships(em, ids))
      const state = em.state()
      expect(canonical(snapshot).assignments).toEqual(
        state.assignments.map((a) => ({ userId: a.userId, scope: a.scope, status: a.status, userName: a.userName }))
      )
      expect(snapshot.assignedGroupIds).toEqual(state.assignedGroupIds)
      const bob = snapshot.users.find((u) => u.login === "bob")!
      expect(bob.email).toBe("bob@example.com")
      expect(snapshot.users.find((u) => u.login === "ann@example.com")!.profile!.costCenter).toBe("42")
      expect(snapshot.users.find((u) => u.login === "cy@example.com")!.status).toBe("SUSPENDED")
      // server-side search, never a full listing of groups
      const counters = em.counters()
      expect(counters["GET /api/v1/groups"]).toBeGreaterThanOrEqual(3)
      const total = Object.values(counters).reduce((a, b) => a + b, 0)
      expect((yield* src.stats).requests).toBe(total)
    }))

  it.scopedLive("a list that ends with an empty page (a next link from the last full page) reads whole", () =>
    Effect.gen(function*() {
      const em = yield* emulator({ nextOnFullLastPage: true })
      em.seed(org)
      const src = yield* source(em, { pageSize: 3 })
      const eng = em.state().groups.find((g) => g.name === "Engineering")!
      const { snapshot } = yield* src.readSource(rules([{ select: { ids: [eng.id] } }]))
      expect(canonical(snapshot).memberships).toEqual(emulatorMemberships(em, [eng.id]))
      // Three members at three a page: a full page, then the empty one it links to.
      expect(em.counters()["GET /api/v1/groups/{groupId}/users"]).toBe(2)
    }))

  it.scopedLive("linked groups are read even when unselected; a deleted one (404) is left out", () =>
    Effect.gen(function*() {
      const em = yield* emulator()
      em.seed(org)
      const other = em.state().groups.find((g) => g.name === "Other")!.id
      const okta = yield* admin(em)
      const gone = (yield* okta.createGroup({ name: "Gone" })).id
      yield* okta.deleteGroup(gone)
      const src = yield* source(em)
      const { snapshot } = yield* src.readSource(rules([{ select: { names: ["Sales"] } }]), {
        linkedGroupIds: [other as never, gone as never]
      })
      expect(snapshot.groups.map((g) => g.name).sort()).toEqual(["Other", "Sales"])
    }))

  it.scopedLive("an empty answer where the last read had members is a warning and marks the group", () =>
    Effect.gen(function*() {
      const em = yield* emulator()
      em.seed(org)
      const src = yield* source(em)
      const r = rules([{ select: { ids: [em.state().groups[0]!.id] } }])
      const first = yield* src.readSource(r)
      em.setOptions({ emptyLists: true })
      const second = yield* src.readSource(r, { previous: first.snapshot })
      const eng = em.state().groups[0]!.id
      expect(second.warnings).toContainEqual({ _tag: "EmptyGroupAnswer", groupId: eng, groupName: "Engineering", previousMembers: 3 })
      expect(second.warnings).toContainEqual({
        _tag: "EmptyAssignmentsAnswer",
        previousAssignments: first.snapshot.assignments.length
      })
      expect(second.suspectGroupIds).toEqual([eng])
    }))

  it.scopedLive("a group missing from a listing that still exists and matches is kept and reported", () =>
    Effect.gen(function*() {
      const em = yield* emulator()
      em.seed(org)
      const src = yield* source(em)
      const r = rules([{ select: { nameRegex: "^Sal" } }])
      const first = yield* src.readSource(r)
      em.setOptions({ emptyLists: true })
      const second = yield* src.readSource(r, { previous: first.snapshot })
      expect(second.snapshot.groups.map((g) => g.name)).toEqual(["Sales"])
      expect(second.warnings.map((w) => w._tag)).toContain("GroupMissingFromListing")
    }))

  it("literal regex prefixes drive server-side `sw` searches only when safe", () => {
    expect(literalPrefix("^Eng")).toBe("Eng")
    expect(literalPrefix("^Eng(ineering)?$")).toBe("Eng")
    expect(literalPrefix("^Engs?")).toBe("Eng")
    expect(literalPrefix("^a|b")).toBeUndefined()
    expect(literalPrefix("Eng")).toBeUndefined()
    expect(literalPrefix("^.*")).toBeUndefined()
  })
})

describe("rate limits and faults", () => {
  /** Reads an org that needs several windows of two tight buckets; returns what the emulator's buckets saw. */
  const readUnderTightLimits = (headroom: number) =>
    Effect.gen(function*() {
      const em = yield* emulator({ rateLimits: { "api/v1/groups": 10, "api/v1/apps": 10 }, rateLimitWindowMs: 1000 })
      em.generate({ users: 60, groups: 6, memberships: 150 })
      const src = yield* source(em, { pageSize: 10, concurrency: 4, headroom })
      const { snapshot } = yield* src.readSource(rules([{ select: { nameRegex: "^Group" } }]))
      expect(snapshot.groups).toHaveLength(6)
      expect(canonical(snapshot).memberships).toEqual(emulatorMemberships(em, snapshot.groups.map((g) => g.id)))
      const windows = em.rateLimitWindows().filter((w) => w.bucket === "api/v1/groups" || w.bucket === "api/v1/apps")
      return { windows, stats: yield* src.stats }
    })

  it.scopedLive("keeps the headroom free: no window of any bucket dips below limit × headroom, and none draws a 429", () =>
    Effect.gen(function*() {
      const { windows, stats } = yield* readUnderTightLimits(0.3)
      // The read needs more than one window of the groups bucket, so the floor was actually tested.
      expect(windows.filter((w) => w.bucket === "api/v1/groups" && w.requests > 0).length).toBeGreaterThanOrEqual(2)
      for (const w of windows) {
        expect(w.lowestRemaining, `${w.bucket} window at ${w.start}`).toBeGreaterThanOrEqual(Math.ceil(w.limit * 0.3))
        expect(w.rejected).toBe(0)
      }
      expect(stats.rateLimited).toBe(0)
    }))

  it.scopedLive("control: with headroom 0 the same read drains a window below that floor", () =>
    Effect.gen(function*() {
      const { windows } = yield* readUnderTightLimits(0)
      expect(Math.min(...windows.map((w) => w.lowestRemaining))).toBeLessThan(Math.ceil(10 * 0.3))
    }))

  it.scopedLive("a 429 waits until X-Rate-Limit-Reset, then succeeds; 5xx is retried a bounded number of times", () =>
    Effect.gen(function*() {
      const em = yield* emulator()
      em.seed(org)
      const src = yield* source(em)
      em.setFaults([{ match: "/api/v1/apps/{appId}/users", status: 429, resetInSeconds: 1, times: 1 }])
      const t0 = Date.now()
      yield* src.readSource(rules([{ select: { names: ["Sales"] } }]))
      expect(Date.now() - t0).toBeGreaterThanOrEqual(500)
      expect((yield* src.stats).rateLimited).toBe(1)
      em.setFaults([{ match: "/api/v1/groups/{groupId}/users", status: 503, times: 2 }])
      yield* src.readSource(rules([{ select: { names: ["Sales"] } }]))
      em.setFaults([{ match: "/api/v1/groups/{groupId}/users", status: 500, times: 10 }])
      const failed = yield* Effect.either(src.readSource(rules([{ select: { names: ["Sales"] } }])))
      expect(Either.isLeft(failed) && failed.left._tag).toBe("Unavailable")
      em.setFaults([{ match: "/api/v1/users", status: 429, resetInSeconds: 1, times: 10 }])
      const limited = yield* Effect.either((yield* source(em, { maxRateLimitWaits: 1 })).fetchUser("x" as never))
      expect(Either.isLeft(limited) && limited.left._tag).toBe("RateLimited")
    }), { timeout: 20_000 })

  it.scopedLive("concurrency bounds the requests in flight across every stage of a read and of a poll", () =>
    Effect.gen(function*() {
      const em = yield* emulator()
      em.generate({ users: 60, groups: 8, memberships: 200, assignedShare: 0.5, suspendedShare: 0, deprovisionedShare: 0 })
      const src = yield* source(em, { pageSize: 5, concurrency: 2 })
      const cursor = src.startCursor(new Date(Date.now() - 1))
      const okta = yield* admin(em)
      const { users, groups, assignments } = em.state()
      const unassigned = users.filter((u) => !assignments.some((a) => a.userId === u.id))
      const outside = users.filter((u) => !groups[7]!.members.includes(u.id))
      // Changes whose events need users, groups and app users looked up: three stages side by side.
      for (let i = 0; i < 4; i++) {
        yield* okta.renameGroup(groups[i]!.id, `Renamed ${i}`)
        yield* okta.addGroupMember(groups[7]!.id, outside[i]!.id)
        yield* okta.assignUserToApp(unassigned[i]!.id)
      }
      // Every answer takes 25 ms, so requests of different stages overlap whenever they are let.
      em.setFaults([{ delayMs: 25, times: 1_000_000 }])
      em.resetCounters()
      yield* src.readSource(rules([{ select: { nameRegex: "^Group" } }, { select: { nameRegex: "^Renamed" } }]))
      expect(em.peakInFlight()).toBe(2)
      em.resetCounters()
      const batch = yield* src.poll(cursor)
      expect(batch.deltas.map((d) => d._tag).sort()).toEqual([
        ...Array(4).fill("GroupRenamed"),
        ...Array(4).fill("MemberAdded"),
        ...Array(4).fill("UserAssigned")
      ].sort())
      expect(em.peakInFlight()).toBe(2)
    }))

  it.scopedLive("dropped connections and spoiled bodies are retried; past the attempts they are Unavailable", () =>
    Effect.gen(function*() {
      const em = yield* emulator()
      em.seed(org)
      const src = yield* source(em, { pageSize: 1 })
      const r = rules([{ select: { names: ["Engineering", "Sales"] } }])
      const expected = canonical((yield* src.readSource(r)).snapshot)
      const members = "GET /api/v1/groups/{groupId}/users"
      // Two failures within the three attempts: the read comes through whole.
      for (const fault of [{ reset: true }, { body: "truncated" as const }, { body: "garbled" as const }]) {
        em.setFaults([{ match: members, times: 2, ...fault }])
        expect(canonical((yield* src.readSource(r)).snapshot), JSON.stringify(fault)).toEqual(expected)
      }
      em.setFaults([{ match: members, reset: true, times: 100 }])
      const dropped = yield* Effect.flip(src.readSource(r))
      expect(dropped).toMatchObject({ _tag: "Unavailable", endpoint: expect.stringMatching(/^GET \/api\/v1\/groups\/00g\w+\/users$/) })
      expect(dropped.message).toContain("network")
      expect(dropped.message).toContain("check the org URL and connectivity")
      em.setFaults([{ match: members, body: "truncated", times: 100 }])
      const spoiled = yield* Effect.flip(src.readSource(r))
      expect(spoiled._tag).toBe("Unavailable")
      expect(spoiled.message).toContain("not valid JSON")
    }))

  it.scopedLive("a broken page (one group answered empty) is reported and its group held, not believed", () =>
    Effect.gen(function*() {
      const em = yield* emulator()
      em.seed(org)
      const src = yield* source(em)
      const r = rules([{ select: { names: ["Engineering", "Sales"] } }])
      const first = yield* src.readSource(r)
      const eng = em.state().groups.find((g) => g.name === "Engineering")!.id
      em.setFaults([{ match: `GET /api/v1/groups/${eng}/users`, body: "empty", times: 1 }])
      const broken = yield* src.readSource(r, { previous: first.snapshot })
      expect(broken.warnings).toEqual([{ _tag: "EmptyGroupAnswer", groupId: eng, groupName: "Engineering", previousMembers: 3 }])
      expect(broken.suspectGroupIds).toEqual([eng])
      // Sales, answered properly, is believed; the next read (no fault) is clean again.
      const sales = em.state().groups.find((g) => g.name === "Sales")!.id
      expect(broken.snapshot.memberships.find((m) => m.groupId === sales)!.userIds).toHaveLength(2)
      const next = yield* src.readSource(r, { previous: first.snapshot })
      expect(next.warnings).toEqual([])
      expect(next.suspectGroupIds).toEqual([])
    }))
})
