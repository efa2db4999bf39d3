/**
 * The access review's rows and counts from snapshots and links: how each team was got, and every
 * flag with the reason it gives, as worked examples plus properties over generated orgs.
 */
import { describe, expect, it } from "@effect/vitest"
import { FastCheck, Schema } from "effect"
import { Domain, Planner, RuleConfig } from "@okta-monday/mapping-core"
import { build, describeAccess } from "../../src/report/AccessReport.js"
import type { ReportRow } from "../../src/report/AccessReport.js"

const oid = Domain.OktaUserId.make
const mid = Domain.MondayUserId.make
const gid = Domain.OktaGroupId.make
const tid = Domain.MondayTeamId.make

const okta = (id: string, email: string, status: Domain.OktaUserStatus = "ACTIVE", first = id, last = "Test") =>
  new Domain.OktaUser({ id: oid(id), login: email, email, status, firstName: first, lastName: last })
/** A monday.com user; its name is kept as monday.com keeps it: displayName, and givenName / familyName. */
const monday = (id: string, email: string, name: string | undefined, active = true, fields: Partial<Domain.MondayUser> = {}) => {
  const [given, ...family] = name?.split(" ") ?? []
  return new Domain.MondayUser({
    id: mid(id),
    userName: email,
    active,
    ...(name !== undefined
      ? { displayName: name, name: { ...(given ? { givenName: given } : {}), ...(family.length > 0 ? { familyName: family.join(" ") } : {}) } }
      : {}),
    ...fields
  })
}

// ann: via group; bob: in the group but added by hand (not managed); cat: suspended in Okta;
// dan: no Okta user; eve: Okta name differs; fay: linked, then deleted from Okta; gus: linked, email
// changed in Okta; hal: deprovisioned and deactivated in monday.com; ivy: active, not assigned;
// jon: managed but left the group; kim: assigned in Okta, no monday.com user.
const source = new Domain.SourceSnapshot({
  users: [
    okta("o-ann", "ann@example.com"),
    okta("o-bob", "bob@example.com"),
    okta("o-cat", "cat@example.com", "SUSPENDED"),
    okta("o-eve", "eve@example.com", "ACTIVE", "Eve", "Newname"),
    okta("o-gus", "Gus.New@Example.com"),
    okta("o-hal", "hal@example.com", "DEPROVISIONED"),
    okta("o-ivy", "ivy@example.com"),
    okta("o-jon", "jon@example.com"),
    okta("o-kim", "kim@example.com")
  ],
  groups: [new Domain.OktaGroup({ id: gid("g-eng"), name: "Dept - Engineering", type: "OKTA_GROUP" })],
  memberships: [{ groupId: gid("g-eng"), userIds: [oid("o-ann"), oid("o-bob"), oid("o-eve")] }],
  assignments: ["o-ann", "o-bob", "o-cat", "o-eve", "o-gus", "o-hal", "o-jon", "o-kim"].map((id) => ({
    userId: oid(id),
    scope: "USER" as const,
    status: "ACTIVE"
  })),
  assignedGroupIds: []
})

const target = new Domain.TargetSnapshot({
  users: [
    monday("m-ann", "ann@example.com", "o-ann Test"),
    monday("m-bob", "bob@example.com", "o-bob Test"),
    monday("m-cat", "cat@example.com", "o-cat Test"),
    monday("m-dan", "dan@example.com", "Dan Nobody"),
    monday("m-eve", "eve@example.com", "Eve Oldname"),
    monday("m-fay", "fay@example.com", "Fay Gone"),
    monday("m-gus", "gus@example.com", "o-gus Test"),
    monday("m-hal", "hal@example.com", "o-hal Test", false),
    monday("m-ivy", "ivy@example.com", undefined),
    monday("m-jon", "jon@example.com", "o-jon Test")
  ],
  teams: [
    new Domain.MondayTeam({
      id: tid("t-eng"),
      displayName: "Engineering",
      members: [mid("m-ann"), mid("m-bob"), mid("m-eve"), mid("m-jon"), mid("m-dan")],
      membersFrom: "server"
    }),
    new Domain.MondayTeam({ id: tid("t-sales"), displayName: "Sales", members: [mid("m-cat"), mid("m-ann")], membersFrom: "server" })
  ]
})

