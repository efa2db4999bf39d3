/**
 * Worked examples: each reads as the documentation of one rule feature, policy or blocker.
 * Okta users are `u1`…, their monday.com accounts `m-u1`…; `h1` is a hand-made monday.com account.
 */
import { describe, expect, it } from "@effect/vitest"
import { MondayUser, TargetSnapshot, UserLink, Links } from "../src/Domain.js"
import type { Operation, Plan } from "../src/Plan.js"
import { renderPlan } from "../src/PlanFile.js"
import * as Planner from "../src/Planner.js"
import { gid, mid, org, rules, tid, uid } from "./util/org.js"
import type { OrgSpec } from "./util/org.js"

const byName = rules({ mappings: [{ select: { types: ["OKTA_GROUP"] } }] })
const ops = (plan: Plan) => plan.operations
const tags = (plan: Plan) => plan.operations.map((o) => `${o._tag}:${o.key}`)
const patchOf = (plan: Plan, key: string) =>
  plan.operations.filter((o): o is Extract<Operation, { _tag: "PatchMembers" }> => o._tag === "PatchMembers" && o.key === key)
const blockerTags = (plan: Plan) => plan.blockers.map((b) => b._tag)

const twoGroups: OrgSpec = {
  users: { u1: {}, u2: {}, u3: {} },
  groups: {
    g1: { name: "eng-web", members: ["u1", "u2"] },
    g2: { name: "eng-api", members: ["u3"], type: "APP_GROUP", assignedToApp: true }
  }
}

describe("selecting groups", () => {
  it("selects by id, by exact name, by type and by assignment to the app", () => {
    const keys = (select: Record<string, unknown>) =>
      ops(Planner.plan(org(twoGroups, rules({ mappings: [{ select }] })))).map((o) => o.key)
    expect(keys({ ids: ["g2"] })).toStrictEqual(["eng-api"])
    expect(keys({ names: ["eng-web"] })).toStrictEqual(["eng-web"])
    expect(keys({ types: ["APP_GROUP"] })).toStrictEqual(["eng-api"])
    expect(keys({ assignedToApp: true })).toStrictEqual(["eng-api"])
    expect(keys({ assignedToApp: false })).toStrictEqual(["eng-web"])
    // Every criterion given must hold.
    expect(keys({ names: ["eng-web"], types: ["APP_GROUP"] })).toStrictEqual([])
  })

  it("uses regex captures in the team name template", () => {
    const plan = Planner.plan(org(twoGroups, rules({ mappings: [{ select: { nameRegex: "^eng-(\\w+)$" }, team: "Engineering / {1} ({group.id})" }] })))
    expect(plan.operations.map((o) => o._tag === "CreateTeam" && o.displayName)).toStrictEqual([
      "Engineering / api (g2)",
      "Engineering / web (g1)"
    ])
  })

  it("warns about a group whose team name template renders empty, naming the group and the mapping", () => {
    // `(web)?` did not take part for "eng-api", so "{1}" renders nothing: no team can be named.
    const input = org(twoGroups, rules({ mappings: [{ id: "by-suffix", select: { nameRegex: "^eng-(web)?" }, team: "{1}" }] }))
    const plan = Planner.plan(input)
    expect(tags(plan)).toStrictEqual(["CreateTeam:web"])
    expect(plan.warnings).toStrictEqual([
      { _tag: "TeamNameEmpty", key: "group:g2", groupId: gid("g2"), groupName: "eng-api", mapping: "by-suffix", template: "{1}" }
    ])
    expect(renderPlan(plan)).toContain(
      "? group \"eng-api\" (g2) feeds no team: by-suffix selects it but its team template \"{1}\" renders an empty name"
    )
    // An incremental plan warns for the groups its batch touched.
    const planner = Planner.make(input)
    const touched = planner.applyDeltas([{ _tag: "GroupRenamed", groupId: gid("g1"), name: "eng-" }])
    expect(planner.planTouched(touched).warnings).toMatchObject([{ _tag: "TeamNameEmpty", groupId: "g1", groupName: "eng-" }])
  })

  it("gives a group to the first mapping that selects it", () => {
    const plan = Planner.plan(org(twoGroups, rules({
      mappings: [{ select: { names: ["eng-web"] }, team: "Web" }, { select: { nameRegex: "^eng-" }, team: "Eng" }]
    })))
    expect(tags(plan)).toStrictEqual(["CreateTeam:Eng", "CreateTeam:Web"])
    expect(plan.operations[0]).toMatchObject({ groupIds: ["g2"], members: [mid("u3")] })
  })

  it("feeds one team from several groups whose names render equal (the union of members)", () => {
    const plan = Planner.plan(org(twoGroups, rules({ mappings: [{ select: { nameRegex: "^eng-" }, team: "Engineering" }] })))
    expect(plan.operations).toStrictEqual([
      { _tag: "CreateTeam", key: "Engineering", displayName: "Engineering", groupIds: ["g1", "g2"], members: [mid("u1"), mid("u2"), mid("u3")] }
    ])
  })

  it("leaves out excluded groups (by id, name or regex) and excluded users (by id or email)", () => {
    const config = (exclude: Record<string, unknown>) => rules({ mappings: [{ select: { nameRegex: "^eng-" } }], exclude })
    expect(tags(Planner.plan(org(twoGroups, config({ groups: { ids: ["g1"] } }))))).toStrictEqual(["CreateTeam:eng-api"])
    expect(tags(Planner.plan(org(twoGroups, config({ groups: { names: ["eng-api"] } }))))).toStrictEqual(["CreateTeam:eng-web"])
    expect(tags(Planner.plan(org(twoGroups, config({ groups: { nameRegex: ["api$"] } }))))).toStrictEqual(["CreateTeam:eng-web"])
    const users = Planner.plan(org(twoGroups, config({ users: { ids: ["u1"], emails: ["U3@X.COM"] } })))
    expect(users.operations).toMatchObject([{ key: "eng-api", members: [] }, { key: "eng-web", members: [mid("u2")] }])
  })
})

