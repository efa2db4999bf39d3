/**
 * Generated orgs, configs and delta batches for the planner's property tests: a few users, groups
 * and teams, so names collide, links overlap and every policy and blocker comes up.
 */
import { FastCheck as fc } from "effect"
import { OktaGroup, OktaUser } from "../../src/Domain.js"
import type { OktaGroupId, OktaUserId } from "../../src/Domain.js"
import type { Delta } from "../../src/Delta.js"
import type * as Planner from "../../src/Planner.js"
import { org, rules } from "./org.js"
import type { OrgSpec, UserSpec } from "./org.js"

// Three ids alike in their first 12 characters (as Okta ids of one org can be in their first 8),
// so a team's not-ready list, searched by each id's first 8 characters, must compare the rest.
export const USERS = ["u0", "u1", "u2", "u3", "00u1abcdefgh4", "00u1abcdefgh5", "00u1abcdefgh6", "u7"]
// "Ops" and "ops" are one name to monday.com (NameCollision).
export const NAMES = ["a", "b", "eng-a", "eng-b", "ops", "Ops"]
export const GROUPS = ["g0", "g1", "g2", "g3", "g4"]

const subset = <A>(xs: ReadonlyArray<A>) => fc.subarray(xs as Array<A>)

const userSpec: fc.Arbitrary<UserSpec> = fc.record({
  status: fc.constantFrom("ACTIVE", "ACTIVE", "ACTIVE", "SUSPENDED" as const),
  assigned: fc.constantFrom<string | false>("ACTIVE", "ACTIVE", "PROVISIONED", "PENDING", false),
  monday: fc.constantFrom<"active" | "inactive" | false>("active", "active", "active", "inactive", false)
})

const specArb: fc.Arbitrary<OrgSpec> = fc
  .record({
    users: fc.tuple(...USERS.map(() => userSpec)),
    groups: fc.array(
      fc.record({ name: fc.constantFrom(...NAMES), members: subset(USERS), app: fc.boolean(), type: fc.constantFrom("OKTA_GROUP" as const, "APP_GROUP" as const) }),
      { maxLength: GROUPS.length }
    ),
    teams: fc.array(
      fc.record({
        name: fc.constantFrom(...NAMES, "gone"),
        members: subset([...USERS, "h0", "h1"]),
        link: fc.option(
          fc.record({
            groups: subset(GROUPS),
            managed: fc.double({ min: 0, max: 1, noNaN: true }),
            adopted: fc.boolean(),
            // Each group's member count when last applied; absent: a link saved before counts were kept.
            lastApplied: fc.option(fc.nat(3), { nil: undefined })
          }),
          { nil: undefined }
        )
      }),
      { maxLength: 4 }
    ),
    vanishedLink: fc.option(subset(GROUPS), { nil: undefined })
  })
  .map(({ groups, teams, users, vanishedLink }): OrgSpec => ({
    users: Object.fromEntries(USERS.map((u, i) => [u, users[i]!])),
    mondayOnly: ["h0", "h1"],
    groups: Object.fromEntries(groups.map((g, i) => [GROUPS[i]!, { name: g.name, members: g.members, assignedToApp: g.app, type: g.type }])),
    teams: teams.map((t, i) => ({ id: `t${i}`, name: t.name, members: t.members })),
    links: [
      ...teams.flatMap((t, i) =>
        t.link === undefined
          ? []
          : [{
            teamId: `t${i}`,
            name: t.name,
            groups: t.link.groups,
            origin: t.link.adopted ? "adopted" as const : "created" as const,
            managed: t.members.filter((_, j) => j / Math.max(t.members.length, 1) < t.link!.managed),
            ...(t.link.lastApplied === undefined
              ? {}
              : { groupMembers: Object.fromEntries(t.link.groups.map((g) => [g, t.link!.lastApplied!])) })
          }]
      ),
      ...(vanishedLink === undefined ? [] : [{ teamId: "t-vanished", name: "a", groups: vanishedLink, managed: [] }])
    ]
  }))

