/**
 * The System Log feed: events to deltas, the cursor, an idle poll's cost, and events that arrive
 * late, twice, or again after a restart.
 */
import { Delta } from "@okta-monday/mapping-core"
import { describe, expect, it } from "@effect/vitest"
import type { OktaEmulator } from "@okta-monday/okta-emulator"
import { Effect, Fiber, Option, Stream } from "effect"
import { type FeedBatch, type FeedCursor, OktaSource, type OktaSourceService, type PollOptions } from "../src/OktaSource.js"
import { admin, canonical, emulator, rules, sampleOrg as org, source } from "./helpers.js"

/** Polls until `done` holds (events become visible when the emulator persists them), at most ~5 s. */
const pollUntil = (src: OktaSourceService, cursor: FeedCursor, done: (b: FeedBatch) => boolean, options?: PollOptions) =>
  Effect.gen(function*() {
    for (let i = 0; i < 100; i++) {
      const batch = yield* src.poll(cursor, options)
      if (done(batch)) return batch
      if (batch.events > 0) return yield* Effect.dieMessage(`poll read ${batch.events} events but not the awaited ones`)
      yield* Effect.sleep("50 millis")
    }
    return yield* Effect.dieMessage("the awaited events never became visible")
  })

/** Waits until the clock has moved past `t`, so the next event is published strictly later. */
const after = (t: number) => Effect.gen(function*() {
  while (Date.now() <= t) yield* Effect.sleep("1 millis")
})

