/**
 * Worked examples of incremental planning: a batch of System Log changes applied to a planner,
 * then only the teams it touched planned. Each example shows what one kind of change plans, with
 * the monday.com side brought up to date after each apply, as the daemon does.
 */
import { describe, expect, it } from "@effect/vitest"
import type { Delta } from "../src/Delta.js"
import { OktaUser } from "../src/Domain.js"
import type { OperationOutcome, Plan } from "../src/Plan.js"
import { encodePlan } from "../src/PlanFile.js"
import * as Planner from "../src/Planner.js"
import { gid, mid, org, rules, tid, twoLinkedTeams, uid } from "./util/org.js"
import type { OrgSpec } from "./util/org.js"

const spec = twoLinkedTeams
const config = (policies: Record<string, unknown> = {}, limits: Record<string, unknown> = {}) =>
  rules({ mappings: [{ select: { types: ["OKTA_GROUP"] } }], policies, limits })

const done = (plan: Plan): Array<OperationOutcome> =>
  plan.operations.map((op, index) => ({ index, key: op.key, status: "done" as const }))

/** A planner in step with monday.com, and a function that applies a batch and plans it. */
const live = (input: Planner.PlanInput) => {
  const planner = Planner.make(input)
  let current = input
  expect(planner.planAll().operations).toStrictEqual([])
  return {
    planner,
    /** Applies the deltas, plans the touched teams, and (by default) brings monday.com in step with the plan. */
    batch: (deltas: ReadonlyArray<Delta>, apply = true): Plan => {
      const plan = planner.planTouched(planner.applyDeltas(deltas))
      if (apply) {
        const now = { ...current, source: planner.source() }
        current = {
          ...now,
          target: Planner.simulateApply(now.target, plan, (key) => tid(`new-${key}`)),
          links: Planner.reconcileLinks(now, plan, done(plan))
        }
        planner.setTarget(current.target)
        planner.setLinks(current.links)
      }
      return plan
    }
  }
}

describe("membership changes", () => {
  it("a user added to a group joins its team; a user removed from it leaves", () => {
    const { batch } = live(org(spec, config()))
    expect(batch([{ _tag: "MemberAdded", groupId: gid("g1"), userId: uid("u3") }]).operations).toStrictEqual([
      { _tag: "PatchMembers", key: "web", teamId: tid("t1"), displayName: "web", add: [mid("u3")], remove: [] }
    ])
    expect(batch([{ _tag: "MemberRemoved", groupId: gid("g1"), userId: uid("u1") }]).operations).toStrictEqual([
      { _tag: "PatchMembers", key: "web", teamId: tid("t1"), displayName: "web", add: [], remove: [mid("u1")] }
    ])
    // Applied: nothing is left to do.
    expect(batch([]).operations).toStrictEqual([])
  })
})

describe("group changes", () => {
  it("a renamed group renames its team (GroupRenamed → RenameTeam)", () => {
    const { batch } = live(org(spec, config()))
    expect(batch([{ _tag: "GroupRenamed", groupId: gid("g1"), name: "web-platform" }]).operations).toStrictEqual([
      { _tag: "RenameTeam", key: "web-platform", teamId: tid("t1"), from: "web", to: "web-platform" }
    ])
  })

  it("a deleted group deletes the team the engine created for it, under deleteTeams: when-group-deleted", () => {
    const deleted: Delta = { _tag: "GroupDeleted", groupId: gid("g2") }
    expect(live(org(spec, config({ deleteTeams: "when-group-deleted" }))).batch([deleted]).operations).toStrictEqual([
      { _tag: "DeleteTeam", key: "delete:t2", teamId: tid("t2"), displayName: "api", reason: "group-deleted", memberCount: 1 }
    ])
    // The default, never, leaves the team alone.
    expect(live(org(spec, config())).batch([deleted]).operations).toStrictEqual([])
  })
})

