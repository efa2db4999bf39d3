/**
 * Committing an applied plan to a planner, as the daemon does after every System Log batch: the
 * planner's links and monday.com must become what `reconcileLinks` and `appliedTarget` give, and
 * every later plan must equal that of a planner rebuilt from them (`setTarget` + `setLinks`),
 * whatever failed in the apply.
 */
import { describe, expect, it } from "@effect/vitest"
import { FastCheck as fc, Schema } from "effect"
import { Links, TargetSnapshot } from "../src/Domain.js"
import type { MondayTeamId, MondayUserId, TeamLink, UserLink } from "../src/Domain.js"
import type { Delta } from "../src/Delta.js"
import type { OperationOutcome, Plan } from "../src/Plan.js"
import { encodePlan } from "../src/PlanFile.js"
import * as Planner from "../src/Planner.js"
import { deltaArb, inputArb } from "./util/arbitraries.js"
import { gid, mid, org, rules, tid, twoLinkedTeams, uid } from "./util/org.js"

const linksJson = (l: Links) => JSON.stringify(Schema.encodeSync(Links)(l))
const targetJson = (t: TargetSnapshot) => JSON.stringify(Schema.encodeSync(TargetSnapshot)(t))

/** What the engine saves after an apply (its `linksChange`), as sorted ids and values. */
const changeOf = (before: Links, after: Links) => {
  const json = (x: TeamLink | UserLink) => JSON.stringify(x)
  const oldTeams = new Map(before.teams.map((t) => [t.teamId as string, json(t)]))
  const newTeams = new Set(after.teams.map((t) => t.teamId as string))
  const oldUsers = new Map(before.users.map((u) => [u.oktaUserId as string, json(u)]))
  const newUsers = new Set(after.users.map((u) => u.oktaUserId as string))
  const same = (a: TeamLink, b: string | undefined) => {
    if (b === undefined) return false
    const o = JSON.parse(b) as TeamLink
    const set = (xs: ReadonlyArray<string>) => [...new Set(xs)].sort().join()
    return a.displayName === o.displayName && a.origin === o.origin && set(a.groupIds) === set(o.groupIds) &&
      set(a.managedMembers) === set(o.managedMembers) &&
      JSON.stringify(Object.entries(a.groupMembers ?? {}).sort()) === JSON.stringify(Object.entries(o.groupMembers ?? {}).sort()) &&
      (a.groupMembers === undefined) === (o.groupMembers === undefined)
  }
  return {
    teams: after.teams.filter((t) => !same(t, oldTeams.get(t.teamId))).map(json),
    removeTeams: before.teams.filter((t) => !newTeams.has(t.teamId)).map((t) => t.teamId as string).sort(),
    users: after.users.filter((u) => oldUsers.get(u.oktaUserId) !== json(u)).map(json),
    removeUsers: before.users.filter((u) => !newUsers.has(u.oktaUserId)).map((u) => u.oktaUserId as string).sort()
  }
}
const committedChange = (c: Planner.Committed) => ({
  teams: c.change.teams.map((t) => JSON.stringify(t)),
  removeTeams: [...c.change.removeTeams],
  users: c.change.users.map((u) => JSON.stringify(u)),
  removeUsers: [...c.change.removeUsers]
})

/**
 * Outcomes for a plan from random draws: most operations done, some failed, a few skipped; a
 * created team or user usually gets an id from monday.com (without one, a team is `pending:`).
 */
const outcomesOf = (plan: Plan, draws: ReadonlyArray<number>, step: number): Array<OperationOutcome> =>
  plan.operations.map((op, index) => {
    const d = draws[index % draws.length]!
    const status = d < 70 ? "done" as const : d < 90 ? "failed" as const : "skipped" as const
    if (status !== "done") return { index, key: op.key, status }
    const withId = d % 7 !== 0
    return {
      index,
      key: op.key,
      status,
      ...(op._tag === "CreateTeam" && withId ? { teamId: `c${step}-${op.key}` as MondayTeamId } : {}),
      ...(op._tag === "CreateUser" && withId ? { userId: `cu${step}-${op.oktaUserId}` as MondayUserId } : {})
    }
  })

/** Blockers `okta-monday approve` releases. */
const approvable = new Set(["RunRemovalLimit", "TeamRemovalLimit", "EmptyGroup"])

