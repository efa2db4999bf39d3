import * as SqlClient from "@effect/sql/SqlClient"
import { afterAll, beforeAll, describe, expect, it } from "@effect/vitest"
import type { TeamLink, UserLink } from "@okta-monday/mapping-core/Domain"
import { Context, Duration, Effect, FastCheck, Layer, Option, Redacted, TestClock } from "effect"
import { execFile } from "node:child_process"
import { mkdtempSync, rmSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { dirname, join } from "node:path"
import { fileURLToPath } from "node:url"
import { StateStore } from "../../src/state/StateStore.js"
import * as F from "./fixtures.js"
import type { Location } from "./harness.js"
import { backends, PG_ADMIN_URL, sqlite } from "./harness.js"

const storeIn = (loc: Location, tenant?: string) =>
  Effect.map(Layer.build(loc.layer(tenant === undefined ? {} : { tenant })), (ctx) => Context.get(ctx, StateStore))

const withStore = <A, E>(loc: Location, f: (store: StateStore["Type"]) => Effect.Effect<A, E>) =>
  Effect.scoped(Effect.flatMap(storeIn(loc), f))

const raw = <A, E>(loc: Location, f: (sql: SqlClient.SqlClient) => Effect.Effect<A, E>) =>
  Effect.flatMap(SqlClient.SqlClient, f).pipe(Effect.provide(loc.raw))

const crashChild = fileURLToPath(new URL("./crash-child.ts", import.meta.url))

describe.each(backends)("StateStore on $name", (backend) => {
  beforeAll(backend.setup)
  afterAll(backend.teardown)

  describe("links", () => {
    it.effect("starts empty", () =>
      withStore(backend.fresh(), (store) =>
        Effect.gen(function*() {
          const links = yield* store.loadLinks
          expect(links.teams).toEqual([])
          expect(links.users).toEqual([])
        })))

    it.effect("round-trips 1,000 teams × 200 members and 20,000 users", () =>
      withStore(backend.fresh(), (store) =>
        Effect.gen(function*() {
          const teams = F.teams(1000, 200)
          const users = F.users(20_000)
          yield* store.saveLinks({ teams, users })
          const links = yield* store.loadLinks
          expect(links.teams.length).toBe(1000)
          expect(F.byTeam(links.teams)).toEqual(F.byTeam(teams))
          expect(links.users.length).toBe(20_000)
          expect(F.byUser(links.users)).toEqual(F.byUser(users))
        })), 60_000)

    it.effect("a partial save writes only the named rows", () => {
      const loc = backend.fresh()
      return withStore(loc, (store) =>
        Effect.gen(function*() {
          yield* store.saveLinks({ teams: F.teams(50, 5), users: F.users(10) })
          yield* TestClock.adjust(Duration.minutes(1))
          const renamed = F.team(3, 8, { name: "Team three renamed", offset: 900 })
          const added = F.team(77, 2)
          yield* store.saveLinks({
            teams: [renamed, added],
            removeTeams: [F.teamId(4), F.teamId(5)],
            users: [F.user(1, "new-email@example.com")],
            removeUsers: [F.oktaUserId(2)]
          })
          const links = yield* store.loadLinks
          const expectedTeams = F.teams(50, 5)
            .filter((t) => t.teamId !== F.teamId(4) && t.teamId !== F.teamId(5))
            .map((t) => t.teamId === renamed.teamId ? renamed : t)
            .concat([added])
          expect(F.byTeam(links.teams)).toEqual(F.byTeam(expectedTeams))
          const expectedUsers = F.users(10)
            .filter((u) => u.oktaUserId !== F.oktaUserId(2))
            .map((u) => u.oktaUserId === F.oktaUserId(1) ? F.user(1, "new-email@example.com") : u)
          expect(F.byUser(links.users)).toEqual(F.byUser(expectedUsers))

          // Rows outside the change keep the time they were written: nothing else was rewritten.
          const touched = yield* raw(loc, (sql) =>
            sql<{ team_id: string }>`SELECT team_id FROM okm_team_links
              WHERE tenant = ${loc.tenant} AND updated_at > 0 ORDER BY team_id`)
          expect(touched.map((r) => r.team_id).sort()).toEqual([F.teamId(3), F.teamId(77)].sort())
        }))
    })

    it.effect("a team both upserted and removed in one change ends up removed", () =>
      withStore(backend.fresh(), (store) =>
        Effect.gen(function*() {
          yield* store.saveLinks({ teams: [F.team(1, 2), F.team(2, 2)], removeTeams: [F.teamId(2)] })
          const links = yield* store.loadLinks
          expect(links.teams.map((t) => t.teamId)).toEqual([F.teamId(1)])
        })))

    it.effect("the same team twice in one change keeps the last", () =>
      withStore(backend.fresh(), (store) =>
        Effect.gen(function*() {
          yield* store.saveLinks({ teams: [F.team(1, 2), F.team(1, 3, { name: "Last" })] })
          const links = yield* store.loadLinks
          expect(links.teams).toEqual([F.team(1, 3, { name: "Last" })])
        })))
    it.effect.prop(
      "any sequence of changes leaves exactly what upserting then removing would",
      {
        changes: FastCheck.array(
          FastCheck.record({
            teams: FastCheck.array(
              FastCheck.tuple(FastCheck.nat(9), FastCheck.nat(4), FastCheck.constantFrom("A", "B")),
              { maxLength: 4 }
            ),
            removeTeams: FastCheck.array(FastCheck.nat(9), { maxLength: 3 }),
            users: FastCheck.array(
              FastCheck.tuple(FastCheck.nat(9), FastCheck.constantFrom("x", "y")),
              { maxLength: 4 }
            ),
            removeUsers: FastCheck.array(FastCheck.nat(9), { maxLength: 3 })
          }),
          { minLength: 1, maxLength: 5 }
        )
      },
      ({ changes }) =>
        withStore(backend.fresh(), (store) =>
          Effect.gen(function*() {
            const teams = new Map<string, TeamLink>()
            const users = new Map<string, UserLink>()
            for (const c of changes) {
              const change = {
                teams: c.teams.map(([i, m, name]) => F.team(i, m, { name: `${name}${i}` })),
                removeTeams: c.removeTeams.map(F.teamId),
                users: c.users.map(([i, e]) => F.user(i, `${e}${i}@example.com`)),
                removeUsers: c.removeUsers.map(F.oktaUserId)
              }
              yield* store.saveLinks(change)
              for (const t of change.teams) teams.set(t.teamId, t)
              for (const u of change.users) users.set(u.oktaUserId, u)
              for (const id of change.removeTeams) teams.delete(id)
              for (const id of change.removeUsers) users.delete(id)
            }
            const links = yield* store.loadLinks
            expect(F.byTeam(links.teams)).toEqual(F.byTeam([...teams.values()]))
            expect(F.byUser(links.users)).toEqual(F.byUser([...users.values()]))
          })),
      { fastCheck: { numRuns: 12 } }
    )
  })

  describe("cursor", () => {
    it.effect("is absent, then set, then replaced", () =>
      withStore(backend.fresh(), (store) =>
        Effect.gen(function*() {
          expect(yield* store.getCursor).toEqual(Option.none())
          yield* store.setCursor("1700000000000_1")
          expect(yield* store.getCursor).toEqual(Option.some("1700000000000_1"))
          yield* store.setCursor("1700000000999_7")
          expect(yield* store.getCursor).toEqual(Option.some("1700000000999_7"))
        })))
  })

  describe("token owner", () => {
    it.effect("is absent, then remembered beside the cursor, replaced, and a damaged row is StoreCorrupt", () => {
      const loc = backend.fresh()
      return withStore(loc, (store) =>
        Effect.gen(function*() {
          expect(yield* store.tokenOwner.get).toEqual(Option.none())
          yield* store.setCursor("c1")
          const owner = { mondayUserId: "mu-9", userName: "owner@example.com", tokenId: "ab12", detectedAt: new Date(5_000) }
          yield* store.tokenOwner.set(owner)
          expect(yield* store.tokenOwner.get).toEqual(Option.some(owner))
          expect(yield* store.getCursor).toEqual(Option.some("c1"))
          const other = { mondayUserId: "mu-3", userName: "other@example.com", detectedAt: new Date(9_000) }
          yield* store.tokenOwner.set(other)
          expect(yield* store.tokenOwner.get).toEqual(Option.some(other))

          yield* raw(loc, (sql) =>
            sql`UPDATE okm_cursors SET value = '{"userName":1}' WHERE tenant = ${loc.tenant} AND name = 'monday.token-owner'`)
          expect(yield* Effect.flip(store.tokenOwner.get)).toMatchObject({ _tag: "StoreCorrupt", table: "okm_cursors" })
          expect(yield* store.getCursor).toEqual(Option.some("c1"))
        }))
    })
  })

  describe("journal", () => {
    it.effect("begin → outcomes → unfinished → finish saves links and cursor atomically", () =>
      withStore(backend.fresh(), (store) =>
        Effect.gen(function*() {
          const plan = F.plan(4)
          expect(yield* store.unfinishedApply).toEqual(Option.none())
          yield* store.beginApply({ runId: "run-1", kind: "delta", plan })
          yield* store.recordOutcome("run-1", F.done(0))
          yield* store.recordOutcome("run-1", F.failed(1))
          const open = yield* store.unfinishedApply
          expect(Option.isSome(open)).toBe(true)
          const run = Option.getOrThrow(open)
          expect(run.runId).toBe("run-1")
          expect(run.kind).toBe("delta")
          expect(run.plan).toEqual(plan)
          expect(run.outcomes).toEqual([F.done(0), F.failed(1)])

          yield* store.recordOutcome("run-1", F.done(1))
          yield* store.recordOutcome("run-1", F.skipped(2))
          yield* store.finishApply("run-1", { status: "partial", message: "1 skipped" }, {
            teams: [F.team(0, 3)]
          }, { cursor: "cursor-after-run-1" })
          expect(yield* store.unfinishedApply).toEqual(Option.none())
          expect((yield* store.loadLinks).teams).toEqual([F.team(0, 3)])
          expect(yield* store.getCursor).toEqual(Option.some("cursor-after-run-1"))
          const [record] = yield* store.listRuns(10)
          expect(record.state).toBe("finished")
          expect(record.summary).toEqual(Option.some({ status: "partial", message: "1 skipped" }))
          expect(record.outcomes).toEqual({ done: 2, failed: 0, skipped: 1 })
        })))

    it.effect("recording an index again keeps only the last outcome for it", () =>
      withStore(backend.fresh(), (store) =>
        Effect.gen(function*() {
          yield* store.beginApply({ runId: "r", kind: "full", plan: F.plan(2) })
          yield* store.recordOutcome("r", F.failed(0))
          yield* store.recordOutcome("r", F.done(0))
          const run = Option.getOrThrow(yield* store.unfinishedApply)
          expect(run.outcomes).toEqual([F.done(0)])
        })))

    it.effect("only one unfinished apply per tenant", () =>
      withStore(backend.fresh(), (store) =>
        Effect.gen(function*() {
          yield* store.beginApply({ runId: "first", kind: "full", plan: F.plan(1) })
          const second = yield* Effect.flip(store.beginApply({ runId: "second", kind: "full", plan: F.plan(1) }))
          expect(second._tag).toBe("ApplyInProgress")
          expect(second._tag === "ApplyInProgress" && second.runId).toBe("first")
          expect(second.message).toContain("abandon")
          const again = yield* Effect.flip(store.beginApply({ runId: "first", kind: "full", plan: F.plan(1) }))
          expect(again).toMatchObject({ _tag: "RunNotActive", state: "exists" })
        })))

    it.scoped("two store instances beginning at once: one apply opens, the other gets ApplyInProgress", () =>
      Effect.gen(function*() {
        const loc = backend.fresh()
        const [a, b] = yield* Effect.all([storeIn(loc), storeIn(loc)])
        const results = yield* Effect.all(
          [
            Effect.either(a.beginApply({ runId: "from-a", kind: "full", plan: F.plan(1) })),
            Effect.either(b.beginApply({ runId: "from-b", kind: "full", plan: F.plan(1) }))
          ],
          { concurrency: "unbounded" }
        )
        const opened = results.filter((r) => r._tag === "Right")
        const refused = results.flatMap((r) => r._tag === "Left" ? [r.left] : [])
        expect(opened.length).toBe(1)
        expect(refused.map((e) => e._tag)).toEqual(["ApplyInProgress"])
        const open = Option.getOrThrow(yield* a.unfinishedApply)
        expect(refused[0]).toMatchObject({ runId: open.runId })
      }))

    it.effect("a finished run takes no more outcomes and can't be finished twice", () =>
      withStore(backend.fresh(), (store) =>
        Effect.gen(function*() {
          yield* store.beginApply({ runId: "r", kind: "full", plan: F.plan(1) })
          yield* store.finishApply("r", { status: "succeeded" }, {})
          const late = yield* Effect.flip(store.recordOutcome("r", F.done(0)))
          expect(late).toMatchObject({ _tag: "RunNotActive", state: "finished" })
          // A second finish must not apply its links: the check and the write are one transaction.
          const twice = yield* Effect.flip(store.finishApply("r", { status: "succeeded" }, { teams: [F.team(1, 1)] }))
          expect(twice).toMatchObject({ _tag: "RunNotActive", state: "finished" })
          expect((yield* store.loadLinks).teams).toEqual([])
          const unknown = yield* Effect.flip(store.recordOutcome("never-begun", F.done(0)))
          expect(unknown).toMatchObject({ _tag: "RunNotActive", state: "unknown" })
          expect(unknown.message).toContain("beginApply")
          // A run id is never reused, even after its run finished.
          const reused = yield* Effect.flip(store.beginApply({ runId: "r", kind: "full", plan: F.plan(1) }))
          expect(reused).toMatchObject({ _tag: "RunNotActive", state: "exists" })
        })))

    it.effect("abandoning a run leaves the links alone and frees the tenant for a new apply", () =>
      withStore(backend.fresh(), (store) =>
        Effect.gen(function*() {
          yield* store.saveLinks({ teams: [F.team(1, 2)] })
          yield* store.beginApply({ runId: "crashed", kind: "full", plan: F.plan(3) })
          yield* store.recordOutcome("crashed", F.done(0))
          yield* store.abandonApply("crashed", { status: "interrupted", message: "re-planned after restart" })
          expect(yield* store.unfinishedApply).toEqual(Option.none())
          expect((yield* store.loadLinks).teams).toEqual([F.team(1, 2)])
          yield* store.beginApply({ runId: "next", kind: "full", plan: F.plan(1) })
          const runs = yield* store.listRuns(5)
          expect(runs.map((r) => [r.runId, r.state])).toEqual([["next", "running"], ["crashed", "abandoned"]])
        })))

    it.live("a process killed mid-apply (SIGKILL) loses no recorded outcome", () => {
      const loc = backend.fresh()
      return Effect.gen(function*() {
        const result = yield* Effect.async<{ stdout: string; stderr: string; signal: string | null }>((resume) => {
          const child = execFile(
            process.execPath,
            ["--import", "tsx", crashChild, loc.spec.backend, loc.spec.target, loc.spec.tenant, "killed", "10", "7"],
            { timeout: 30_000 },
            (error, stdout, stderr) =>
              resume(Effect.succeed({ stdout, stderr, signal: error?.signal ?? child.signalCode ?? null }))
          )
        })
        expect(result.stderr).toBe("")
        expect(result.signal).toBe("SIGKILL")
        const printed = result.stdout.trim().split("\n")
        expect(printed).toEqual(Array.from({ length: 7 }, (_, i) => `recorded ${i}`))
        const open = Option.getOrThrow(yield* withStore(loc, (store) => store.unfinishedApply))
        expect(open.runId).toBe("killed")
        expect(open.plan).toEqual(F.plan(10))
        expect(open.outcomes).toEqual(Array.from({ length: 7 }, (_, i) => i % 3 === 2 ? F.failed(i) : F.done(i)))
      })
    }, 40_000)

    it.effect("closing the store mid-journal and reopening returns exactly what was recorded", () => {
      const loc = backend.fresh()
      const plan = F.plan(6)
      return Effect.gen(function*() {
        yield* withStore(loc, (store) =>
          Effect.gen(function*() {
            yield* store.beginApply({ runId: "mid", kind: "saved-plan", plan })
            yield* store.recordOutcome("mid", F.done(0))
            yield* store.recordOutcome("mid", F.failed(1))
            yield* store.recordOutcome("mid", F.done(2))
          }))
        const run = yield* withStore(loc, (store) => store.unfinishedApply)
        const open = Option.getOrThrow(run)
        expect(open.runId).toBe("mid")
        expect(open.kind).toBe("saved-plan")
        expect(open.plan).toEqual(plan)
        expect(open.outcomes).toEqual([F.done(0), F.failed(1), F.done(2)])
      })
    })
  })

  describe("run history", () => {
    it.effect("lists newest first with counts, honours the limit, and prunes old closed runs", () =>
      withStore(backend.fresh(), (store) =>
        Effect.gen(function*() {
          for (const id of ["a", "b", "c"]) {
            yield* store.beginApply({ runId: id, kind: id === "b" ? "delta" : "full", plan: F.plan(3) })
            yield* store.recordOutcome(id, F.done(0))
            if (id !== "c") yield* store.finishApply(id, { status: "succeeded" }, {})
            yield* TestClock.adjust(Duration.seconds(10))
          }
          const runs = yield* store.listRuns(10)
          expect(runs.map((r) => r.runId)).toEqual(["c", "b", "a"])
          expect(runs[0].state).toBe("running")
          expect(runs[0].finishedAt).toEqual(Option.none())
          expect(runs[1]).toMatchObject({
            kind: "delta",
            state: "finished",
            outcomes: { done: 1, failed: 0, skipped: 0 }
          })
          expect(runs[1].startedAt).toEqual(new Date(10_000))
          expect(runs[1].finishedAt).toEqual(Option.some(new Date(10_000)))
          expect(runs[2].counts).toEqual(F.plan(3).counts)
          expect((yield* store.listRuns(1)).map((r) => r.runId)).toEqual(["c"])

          // The open run is never pruned; of the closed ones the newest is kept.
          expect(yield* store.pruneRuns(1)).toBe(1)
          expect((yield* store.listRuns(10)).map((r) => r.runId)).toEqual(["c", "b"])
        })))
  })

  describe("approvals", () => {
    it.effect("add, list, replace, remove and consume", () =>
      withStore(backend.fresh(), (store) =>
        Effect.gen(function*() {
          expect(yield* store.approvals.list).toEqual([])
          yield* store.approvals.add("blk-1", "alice", "expected reorg")
          yield* TestClock.adjust(Duration.seconds(1))
          yield* store.approvals.add("blk-2")
          yield* store.approvals.add("blk-3", "bob")
          const list = yield* store.approvals.list
          expect(list.map((a) => a.blockerId)).toEqual(["blk-1", "blk-2", "blk-3"])
          expect(list[0]).toEqual({
            blockerId: "blk-1",
            approvedBy: Option.some("alice"),
            note: Option.some("expected reorg"),
            approvedAt: new Date(0)
          })
          expect(list[1].approvedBy).toEqual(Option.none())

          yield* store.approvals.add("blk-1", "carol")
          const replaced = (yield* store.approvals.list).find((a) => a.blockerId === "blk-1")!
          expect(replaced.approvedBy).toEqual(Option.some("carol"))
          expect(replaced.note).toEqual(Option.none())

          expect(yield* store.approvals.remove("blk-2")).toBe(true)
          expect(yield* store.approvals.remove("blk-2")).toBe(false)
          yield* store.approvals.consume(["blk-1", "blk-3", "not-there"])
          expect(yield* store.approvals.list).toEqual([])
        })))

    it.effect("an apply spends the approvals it acts on when it is journaled, and only then", () =>
      withStore(backend.fresh(), (store) =>
        Effect.gen(function*() {
          yield* store.approvals.add("blk-1")
          yield* store.approvals.add("blk-2")
          yield* store.beginApply({ runId: "open", kind: "full", plan: F.plan(1) })
          // Refused because another apply is open: nothing journaled, nothing spent.
          const refused = yield* Effect.flip(
            store.beginApply({ runId: "second", kind: "full", plan: F.plan(1), consumeApprovals: ["blk-1"] })
          )
          expect(refused._tag).toBe("ApplyInProgress")
          expect((yield* store.approvals.list).map((a) => a.blockerId)).toEqual(["blk-1", "blk-2"])
          yield* store.abandonApply("open", { status: "interrupted" })

          yield* store.beginApply({ runId: "r", kind: "full", plan: F.plan(1), consumeApprovals: ["blk-1", "gone"] })
          expect((yield* store.approvals.list).map((a) => a.blockerId)).toEqual(["blk-2"])
        })))
  })

  describe("blocked", () => {
    it.effect("replaces the blocked work in order and remembers since when a blocker stands", () =>
      withStore(backend.fresh(), (store) =>
        Effect.gen(function*() {
          expect(yield* store.blocked.get).toEqual([])
          yield* store.blocked.set([F.emptyGroup("e1"), F.removalLimit("r1")])
          yield* TestClock.adjust(Duration.minutes(5))
          yield* store.blocked.set([F.removalLimit("r2"), F.emptyGroup("e1")])
          const entries = yield* store.blocked.get
          expect(entries.map((e) => e.blocker)).toEqual([F.removalLimit("r2"), F.emptyGroup("e1")])
          expect(entries.map((e) => e.since.getTime())).toEqual([300_000, 0])
          yield* store.blocked.set([])
          expect(yield* store.blocked.get).toEqual([])
        })))
  })

  describe("back-off", () => {
    it.effect("doubles the wait per failure up to the cap, and clears on success", () =>
      Effect.scoped(Effect.gen(function*() {
        const store = yield* storeIn(backend.fresh())
        const t0 = new Date(1_000_000)
        expect(yield* store.backoff.due("Sales", t0)).toBe(true)
        const first = yield* store.backoff.recordFailure("Sales", t0, "429 from monday.com")
        expect(first.failures).toBe(1)
        expect(first.nextAttemptAt.getTime() - t0.getTime()).toBe(60_000)
        expect(first.lastError).toEqual(Option.some("429 from monday.com"))
        expect(yield* store.backoff.due("Sales", new Date(t0.getTime() + 59_999))).toBe(false)
        expect(yield* store.backoff.due("Sales", new Date(t0.getTime() + 60_000))).toBe(true)
        expect(yield* store.backoff.due("Marketing", t0)).toBe(true)

        const waits: Array<number> = []
        for (let i = 0; i < 8; i++) {
          const entry = yield* store.backoff.recordFailure("Sales", t0)
          waits.push(entry.nextAttemptAt.getTime() - t0.getTime())
        }
        expect(waits).toEqual([120_000, 240_000, 480_000, 960_000, 1_920_000, 3_600_000, 3_600_000, 3_600_000])
        const [entry] = yield* store.backoff.list
        expect(entry).toMatchObject({ key: "Sales", failures: 9 })
        expect(entry.nextAttemptAt.getTime()).toBe(t0.getTime() + 3_600_000)

        yield* store.backoff.recordSuccess("Sales")
        expect(yield* store.backoff.due("Sales", t0)).toBe(true)
        expect(yield* store.backoff.list).toEqual([])
      })))

    it.scoped("follows the configured policy", () =>
      Effect.gen(function*() {
        const loc = backend.fresh()
        const store = yield* Effect.map(
          Layer.build(loc.layer({ backoff: { base: "10 seconds", max: "25 seconds" } })),
          (ctx) => Context.get(ctx, StateStore)
        )
        const waits: Array<number> = []
        for (let i = 0; i < 4; i++) {
          waits.push((yield* store.backoff.recordFailure("k", new Date(0))).nextAttemptAt.getTime())
        }
        expect(waits).toEqual([10_000, 20_000, 25_000, 25_000])
      }))
  })

  describe("lease", () => {
    it.effect("two holders contend; the holder renews and releases; expiry allows a takeover", () =>
      withStore(backend.fresh(), (store) =>
        Effect.gen(function*() {
          expect(yield* store.lease.current).toEqual(Option.none())
          expect(yield* store.lease.acquire("daemon-a", "30 seconds")).toBe(true)
          expect(yield* store.lease.acquire("daemon-b", "30 seconds")).toBe(false)
          expect(yield* store.lease.renew("daemon-b", "30 seconds")).toBe(false)
          yield* TestClock.adjust(Duration.seconds(20))
          expect(yield* store.lease.renew("daemon-a", "30 seconds")).toBe(true)
          expect(Option.getOrThrow(yield* store.lease.current)).toEqual({
            holder: "daemon-a",
            acquiredAt: new Date(0),
            expiresAt: new Date(50_000)
          })
          yield* TestClock.adjust(Duration.seconds(29))
          expect(yield* store.lease.acquire("daemon-b", "30 seconds")).toBe(false)
          yield* TestClock.adjust(Duration.seconds(1))
          expect(yield* store.lease.acquire("daemon-b", "30 seconds")).toBe(true)
          expect(yield* store.lease.renew("daemon-a", "30 seconds")).toBe(false)
          // Releasing a lease one no longer holds must not free it for others.
          yield* store.lease.release("daemon-a")
          expect(yield* store.lease.acquire("daemon-c", "30 seconds")).toBe(false)
          yield* store.lease.release("daemon-b")
          expect(yield* store.lease.current).toEqual(Option.none())
          expect(yield* store.lease.acquire("daemon-c", "30 seconds")).toBe(true)
        })))

    it.effect("re-acquiring one's own lease extends it and keeps acquiredAt; explicit now works", () =>
      withStore(backend.fresh(), (store) =>
        Effect.gen(function*() {
          expect(yield* store.lease.acquire("a", "1 minute", new Date(1_000))).toBe(true)
          expect(yield* store.lease.acquire("a", "1 minute", new Date(30_000))).toBe(true)
          expect(Option.getOrThrow(yield* store.lease.current)).toEqual({
            holder: "a",
            acquiredAt: new Date(1_000),
            expiresAt: new Date(90_000)
          })
          expect(yield* store.lease.acquire("b", "1 minute", new Date(89_999))).toBe(false)
          expect(yield* store.lease.acquire("b", "1 minute", new Date(90_000))).toBe(true)
        })))

    it.scoped("separate store instances racing for a free lease: exactly one wins", () =>
      Effect.gen(function*() {
        const loc = backend.fresh()
        const stores = yield* Effect.all(Array.from({ length: 6 }, () => storeIn(loc)))
        const won = yield* Effect.all(
          stores.map((s, i) => s.lease.acquire(`holder-${i}`, "1 minute")),
          { concurrency: "unbounded" }
        )
        expect(won.filter((w) => w).length).toBe(1)
        const holder = Option.getOrThrow(yield* stores[0].lease.current).holder
        expect(holder).toBe(`holder-${won.indexOf(true)}`)
      }))
  })

  describe("tenants", () => {
    it.effect("two tenants in one database don't see each other", () => {
      const loc = backend.fresh()
      return Effect.scoped(Effect.gen(function*() {
        const a = yield* storeIn(loc, `${loc.tenant}-a`)
        const b = yield* storeIn(loc, `${loc.tenant}-b`)
        yield* a.saveLinks({ teams: [F.team(1, 3)], users: [F.user(1)] })
        yield* a.setCursor("cursor-a")
        yield* a.beginApply({ runId: "same-id", kind: "full", plan: F.plan(1) })
        yield* a.approvals.add("blk")
        yield* a.blocked.set([F.emptyGroup("e")])
        yield* a.backoff.recordFailure("Sales", new Date(0))
        expect(yield* a.lease.acquire("daemon-a", "1 minute")).toBe(true)

        expect(yield* b.loadLinks).toEqual({ teams: [], users: [] })
        expect(yield* b.getCursor).toEqual(Option.none())
        expect(yield* b.unfinishedApply).toEqual(Option.none())
        expect(yield* b.listRuns(10)).toEqual([])
        expect(yield* b.approvals.list).toEqual([])
        expect(yield* b.blocked.get).toEqual([])
        expect(yield* b.backoff.list).toEqual([])
        expect(yield* b.lease.acquire("daemon-b", "1 minute")).toBe(true)
        // The same run id may exist in each tenant, and each tenant has its own open apply.
        yield* b.beginApply({ runId: "same-id", kind: "delta", plan: F.plan(2) })
        yield* b.saveLinks({ removeTeams: [F.teamId(1)], removeUsers: [F.oktaUserId(1)] })

        expect((yield* a.loadLinks).teams).toEqual([F.team(1, 3)])
        expect(Option.getOrThrow(yield* a.unfinishedApply).kind).toBe("full")
        expect(Option.getOrThrow(yield* a.lease.current).holder).toBe("daemon-a")
      }))
    })
  })

  describe("opening", () => {
    it.effect("migrations are idempotent: opening twice, one after the other and at once", () =>
      Effect.gen(function*() {
        const loc = yield* Effect.promise(() => backend.freshDatabase())
        yield* withStore(loc, (store) => store.setCursor("kept"))
        expect(yield* withStore(loc, (store) => store.getCursor)).toEqual(Option.some("kept"))
        const fresh = yield* Effect.promise(() => backend.freshDatabase())
        const cursors = yield* Effect.all(
          [0, 1, 2].map((i) => withStore(fresh, (store) => Effect.zipRight(store.setCursor(`c${i}`), store.getCursor))),
          { concurrency: "unbounded" }
        )
        expect(cursors.every(Option.isSome)).toBe(true)
        const versions = yield* raw(fresh, (sql) =>
          sql<{ migration_id: number }>`SELECT migration_id FROM okm_migrations`)
        expect(versions.map((v) => Number(v.migration_id)).sort()).toEqual([1, 2])
      }), 30_000)

    it.effect("a store written by a newer okta-monday is refused", () =>
      Effect.gen(function*() {
        const loc = yield* Effect.promise(() => backend.freshDatabase())
        yield* withStore(loc, () => Effect.void)
        yield* raw(loc, (sql) => sql`INSERT INTO okm_migrations (migration_id, name) VALUES (99, 'from_the_future')`)
        const error = yield* Effect.flip(withStore(loc, () => Effect.void))
        expect(error).toMatchObject({ _tag: "StoreVersionMismatch", storeVersion: 99, knownVersion: 2 })
        expect(error.message).toContain("Upgrade okta-monday")
      }))
  })

  describe("corrupt rows", () => {
    it.effect("a damaged link, plan, outcome or blocker is a StoreCorrupt naming table and key", () => {
      const loc = backend.fresh()
      const damage = (statement: string) =>
        raw(loc, (sql) => sql.unsafe(statement.replaceAll("$TENANT", `'${loc.tenant}'`)))
      return withStore(loc, (store) =>
        Effect.gen(function*() {
          yield* store.saveLinks({ teams: [F.team(1, 2), F.team(2, 2)], users: [F.user(1)] })
          yield* store.beginApply({ runId: "r", kind: "full", plan: F.plan(2) })
          yield* store.recordOutcome("r", F.done(0))
          yield* store.blocked.set([F.emptyGroup("e1")])

          yield* damage(
            `UPDATE okm_team_links SET managed_members = '["mu-1",' WHERE tenant = $TENANT AND team_id = 'team-2'`
          )
          const links = yield* Effect.flip(store.loadLinks)
          expect(links).toMatchObject({ _tag: "StoreCorrupt", table: "okm_team_links", key: "team-2" })
          expect(links.message).toContain("okm_team_links[team-2]")

          yield* damage(`UPDATE okm_user_links SET monday_user_id = '' WHERE tenant = $TENANT`)
          yield* damage(`DELETE FROM okm_team_links WHERE tenant = $TENANT AND team_id = 'team-2'`)
          expect(yield* Effect.flip(store.loadLinks)).toMatchObject({ table: "okm_user_links", key: "00u1" })

          yield* damage(`UPDATE okm_outcomes SET outcome = '{"index":0,"status":"exploded"}' WHERE tenant = $TENANT`)
          expect(yield* Effect.flip(store.unfinishedApply)).toMatchObject({ table: "okm_outcomes", key: "r/0" })

          yield* damage(`UPDATE okm_runs SET plan = '{"version":2}' WHERE tenant = $TENANT`)
          expect(yield* Effect.flip(store.unfinishedApply)).toMatchObject({ table: "okm_runs", key: "r" })

          yield* damage(`UPDATE okm_blocked SET blocker = 'not json' WHERE tenant = $TENANT`)
          expect(yield* Effect.flip(store.blocked.get)).toMatchObject({ _tag: "StoreCorrupt", table: "okm_blocked" })
        }))
    })
  })
})

describe("StateStore on SQLite", () => {
  const sqliteFiles = sqlite()
  beforeAll(sqliteFiles.setup)
  afterAll(sqliteFiles.teardown)

  it.effect("creates missing parent directories and uses WAL", () => {
    return Effect.gen(function*() {
      const loc = sqliteFiles.fresh()
      yield* withStore(loc, (store) => store.setCursor("x"))
      const mode = yield* raw(loc, (sql) => sql`PRAGMA journal_mode`)
      expect(mode).toEqual([{ journal_mode: "wal" }])
    })
  })

  it.effect("layer opens the store a settings file's state section names", () =>
    Effect.gen(function*() {
      const path = join(mkdtempSync(join(tmpdir(), "okm-settings-")), "nested", "state.sqlite")
      yield* Effect.scoped(Effect.gen(function*() {
        const store = Context.get(yield* Layer.build(StateStore.layer({ sqlite: path, tenant: "acme" })), StateStore)
        yield* store.setCursor("from-settings")
        expect(store.tenant).toBe("acme")
      }))
      const reopened = { ...sqliteFiles.fresh(), layer: () => StateStore.layerSqlite({ path, tenant: "acme" }) }
      const back = yield* withStore(reopened, (s) => s.getCursor)
      expect(back).toEqual(Option.some("from-settings"))
      rmSync(dirname(dirname(path)), { recursive: true, force: true })
    }))

  it.effect("layerMemory is a working, private store", () =>
    Effect.gen(function*() {
      const store = yield* StateStore
      yield* store.saveLinks({ teams: [F.team(1, 1)] })
      expect((yield* store.loadLinks).teams).toEqual([F.team(1, 1)])
      expect(store.tenant).toBe("default")
    }).pipe(Effect.provide(StateStore.layerMemory())))

  it.effect("an unopenable path is a StoreUnavailable saying what to check", () =>
    Effect.gen(function*() {
      const dir = mkdtempSync(join(tmpdir(), "okm-bad-"))
      writeFileSync(join(dir, "a-file"), "")
      const open = (path: string) => Effect.flip(Effect.scoped(Layer.build(StateStore.layerSqlite({ path }))))
      // The path is a directory: SQLite can't open it.
      const isDir = yield* open(dir)
      expect(isDir._tag).toBe("StoreUnavailable")
      expect(isDir.message).toContain(`sqlite at ${dir}) failed during open`)
      expect(isDir.message).toContain("writable")
      // Its parent is a file: the directory can't be created.
      const underFile = yield* open(join(dir, "a-file", "state.db"))
      expect(underFile.message).toContain("failed during create directory")
      rmSync(dir, { recursive: true, force: true })
    }))

  it.effect("an empty tenant is refused", () =>
    Effect.gen(function*() {
      const error = yield* Effect.flip(Layer.build(StateStore.layerMemory({ tenant: " " })))
      expect(error.message).toContain("tenant")
    }).pipe(Effect.scoped))
})

describe("StateStore on Postgres", () => {
  it.effect("an unreachable server is a StoreUnavailable that names it and never shows the password", () =>
    Effect.gen(function*() {
      const url = Redacted.make("postgres://okm:hunter2-secret@127.0.0.1:1/okm")
      const error = yield* Effect.flip(Layer.build(StateStore.layerPostgres({ url })))
      expect(error._tag).toBe("StoreUnavailable")
      expect(error.message).toContain("127.0.0.1:1/okm as okm")
      expect(error.message).toContain("ECONNREFUSED")
      expect(error.message).not.toContain("hunter2")
      expect(JSON.stringify(error)).not.toContain("hunter2")
    }).pipe(Effect.scoped))

  it.effect("a database that doesn't exist is a StoreUnavailable that says so", () =>
    Effect.gen(function*() {
      const url = new URL(PG_ADMIN_URL)
      url.pathname = "/okm_no_such_database"
      const error = yield* Effect.flip(Layer.build(StateStore.layerPostgres({ url: Redacted.make(url.toString()) })))
      expect(error._tag).toBe("StoreUnavailable")
      expect(error.message).toContain("/okm_no_such_database")
      expect(error.message).toContain("does not exist")
    }).pipe(Effect.scoped))
})
