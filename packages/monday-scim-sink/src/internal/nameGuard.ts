/**
 * The same-name guard: monday.com replaces a team (and its members) when a POST /Groups carries an existing team's
 * name, so no create goes out while a team of that name exists. Per apply it checks either with one filtered GET per
 * create, or with one paged list of every team read just before the first create, whichever costs fewer requests;
 * the list also catches teams made by hand since the plan was read. Names created by the same apply are held too.
 */
import { Effect } from "effect"
import { Conflict, type SinkError } from "../SinkError.js"

export interface NameGuard {
  /** Fails with Conflict when a team of that name exists or this apply creates one; else holds the name. */
  readonly claim: (displayName: string) => Effect.Effect<void, SinkError>
  /** The create went through: the name now belongs to this team. */
  readonly created: (displayName: string, teamId: string) => Effect.Effect<void>
  /** The create failed: the name is free again for this apply. */
  readonly release: (displayName: string) => Effect.Effect<void>
}

/**
 * Requests the guard needs at least for `creates` creates in an account of `teams` teams listed `pageSize` a page:
 * one GET per create, or the list's pages (at least one), whichever is fewer. What benchmarks count as its minimum.
 */
export const guardReads = (creates: number, teams: number, pageSize: number): number =>
  creates === 0 ? 0 : Math.min(creates, Math.max(1, Math.ceil(teams / Math.max(1, pageSize))))

/** How the guard looks names up: per name, or the whole list (undefined when it has more pages than `maxPages`). */
export interface NameSource {
  /** Teams named `displayName` (case-insensitively), whoever made them. */
  readonly byName: (displayName: string) => Effect.Effect<ReadonlyArray<{ readonly id: string }>, SinkError>
  /** Every team's name and id, if the list takes at most `maxPages` pages (one page is read to know). */
  readonly list: (
    maxPages: number
  ) => Effect.Effect<ReadonlyArray<{ readonly id: string; readonly displayName: string }> | undefined, SinkError>
  /** Pages the list took when last read (teams / effective page size), if it was read. */
  readonly knownPages: () => number | undefined
}

const key = (displayName: string) => displayName.toLowerCase()

/** What the guard chose for one apply (tests and benchmarks read it). */
export type GuardMode = "per-create" | "list"

export const make = (
  source: NameSource,
  displayNames: ReadonlyArray<string>,
  onMode?: (mode: GuardMode) => void
): Effect.Effect<NameGuard> =>
  Effect.gen(function*() {
    const creates = displayNames.length
    /** Names this apply holds: the team id once created, "" while its create is under way. */
    const held = new Map<string, string>()
    const holdOrFail = (displayName: string, existing: string | undefined) => {
      const mine = held.get(key(displayName))
      if (mine !== undefined) {
        return Effect.fail(
          new Conflict({
            endpoint: "POST /Groups",
            displayName,
            ...(mine !== "" ? { existingTeamId: mine } : { samePlan: true })
          })
        )
      }
      if (existing !== undefined) {
        return Effect.fail(new Conflict({ endpoint: "POST /Groups", displayName, existingTeamId: existing }))
      }
      held.set(key(displayName), "")
      return Effect.void
    }
    const created = (displayName: string, teamId: string) => Effect.sync(() => void held.set(key(displayName), teamId))
    const release = (displayName: string) => Effect.sync(() => void held.delete(key(displayName)))

    const perCreate: NameGuard = {
      claim: (displayName) =>
        Effect.suspend(() =>
          held.has(key(displayName))
            ? holdOrFail(displayName, undefined)
            : Effect.flatMap(source.byName(displayName), (found) => holdOrFail(displayName, found[0]?.id))
        ),
      created,
      release
    }
    const known = source.knownPages()
    // One GET per create, unless the list is known (or, unknown, turns out) to take fewer pages.
    if (creates <= 1 || (known !== undefined && known >= creates)) {
      onMode?.("per-create")
      return perCreate
    }
    // Read lazily, at the first create: just before creating, after the apply's user phase.
    const existing = yield* Effect.cached(
      Effect.map(source.list(creates - 1), (teams) =>
        teams === undefined ? undefined : new Map(teams.map((team) => [key(team.displayName), team.id])))
    )
    let reported = false
    return {
      claim: (displayName) =>
        Effect.flatMap(existing, (teams) => {
          if (!reported) {
            reported = true
            onMode?.(teams === undefined ? "per-create" : "list")
          }
          return teams === undefined ? perCreate.claim(displayName) : holdOrFail(displayName, teams.get(key(displayName)))
        }),
      created,
      release
    }
  })