describe("planning members", () => {
  const linked: OrgSpec = {
    users: { u1: {}, u2: {}, u3: {} },
    mondayOnly: ["h1"],
    groups: { g1: { name: "web", members: ["u1", "u2"] } },
    teams: [{ id: "t1", name: "web", members: ["u2", "u3", "h1"] }],
    links: [{ teamId: "t1", name: "web", groups: ["g1"], managed: ["u2", "u3"] }]
  }

  it("adds missing members and removes the engine's own former members, keeping hand-added ones", () => {
    const plan = Planner.plan(org(linked, byName))
    expect(plan.operations).toStrictEqual([
      { _tag: "PatchMembers", key: "web", teamId: "t1", displayName: "web", add: [mid("u1")], remove: [mid("u3")] }
    ])
    expect(plan.counts).toMatchObject({ teams: 1, adds: 1, removes: 1, patches: 1, unchanged: 0 })
  })

  it("removes hand-added members too under handAddedMembers: remove", () => {
    const plan = Planner.plan(org(linked, rules({ mappings: [{ select: { names: ["web"] } }], policies: { handAddedMembers: "remove" } })))
    expect(patchOf(plan, "web")[0]!.remove).toStrictEqual([mid("h1"), mid("u3")])
  })

  it("makes no operation for a team already in step", () => {
    const plan = Planner.plan(org({ ...linked, teams: [{ id: "t1", name: "web", members: ["u1", "u2"] }] }, byName))
    expect(plan.operations).toStrictEqual([])
    expect(plan.counts.unchanged).toBe(1)
  })

  it("packs adds and removes into PATCHes of at most maxMembersPerPatch", () => {
    const users: Record<string, object> = {}
    const members: Array<string> = []
    for (let i = 0; i < 7; i++) {
      users[`u${i}`] = {}
      members.push(`u${i}`)
    }
    const spec: OrgSpec = {
      users,
      groups: { g1: { name: "big", members: members.slice(0, 5) } },
      teams: [{ id: "t1", name: "big", members: ["u5", "u6"] }],
      links: [{ teamId: "t1", name: "big", groups: ["g1"], managed: ["u5", "u6"] }]
    }
    const plan = Planner.plan(org(spec, rules({ mappings: [{ select: { names: ["big"] } }], limits: { maxMembersPerPatch: 3, maxRemovalFractionPerTeam: 1 } })))
    // 5 adds + 2 removes = 7 changes → ceil(7 / 3) = 3 PATCHes, adds first.
    expect(patchOf(plan, "big").map((p) => [p.add.length, p.remove.length])).toStrictEqual([[3, 0], [2, 1], [0, 1]])
    // A created team sends its first members with the POST and the rest as PATCHes without a team id.
    const created = Planner.plan(org({ ...spec, teams: [], links: [] }, rules({ mappings: [{ select: { names: ["big"] } }], limits: { maxMembersPerPatch: 2 } })))
    expect(created.operations.map((o) => o._tag === "CreateTeam" ? o.members.length : o._tag === "PatchMembers" ? `${o.add.length}:${o.teamId ?? "new"}` : "")).toStrictEqual([2, "2:new", "1:new"])
  })

  it("maps users by their user link (kept when the email changed), else by lowercased email", () => {
    const input = org({ users: { u1: { email: "Alice.New@X.com" }, u2: { email: "BOB@x.com" } }, groups: { g1: { name: "web", members: ["u1", "u2"] } } }, byName)
    const target = new TargetSnapshot({
      users: [
        new MondayUser({ id: mid("alice"), userName: "alice.old@x.com", active: true }),
        new MondayUser({ id: mid("bob"), userName: "bob@x.com", active: true })
      ],
      teams: []
    })
    const links = new Links({ teams: [], users: [new UserLink({ oktaUserId: uid("u1"), mondayUserId: mid("alice"), email: "alice.old@x.com" })] })
    const plan = Planner.plan({ ...input, target, links })
    expect(plan.operations).toMatchObject([{ members: [mid("alice"), mid("bob")] }])
    expect(Planner.matchUsers(input.source, target, links).map((l) => [l.oktaUserId, l.mondayUserId, l.email])).toStrictEqual([
      ["u1", "m-alice", "alice.old@x.com"],
      ["u2", "m-bob", "bob@x.com"]
    ])
  })
})

