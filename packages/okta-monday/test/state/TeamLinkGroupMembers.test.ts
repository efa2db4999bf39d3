/**
 * The per-group member counts a team link keeps for the empty-group guard (migration 2): saved and
 * loaded on both back ends, and links written before the column existed still load, without them.
 */
import * as SqlClient from "@effect/sql/SqlClient"
import { afterAll, beforeAll, describe, expect, it } from "@effect/vitest"
import { MondayTeamId, TeamLink } from "@okta-monday/mapping-core/Domain"
import { Context, Effect, Layer } from "effect"
import { StateStore } from "../../src/state/StateStore.js"
import * as F from "./fixtures.js"
import type { Location } from "./harness.js"
import { backends } from "./harness.js"

const withStore = <A, E>(loc: Location, f: (store: StateStore["Type"]) => Effect.Effect<A, E>) =>
  Effect.scoped(Effect.flatMap(Effect.map(Layer.build(loc.layer()), (ctx) => Context.get(ctx, StateStore)), f))

const raw = <A, E>(loc: Location, f: (sql: SqlClient.SqlClient) => Effect.Effect<A, E>) =>
  Effect.flatMap(SqlClient.SqlClient, f).pipe(Effect.provide(loc.raw))

describe.each(backends)("TeamLink.groupMembers on $name", (backend) => {
  beforeAll(backend.setup)
  afterAll(backend.teardown)

  it.effect("round-trips, and an update replaces the counts", () =>
    withStore(backend.fresh(), (store) =>
      Effect.gen(function*() {
        const counted = new TeamLink({ ...F.team(1, 3), groupMembers: { [F.groupId(1)]: 3, [F.groupId(100_001)]: 0 } })
        const uncounted = F.team(2, 1)
        yield* store.saveLinks({ teams: [counted, uncounted] })
        expect(F.byTeam((yield* store.loadLinks).teams)).toEqual([counted, uncounted])
        const emptied = new TeamLink({ ...counted, groupMembers: { [F.groupId(1)]: 0 } })
        yield* store.saveLinks({ teams: [emptied] })
        const loaded = F.byTeam((yield* store.loadLinks).teams)
        expect(loaded[0]!.groupMembers).toEqual({ [F.groupId(1)]: 0 })
        expect(loaded[1]!.groupMembers).toBeUndefined()
      })))

  it.effect("a link written before migration 2 loads without counts once the store is upgraded", () =>
    Effect.gen(function*() {
      const loc = yield* Effect.promise(() => backend.freshDatabase())
      yield* withStore(loc, () => Effect.void)
      // Back to the version 1 schema, with a row as version 1 wrote it.
      yield* raw(loc, (sql) =>
        Effect.gen(function*() {
          yield* sql`DELETE FROM okm_migrations WHERE migration_id = 2`
          yield* sql.unsafe("ALTER TABLE okm_team_links DROP COLUMN group_members")
          yield* sql`INSERT INTO okm_team_links (tenant, team_id, display_name, origin, group_ids, managed_members, updated_at)
            VALUES (${loc.tenant}, 'team-old', 'Old', 'created', '["00g1"]', '["mu-1"]', 1)`
        }))
      const links = yield* withStore(loc, (store) => store.loadLinks)
      expect(links.teams).toEqual([
        new TeamLink({
          teamId: MondayTeamId.make("team-old"),
          displayName: "Old",
          origin: "created",
          groupIds: [F.groupId(1)],
          managedMembers: [F.userId(1)]
        })
      ])
      expect(links.teams[0]!.groupMembers).toBeUndefined()
    }), 30_000)
})
