/**
 * Mapping rules and policies through the real stack: the Engine service reading the Okta emulator
 * with the Okta SDK and writing the monday.com emulator over SCIM, asserted on monday.com's state.
 */
import { describe, expect, it } from "@effect/vitest"
import { Effect } from "effect"
import { StateStore } from "../../src/state/StateStore.js"
import { withEngine } from "../support/engine.js"
import { handAdd, settingsOf, world } from "../support/world.js"
import type { WorldSpec } from "../support/world.js"

const org: WorldSpec = {
  people: [
    "ann",
    "bob",
    "cat",
    "dan",
    "eve",
    "fay",
    "gus",
    "hal",
    { handle: "pia", assigned: "PENDING" },
    { handle: "ned", assigned: false }
  ],
  groups: {
    "Dept - Engineering": ["ann", "bob", "cat", "pia"],
    "Dept - Sales": ["dan", "eve"],
    "Dept - Secret": ["gus"],
    "eng-contractors": ["fay"],
    "squad-alpha": ["gus", "hal"],
    "Everyone": ["ann", "bob", "cat", "dan", "eve", "fay", "gus", "hal"]
  },
  handMadeTeams: { Sales: ["dan"] }
}

const mappings = `
mappings:
  - id: departments
    select: { nameRegex: "^Dept - (.*)$" }
    team: "{1}"
  - id: contractors
    select: { names: [eng-contractors] }
    team: Engineering
  - id: squads
    select: { nameRegex: "^squad-(.*)$" }
    team: "Squad {1}"
`

const rules = (policies: string, extra = "") => `${mappings}
exclude:
  groups: { names: ["Dept - Secret"] }
  users: { emails: [CAT@example.com] }
policies:
${policies}
${extra}`