describe("preflight: members that can't be pushed", () => {
  const spec: OrgSpec = {
    users: {
      u1: {},
      u2: { assigned: false },
      u3: { monday: false },
      u4: { monday: "inactive" },
      u5: { status: "SUSPENDED" },
      u6: { assigned: "PENDING" }
    },
    groups: { g1: { name: "web", members: ["u1", "u2", "u3", "u4", "u5", "u6"] } }
  }

  it("names each user and the reason in the preflight report", () => {
    const report = Planner.preflight(org(spec, byName))
    expect(report).toHaveLength(1)
    expect(report[0]).toMatchObject({ key: "web", mapping: "mappings[0]", team: { kind: "create" }, members: 6, ready: 1 })
    expect(report[0]!.notReady.map((u) => [u.oktaUserId, u.reason, u.detail])).toStrictEqual([
      ["u2", "not-assigned", undefined],
      ["u3", "not-provisioned", "ACTIVE"],
      ["u4", "deactivated-in-monday", undefined],
      ["u5", "inactive-in-okta", "SUSPENDED"],
      ["u6", "not-provisioned", "PENDING"]
    ])
  })

  it("policy block: the team gets no operation and a MembersNotReady blocker", () => {
    const plan = Planner.plan(org(spec, byName))
    expect(plan.operations).toStrictEqual([])
    expect(plan.blockers).toMatchObject([{ _tag: "MembersNotReady", key: "web", groupIds: ["g1"] }])
    expect(plan.counts.blocked).toBe(1)
  })

  it("policy skip: ready members go, the others are named in a warning and never removed", () => {
    const skip = rules({ mappings: [{ select: { names: ["web"] } }], policies: { notReadyMembers: "skip" } })
    const plan = Planner.plan(org({ ...spec, teams: [{ id: "t1", name: "web", members: ["u4"] }], links: [{ teamId: "t1", name: "web", groups: ["g1"], managed: ["u4"] }] }, skip))
    expect(plan.operations).toStrictEqual([
      { _tag: "PatchMembers", key: "web", teamId: "t1", displayName: "web", add: [mid("u1")], remove: [] }
    ])
    expect(plan.warnings).toMatchObject([{ _tag: "MembersSkipped", key: "web" }])
    expect(plan.warnings[0]!._tag === "MembersSkipped" && plan.warnings[0]!.users.length).toBe(5)
  })

  it("policy skip on a team being created: the POST carries only the ready members; the rest are named", () => {
    const skip = rules({ mappings: [{ select: { names: ["web"] } }], policies: { notReadyMembers: "skip" } })
    const plan = Planner.plan(org(spec, skip))
    // monday.com refuses a new team push with any member it can't take, so they are never sent.
    expect(plan.operations).toStrictEqual([
      { _tag: "CreateTeam", key: "web", displayName: "web", groupIds: [gid("g1")], members: [mid("u1")] }
    ])
    expect(plan.blockers).toStrictEqual([])
    expect(plan.warnings).toMatchObject([{
      _tag: "MembersSkipped",
      key: "web",
      users: [{ oktaUserId: "u2" }, { oktaUserId: "u3" }, { oktaUserId: "u4" }, { oktaUserId: "u5" }, { oktaUserId: "u6" }]
    }])
  })

  it("lists warnings by team key, general notes first, whether the plan is full or touched", () => {
    const mixed: OrgSpec = {
      users: { u1: { assigned: false }, u2: {}, u3: {}, u4: { assigned: false } },
      groups: {
        g1: { name: "zeta", members: ["u1", "u2"] },
        g2: { name: "eng-api", members: ["u3"] },
        g3: { name: "alpha", members: ["u4"] }
      },
      // zeta's team was deleted by hand: a note that it is made again.
      links: [{ teamId: "t9", name: "zeta", groups: ["g1"], managed: ["u2"] }]
    }
    const config = rules({
      mappings: [{ select: { names: ["zeta", "alpha"] } }, { id: "by-suffix", select: { nameRegex: "^eng-(web)?" }, team: "{1}" }],
      policies: { notReadyMembers: "skip" }
    })
    const order = (plan: Plan) => plan.warnings.map((w) => (w._tag === "Message" ? "Message" : `${w._tag}:${w.key}`))
    const expected = ["Message", "MembersSkipped:alpha", "TeamNameEmpty:group:g2", "MembersSkipped:zeta"]
    expect(order(Planner.plan(org(mixed, config)))).toStrictEqual(expected)
    const planner = Planner.make(org(mixed, config))
    planner.planAll()
    const touched = planner.applyDeltas([
      { _tag: "MemberAdded", groupId: gid("g1"), userId: uid("u3") },
      { _tag: "MemberAdded", groupId: gid("g2"), userId: uid("u2") },
      { _tag: "MemberAdded", groupId: gid("g3"), userId: uid("u2") }
    ])
    expect(order(planner.planTouched(touched))).toStrictEqual(expected)
  })

  it("an Okta user deprovisioned (deactivated in Okta) is not ready: held under block, never sent under skip", () => {
    const gone: OrgSpec = {
      users: { u1: {}, u2: { status: "DEPROVISIONED" } },
      groups: { g1: { name: "web", members: ["u1", "u2"] } }
    }
    const blocked = Planner.plan(org(gone, byName))
    expect(blocked.operations).toStrictEqual([])
    expect(blocked.blockers).toMatchObject([{
      _tag: "MembersNotReady",
      key: "web",
      users: [{ oktaUserId: "u2", email: "u2@x.com", reason: "inactive-in-okta", detail: "DEPROVISIONED" }]
    }])
    const skipped = Planner.plan(org(gone, rules({ mappings: [{ select: { names: ["web"] } }], policies: { notReadyMembers: "skip" } })))
    expect(skipped.operations).toMatchObject([{ _tag: "CreateTeam", members: [mid("u1")] }])
  })
})