describe("names equal but for case", () => {
  it("a group renamed to another team's name in another case holds both, the untouched one too", () => {
    const input = org({
      users: { u1: {}, u2: {} },
      groups: { g1: { name: "ops", members: ["u1"] }, g2: { name: "api", members: ["u2"] } }
    }, config())
    const planner = Planner.make(input)
    expect(planner.planAll().operations.map((o) => o.key)).toStrictEqual(["api", "ops"])
    // "Ops" and "ops" would be one team in monday.com: neither is created while both are wanted.
    const plan = planner.planTouched(planner.applyDeltas([{ _tag: "GroupRenamed", groupId: gid("g2"), name: "Ops" }]))
    expect(plan.operations).toStrictEqual([])
    expect(plan.blockers).toMatchObject([
      { _tag: "NameCollision", key: "Ops", others: ["ops"] },
      { _tag: "NameCollision", key: "ops", others: ["Ops"] }
    ])
    // Renamed apart again, both go ahead.
    const apart = planner.planTouched(planner.applyDeltas([{ _tag: "GroupRenamed", groupId: gid("g2"), name: "Ops team" }]))
    expect(apart.operations.map((o) => o.key)).toStrictEqual(["Ops team", "ops"])
  })
})

describe("user changes", () => {
  const suspended: Delta = { _tag: "UserStatusChanged", userId: uid("u2"), status: "SUSPENDED" }

  it("a suspended user holds the team (MembersNotReady) under notReadyMembers: block", () => {
    const plan = live(org(spec, config())).batch([suspended])
    expect(plan.operations).toStrictEqual([])
    expect(plan.blockers).toMatchObject([{
      _tag: "MembersNotReady",
      key: "web",
      users: [{ oktaUserId: "u2", reason: "inactive-in-okta", detail: "SUSPENDED" }]
    }])
  })

  it("under skip, a suspended member is reported and stays in the team (a not-ready member is never removed)", () => {
    const plan = live(org(spec, config({ notReadyMembers: "skip" }))).batch([suspended])
    expect(plan.operations).toStrictEqual([])
    expect(plan.warnings).toMatchObject([{ _tag: "MembersSkipped", key: "web", users: [{ oktaUserId: "u2" }] }])
  })

  it("a profile change that leaves a user standing as before touches no team; one a team reports does", () => {
    const { batch, planner } = live(org(spec, config({ notReadyMembers: "skip" })))
    const u2 = planner.source().users.find((u) => u.id === "u2")!
    const updated = (fields: Partial<OktaUser>): Delta => ({ _tag: "UserUpdated", user: new OktaUser({ ...u2, ...fields }) })
    // A new first name: u2 stands in "web" as before, so no team is planned again (the user is
    // still reported as changed, for the user lifecycle).
    expect(planner.applyDeltas([updated({ firstName: "Ada" })])).toStrictEqual({ groupIds: [], keys: [], userIds: ["u2"] })
    // Suspended, u2 is skipped in "web" and "web" is planned again.
    expect(planner.applyDeltas([suspended]).groupIds).toStrictEqual(["g1"])
    // A new email for the skipped user changes what "web" reports about them.
    const plan = batch([updated({ email: "ada@x.com", status: "SUSPENDED" })])
    expect(plan.counts.teams).toBe(1)
    expect(plan.warnings).toMatchObject([{ _tag: "MembersSkipped", key: "web", users: [{ oktaUserId: "u2", email: "ada@x.com" }] }])
  })
})

describe("plans are values", () => {
  it("a plan made earlier stays as it was when later batches change the same teams", () => {
    const planner = Planner.make(org({ ...spec, teams: [], links: [] }, config({ notReadyMembers: "skip" })))
    const first = planner.planTouched(planner.applyDeltas([{ _tag: "UserStatusChanged", userId: uid("u2"), status: "SUSPENDED" }]))
    const text = encodePlan(first)
    expect(first.warnings).toMatchObject([{ _tag: "MembersSkipped", key: "web", users: [{ oktaUserId: "u2" }] }])
    planner.planTouched(planner.applyDeltas([
      { _tag: "UserStatusChanged", userId: uid("u1"), status: "SUSPENDED" },
      { _tag: "MemberAdded", groupId: gid("g1"), userId: uid("u3") }
    ]))
    expect(encodePlan(first)).toBe(text)
  })
})