const links = new Domain.Links({
  teams: [
    new Domain.TeamLink({
      teamId: tid("t-eng"),
      displayName: "Engineering",
      groupIds: [gid("g-eng")],
      origin: "created",
      managedMembers: [mid("m-ann"), mid("m-eve"), mid("m-jon")]
    })
  ],
  users: [
    new Domain.UserLink({ oktaUserId: oid("o-fay"), mondayUserId: mid("m-fay"), email: "fay@example.com" }),
    new Domain.UserLink({ oktaUserId: oid("o-gus"), mondayUserId: mid("m-gus"), email: "gus@example.com" })
  ]
})

const report = build({ source, target, links, generatedAt: new Date("2025-01-02T03:04:05Z") })
const rowOf = (email: string): ReportRow => {
  const r = report.rows.find((x) => x.email === email)
  if (r === undefined) throw new Error(`no row for ${email}`)
  return r
}

describe("how each team was got", () => {
  it("names the group, a hand addition, a member who left the group, and an unmanaged team", () => {
    expect(rowOf("ann@example.com").teams.map((t) => `${t.team}: ${describeAccess(t)}`)).toEqual([
      "Engineering: via group Dept - Engineering",
      "Sales: team not managed by okta-monday"
    ])
    expect(rowOf("bob@example.com").teams.map(describeAccess)).toEqual(["added by hand (also in group Dept - Engineering)"])
    expect(rowOf("dan@example.com").teams.map(describeAccess)).toEqual(["added by hand"])
    expect(rowOf("jon@example.com").teams.map((t) => t.via)).toEqual(["stale"])
    expect(rowOf("ivy@example.com").teams).toEqual([])
  })
})

describe("flags", () => {
  it("a suspended Okta user active in monday.com is an access violation, not a seat to reclaim", () => {
    const cat = rowOf("cat@example.com")
    expect(cat.oktaStatus).toBe("SUSPENDED")
    expect(cat.flags).toEqual(["access-violation"])
    expect(cat.findings[0]!.detail).toBe("active in monday.com, SUSPENDED in Okta")
  })

  it("a monday.com user with no Okta user is a seat to reclaim", () => {
    const dan = rowOf("dan@example.com")
    expect(dan.oktaStatus).toBe("NOT_IN_OKTA")
    expect(dan.oktaUserId).toBeNull()
    expect(dan.flags).toEqual(["seat-to-reclaim", "hand-added"])
    expect(dan.findings.map((f) => f.detail)).toContain("no Okta user has this email")
  })

  it("a linked Okta user deleted from Okta is both a seat to reclaim and an access violation", () => {
    const fay = rowOf("fay@example.com")
    expect(fay.oktaStatus).toBe("DELETED")
    expect(fay.oktaUserId).toBe("o-fay")
    expect(fay.flags).toEqual(["seat-to-reclaim", "access-violation"])
  })

  it("an active user not assigned to the app is a seat to reclaim", () => {
    const ivy = rowOf("ivy@example.com")
    expect(ivy.assignment).toBeNull()
    expect(ivy.findings).toContainEqual({ flag: "seat-to-reclaim", detail: "not assigned to the monday.com app in Okta" })
  })

  it("profile drift says what differs: the name, a missing name, the email of a linked user", () => {
    expect(rowOf("eve@example.com").findings).toEqual([
      { flag: "profile-drift", detail: "displayName \"Eve Oldname\" in monday.com, \"Eve Newname\" from Okta" },
      { flag: "profile-drift", detail: "name.familyName \"Oldname\" in monday.com, \"Newname\" from Okta" }
    ])
    expect(rowOf("eve@example.com").drift).toEqual([
      { attribute: "displayName", from: "Eve Oldname", to: "Eve Newname" },
      { attribute: "name.familyName", from: "Oldname", to: "Newname" }
    ])
    expect(rowOf("ivy@example.com").findings).toContainEqual({
      flag: "profile-drift",
      detail: "displayName not set in monday.com, \"o-ivy Test\" from Okta"
    })
    const gus = rowOf("gus@example.com")
    expect(gus.flags).toEqual(["profile-drift"])
    expect(gus.findings.map((f) => f.detail)).toEqual([
      "userName gus@example.com in monday.com, email Gus.New@Example.com in Okta (okta-monday does not rename users)"
    ])
  })

  it("a deactivated monday.com user holds no seat and violates nothing", () => {
    const hal = rowOf("hal@example.com")
    expect(hal.active).toBe(false)
    expect(hal.oktaStatus).toBe("DEPROVISIONED")
    expect(hal.flags).toEqual([])
  })

  it("a user in order has no flags", () => {
    expect(rowOf("ann@example.com").flags).toEqual([])
    expect(rowOf("ann@example.com").assignment).toEqual({ scope: "USER", status: "ACTIVE" })
  })
})