describe("existing teams and names", () => {
  const spec: OrgSpec = {
    users: { u1: {}, u2: {} },
    mondayOnly: ["h1"],
    groups: { g1: { name: "web", members: ["u1", "u2"] } },
    teams: [{ id: "t9", name: "web", members: ["u1", "h1"] }]
  }

  it("refuses to take over a same-name team it did not create (NameTaken)", () => {
    const plan = Planner.plan(org(spec, byName))
    expect(plan.operations).toStrictEqual([])
    expect(plan.blockers).toMatchObject([{ _tag: "NameTaken", key: "web", teamId: "t9", memberCount: 2 }])
  })

  it("adopts it under existingTeam: adopt; its other members are hand-added", () => {
    const adopt = (hand: string) => rules({ mappings: [{ select: { names: ["web"] } }], policies: { existingTeam: "adopt", handAddedMembers: hand } })
    expect(Planner.plan(org(spec, adopt("keep"))).operations).toStrictEqual([
      { _tag: "PatchMembers", key: "web", teamId: "t9", displayName: "web", add: [mid("u2")], remove: [] }
    ])
    expect(patchOf(Planner.plan(org(spec, adopt("remove"))), "web")[0]!.remove).toStrictEqual([mid("h1")])
    // After the apply, the link says the team was adopted.
    const input = org(spec, adopt("keep"))
    const plan = Planner.plan(input)
    const links = Planner.reconcileLinks(input, plan, [{ index: 0, key: "web", status: "done" }])
    expect(links.teams).toMatchObject([{ teamId: "t9", origin: "adopted", groupIds: ["g1"], managedMembers: [mid("u1"), mid("u2")] }])
  })

  it("renames a linked team when the group's name changes, unless an unlinked team has the new name", () => {
    const renamed: OrgSpec = {
      users: { u1: {} },
      groups: { g1: { name: "web-2", members: ["u1"] } },
      teams: [{ id: "t1", name: "web", members: ["u1"] }],
      links: [{ teamId: "t1", name: "web", groups: ["g1"], managed: ["u1"] }]
    }
    expect(Planner.plan(org(renamed, byName)).operations).toStrictEqual([
      { _tag: "RenameTeam", key: "web-2", teamId: "t1", from: "web", to: "web-2" }
    ])
    const clash = Planner.plan(org({ ...renamed, teams: [...renamed.teams!, { id: "t5", name: "web-2", members: [] }] }, byName))
    expect(clash.operations).toStrictEqual([])
    expect(clash.blockers).toMatchObject([{ _tag: "NameTaken", key: "web-2", teamId: "t5" }])
  })

  it("holds new teams whose names differ only in letter case (NameCollision); a linked one keeps going", () => {
    const spec: OrgSpec = {
      users: { u1: {}, u2: {} },
      groups: { g1: { name: "Ops", members: ["u1"] }, g2: { name: "ops", members: ["u2"] } }
    }
    const fresh = Planner.plan(org(spec, byName))
    expect(fresh.operations).toStrictEqual([])
    expect(fresh.blockers).toMatchObject([
      { _tag: "NameCollision", key: "Ops", others: ["ops"] },
      { _tag: "NameCollision", key: "ops", others: ["Ops"] }
    ])
    const linked = Planner.plan(org({
      ...spec,
      teams: [{ id: "t1", name: "Ops", members: ["u1"] }],
      links: [{ teamId: "t1", name: "Ops", groups: ["g1"], managed: ["u1"] }]
    }, byName))
    expect(linked.operations).toStrictEqual([])
    expect(linked.blockers).toMatchObject([{ _tag: "NameCollision", key: "ops", others: ["Ops"] }])
  })

  it("creates a linked team again when it was deleted by hand in monday.com, with a warning", () => {
    const plan = Planner.plan(org({
      users: { u1: {} },
      groups: { g1: { name: "web", members: ["u1"] } },
      links: [{ teamId: "t1", name: "web", groups: ["g1"], managed: ["u1"] }]
    }, byName))
    expect(tags(plan)).toStrictEqual(["CreateTeam:web"])
    expect(plan.warnings).toMatchObject([{ _tag: "Message" }])
  })

  it("warns when a team's members came from the last apply, not from monday.com", () => {
    const plan = Planner.plan(org({
      users: { u1: {} },
      groups: { g1: { name: "web", members: ["u1"] } },
      teams: [{ id: "t1", name: "web", members: ["u1"], membersFrom: "last-applied" }],
      links: [{ teamId: "t1", name: "web", groups: ["g1"], managed: ["u1"] }]
    }, byName))
    expect(plan.warnings).toStrictEqual([{ _tag: "MembersFromLastApplied", key: "web", teamId: "t1" }])
  })
})

