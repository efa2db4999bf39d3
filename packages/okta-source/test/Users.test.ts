/**
 * The user reads the access review needs beyond a sync's snapshot: every app assignment with its
 * user, and lookups by id or email that tell "gone from Okta" from "not in a mapped group".
 */
import { Domain } from "@okta-monday/mapping-core"
import { describe, expect, it } from "@effect/vitest"
import { Effect } from "effect"
import { emulator, source } from "./helpers.js"

const org = {
  users: [
    { profile: { login: "ann@example.com", firstName: "Ann", lastName: "A" } },
    { profile: { login: "bob", email: "bob@example.com", firstName: "Bob", lastName: "B" } },
    { profile: { login: "cy@example.com" }, status: "SUSPENDED" as const },
    { profile: { login: "di@example.com" }, status: "DEPROVISIONED" as const },
    { profile: { login: "ed@example.com" } }
  ],
  groups: [{ name: "Sales", members: ["ed@example.com"] }],
  assignments: {
    users: ["ann@example.com", "bob", { user: "cy@example.com", status: "PENDING" }],
    groups: ["Sales"]
  }
}

describe("readAppUsers", () => {
  it.scopedLive("lists every assignment, direct and through a group, with its user, across pages", () =>
    Effect.gen(function*() {
      const em = yield* emulator()
      em.seed(org)
      const src = yield* source(em, { pageSize: 2 })
      const result = yield* src.readAppUsers
      const state = em.state()
      const sortById = <A extends { userId: string }>(xs: ReadonlyArray<A>) => [...xs].sort((a, b) => a.userId.localeCompare(b.userId))
      expect(sortById(result.assignments)).toEqual(
        sortById(state.assignments.map((a) => ({ userId: a.userId, scope: a.scope, status: a.status, userName: a.userName })))
      )
      expect(result.users.map((u) => u.email).sort()).toEqual(["ann@example.com", "bob@example.com", "cy@example.com", "ed@example.com"])
      expect(result.users.find((u) => u.email === "cy@example.com")!.status).toBe("SUSPENDED")
      expect(result.assignments.find((a) => a.userId === result.users.find((u) => u.email === "ed@example.com")!.id)!.scope)
        .toBe("GROUP")
      // The users come embedded: one request per page of assignments, no per-user reads.
      const counters = em.counters()
      expect(counters["GET /api/v1/apps/{appId}/users"]).toBe(2)
      expect(counters["GET /api/v1/users/{userId}"] ?? 0).toBe(0)
    }))

  it.scopedLive("fails with AppNotFound for an app id Okta doesn't know", () =>
    Effect.gen(function*() {
      const em = yield* emulator()
      em.seed(org)
      const src = yield* source(em, { appId: "0oaNOPE" })
      const error = yield* Effect.flip(src.readAppUsers)
      expect(error._tag).toBe("AppNotFound")
    }))
})

describe("findUsers", () => {
  it.scopedLive("finds by id and by email in any status; unknown ones are absent", () =>
    Effect.gen(function*() {
      const em = yield* emulator()
      em.seed(org)
      const src = yield* source(em)
      const state = em.state()
      const idOf = (login: string) => Domain.OktaUserId.make(state.users.find((u) => u.profile.login === login)!.id)
      const found = yield* src.findUsers({
        ids: [idOf("bob"), Domain.OktaUserId.make("00uGONE")],
        emails: ["di@example.com", "nobody@example.com", "cy@example.com"]
      })
      expect(found.map((u) => [u.email, u.status]).sort()).toEqual([
        ["bob@example.com", "ACTIVE"],
        ["cy@example.com", "SUSPENDED"],
        ["di@example.com", "DEPROVISIONED"]
      ])
    }))

  it.scopedLive("splits long lookups into bounded searches and asks nothing for an empty query", () =>
    Effect.gen(function*() {
      const em = yield* emulator()
      const users = Array.from({ length: 45 }, (_, i) => ({ profile: { login: `u${i}@example.com` } }))
      em.seed({ users })
      const src = yield* source(em)
      expect(yield* src.findUsers({})).toEqual([])
      expect(em.counters()["GET /api/v1/users"] ?? 0).toBe(0)
      const found = yield* src.findUsers({ emails: users.map((u) => u.profile.login) })
      expect(found).toHaveLength(45)
      expect(em.counters()["GET /api/v1/users"]).toBe(3)
    }))
})
