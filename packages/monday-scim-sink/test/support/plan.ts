/**
 * Small hand-built plans and a sink over a loopback server, for tests: plans use mapping-core's
 * shapes directly so these tests don't wait on the planner.
 */
import { NodeHttpClient } from "@effect/platform-node"
import { Domain, Plan } from "@okta-monday/mapping-core"
import { Effect, Layer, Redacted } from "effect"
import * as MondaySink from "../../src/MondaySink.js"
import * as ScimClient from "../../src/ScimClient.js"

export const userId = (id: string) => Domain.MondayUserId.make(id)
export const teamId = (id: string) => Domain.MondayTeamId.make(id)

export const plan = (operations: ReadonlyArray<Plan.Operation>) =>
  new Plan.Plan({
    version: 1,
    targetFingerprint: "test",
    operations,
    blockers: [],
    warnings: [],
    counts: { teams: 0, unchanged: 0, creates: 0, renames: 0, patches: 0, adds: 0, removes: 0, deletes: 0, blocked: 0 }
  })

export const create = (key: string, members: ReadonlyArray<string> = []): Plan.Operation => ({
  _tag: "CreateTeam",
  key,
  displayName: key,
  groupIds: [],
  members: members.map(userId)
})

export const patch = (
  key: string,
  change: { add?: ReadonlyArray<string>; remove?: ReadonlyArray<string>; teamId?: string }
): Plan.Operation => ({
  _tag: "PatchMembers",
  key,
  displayName: key,
  ...(change.teamId !== undefined ? { teamId: teamId(change.teamId) } : {}),
  add: (change.add ?? []).map(userId),
  remove: (change.remove ?? []).map(userId)
})

export const rename = (key: string, id: string, from: string, to: string): Plan.Operation => ({
  _tag: "RenameTeam",
  key,
  teamId: teamId(id),
  from,
  to
})

export const remove = (key: string, id: string): Plan.Operation => ({
  _tag: "DeleteTeam",
  key,
  teamId: teamId(id),
  displayName: key,
  reason: "unmapped",
  memberCount: 0
})

/**
 * A live sink against a loopback server, with fast retries so fault tests stay quick. The HTTP
 * client lives as long as the enclosing scope.
 */
export const liveSink = (
  scimUrl: string,
  token: string,
  config?: Partial<Omit<MondaySink.MondaySinkConfig, "scimUrl" | "token">>
) =>
  Effect.flatMap(Layer.build(NodeHttpClient.layerUndici), (http) =>
    MondaySink.make({
      scimUrl,
      token: Redacted.make(token),
      retry: { baseDelay: "2 millis", maxDelay: "20 millis", maxAttempts: 8, maxTotalWait: "5 seconds" },
      ...config
    }).pipe(Effect.orDie, Effect.provide(http)))

/** The bare SCIM client over a loopback server (typed errors, no plan), living as long as the scope. */
export const liveClient = (scimUrl: string, token: string, options?: Partial<Omit<ScimClient.Options, "scimUrl" | "token">>) =>
  Effect.flatMap(Layer.build(NodeHttpClient.layerUndici), (http) =>
    ScimClient.make({
      scimUrl,
      token: Redacted.make(token),
      retry: { baseDelay: "2 millis", maxDelay: "20 millis", maxAttempts: 8, maxTotalWait: "5 seconds" },
      ...options
    }).pipe(Effect.orDie, Effect.provide(http)))