describe("System Log feed", () => {
  it.scopedLive("the changes stream, through the test layer: a change arrives in a later batch, no busy loop between", () =>
    Effect.gen(function*() {
      const em = yield* emulator()
      em.seed(org)
      const sales = em.state().groups.find((g) => g.name === "Sales")!.id
      const ann = em.state().users.find((u) => u.profile.login === "ann@example.com")!.id
      const okta = yield* admin(em)
      yield* Effect.gen(function*() {
        const src = yield* OktaSource
        const batches: Array<FeedBatch> = []
        const fiber = yield* src.changes(src.startCursor(new Date(Date.now() - 1))).pipe(
          Stream.tap((b) => Effect.sync(() => batches.push(b))),
          Stream.takeUntil((b) => b.deltas.length > 0),
          Stream.runDrain,
          Effect.fork
        )
        // Let a few empty polls go by first.
        while (batches.length < 3) yield* Effect.sleep("20 millis")
        yield* okta.addGroupMember(sales, ann)
        yield* Fiber.join(fiber)
        expect(batches.at(-1)!.deltas).toEqual([expect.objectContaining({ _tag: "MemberAdded", groupId: sales, userId: ann })])
        // An idle poll is one request, and polls are 100 ms apart, not a spin on the empty pages; the poll
        // that found the change reads on to the empty page that says it has caught up.
        expect(em.counters()["GET /api/v1/logs"]).toBe(batches.length + 1)
      }).pipe(Effect.provide(OktaSource.layerTest(em)))
    }), { timeout: 10_000 })

  it.scopedLive("an idle poll costs exactly one request and keeps a resumable cursor", () =>
    Effect.gen(function*() {
      const em = yield* emulator()
      em.seed(org)
      const src = yield* source(em)
      const first = yield* src.poll(src.startCursor(new Date(Date.now() - 1000)))
      em.resetCounters()
      const idle = yield* src.poll(first.cursor)
      expect(idle.deltas).toEqual([])
      expect(em.counters()).toEqual({ "GET /api/v1/logs": 1 })
      expect(idle.cursor.startsWith(`${em.orgUrl}/api/v1/logs?`)).toBe(true)
    }))

  it.scopedLive("maps events to deltas; unknown types are skipped and counted", () =>
    Effect.gen(function*() {
      const em = yield* emulator()
      em.seed(org)
      const src = yield* source(em)
      const since = new Date(Date.now() - 1)
      const [ann, bob] = em.state().users
      const sales = em.state().groups.find((g) => g.name === "Sales")!.id
      const okta = yield* admin(em)
      yield* okta.addGroupMember(sales, ann!.id)
      yield* okta.renameGroup(sales, "Sales EU")
      yield* okta.suspendUser(bob!.id)
      yield* okta.updateUserProfile(ann!.id, { firstName: "Annie" })
      const newcomer = (yield* okta.createUser({ login: "zed@example.com" })).id
      yield* okta.assignUserToApp(newcomer)
      const batch = yield* src.poll(src.startCursor(since))
      expect(batch.deltas.map((d) => d._tag)).toEqual([
        "MemberAdded",
        "GroupRenamed",
        "UserStatusChanged",
        "UserUpdated",
        "UserStatusChanged",
        "UserAssigned"
      ])
      expect(batch.deltas[1]).toEqual({ _tag: "GroupRenamed", groupId: sales, name: "Sales EU" })
      expect(batch.deltas[2]).toEqual({ _tag: "UserStatusChanged", userId: bob!.id, status: "SUSPENDED" })
      const assigned = batch.deltas[5] as Extract<Delta.Delta, { _tag: "UserAssigned" }>
      expect(assigned.assignment).toEqual({ userId: newcomer, scope: "USER", status: "ACTIVE", userName: "zed@example.com" })
      expect(assigned.user?.login).toBe("zed@example.com")
      // a cursor without the event-type filter sees user.lifecycle.create: skipped, counted
      const raw = `${em.orgUrl}/api/v1/logs?since=${encodeURIComponent(since.toISOString())}&sortOrder=ASCENDING`
      const unfiltered = yield* (yield* source(em)).poll(raw as never)
      expect(unfiltered.skipped).toBeGreaterThanOrEqual(1)
      expect(unfiltered.events).toBe(unfiltered.deltas.length + unfiltered.skipped + unfiltered.duplicates)
    }))

  it.scopedLive("after changes arriving late and twice, snapshot + deltas equals a fresh read", () =>
    Effect.gen(function*() {
      const em = yield* emulator()
      em.generate({ users: 40, groups: 5, memberships: 80, assignedGroups: 1 })
      const src = yield* source(em, { pageSize: 3, pollInterval: "20 millis" })
      const r = rules([{ select: { nameRegex: ".*" } }])
      const before = yield* src.readSource(r)
      const cursor = src.startCursor(new Date(Date.now() - 1))
      const userIds = em.state().users.filter((u) => u.status === "ACTIVE").map((u) => u.id)
      const groupIds = em.state().groups.map((g) => g.id)
      const okta = yield* admin(em)
      em.setLogFaults([{ times: 3, delayMs: 150 }, { times: 4, duplicate: true }])
      yield* okta.addGroupMember(groupIds[4]!, userIds[0]!)
      yield* okta.removeGroupMember(groupIds[0]!, em.state().groups[0]!.members[0]!)
      yield* okta.renameGroup(groupIds[2]!, "Renamed")
      const created = (yield* okta.createGroup({ name: "Brand new" })).id
      yield* okta.addGroupMember(created, userIds[5]!)
      yield* okta.suspendUser(userIds[6]!)
      yield* okta.updateUserProfile(userIds[7]!, { firstName: "Changed", email: "changed@example.com" })
      yield* okta.assignGroupToApp(groupIds[3]!)
      yield* okta.unassignUserFromApp(em.state().assignments.find((a) => a.scope === "USER")!.userId)
      yield* okta.deleteGroup(groupIds[1]!)
      yield* okta.addGroupMember(groupIds[4]!, userIds[8]!)
      yield* okta.removeGroupMember(groupIds[4]!, userIds[8]!)
      // the stream polls every 20 ms; events delayed by 150 ms arrive in a later batch
      const batches = yield* src.changes(cursor).pipe(Stream.take(15), Stream.runCollect)
      const deltas = [...batches].flatMap((b) => b.deltas)
      const duplicates = [...batches].reduce((n, b) => n + b.duplicates, 0)
      expect(duplicates).toBeGreaterThan(0)
      const applied = Delta.applyDeltas(before.snapshot, deltas).source
      const fresh = yield* src.readSource(r)
      expect(canonical(applied)).toEqual(canonical(fresh.snapshot))
      expect(Option.isSome(yield* src.fetchUser(userIds[7]! as never))).toBe(true)
    }), { timeout: 20_000 })

  describe("a late add of an add/remove pair", () => {
    /** `ann` joins and leaves "Other"; the add is persisted `lateMs` late, after the remove. */
    const addThenRemove = (em: OktaEmulator, other: string, ann: string, lateMs: number) =>
      Effect.gen(function*() {
        const okta = yield* admin(em)
        em.setLogFaults([{ times: 1, delayMs: lateMs }])
        yield* okta.addGroupMember(other, ann)
        const added = Date.now()
        yield* after(added)
        yield* okta.removeGroupMember(other, ann)
        return added
      })

    it.scopedLive("arriving after the remove was applied, leaves the member out", () =>
      Effect.gen(function*() {
        const em = yield* emulator()
        em.seed(org)
        const src = yield* source(em)
        const r = rules([{ select: { names: ["Other"] } }])
        const before = yield* src.readSource(r)
        const other = em.state().groups.find((g) => g.name === "Other")!.id
        const ann = em.state().users.find((u) => u.profile.login === "ann@example.com")!.id
        const cursor = src.startCursor(new Date(Date.now() - 1))
        yield* addThenRemove(em, other, ann, 300)
        const first = yield* src.poll(cursor)
        expect(first.deltas).toEqual([{ _tag: "MemberRemoved", groupId: other, userId: ann }])
        const late = yield* pollUntil(src, first.cursor, (b) => b.events === 1)
        expect(late.deltas).toEqual([])
        expect(late.duplicates).toBe(1)
        const applied = Delta.applyDeltas(before.snapshot, [...first.deltas, ...late.deltas]).source
        expect(applied.memberships.find((m) => m.groupId === other)!.userIds).not.toContain(ann)
        expect(canonical(applied)).toEqual(canonical((yield* src.readSource(r)).snapshot))
      }))

    it.scopedLive("arriving after a restart, is dropped when poll is told when the snapshot was read", () =>
      Effect.gen(function*() {
        const em = yield* emulator()
        em.seed(org)
        const r = rules([{ select: { names: ["Other"] } }])
        const before = yield* (yield* source(em)).readSource(r)
        const other = em.state().groups.find((g) => g.name === "Other")!.id
        const ann = em.state().users.find((u) => u.profile.login === "ann@example.com")!.id
        const first = yield* source(em)
        const added = yield* addThenRemove(em, other, ann, 1_600)
        const saved = (yield* first.poll(first.startCursor(before.startedAt!))).cursor
        // The restarted engine reads in full first. Okta's Date header has whole seconds, so a read
        // more than a second after the add is one whose startedAt is surely past it.
        yield* after(added + 1_100)
        const restarted = yield* source(em)
        const full = yield* restarted.readSource(r)
        expect(full.startedAt!.getTime()).toBeGreaterThan(added)
        expect(full.startedAt!.getTime()).toBeLessThanOrEqual(Date.now())
        const late = yield* pollUntil(restarted, saved, (b) => b.events === 1, { snapshotTakenAt: full.startedAt! })
        expect(late.deltas).toEqual([])
        expect(late.duplicates).toBe(1)
        expect(canonical(Delta.applyDeltas(full.snapshot, late.deltas).source)).toEqual(canonical(full.snapshot))
        // Without it, a source with no memory of the remove applies the stale add: the documented case a full read corrects.
        const forgetful = yield* source(em)
        expect((yield* forgetful.poll(saved)).deltas.map((d) => d._tag)).toEqual(["MemberAdded"])
      }), { timeout: 20_000 })
  })

  it.scopedLive("events read again after a restart from an older cursor are harmless on a fresh read", () =>
    Effect.gen(function*() {
      const em = yield* emulator()
      em.seed(org)
      const r = rules([{ select: { nameRegex: ".*" } }])
      const src = yield* source(em)
      yield* src.readSource(r)
      const saved = src.startCursor(new Date(Date.now() - 1))
      const state = em.state()
      const id = (login: string) => state.users.find((u) => u.profile.login === login)!.id
      const group = (name: string) => state.groups.find((g) => g.name === name)!.id
      const okta = yield* admin(em)
      yield* okta.addGroupMember(group("Sales"), id("ann@example.com"))
      yield* okta.removeGroupMember(group("Engineering"), id("bob"))
      yield* okta.addGroupMember(group("Engineering"), id("ed@example.com"))
      yield* okta.removeGroupMember(group("Engineering"), id("ed@example.com"))
      yield* okta.renameGroup(group("Other"), "Others")
      yield* okta.unassignUserFromApp(id("bob"))
      // The first run applied these but crashed before persisting the cursor past them.
      expect((yield* src.poll(saved)).deltas.length).toBeGreaterThan(0)
      const restarted = yield* source(em)
      const full = yield* restarted.readSource(r)
      for (const options of [{}, { snapshotTakenAt: full.startedAt! }]) {
        const again = yield* restarted.poll(saved, options)
        expect(canonical(Delta.applyDeltas(full.snapshot, again.deltas).source)).toEqual(canonical(full.snapshot))
      }
    }))

  it.scopedLive("the user lifecycle over HTTP: each operation's event is a status change read fresh from Okta", () =>
    Effect.gen(function*() {
      const em = yield* emulator()
      em.seed({ ...org, users: [...org.users, { profile: { login: "pat@example.com" }, status: "PROVISIONED" as const }] })
      const src = yield* source(em)
      const okta = yield* admin(em)
      const id = (login: string) => em.state().users.find((u) => u.profile.login === login)!.id as never
      const [ann, pat, ed] = [id("ann@example.com"), id("pat@example.com"), id("ed@example.com")]
      let cursor = src.startCursor(new Date(Date.now() - 1))
      /** Runs `change`, polls, and returns the deltas. */
      const step = (change: Effect.Effect<void, unknown>) =>
        Effect.gen(function*() {
          yield* change
          const batch = yield* src.poll(cursor)
          cursor = batch.cursor
          return batch.deltas
        })
      expect(yield* step(okta.deactivateUser(ann))).toEqual([{ _tag: "UserStatusChanged", userId: ann, status: "DEPROVISIONED" }])
      // A deactivated user comes back through `activate` (user.lifecycle.activate).
      expect(yield* step(okta.activateUser(ann))).toEqual([{ _tag: "UserStatusChanged", userId: ann, status: "ACTIVE" }])
      // `reactivate` resends activation to a PROVISIONED user: still PROVISIONED.
      expect(yield* step(okta.reactivateUser(pat))).toEqual([{ _tag: "UserStatusChanged", userId: pat, status: "PROVISIONED" }])
      expect(yield* step(okta.suspendUser(ann))).toEqual([{ _tag: "UserStatusChanged", userId: ann, status: "SUSPENDED" }])
      expect(yield* step(okta.unsuspendUser(ann))).toEqual([{ _tag: "UserStatusChanged", userId: ann, status: "ACTIVE" }])
      // Deactivated and deleted before the poll: the status is read fresh, and a user Okta no longer has is DEPROVISIONED.
      expect(yield* step(Effect.zipRight(okta.deleteUser(ed), okta.deleteUser(ed)))).toEqual([
        { _tag: "UserStatusChanged", userId: ed, status: "DEPROVISIONED" },
        { _tag: "UserStatusChanged", userId: ed, status: "DEPROVISIONED" }
      ])
    }))
})