describe("profile drift is what a sync with users.update would correct", () => {
  const one = (o: Domain.OktaUser, m: Domain.MondayUser, users?: RuleConfig.UserLifecycle) =>
    build({
      source: new Domain.SourceSnapshot({
        users: [o],
        groups: [],
        memberships: [],
        assignments: [{ userId: o.id, scope: "USER", status: "ACTIVE" }],
        assignedGroupIds: []
      }),
      target: new Domain.TargetSnapshot({ users: [m], teams: [] }),
      links: new Domain.Links({ teams: [], users: [] }),
      users,
      generatedAt: new Date(0)
    }).rows[0]!
  const withProfile = (id: string, email: string, first: string, last: string, profile: Record<string, string>) =>
    new Domain.OktaUser({ id: oid(id), login: email, email, status: "ACTIVE", firstName: first, lastName: last, profile: { firstName: first, lastName: last, ...profile } })

  it("a name monday.com got cleaned (\"Dubois (Contractor)\" → \"Dubois Contractor\") is not drift", () => {
    const zoe = one(withProfile("o-zoe", "zoe@example.com", "Zoë", "Dubois (Contractor)", {}), monday("m-zoe", "zoe@example.com", "Zoë Dubois Contractor"))
    expect(zoe.flags).toEqual([])
    expect(zoe.drift).toEqual([])
  })

  it("a title changed in Okta is drift, named with both values", () => {
    const ann = one(
      withProfile("o-ann", "ann@example.com", "Ann", "Lee", { title: "Director" }),
      monday("m-ann", "ann@example.com", "Ann Lee", true, { title: "Intern" })
    )
    expect(ann.flags).toEqual(["profile-drift"])
    expect(ann.findings).toEqual([{ flag: "profile-drift", detail: "title \"Intern\" in monday.com, \"Director\" from Okta" }])
    expect(ann.drift).toEqual([{ attribute: "title", from: "Intern", to: "Director" }])
  })

  it("follows the rules' users section: its attribute mappings and its user-type attribute", () => {
    const o = withProfile("o-max", "max@example.com", "Max", "Roth", { workPhone: "+49 1", mobilePhone: "+49 2", mondayRole: "viewer" })
    const m = monday("m-max", "max@example.com", "Max Roth", true, { userType: "admin", phoneNumber: "+49 1" })
    // Defaults: the phone comes from mobilePhone, and the type is not managed.
    expect(one(o, m).drift).toEqual([{ attribute: "phoneNumber", from: "+49 1", to: "+49 2" }])
    const users = { ...RuleConfig.DEFAULT_USER_LIFECYCLE, attributes: { phoneNumber: "workPhone" }, userType: { attribute: "mondayRole", default: "member", allowed: [] } }
    expect(one(o, m, users).drift).toEqual([{ attribute: "userType", from: "admin", to: "viewer" }])
  })

  const person = FastCheck.record({
    first: FastCheck.constantFrom("Ann", "Zoë", "O’Neil", "Dubois (Contractor)", "山田"),
    mondayName: FastCheck.constantFrom("Ann", "Zoë", "O'Neil", "Dubois Contractor", "山田", "Someone"),
    title: FastCheck.option(FastCheck.constantFrom("Director", "Intern"), { nil: undefined }),
    mondayTitle: FastCheck.option(FastCheck.constantFrom("Director", "Intern"), { nil: undefined }),
    locale: FastCheck.option(FastCheck.constantFrom("en_US", "de_DE"), { nil: undefined }),
    mondayLocale: FastCheck.option(FastCheck.constantFrom("en_US", "de_DE"), { nil: undefined })
  })

  it.prop("a row has profile drift exactly when the planner would send an UpdateUser for it", [FastCheck.array(person, { maxLength: 12 })], ([people]) => {
    const ps = people.map((p, i) => ({ ...p, oid: oid(`o${i}`), mid: mid(`m${i}`), email: `u${i}@example.com` }))
    const source = new Domain.SourceSnapshot({
      users: ps.map((p) =>
        withProfile(p.oid, p.email, p.first, "Test", { ...(p.title ? { title: p.title } : {}), ...(p.locale ? { locale: p.locale } : {}) })
      ),
      groups: [],
      memberships: [],
      assignments: ps.map((p) => ({ userId: p.oid, scope: "USER" as const, status: "ACTIVE" })),
      assignedGroupIds: []
    })
    const target = new Domain.TargetSnapshot({
      users: ps.map((p) =>
        monday(p.mid, p.email, `${p.mondayName} Test`, true, {
          ...(p.mondayTitle ? { title: p.mondayTitle } : {}),
          ...(p.mondayLocale ? { locale: p.mondayLocale } : {})
        })
      ),
      teams: []
    })
    const links = new Domain.Links({ teams: [], users: [] })
    const rules = Schema.decodeUnknownSync(RuleConfig.RuleConfig)({
      version: 1,
      mappings: [{ select: { names: ["none"] } }],
      users: { update: true }
    })
    const updated = new Set(
      Planner.plan({ rules, source, target, links }).operations.flatMap((op) => (op._tag === "UpdateUser" ? [op.userName] : []))
    )
    const report = build({ source, target, links, users: rules.users, generatedAt: new Date(0) })
    for (const r of report.rows) expect(r.flags.includes("profile-drift")).toBe(updated.has(r.email))
  })
})