describe("deleting teams", () => {
  const spec: OrgSpec = {
    users: { u1: {} },
    groups: { g2: { name: "sales", members: ["u1"] } },
    teams: [
      { id: "t1", name: "web", members: ["u1"] },
      { id: "t2", name: "sales", members: ["u1"] },
      { id: "t3", name: "ops", members: [] }
    ],
    links: [
      { teamId: "t1", name: "web", groups: ["g1"], managed: ["u1"] },
      { teamId: "t2", name: "sales", groups: ["g2"], managed: ["u1"] },
      { teamId: "t3", name: "ops", groups: ["g3"], managed: [], origin: "adopted" }
    ]
  }
  const config = (deleteTeams: string, select: Record<string, unknown> = { names: ["sales"] }) =>
    rules({ mappings: [{ select }], policies: { deleteTeams } })

  it("never deletes by default", () => {
    expect(Planner.plan(org(spec, config("never"))).operations).toStrictEqual([])
  })

  it("when-group-deleted: deletes a created team whose groups are all gone from Okta, never an adopted one", () => {
    expect(Planner.plan(org(spec, config("when-group-deleted"))).operations).toStrictEqual([
      { _tag: "DeleteTeam", key: "delete:t1", teamId: "t1", displayName: "web", reason: "group-deleted", memberCount: 1 }
    ])
  })

  it("when-unmapped: also deletes a created team whose groups no mapping selects any more", () => {
    const plan = Planner.plan(org(spec, config("when-unmapped", { names: ["nothing"] })))
    expect(plan.operations.map((o) => o._tag === "DeleteTeam" && [o.teamId, o.reason])).toStrictEqual([
      ["t1", "group-deleted"],
      ["t2", "unmapped"]
    ])
    expect(Planner.plan(org(spec, config("when-group-deleted", { names: ["nothing"] }))).operations).toHaveLength(1)
  })
})