const stepArb = fc.record({
  deltas: deltaArb(6),
  draws: fc.array(fc.nat(99), { minLength: 1, maxLength: 12 }),
  /** Plan every team (a full cycle's plan) instead of the touched ones. */
  planAll: fc.boolean(),
  /** Also compare full plans before committing (which refills the run-wide ledger). */
  compareFull: fc.boolean()
})

describe("committing an applied plan", () => {
  it.prop(
    "gives the links and monday.com reconcileLinks and appliedTarget give, and the plans of a planner rebuilt from them",
    [inputArb, fc.boolean(), fc.array(stepArb, { minLength: 1, maxLength: 6 }), deltaArb(6)],
    ([generated, approving, steps, probe]) => {
      // Approving: no removal goes without an approval, and each plan's removal blockers are
      // approved, so every unapproved plan shows the whole run-wide ledger in its RunRemovalLimit
      // blocker while removals are still applied and committed.
      const input = approving
        ? { ...generated, rules: { ...generated.rules, limits: { ...generated.rules.limits, maxRemovalsPerRun: 0 } } }
        : generated
      const planner = Planner.make(input)
      /** The reference: the input a planner is rebuilt from, brought up to date by the full functions. */
      let ref = input
      steps.forEach((step, n) => {
        const rebuilt = Planner.make(ref)
        const touched = planner.applyDeltas(step.deltas)
        expect(rebuilt.applyDeltas(step.deltas)).toStrictEqual(touched)
        const planOf = (p: Planner.Planner, approvals: ReadonlyArray<string>) =>
          step.planAll ? p.planAll({ approvals }) : p.planTouched(touched, { approvals })
        let plan = planOf(planner, [])
        expect(encodePlan(plan)).toBe(encodePlan(planOf(rebuilt, [])))
        const approvals = approving ? plan.blockers.filter((b) => approvable.has(b._tag)).map((b) => b.id) : []
        if (approvals.length > 0) {
          plan = planOf(planner, approvals)
          expect(encodePlan(plan)).toBe(encodePlan(planOf(rebuilt, approvals)))
        }
        if (step.compareFull) expect(encodePlan(planner.planAll())).toBe(encodePlan(rebuilt.planAll()))
        const outcomes = outcomesOf(plan, step.draws, n)
        const now = { ...ref, source: planner.source() }
        const links = Planner.reconcileLinks(now, plan, outcomes)
        const target = Planner.appliedTarget(ref.target, plan, outcomes)
        const committed = planner.commit(plan, outcomes)
        expect(linksJson(committed.links)).toBe(linksJson(links))
        expect(targetJson(committed.target)).toBe(targetJson(target))
        expect(committedChange(committed)).toStrictEqual(changeOf(ref.links, links))
        expect(linksJson(planner.links())).toBe(linksJson(links))
        expect(targetJson(planner.target())).toBe(targetJson(target))
        ref = { ...now, target, links }
      })
      // After the last commit: a touched plan of one more batch, and a full plan, as a rebuilt planner makes them.
      const rebuilt = Planner.make(ref)
      const touched = planner.applyDeltas(probe)
      rebuilt.applyDeltas(probe)
      expect(encodePlan(planner.planTouched(touched))).toBe(encodePlan(rebuilt.planTouched(touched)))
      expect(encodePlan(planner.planAll())).toBe(encodePlan(rebuilt.planAll()))
    },
    { fastCheck: { numRuns: 1000 } }
  )
})