describe("the run-wide removal limit in incremental plans", () => {
  // Teams "a" and "b" each have 2 members Okta no longer lists: 4 pending removals in all.
  const pending: OrgSpec = {
    users: { u1: {}, u2: {}, u3: {}, u4: {}, u5: {}, u6: {}, u7: {} },
    groups: { ga: { name: "a", members: ["u1"] }, gb: { name: "b", members: ["u4"] } },
    teams: [{ id: "ta", name: "a", members: ["u1", "u2", "u3"] }, { id: "tb", name: "b", members: ["u4", "u5", "u6"] }],
    links: [
      { teamId: "ta", name: "a", groups: ["ga"], managed: ["u1", "u2", "u3"], groupMembers: { ga: 3 } },
      { teamId: "tb", name: "b", groups: ["gb"], managed: ["u4", "u5", "u6"], groupMembers: { gb: 3 } }
    ]
  }

  it("counts every team's pending removals, not only the touched team's: a touched plan holds what a full plan holds", () => {
    const input = org(pending, config({}, { maxRemovalsPerRun: 2 }))
    const full = Planner.plan(input)
    expect(full.blockers).toMatchObject([{ _tag: "RunRemovalLimit", removals: 4, maxRemovals: 2, keys: ["a", "b"] }])
    expect(full.operations).toStrictEqual([])

    // One change to team "a" only: its 2 removals are within the limit alone, but not with "b"'s.
    const planner = Planner.make(input)
    const touched = planner.applyDeltas([{ _tag: "MemberAdded", groupId: gid("ga"), userId: uid("u7") }])
    expect(touched.groupIds).toStrictEqual(["ga"])
    const partial = planner.planTouched(touched)
    expect(partial.blockers).toMatchObject([{ _tag: "RunRemovalLimit", removals: 4, maxRemovals: 2, keys: ["a", "b"] }])
    // The add goes; the removals wait, as they would in a full plan.
    expect(partial.operations).toStrictEqual([
      { _tag: "PatchMembers", key: "a", teamId: tid("ta"), displayName: "a", add: [mid("u7")], remove: [] }
    ])

    // Approving the run's removals releases them in the touched plan too.
    const fullAfter = Planner.plan({ ...input, source: planner.source() })
    const runId = fullAfter.blockers[0]!.id
    expect(partial.blockers[0]!.id).toBe(runId)
    expect(planner.planTouched(touched, { approvals: [runId] }).operations).toStrictEqual([
      { _tag: "PatchMembers", key: "a", teamId: tid("ta"), displayName: "a", add: [mid("u7")], remove: [mid("u2"), mid("u3")] }
    ])
  })

  it("a touched plan counts teams it never planned itself, right after the planner is made", () => {
    const input = org(pending, config({}, { maxRemovalsPerRun: 3 }))
    const planner = Planner.make(input)
    const plan = planner.planTouched([gid("ga")])
    expect(plan.blockers).toMatchObject([{ _tag: "RunRemovalLimit", removals: 4, maxRemovals: 3 }])
    expect(plan.operations).toStrictEqual([])
    // Within the limit, the touched team's removals go.
    const roomy = Planner.make(org(pending, config({}, { maxRemovalsPerRun: 4 }))).planTouched([gid("ga")])
    expect(roomy.operations).toMatchObject([{ key: "a", remove: [mid("u2"), mid("u3")] }])
  })

  it("once a team's removals are applied, only the others still count", () => {
    const input = org(pending, config({}, { maxRemovalsPerRun: 2 }))
    const planner = Planner.make(input)
    const runId = Planner.plan(input).blockers[0]!.id
    // An admin approves the run; team "a" is planned and applied first.
    const first = planner.planTouched([gid("ga")], { approvals: [runId] })
    expect(first.operations).toMatchObject([{ key: "a", remove: [mid("u2"), mid("u3")] }])
    const target = Planner.simulateApply(input.target, first, (key) => tid(`new-${key}`))
    planner.setTarget(target)
    planner.setLinks(Planner.reconcileLinks(input, first, done(first)))
    // 2 removals left, within the limit: they go without an approval.
    const second = planner.planTouched([gid("gb")])
    expect(second.blockers).toStrictEqual([])
    expect(second.operations).toMatchObject([{ key: "b", remove: [mid("u5"), mid("u6")] }])
  })
})