const configArb = fc
  .record({
    mapping: fc.constantFrom(
      [{ select: { nameRegex: "^(eng)-" }, team: "{1}" }, { select: { types: ["OKTA_GROUP", "APP_GROUP"] } }],
      [{ select: { nameRegex: ".*" } }],
      [{ select: { assignedToApp: true } }, { select: { names: ["ops"] }, team: "b" }]
    ),
    excludeUser: fc.boolean(),
    notReadyMembers: fc.constantFrom("block", "skip"),
    existingTeam: fc.constantFrom("refuse", "adopt"),
    deleteTeams: fc.constantFrom("never", "when-group-deleted", "when-unmapped"),
    handAddedMembers: fc.constantFrom("keep", "remove"),
    emptyGroup: fc.constantFrom("block", "allow"),
    maxMembersPerPatch: fc.integer({ min: 1, max: 4 }),
    maxRemovalsPerTeam: fc.integer({ min: 0, max: 5 }),
    maxRemovalFractionPerTeam: fc.constantFrom(0, 0.25, 0.5, 0.75, 1),
    maxRemovalsPerRun: fc.integer({ min: 0, max: 12 }),
    // The user lifecycle, off in about a third of the cases (then no user operation may appear).
    users: fc.option(
      fc.record({
        provision: fc.boolean(),
        update: fc.boolean(),
        deactivate: fc.boolean(),
        reactivate: fc.boolean(),
        unexplained: fc.constantFrom("report", "deactivate")
      }),
      { nil: undefined, freq: 2 }
    )
  })
  .map((c) =>
    rules({
      mappings: c.mapping,
      exclude: c.excludeUser ? { users: { ids: ["u7"] } } : {},
      policies: {
        notReadyMembers: c.notReadyMembers,
        existingTeam: c.existingTeam,
        deleteTeams: c.deleteTeams,
        handAddedMembers: c.handAddedMembers,
        emptyGroup: c.emptyGroup
      },
      limits: {
        maxMembersPerPatch: c.maxMembersPerPatch,
        maxRemovalsPerTeam: c.maxRemovalsPerTeam,
        maxRemovalFractionPerTeam: c.maxRemovalFractionPerTeam,
        maxRemovalsPerRun: c.maxRemovalsPerRun
      },
      ...(c.users !== undefined ? { users: c.users } : {})
    })
  )

export const inputArb = fc.tuple(specArb, configArb).map(([spec, config]) => org(spec, config))

/** Inputs with the user lifecycle off, where readiness is a plain function of the snapshots. */
export const teamsOnlyArb = inputArb.map((input): Planner.PlanInput => {
  const { users: _, ...teamRules } = input.rules
  return { ...input, rules: teamRules }
})

export const deltaArb = (n: number): fc.Arbitrary<Array<Delta>> =>
  fc.array(
    fc.oneof(
      fc.record({ g: fc.constantFrom(...GROUPS), u: fc.constantFrom(...USERS) }).map(({ g, u }): Delta => ({ _tag: "MemberAdded", groupId: g as OktaGroupId, userId: u as OktaUserId })),
      fc.record({ g: fc.constantFrom(...GROUPS), u: fc.constantFrom(...USERS) }).map(({ g, u }): Delta => ({ _tag: "MemberRemoved", groupId: g as OktaGroupId, userId: u as OktaUserId })),
      fc.record({ g: fc.constantFrom(...GROUPS), name: fc.constantFrom(...NAMES) }).map(({ g, name }): Delta => ({ _tag: "GroupRenamed", groupId: g as OktaGroupId, name })),
      fc.constantFrom(...GROUPS).map((g): Delta => ({ _tag: "GroupDeleted", groupId: g as OktaGroupId })),
      fc.record({ i: fc.integer({ min: 5, max: 7 }), name: fc.constantFrom(...NAMES) }).map(({ i, name }): Delta => ({
        _tag: "GroupCreated",
        group: new OktaGroup({ id: `g${i}` as OktaGroupId, name, type: "OKTA_GROUP" })
      })),
      fc.constantFrom(...GROUPS).map((g): Delta => ({ _tag: "GroupAssigned", groupId: g as OktaGroupId })),
      fc.constantFrom(...GROUPS).map((g): Delta => ({ _tag: "GroupUnassigned", groupId: g as OktaGroupId })),
      fc.record({ u: fc.constantFrom(...USERS), s: fc.constantFrom("ACTIVE", "PENDING") }).map(({ u, s }): Delta => ({
        _tag: "UserAssigned",
        assignment: { userId: u as OktaUserId, scope: "USER", status: s }
      })),
      fc.constantFrom(...USERS).map((u): Delta => ({ _tag: "UserUnassigned", userId: u as OktaUserId })),
      fc.record({ u: fc.constantFrom(...USERS), s: fc.constantFrom("ACTIVE" as const, "SUSPENDED" as const, "DEPROVISIONED" as const) }).map(({ u, s }): Delta => ({
        _tag: "UserStatusChanged",
        userId: u as OktaUserId,
        status: s
      })),
      fc.record({ u: fc.constantFrom(...USERS), e: fc.constantFrom(...USERS) }).map(({ u, e }): Delta => ({
        _tag: "UserUpdated",
        user: new OktaUser({ id: u as OktaUserId, login: `${e}@x.com`, email: `${e}@X.com`, status: "ACTIVE" })
      }))
    ),
    { maxLength: n }
  )

/**
 * Unexplained monday.com users are found by full plans only, so touched plans are compared with
 * full ones where they are reported rather than deactivated. Every limit stays as generated.
 */
export const reportUnexplained = (input: Planner.PlanInput): Planner.PlanInput =>
  input.rules.users === undefined
    ? input
    : { ...input, rules: { ...input.rules, users: { ...input.rules.users, unexplained: "report" as const } } }
