/**
 * Worked examples of the planner with the user lifecycle on (provision, deactivate, reactivate,
 * in full and incremental plans), and of two matching rules: team names compared without case,
 * and PENDING/STAGED assignments reported as not provisioned.
 */
import { describe, expect, it } from "@effect/vitest"
import { OktaUser } from "../src/Domain.js"
import type { MondayTeamId, MondayUserId, OktaUserId } from "../src/Domain.js"
import type { OperationOutcome, Plan } from "../src/Plan.js"
import { renderPlan } from "../src/PlanFile.js"
import * as Planner from "../src/Planner.js"
import { mid, org, rules, tid } from "./util/org.js"
import type { OrgSpec } from "./util/org.js"

const tags = (plan: Plan) => plan.operations.map((o) => `${o._tag}:${o.key}`)
const withUsers = (users: Record<string, unknown>, extra: Record<string, unknown> = {}) =>
  rules({ mappings: [{ select: { types: ["OKTA_GROUP"] } }], policies: { notReadyMembers: "skip" }, users, ...extra })

/** Every operation done; created teams and users get ids from their key / Okta id. */
const allDone = (plan: Plan): Array<OperationOutcome> =>
  plan.operations.map((op, index) => ({
    index,
    key: op.key,
    status: "done" as const,
    ...(op._tag === "CreateTeam" ? { teamId: `t-${op.key}` as MondayTeamId } : {}),
    ...(op._tag === "CreateUser" ? { userId: `m-${op.oktaUserId}` as MondayUserId } : {})
  }))

const applied = (input: Planner.PlanInput, plan: Plan): Planner.PlanInput => ({
  ...input,
  target: Planner.simulateApply(input.target, plan, (key) => `t-${key}` as MondayTeamId, (id) => `m-${id}` as MondayUserId),
  links: Planner.reconcileLinks(input, plan, allDone(plan))
})

describe("team names are compared without case (monday.com replaces a same-name team on POST)", () => {
  const spec: OrgSpec = { users: { u1: {} }, groups: { g1: { name: "sales", members: ["u1"] } }, teams: [{ id: "T1", name: "Sales", members: [] }] }

  it("refuses, or adopts, an unlinked team whose name differs only in case", () => {
    const refused = Planner.plan(org(spec, rules({ mappings: [{ select: { names: ["sales"] } }] })))
    expect(refused.operations).toStrictEqual([])
    expect(refused.blockers).toMatchObject([{ _tag: "NameTaken", key: "sales", teamId: "T1" }])
    const input = org(spec, rules({ mappings: [{ select: { names: ["sales"] } }], policies: { existingTeam: "adopt" } }))
    const adopted = Planner.plan(input)
    // Adopted, it takes the desired name's case in the same plan.
    expect(adopted.operations).toStrictEqual([
      { _tag: "RenameTeam", key: "sales", teamId: "T1", from: "Sales", to: "sales" },
      { _tag: "PatchMembers", key: "sales", teamId: "T1", displayName: "sales", add: [mid("u1")], remove: [] }
    ])
    const after = applied(input, adopted)
    expect(after.links.teams).toMatchObject([{ teamId: "T1", displayName: "sales", origin: "adopted" }])
    expect(Planner.plan(after).operations).toStrictEqual([])
  })

  it("refuses to rename a linked team into a name another team holds in another case", () => {
    const plan = Planner.plan(org({
      users: { u1: {} },
      groups: { g1: { name: "ops", members: ["u1"] } },
      teams: [{ id: "T1", name: "eng", members: ["u1"] }, { id: "T2", name: "OPS", members: [] }],
      links: [{ teamId: "T1", name: "eng", groups: ["g1"], managed: ["u1"] }]
    }, rules({ mappings: [{ select: { names: ["ops"] } }] })))
    expect(plan.operations).toStrictEqual([])
    expect(plan.blockers).toMatchObject([{ _tag: "NameTaken", key: "ops", teamId: "T2" }])
  })
})

describe("assignment statuses", () => {
  it("reports INACTIVE and DEPROVISIONED as not assigned, PENDING and STAGED as not provisioned", () => {
    const report = Planner.preflight(org({
      users: { u1: { assigned: "INACTIVE" }, u2: { assigned: "DEPROVISIONED" }, u3: { assigned: "PENDING" }, u4: { assigned: "STAGED" } },
      groups: { g1: { name: "web", members: ["u1", "u2", "u3", "u4"] } }
    }, rules({ mappings: [{ select: { names: ["web"] } }] })))
    expect(report[0]!.notReady.map((u) => [u.oktaUserId, u.reason, u.detail])).toStrictEqual([
      ["u1", "not-assigned", "INACTIVE"],
      ["u2", "not-assigned", "DEPROVISIONED"],
      ["u3", "not-provisioned", "PENDING"],
      ["u4", "not-provisioned", "STAGED"]
    ])
  })
})