describe("committing, worked examples", () => {
  const spec = twoLinkedTeams
  const config = rules({ mappings: [{ select: { types: ["OKTA_GROUP"] } }] })
  const done = (plan: Plan): Array<OperationOutcome> =>
    plan.operations.map((op, index) => ({ index, key: op.key, status: "done" as const }))

  it("a member added in Okta joins the team, becomes managed, and the next plan has nothing to do", () => {
    const planner = Planner.make(org(spec, config))
    // The first commit after make reconciles every team once; later ones only what changed.
    planner.commit(planner.planAll(), [])
    const add: Delta = { _tag: "MemberAdded", groupId: gid("g1"), userId: uid("u3") }
    const plan = planner.planTouched(planner.applyDeltas([add]))
    const committed = planner.commit(plan, done(plan))
    expect(committed.change.teams.map((t) => [t.teamId, t.managedMembers])).toStrictEqual([[tid("t1"), [mid("u1"), mid("u2"), mid("u3")]]])
    expect(committed.target.teams.find((t) => t.id === "t1")!.members).toStrictEqual([mid("u1"), mid("u2"), mid("u3")])
    expect(planner.planTouched([gid("g1")]).operations).toStrictEqual([])
    expect(planner.planAll().operations).toStrictEqual([])
  })

  it("a member the engine added is removed when they leave the group again", () => {
    const planner = Planner.make(org(spec, config))
    planner.commit(planner.planAll(), [])
    const added = planner.planTouched(planner.applyDeltas([{ _tag: "MemberAdded", groupId: gid("g1"), userId: uid("u3") }]))
    planner.commit(added, done(added))
    expect(planner.planTouched(planner.applyDeltas([{ _tag: "MemberRemoved", groupId: gid("g1"), userId: uid("u3") }])).operations).toStrictEqual([
      { _tag: "PatchMembers", key: "web", teamId: tid("t1"), displayName: "web", add: [], remove: [mid("u3")] }
    ])
  })

  it("a failed PATCH leaves the team and its managed members as they were: the next plan sends it again", () => {
    const planner = Planner.make(org(spec, config))
    planner.commit(planner.planAll(), [])
    const plan = planner.planTouched(planner.applyDeltas([{ _tag: "MemberRemoved", groupId: gid("g1"), userId: uid("u2") }]))
    const committed = planner.commit(plan, [{ index: 0, key: "web", status: "failed" }])
    // Only the group's member count is recorded (for the empty-group guard).
    expect(committed.change.teams.map((t) => [t.managedMembers, t.groupMembers])).toStrictEqual([[[mid("u1"), mid("u2")], { g1: 1 }]])
    expect(committed.target.teams.find((t) => t.id === "t1")!.members).toStrictEqual([mid("u1"), mid("u2")])
    expect(planner.planTouched([gid("g1")]).operations).toStrictEqual(plan.operations)
  })

  it("the run-wide removal limit counts what is left to remove after a commit, not what was removed", () => {
    const input = org({
      users: { u1: {}, u2: {}, u3: {}, u4: {}, u5: {} },
      groups: { ga: { name: "a", members: ["u1", "u2", "u3"] }, gb: { name: "b", members: ["u4", "u5"] } },
      teams: [{ id: "ta", name: "a", members: ["u1", "u2", "u3"] }, { id: "tb", name: "b", members: ["u4", "u5"] }],
      links: [
        { teamId: "ta", name: "a", groups: ["ga"], managed: ["u1", "u2", "u3"], groupMembers: { ga: 3 } },
        { teamId: "tb", name: "b", groups: ["gb"], managed: ["u4", "u5"], groupMembers: { gb: 2 } }
      ]
    }, rules({ mappings: [{ select: { types: ["OKTA_GROUP"] } }], limits: { maxRemovalsPerRun: 2, maxRemovalFractionPerTeam: 1 } }))
    const planner = Planner.make(input)
    planner.commit(planner.planAll(), [])
    // Two leave team "a": within the limit of 2, removed.
    const first = planner.planTouched(planner.applyDeltas([
      { _tag: "MemberRemoved", groupId: gid("ga"), userId: uid("u2") },
      { _tag: "MemberRemoved", groupId: gid("ga"), userId: uid("u3") }
    ]))
    expect(first.blockers).toStrictEqual([])
    planner.commit(first, done(first))
    // One more leaves team "b": the run removes 1 now (the 2 of "a" are done), so it goes ahead.
    const second = planner.planTouched(planner.applyDeltas([{ _tag: "MemberRemoved", groupId: gid("gb"), userId: uid("u5") }]))
    expect(second.blockers).toStrictEqual([])
    expect(second.operations).toMatchObject([{ _tag: "PatchMembers", key: "b", remove: [mid("u5")] }])
  })

  it("refuses a plan made against another monday.com snapshot", () => {
    const planner = Planner.make(org(spec, config))
    const other = Planner.make(org({ ...spec, teams: [] }, config)).planAll()
    expect(() => planner.commit(other, [])).toThrow(/another monday.com snapshot/)
  })
})