describe("summary", () => {
  it("counts what the rows say", () => {
    expect({ ...report.summary }).toEqual({
      users: 10,
      active: 9,
      deactivated: 1,
      inOkta: 8, // everyone but dan (none) and fay (deleted)
      seatToReclaim: 3, // dan, fay, ivy
      accessViolation: 2, // cat, fay
      profileDrift: 3, // eve, gus, ivy
      handAdded: 2, // bob, dan
      teams: 2,
      managedTeams: 1,
      memberships: 7,
      viaGroup: 2, // ann, eve
      byHand: 2,
      stale: 1,
      inUnmanagedTeams: 2,
      notProvisioned: 1 // kim
    })
    expect(report.notProvisioned.map((n) => n.email)).toEqual(["kim@example.com"])
  })

  it("sorts rows by email and warns when a team's members could not be read", () => {
    expect(report.rows.map((r) => r.email)).toEqual([...report.rows.map((r) => r.email)].sort())
    expect(report.warnings).toEqual([])
    const blind = build({
      source,
      target: new Domain.TargetSnapshot({
        users: target.users,
        teams: target.teams.map((t) => new Domain.MondayTeam({ ...t, membersFrom: "last-applied" }))
      }),
      links,
      generatedAt: new Date(0)
    })
    expect(blind.warnings).toHaveLength(1)
    expect(blind.warnings[0]).toContain("members added by hand there can't be seen")
  })
})