describe("provisioning", () => {
  const spec: OrgSpec = {
    users: { u1: {}, u2: { monday: false }, u3: { monday: false, assigned: "PENDING" }, u4: { monday: false, assigned: false } },
    groups: { g1: { name: "platform", members: ["u1", "u2", "u3", "u4"] } }
  }

  it("creates users before the new team that needs them, named by placeholder, in one plan", () => {
    const input = org(spec, withUsers({ provision: true }))
    const plan = Planner.plan(input)
    expect(tags(plan)).toStrictEqual(["CreateUser:user:u2", "CreateUser:user:u3", "CreateTeam:platform"])
    expect(plan.operations[2]).toMatchObject({ members: [mid("u1"), "new:u2", "new:u3"] })
    expect(plan.counts).toMatchObject({ userCreates: 2, creates: 1 })
    expect(renderPlan(plan)).toContain("+ create user u2@x.com (member)\n")
    expect(renderPlan(plan)).toContain("  + add u3@x.com (new)\n")

    const after = applied(input, plan)
    expect(after.links.users.find((l) => l.oktaUserId === "u2")).toMatchObject({ mondayUserId: "m-u2", email: "u2@x.com" })
    expect(after.links.teams[0]!.managedMembers).toStrictEqual([mid("u1"), mid("u2"), mid("u3")])
    expect(after.target.teams[0]!.members).toStrictEqual([mid("u1"), mid("u2"), mid("u3")])
    expect(Planner.plan(after).operations).toStrictEqual([])
  })

  it("changes nothing when the users section is absent (today's behaviour)", () => {
    const plan = Planner.plan(org(spec, rules({ mappings: [{ select: { types: ["OKTA_GROUP"] } }], policies: { notReadyMembers: "skip" } })))
    expect(tags(plan)).toStrictEqual(["CreateTeam:platform"])
    expect(plan.counts.userCreates).toBeUndefined()
  })
})

describe("deactivation", () => {
  const spec: OrgSpec = {
    users: { u1: {}, u2: { status: "SUSPENDED" }, u3: { assigned: false }, u4: { monday: "inactive" } },
    groups: { g1: { name: "web", members: ["u1", "u2"] } },
    mondayOnly: ["h1"]
  }

  it("deactivates users not active or not assigned in Okta, after the team operations, and reactivates returning ones first", () => {
    const plan = Planner.plan(org(spec, withUsers({ deactivate: true })))
    expect(tags(plan)).toStrictEqual([
      "ReactivateUser:user:u4",
      "CreateTeam:web",
      "DeactivateUser:user:u2",
      "DeactivateUser:user:u3"
    ])
    expect(plan.operations[2]).toMatchObject({ reason: "inactive-in-okta", detail: "SUSPENDED", mondayUserId: mid("u2") })
    expect(plan.warnings).toContainEqual({ _tag: "UnexplainedUsers", key: "users:unexplained", users: [{ mondayUserId: mid("h1"), userName: "h1@x.com" }] })
    expect(renderPlan(plan)).toContain("x deactivate user u2@x.com (suspended in Okta)")
  })

  it("counts deactivations against the run removal limit and holds them with the removals", () => {
    const plan = Planner.plan(org(spec, withUsers({ deactivate: true }, { limits: { maxRemovalsPerRun: 1 } })))
    expect(tags(plan)).toStrictEqual(["ReactivateUser:user:u4", "CreateTeam:web"])
    const blocker = plan.blockers.find((b) => b._tag === "RunRemovalLimit")
    expect(blocker).toMatchObject({ removals: 2, maxRemovals: 1, keys: ["user:u2", "user:u3"] })
    const approved = Planner.plan(org(spec, withUsers({ deactivate: true }, { limits: { maxRemovalsPerRun: 1 } })), { approvals: [blocker!.id] })
    expect(tags(approved)).toContain("DeactivateUser:user:u3")
  })

  it("deactivates nobody for unassignment when Okta lists no assignment at all (a token without rights)", () => {
    const plan = Planner.plan(org({
      users: { u1: { assigned: false }, u2: { assigned: false, status: "SUSPENDED" } },
      groups: { g1: { name: "web", members: ["u1", "u2"] } },
      mondayOnly: ["h1"]
    }, withUsers({ deactivate: true, unexplained: "deactivate" })))
    expect(tags(plan)).toStrictEqual(["CreateTeam:web", "DeactivateUser:user:u2"])
    expect(plan.warnings).toContainEqual(expect.objectContaining({ _tag: "Message", message: expect.stringContaining("no users assigned") }))
  })

  it("deactivates unexplained users only under unexplained: deactivate", () => {
    const plan = Planner.plan(org(spec, withUsers({ deactivate: true, unexplained: "deactivate" })))
    expect(tags(plan)).toContain("DeactivateUser:user:m-h1")
  })
})

describe("incremental planning with the user lifecycle", () => {
  it("a suspension from the System Log plans the deactivation; an assignment of a new person plans the create and the add", () => {
    const input = org({ users: { u1: {}, u2: {} }, groups: { g1: { name: "web", members: ["u1", "u2"] } }, teams: [{ id: "T1", name: "web", members: ["u1", "u2"] }], links: [{ teamId: "T1", name: "web", groups: ["g1"], managed: ["u1", "u2"] }] }, withUsers({ provision: true, deactivate: true }))
    const planner = Planner.make(input)
    expect(planner.planAll().operations).toStrictEqual([])

    const t1 = planner.applyDeltas([{ _tag: "UserStatusChanged", userId: "u2" as OktaUserId, status: "SUSPENDED" }])
    expect(t1.userIds).toStrictEqual(["u2"])
    expect(tags(planner.planTouched(t1))).toStrictEqual(["DeactivateUser:user:u2"])

    const newcomer = new OktaUser({ id: "u9" as OktaUserId, login: "u9@x.com", email: "U9@X.com", status: "ACTIVE" })
    const t2 = planner.applyDeltas([
      { _tag: "UserAssigned", assignment: { userId: "u9" as OktaUserId, scope: "USER", status: "ACTIVE" }, user: newcomer },
      { _tag: "MemberAdded", groupId: "g1" as never, userId: "u9" as OktaUserId }
    ])
    const plan = planner.planTouched(t2)
    // u2's deactivation belongs to the first batch's plan; this one plans only what the batch touched.
    expect(tags(plan)).toStrictEqual(["CreateUser:user:u9", "PatchMembers:web"])
    expect(plan.operations[0]).toMatchObject({ userName: "u9@x.com" })
    expect(plan.operations[1]).toMatchObject({ teamId: tid("T1"), add: ["new:u9"] })
  })
})