describe("mapping rules through the engine", () => {
  it.scopedLive("regex + template, a union of groups, exclusions, skip and refuse", () =>
    Effect.gen(function*() {
      const w = yield* world(org)
      const settings = settingsOf(w, { rules: rules("  notReadyMembers: skip\n  existingTeam: refuse") })
      const salesBefore = w.monday.account(w.slug).teams.find((t) => t.displayName === "Sales")!
      yield* withEngine(settings, (engine) =>
        Effect.gen(function*() {
          const report = yield* engine.sync
          expect(report.status).toBe("succeeded")
          // Engineering = its department (cat excluded, pia not ready and skipped) ∪ the contractors.
          expect(w.teams()).toEqual({
            Sales: ["dan"],
            Engineering: ["ann", "bob", "fay"],
            "Squad alpha": ["gus", "hal"]
          })
          const sales = w.monday.account(w.slug).teams.find((t) => t.displayName === "Sales")!
          expect(sales.id).toBe(salesBefore.id)
          expect(report.plan.blockers.map((b) => [b._tag, "key" in b ? b.key : ""])).toEqual([["NameTaken", "Sales"]])
          const skipped = report.plan.warnings.filter((x) => x._tag === "MembersSkipped")
          expect(skipped.flatMap((x) => (x._tag === "MembersSkipped" ? x.users.map((u) => [x.key, u.email, u.reason]) : [])))
            .toEqual([["Engineering", "pia@example.com", "not-provisioned"]])
          // A second run has nothing to do: the first one converged.
          const again = yield* engine.plan
          expect(again.plan.operations).toEqual([])
        })
      )
    }))

  it.scopedLive("notReadyMembers: block holds the whole team until its members are ready", () =>
    Effect.gen(function*() {
      const w = yield* world(org)
      const settings = settingsOf(w, { rules: rules("  notReadyMembers: block") })
      yield* withEngine(settings, (engine) =>
        Effect.gen(function*() {
          const report = yield* engine.sync
          expect(Object.keys(w.teams()).sort()).toEqual(["Sales", "Squad alpha"])
          const blocked = report.plan.blockers.find((b) => b._tag === "MembersNotReady")
          expect(blocked?._tag === "MembersNotReady" && blocked.key).toBe("Engineering")
          expect(blocked?._tag === "MembersNotReady" && blocked.users.map((u) => u.email)).toEqual(["pia@example.com"])
          // pia's assignment becomes active and she is provisioned in monday.com: the team goes through.
          w.okta.assignUser(w.userId("pia"), { status: "ACTIVE" })
          yield* Effect.promise(() =>
            fetch(`${w.monday.scimUrl}/Users`, {
              method: "POST",
              headers: { authorization: `Bearer ${w.mondayToken}`, "content-type": "application/scim+json" },
              body: JSON.stringify({
                schemas: ["urn:ietf:params:scim:schemas:core:2.0:User"],
                userName: "pia@example.com",
                name: { givenName: "pia", familyName: "Test" },
                emails: [{ value: "pia@example.com", primary: true }],
                active: true
              })
            }).then((r) => expect(r.status).toBe(201))
          )
          yield* engine.sync
          expect(w.teams().Engineering).toEqual(["ann", "bob", "fay", "pia"])
        })
      )
    }))

  it.scopedLive("existingTeam: adopt takes over the hand-made team instead of creating a second one", () =>
    Effect.gen(function*() {
      const w = yield* world(org)
      const salesId = w.teamId("Sales")
      const settings = settingsOf(w, { rules: rules("  notReadyMembers: skip\n  existingTeam: adopt") })
      yield* withEngine(settings, (engine) => engine.sync)
      expect(w.teamId("Sales")).toBe(salesId)
      expect(w.teams().Sales).toEqual(["dan", "eve"])
    }))

  it.scopedLive("handAddedMembers: keep leaves a hand-added member, remove takes them out", () =>
    Effect.gen(function*() {
      for (const policy of ["keep", "remove"] as const) {
        const w = yield* world(org)
        const settings = settingsOf(w, { rules: rules(`  notReadyMembers: skip\n  handAddedMembers: ${policy}`) })
        yield* withEngine(settings, (engine) =>
          Effect.gen(function*() {
            yield* engine.sync
            yield* Effect.promise(() => handAdd(w, "Engineering", "hal"))
            yield* engine.sync
            expect(w.teams().Engineering).toEqual(policy === "keep" ? ["ann", "bob", "fay", "hal"] : ["ann", "bob", "fay"])
          })
        )
      }
    }))

  it.scopedLive("a group renamed in Okta renames its team in place", () =>
    Effect.gen(function*() {
      const w = yield* world(org)
      const settings = settingsOf(w, { rules: rules("  notReadyMembers: skip") })
      yield* withEngine(settings, (engine) =>
        Effect.gen(function*() {
          yield* engine.sync
          const id = w.teamId("Squad alpha")
          w.okta.renameGroup(w.groupId("squad-alpha"), "squad-omega")
          const report = yield* engine.sync
          expect(report.plan.operations.map((op) => op._tag)).toEqual(["RenameTeam"])
          expect(w.teamId("Squad omega")).toBe(id)
          expect(w.teams()["Squad alpha"]).toBeUndefined()
          expect(w.teams()["Squad omega"]).toEqual(["gus", "hal"])
        })
      )
    }))

  it.scopedLive("a removal limit holds removals until they are approved; adds still go", () =>
    Effect.gen(function*() {
      const w = yield* world(org)
      const settings = settingsOf(w, {
        rules: rules("  notReadyMembers: skip", "limits:\n  maxRemovalsPerTeam: 1\n  maxRemovalFractionPerTeam: 1")
      })
      yield* withEngine(settings, (engine) =>
        Effect.gen(function*() {
          yield* engine.sync
          const eng = w.groupId("Dept - Engineering")
          w.okta.removeMember(eng, w.userId("ann"))
          w.okta.removeMember(eng, w.userId("bob"))
          w.okta.addMember(eng, w.userId("hal"))
          const held = yield* engine.sync
          expect(w.teams().Engineering).toEqual(["ann", "bob", "fay", "hal"])
          const blocker = held.plan.blockers.find((b) => b._tag === "TeamRemovalLimit")!
          expect(blocker._tag === "TeamRemovalLimit" && blocker.removals.length).toBe(2)
          // The store remembers what is blocked, for `okta-monday status`.
          const store = yield* StateStore
          expect((yield* store.blocked.get).map((b) => b.blocker.id)).toContain(blocker.id)
          // Held again on the next run without an approval.
          yield* engine.sync
          expect(w.teams().Engineering).toEqual(["ann", "bob", "fay", "hal"])
          yield* engine.approve([blocker.id], "test")
          yield* engine.sync
          expect(w.teams().Engineering).toEqual(["fay", "hal"])
        })
      )
    }))

  it.scopedLive("deleteTeams: when-group-deleted deletes the team it created, never the hand-made one", () =>
    Effect.gen(function*() {
      const w = yield* world(org)
      const settings = settingsOf(w, {
        rules: rules("  notReadyMembers: skip\n  deleteTeams: when-group-deleted")
      })
      yield* withEngine(settings, (engine) =>
        Effect.gen(function*() {
          yield* engine.sync
          w.okta.deleteGroup(w.groupId("squad-alpha"))
          w.okta.deleteGroup(w.groupId("Dept - Sales"))
          const report = yield* engine.sync
          expect(report.plan.operations.map((op) => op._tag)).toEqual(["DeleteTeam"])
          expect(Object.keys(w.teams()).sort()).toEqual(["Engineering", "Sales"])
          expect(w.teams().Sales).toEqual(["dan"])
        })
      )
    }))

  it.scopedLive("deleteTeams: never (the default) keeps the team when its group is deleted", () =>
    Effect.gen(function*() {
      const w = yield* world(org)
      const settings = settingsOf(w, { rules: rules("  notReadyMembers: skip") })
      yield* withEngine(settings, (engine) =>
        Effect.gen(function*() {
          yield* engine.sync
          w.okta.deleteGroup(w.groupId("squad-alpha"))
          yield* engine.sync
          expect(w.teams()["Squad alpha"]).toEqual(["gus", "hal"])
        })
      )
    }))

  it.scopedLive("a name taken in another case counts as taken: the hand-made team is refused, not replaced", () =>
    Effect.gen(function*() {
      const w = yield* world({ people: ["ann", "bob"], groups: { "Dept - sales": ["ann"] }, handMadeTeams: { Sales: ["bob"] } })
      const sales = w.teamId("Sales")
      yield* withEngine(settingsOf(w, { rules: mappings }), (engine) =>
        Effect.gen(function*() {
          const report = yield* engine.sync
          expect(report.plan.blockers.map((b) => [b._tag, "key" in b ? b.key : ""])).toEqual([["NameTaken", "sales"]])
          expect(w.teams()).toEqual({ Sales: ["bob"] })
          expect(w.teamId("Sales")).toBe(sales)
        })
      )
    }))

  // monday.com team names are unique without case: creating "Ops" and "ops" would make the second
  // POST /Groups replace the first team. Both are held until the mapping tells them apart.
  it.scopedLive("groups whose team names differ only in case never replace each other's team", () =>
    Effect.gen(function*() {
      const w = yield* world({ people: ["ann", "bob"], groups: { "Dept - Ops": ["ann"], "Dept - ops": ["bob"] } })
      yield* withEngine(settingsOf(w, { rules: mappings }), (engine) =>
        Effect.gen(function*() {
          const first = yield* engine.sync
          expect(first.plan.blockers.map((b) => b._tag)).toEqual(["NameCollision", "NameCollision"])
          const second = yield* engine.sync
          expect(second.outcomes.filter((o) => o.status !== "done")).toEqual([])
          const ops = Object.entries(w.teams()).filter(([name]) => name.toLowerCase() === "ops")
          expect(ops.length).toBeLessThanOrEqual(1)
          // Whoever the engine reported adding is still there.
          const added = first.plan.operations.flatMap((op, i) =>
            op._tag === "CreateTeam" && first.outcomes.some((o) => o.index === i && o.status === "done") ? op.members : []
          )
          const present = new Set(w.monday.account(w.slug).teams.flatMap((t) => t.members))
          expect(added.filter((id) => !present.has(id))).toEqual([])
        })
      )
    }))
})