describe("properties", () => {
  const statuses: ReadonlyArray<Domain.OktaUserStatus> = ["ACTIVE", "SUSPENDED", "DEPROVISIONED", "STAGED", "LOCKED_OUT"]
  const person = FastCheck.record({
    inOkta: FastCheck.boolean(),
    status: FastCheck.constantFrom(...statuses),
    assigned: FastCheck.boolean(),
    inMonday: FastCheck.boolean(),
    active: FastCheck.boolean(),
    inGroup: FastCheck.boolean(),
    inTeam: FastCheck.boolean(),
    managed: FastCheck.boolean()
  })
  const org = FastCheck.array(person, { maxLength: 30 }).map((people) => {
    const ps = people.map((p, i) => ({ ...p, email: `u${i}@example.com`, oid: oid(`o${i}`), mid: mid(`m${i}`) }))
    const src = new Domain.SourceSnapshot({
      users: ps.filter((p) => p.inOkta).map((p) => okta(p.oid, p.email, p.status, "U", "Ser")),
      groups: [new Domain.OktaGroup({ id: gid("g"), name: "G", type: "OKTA_GROUP" })],
      memberships: [{ groupId: gid("g"), userIds: ps.filter((p) => p.inOkta && p.inGroup).map((p) => p.oid) }],
      assignments: ps.filter((p) => p.inOkta && p.assigned).map((p) => ({ userId: p.oid, scope: "USER" as const, status: "ACTIVE" })),
      assignedGroupIds: []
    })
    const tgt = new Domain.TargetSnapshot({
      users: ps.filter((p) => p.inMonday).map((p) => monday(p.mid, p.email, "U Ser", p.active)),
      teams: [
        new Domain.MondayTeam({
          id: tid("t"),
          displayName: "T",
          members: ps.filter((p) => p.inMonday && p.inTeam).map((p) => p.mid),
          membersFrom: "server"
        })
      ]
    })
    const lnk = new Domain.Links({
      teams: [new Domain.TeamLink({ teamId: tid("t"), displayName: "T", groupIds: [gid("g")], origin: "created", managedMembers: ps.filter((p) => p.managed).map((p) => p.mid) })],
      users: []
    })
    return { ps, report: build({ source: src, target: tgt, links: lnk, generatedAt: new Date(0) }) }
  })

  it.prop("one row per monday.com user; flags follow from Okta status, assignment and membership", [org], ([{ ps, report }]) => {
    const inMonday = ps.filter((p) => p.inMonday)
    expect(report.rows).toHaveLength(inMonday.length)
    for (const p of inMonday) {
      const r = report.rows.find((x) => x.email === p.email)!
      const activeInOkta = p.inOkta && ["ACTIVE", "LOCKED_OUT"].includes(p.status)
      expect(r.flags.includes("access-violation")).toBe(p.active && p.inOkta && !activeInOkta)
      expect(r.flags.includes("seat-to-reclaim")).toBe(p.active && (!p.inOkta || p.status === "DEPROVISIONED" || !p.assigned))
      expect(r.flags.includes("hand-added")).toBe(p.inTeam && !p.managed)
      if (p.inTeam) expect(r.teams[0]!.via).toBe(!p.managed ? "hand" : p.inOkta && p.inGroup ? "group" : "stale")
    }
    const s = report.summary
    expect(s.viaGroup + s.byHand + s.stale + s.inUnmanagedTeams).toBe(s.memberships)
    expect(s.active + s.deactivated).toBe(s.users)
    expect(s.accessViolation).toBe(report.rows.filter((r) => r.flags.includes("access-violation")).length)
  })
})