describe("safety guards", () => {
  const members = (n: number) => Array.from({ length: n }, (_, i) => `u${i}`)
  const usersOf = (n: number) => Object.fromEntries(members(n).map((u) => [u, {}]))
  const shrinking = (keep: number, total: number): OrgSpec => ({
    users: usersOf(total),
    groups: { g1: { name: "web", members: members(keep) } },
    teams: [{ id: "t1", name: "web", members: members(total) }],
    links: [{ teamId: "t1", name: "web", groups: ["g1"], managed: members(total) }]
  })

  it("EmptyGroup: a linked group that reads empty holds the team's removals until approved", () => {
    const input = org(shrinking(0, 3), byName)
    const plan = Planner.plan(input)
    expect(plan.operations).toStrictEqual([])
    expect(plan.blockers).toMatchObject([{ _tag: "EmptyGroup", key: "web", groupId: "g1", groupName: "web", previousMembers: 3 }, { _tag: "TeamRemovalLimit" }])
    const approved = Planner.plan(input, { approvals: plan.blockers.map((b) => b.id) })
    expect(approved.blockers).toStrictEqual([])
    expect(patchOf(approved, "web")[0]!.remove).toHaveLength(3)
    // policy allow: no guard (the fraction limit still applies).
    const allow = Planner.plan(org(shrinking(0, 3), rules({ mappings: [{ select: { names: ["web"] } }], policies: { emptyGroup: "allow" } })))
    expect(blockerTags(allow)).toStrictEqual(["TeamRemovalLimit"])
  })

  it("EmptyGroup: a new group that was always empty holds nothing; the team's other removals go", () => {
    // "web" gains a second group, "web-contractors", which Okta has never listed members for.
    const input = org({
      users: usersOf(3),
      groups: { g1: { name: "web", members: ["u0", "u1"] }, g2: { name: "web-contractors", members: [] } },
      teams: [{ id: "t1", name: "web", members: members(3) }],
      links: [{ teamId: "t1", name: "web", groups: ["g1"], managed: members(3), groupMembers: { g1: 3 } }]
    }, rules({ mappings: [{ select: { nameRegex: "^web" }, team: "web" }] }))
    const plan = Planner.plan(input)
    expect(plan.blockers).toStrictEqual([])
    expect(plan.operations).toMatchObject([{ _tag: "PatchMembers", key: "web", add: [], remove: [mid("u2")] }])
  })

  it("EmptyGroup: a group that had members holds every removal, hand-added or not, created or adopted team", () => {
    const spec = (origin: "created" | "adopted"): OrgSpec => ({
      users: usersOf(2),
      mondayOnly: ["h1"],
      groups: { g1: { name: "web", members: [] } },
      teams: [{ id: "t1", name: "web", members: ["u0", "u1", "h1"] }],
      // The engine manages nobody here (an adopted team whose members were all there already).
      links: [{ teamId: "t1", name: "web", groups: ["g1"], managed: [], origin, groupMembers: { g1: 2 } }]
    })
    const removeAll = rules({
      mappings: [{ select: { names: ["web"] } }],
      policies: { handAddedMembers: "remove" },
      limits: { maxRemovalFractionPerTeam: 1 }
    })
    for (const origin of ["created", "adopted"] as const) {
      const plan = Planner.plan(org(spec(origin), removeAll))
      expect(plan.operations).toStrictEqual([])
      expect(plan.blockers).toMatchObject([{
        _tag: "EmptyGroup",
        key: "web",
        groupId: "g1",
        previousMembers: 2,
        removals: [mid("h1"), mid("u0"), mid("u1")]
      }])
    }
    // A group that was empty when last applied too is just empty: nothing to guard.
    const wasEmpty = org({ ...spec("created"), links: [{ teamId: "t1", name: "web", groups: ["g1"], managed: [], groupMembers: { g1: 0 } }] }, removeAll)
    expect(Planner.plan(wasEmpty).blockers).toStrictEqual([])
  })

  it("EmptyGroup: after an apply the link keeps each group's count; a held group keeps its count until approved", () => {
    const input = org({ ...shrinking(0, 3), links: [{ teamId: "t1", name: "web", groups: ["g1"], managed: members(3), groupMembers: { g1: 3 } }] },
      rules({ mappings: [{ select: { names: ["web"] } }], limits: { maxRemovalFractionPerTeam: 1 } }))
    const plan = Planner.plan(input)
    expect(blockerTags(plan)).toStrictEqual(["EmptyGroup"])
    // Nothing was sent, so the guard still knows the group had 3 members.
    const held = Planner.reconcileLinks(input, plan, [])
    expect(held.teams[0]!.groupMembers).toStrictEqual({ g1: 3 })
    expect(blockerTags(Planner.plan({ ...input, links: held }))).toStrictEqual(["EmptyGroup"])
    // Approved and sent: the group's emptiness is taken as read.
    const approved = Planner.plan(input, { approvals: [plan.blockers[0]!.id] })
    expect(patchOf(approved, "web")[0]!.remove).toStrictEqual(members(3).map(mid))
    const after = Planner.reconcileLinks(input, approved, [{ index: 0, key: "web", status: "done" }])
    expect(after.teams[0]).toMatchObject({ managedMembers: [], groupMembers: { g1: 0 } })
    // A link saved before counts were kept gets them; an empty group that costs nothing counts 0.
    const old = org({
      users: usersOf(1),
      groups: { g1: { name: "web", members: ["u0"] }, g2: { name: "web-new", members: [] } },
      teams: [{ id: "t1", name: "web", members: ["u0"] }],
      links: [{ teamId: "t1", name: "web", groups: ["g1", "g2"], managed: ["u0"] }]
    }, rules({ mappings: [{ select: { nameRegex: "^web" }, team: "web" }] }))
    const none = Planner.plan(old)
    expect(none.operations).toStrictEqual([])
    expect(Planner.reconcileLinks(old, none, []).teams[0]!.groupMembers).toStrictEqual({ g1: 1, g2: 0 })
  })

  it("TeamRemovalLimit: holds a team's removals over the count or fraction; adds still go", () => {
    const spec = shrinking(4, 10)
    const input = org({ ...spec, users: { ...spec.users, new1: {} }, groups: { g1: { name: "web", members: [...members(4), "new1"] } } }, byName)
    const plan = Planner.plan(input)
    expect(plan.blockers).toMatchObject([{ _tag: "TeamRemovalLimit", key: "web", teamId: "t1", currentMembers: 10, maxFraction: 0.5 }])
    expect(plan.blockers[0]!._tag === "TeamRemovalLimit" && plan.blockers[0]!.removals).toHaveLength(6)
    expect(plan.operations).toStrictEqual([{ _tag: "PatchMembers", key: "web", teamId: "t1", displayName: "web", add: [mid("new1")], remove: [] }])
    const byCount = Planner.plan(org(shrinking(8, 10), rules({ mappings: [{ select: { names: ["web"] } }], limits: { maxRemovalsPerTeam: 1 } })))
    expect(blockerTags(byCount)).toStrictEqual(["TeamRemovalLimit"])
  })

  it("does not hold a small team losing 1 of 1 or 2 of 2 members by the fraction rule alone", () => {
    expect(Planner.plan(org({ ...shrinking(0, 1), groups: { g1: { name: "web", members: [] }, g0: { name: "other", members: ["u0"] } } }, rules({ mappings: [{ select: { names: ["web"] } }], policies: { emptyGroup: "allow" } }))).blockers).toStrictEqual([])
    expect(Planner.plan(org(shrinking(1, 3), byName)).blockers).toStrictEqual([])
    // From 3 removals up the fraction applies: 3 of 4 (75%) is held, where 2 of 3 (67%) was not.
    expect(Planner.plan(org(shrinking(1, 4), byName)).blockers).toMatchObject([
      { _tag: "TeamRemovalLimit", key: "web", currentMembers: 4, removals: [mid("u1"), mid("u2"), mid("u3")] }
    ])
  })

  it("RunRemovalLimit: over the run's limit, every removal and deletion waits for approval", () => {
    const input = org(shrinking(4, 6), rules({ mappings: [{ select: { names: ["web"] } }], limits: { maxRemovalsPerRun: 1 } }))
    const plan = Planner.plan(input)
    expect(plan.blockers).toMatchObject([{ _tag: "RunRemovalLimit", removals: 2, maxRemovals: 1, keys: ["web"] }])
    expect(plan.operations).toStrictEqual([])
    const approved = Planner.plan(input, { approvals: [plan.blockers[0]!.id] })
    expect(patchOf(approved, "web")[0]!.remove).toStrictEqual([mid("u4"), mid("u5")])
  })

  it("blocker ids change when what they hold back changes, so an approval releases exactly what was reviewed", () => {
    const a = Planner.plan(org(shrinking(4, 10), byName)).blockers[0]!.id
    const b = Planner.plan(org(shrinking(3, 10), byName)).blockers[0]!.id
    expect(a).not.toBe(b)
    expect(Planner.plan(org(shrinking(4, 10), byName)).blockers[0]!.id).toBe(a)
    const stale = Planner.plan(org(shrinking(3, 10), byName), { approvals: [a] })
    expect(blockerTags(stale)).toStrictEqual(["TeamRemovalLimit"])
  })
})

