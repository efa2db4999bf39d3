import { describe, expect, it } from "@effect/vitest"
import { Either } from "effect"
import { MondayTeam, MondayUser, TargetSnapshot } from "../src/Domain.js"
import type { MondayUserId } from "../src/Domain.js"
import { decodePlan, encodePlan, renderPlan, targetFingerprint } from "../src/PlanFile.js"
import * as Planner from "../src/Planner.js"
import { mid, org, rules, tid } from "./util/org.js"

const input = org({
  users: { alice: {}, bob: {}, carol: {}, dave: { assigned: false } },
  groups: {
    g1: { name: "web", members: ["alice", "bob"] },
    g2: { name: "api", members: ["carol"] },
    g3: { name: "data", members: ["alice", "dave"] }
  },
  teams: [
    { id: "t1", name: "Web", members: ["alice", "carol"] },
    { id: "t2", name: "old", members: ["bob"] }
  ],
  links: [
    { teamId: "t1", name: "Web", groups: ["g1"], managed: ["alice", "carol"] },
    { teamId: "t2", name: "old", groups: ["g9"], managed: ["bob"] }
  ]
}, rules({ mappings: [{ select: { types: ["OKTA_GROUP"] } }], policies: { deleteTeams: "when-group-deleted" } }))

const plan = Planner.plan(input)
const email = (id: MondayUserId) => `${id.slice(2)}@x.com`

describe("plan files", () => {
  it("round-trips through encodePlan / decodePlan, byte for byte", () => {
    const text = encodePlan(plan)
    const decoded = Either.getOrThrow(decodePlan(text))
    expect(decoded).toStrictEqual(plan)
    expect(encodePlan(decoded)).toBe(text)
    // Keys are sorted at every level, so a saved plan diffs cleanly.
    expect(text.indexOf("\"blockers\"")).toBeLessThan(text.indexOf("\"operations\""))
  })

  it("refuses a file that is not a plan, saying what is wrong", () => {
    const notJson = decodePlan("{ nope")
    expect(Either.isLeft(notJson) && notJson.left.message).toMatch(/^The plan file is not valid: not JSON/)
    const wrong = decodePlan(JSON.stringify({ ...JSON.parse(encodePlan(plan)), version: 2 }))
    expect(Either.isLeft(wrong) && wrong.left.reason).toContain("version")
  })

  it("renders a readable diff with emails, blockers with the users named, and counts", () => {
    const lines = renderPlan(plan, { mondayUser: email }).split("\n")
    expect(lines).toContain("+ create team \"api\" (1 member)")
    expect(lines).toContain("~ rename \"Web\" → \"web\"")
    expect(lines).toContain("  + add bob@x.com")
    expect(lines).toContain("  - remove carol@x.com")
    expect(lines).toContain("x delete team \"old\" (1 member; its groups were deleted in Okta)")
    expect(lines.some((l) => l.startsWith("! \"data\" held: 1 member not ready"))).toBe(true)
    expect(lines).toContain("    dave@x.com: not assigned to the monday.com app in Okta")
    expect(lines.at(-2)).toBe("3 teams: 1 to create, 1 to rename, 1 to delete, 0 unchanged, 1 blocked; 2 members to add, 1 to remove in 1 PATCH")
    // Without a lookup, ids are shown.
    expect(renderPlan(plan)).toContain(`  + add ${mid("bob")}`)
  })
})

describe("targetFingerprint", () => {
  it("ignores listing order but changes with names, members and users' state", () => {
    const t = input.target
    const fp = targetFingerprint(t)
    const reordered = new TargetSnapshot({
      users: [...t.users].reverse(),
      teams: [...t.teams].reverse().map((x) => new MondayTeam({ ...x, members: [...x.members].reverse() }))
    })
    expect(targetFingerprint(reordered)).toBe(fp)
    expect(plan.targetFingerprint).toBe(fp)
    const renamed = new TargetSnapshot({ ...t, teams: t.teams.map((x) => new MondayTeam({ ...x, displayName: `${x.displayName}!` })) })
    const moved = new TargetSnapshot({ ...t, teams: [new MondayTeam({ id: tid("t1"), displayName: "Web", members: [mid("alice")] }), t.teams[1]!] })
    const deactivated = new TargetSnapshot({ ...t, users: t.users.map((u, i) => (i === 0 ? new MondayUser({ ...u, active: false }) : u)) })
    expect(new Set([fp, targetFingerprint(renamed), targetFingerprint(moved), targetFingerprint(deactivated)]).size).toBe(4)
  })

  it("decodes a plan saved before the user lifecycle existed (no user counts), and renders user operations", () => {
    const old = JSON.parse(encodePlan(plan)) as { counts: Record<string, number> }
    for (const k of ["userCreates", "userUpdates", "userDeactivations", "userReactivations", "usersBlocked"]) delete old.counts[k]
    expect(Either.isRight(decodePlan(JSON.stringify(old)))).toBe(true)
    const users = Planner.plan(org({
      users: { u1: { status: "SUSPENDED" }, u2: { monday: false } },
      groups: { g1: { name: "web", members: ["u2"] } }
    }, rules({ mappings: [{ select: { names: ["web"] } }], users: { provision: true, deactivate: true } })))
    const text = encodePlan(users)
    expect(Either.getOrThrow(decodePlan(text))).toStrictEqual(users)
    expect(renderPlan(users).split("\n").slice(0, 4)).toStrictEqual([
      "+ create user u2@x.com (member)",
      "+ create team \"web\" (1 member)",
      "  + add u2@x.com (new)",
      "x deactivate user u1@x.com (suspended in Okta)"
    ])
  })
})
