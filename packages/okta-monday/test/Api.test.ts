import { afterAll, beforeAll, describe, expect, it } from "@effect/vitest"
import * as Fs from "node:fs"
import * as Os from "node:os"
import * as Path from "node:path"
import { startMondayEmulator } from "@okta-monday/monday-scim-emulator"
import type { MondayEmulator } from "@okta-monday/monday-scim-emulator"
import { startOktaEmulator } from "@okta-monday/okta-emulator"
import type { OktaEmulator } from "@okta-monday/okta-emulator"
import { createEngine } from "../src/Api.js"
import { sampleConfig, seedSample } from "../src/Demo.js"

// The Promise API the README shows, against both emulators and the demo's sample org.
describe("createEngine (Promise API)", () => {
  let okta: OktaEmulator
  let monday: MondayEmulator
  let dir: string
  let env: Record<string, string>
  let configText: string

  beforeAll(async () => {
    okta = await startOktaEmulator({ rateLimits: "off" })
    monday = await startMondayEmulator()
    const { account } = seedSample(okta, monday, 60)
    dir = Fs.mkdtempSync(Path.join(Os.tmpdir(), "okta-monday-api-"))
    env = { OKTA_API_TOKEN: okta.token, MONDAY_SCIM_TOKEN: account.token }
    configText = sampleConfig(okta.orgUrl, okta.appId, monday.scimUrl).replace(
      "sqlite: state.sqlite",
      `sqlite: ${Path.join(dir, "state.sqlite")}`
    )
  })
  afterAll(async () => {
    await okta.close()
    await monday.close()
    Fs.rmSync(dir, { recursive: true, force: true })
  })

  it("plans, applies, and then has nothing left but the protected same-name team", async () => {
    const engine = await createEngine({ configText, env })
    try {
      const report = await engine.plan()
      const creates = report.plan.operations.filter((op) => op._tag === "CreateTeam").map((op) => op.key)
      expect(creates).toContain("Engineering")
      expect(creates).not.toContain("Sales")
      expect(report.plan.blockers.map((b) => b._tag)).toEqual(["NameTaken"])
      expect(report.rendered).toContain('create team "Engineering"')

      const applied = await engine.apply(report)
      expect(applied.status).toBe("succeeded")
      const teams = monday.account("acme").teams
      const sales = teams.filter((t) => t.displayName.toLowerCase() === "sales")
      expect(sales).toHaveLength(1)
      expect(sales[0]!.members).toHaveLength(3) // the hand-made team was not replaced
      const engineering = teams.find((t) => t.displayName === "Engineering")!
      const desired = report.plan.operations.find((op) => op._tag === "CreateTeam" && op.key === "Engineering")
      expect(engineering.members.slice().sort()).toEqual(desired?._tag === "CreateTeam" ? desired.members.slice().sort() : [])

      const again = await engine.plan()
      expect(again.plan.operations).toEqual([])
    } finally {
      await engine.close()
    }
  })

  it("refuses a saved plan once monday.com has changed, and writes nothing", async () => {
    const engine = await createEngine({ configText, env })
    try {
      const engineering = okta.state().groups.find((g) => g.name === "Dept - Engineering")!
      const someone = engineering.members[0]!
      okta.removeMember(engineering.id, someone)
      const report = await engine.plan()
      expect(report.plan.operations.length).toBeGreaterThan(0)
      // Someone edits monday.com by hand after the plan was made.
      const before = monday.account("acme")
      const user = before.users.find((u) => u.userName === "it-admin@example.com")!
      monday.updateUser("acme", user.id, { name: "IT Admin Renamed" })
      const changed = monday.account("acme")
      const sameTeams = JSON.stringify(changed.teams)
      // A displayName change alone doesn't count: change a team for real.
      await fetch(`${monday.scimUrl}/Groups/${changed.teams.find((t) => t.displayName === "Finance")!.id}`, {
        method: "PATCH",
        headers: { authorization: `Bearer ${env.MONDAY_SCIM_TOKEN}`, "content-type": "application/scim+json" },
        body: JSON.stringify({
          schemas: ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
          Operations: [{ op: "replace", path: "displayName", value: "Finance (edited)" }]
        })
      })
      await expect(engine.apply(report.plan)).rejects.toMatchObject({ _tag: "TargetChanged" })
      expect(JSON.stringify(monday.account("acme").teams)).not.toBe(sameTeams)
      expect(monday.account("acme").teams.find((t) => t.displayName === "Engineering")!.members.length).toBe(
        changed.teams.find((t) => t.displayName === "Engineering")!.members.length
      )
    } finally {
      await engine.close()
    }
  })
})