describe("after an apply", () => {
  it("reconcileLinks records created teams, sent members, renames and deletions; failures change nothing", () => {
    const input = org({
      users: { u1: {}, u2: {} },
      groups: { g1: { name: "web", members: ["u1", "u2"] }, g2: { name: "api", members: ["u1"] } },
      teams: [{ id: "t1", name: "old", members: ["u1"] }],
      links: [{ teamId: "t1", name: "old", groups: ["g1"], managed: ["u1"] }]
    }, byName)
    const plan = Planner.plan(input)
    expect(tags(plan)).toStrictEqual(["CreateTeam:api", "RenameTeam:web", "PatchMembers:web"])
    const links = Planner.reconcileLinks(input, plan, [
      { index: 0, key: "api", status: "done", teamId: tid("t2") },
      { index: 1, key: "web", status: "done" },
      { index: 2, key: "web", status: "failed", error: { tag: "RateLimited", message: "429", retryable: true } }
    ])
    expect(links.teams.map((l) => ({ ...l }))).toStrictEqual([
      { teamId: "t1", displayName: "web", groupIds: [gid("g1")], origin: "created", managedMembers: [mid("u1")], groupMembers: { g1: 2 } },
      { teamId: "t2", displayName: "api", groupIds: [gid("g2")], origin: "created", managedMembers: [mid("u1")], groupMembers: { g2: 1 } }
    ])
    expect(links.users.map((u) => u.oktaUserId)).toStrictEqual(["u1", "u2"])
  })

  it("simulateApply gives the target after every operation succeeded", () => {
    const input = org({ users: { u1: {} }, groups: { g1: { name: "web", members: ["u1"] } } }, byName)
    const after = Planner.simulateApply(input.target, Planner.plan(input), (key) => tid(`new-${key}`))
    expect(after.teams.map((t) => [t.id, t.displayName, t.members])).toStrictEqual([["new-web", "web", [mid("u1")]]])
  })
})
