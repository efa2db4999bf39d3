/**
 * A small access review with hostile values (markup, a formula, quotes, commas, a line break) for
 * the renderer and browser tests.
 */
import { Domain } from "@okta-monday/mapping-core"
import { build } from "../../src/report/AccessReport.js"

const oid = Domain.OktaUserId.make
const mid = Domain.MondayUserId.make
const gid = Domain.OktaGroupId.make
const tid = Domain.MondayTeamId.make

export const HOSTILE_NAME = "<script>window.__pwned = 1</script>"
export const HOSTILE_GROUP = "Eng \"core\" <img src=x onerror=\"window.__pwned = 2\">"

const user = (id: string, email: string, status: Domain.OktaUserStatus, first: string, last: string) =>
  new Domain.OktaUser({ id: oid(id), login: email, email, status, firstName: first, lastName: last })

export const fixtureReport = () => {
  const source = new Domain.SourceSnapshot({
    users: [
      user("o-ann", "ann@example.com", "ACTIVE", "Ann", "Archer"),
      user("o-x", "x@example.com", "ACTIVE", "<script>window.__pwned = 1</script>", ""),
      user("o-cat", "cat@example.com", "SUSPENDED", "Cat", "Chen"),
      user("o-eve", "eve@example.com", "ACTIVE", "Eve", "O'Neil, Jr.")
    ],
    groups: [new Domain.OktaGroup({ id: gid("g-eng"), name: HOSTILE_GROUP, type: "OKTA_GROUP" })],
    memberships: [{ groupId: gid("g-eng"), userIds: [oid("o-ann"), oid("o-x")] }],
    assignments: ["o-ann", "o-x", "o-cat", "o-eve"].map((id) => ({ userId: oid(id), scope: "USER" as const, status: "ACTIVE" })),
    assignedGroupIds: []
  })
  const target = new Domain.TargetSnapshot({
    users: [
      new Domain.MondayUser({ id: mid("m-ann"), userName: "ann@example.com", active: true, displayName: "Ann Archer", name: { givenName: "Ann", familyName: "Archer" }, userType: "admin" }),
      new Domain.MondayUser({ id: mid("m-x"), userName: "x@example.com", active: true, displayName: HOSTILE_NAME }),
      new Domain.MondayUser({ id: mid("m-cat"), userName: "cat@example.com", active: true, displayName: "Cat Chen", name: { givenName: "Cat", familyName: "Chen" } }),
      new Domain.MondayUser({ id: mid("m-dan"), userName: "dan@example.com", active: true, displayName: "=HYPERLINK(\"http://evil\")" }),
      new Domain.MondayUser({ id: mid("m-eve"), userName: "eve@example.com", active: true, displayName: "Eve O'Neil,\nJr." }),
      new Domain.MondayUser({ id: mid("m-old"), userName: "old@example.com", active: false, displayName: "Old Timer" })
    ],
    teams: [
      new Domain.MondayTeam({ id: tid("t-eng"), displayName: "Engineering", members: [mid("m-ann"), mid("m-x"), mid("m-dan")], membersFrom: "server" }),
      new Domain.MondayTeam({ id: tid("t-sales"), displayName: "Sales", members: [mid("m-cat")], membersFrom: "server" })
    ]
  })
  const links = new Domain.Links({
    teams: [
      new Domain.TeamLink({
        teamId: tid("t-eng"),
        displayName: "Engineering",
        groupIds: [gid("g-eng")],
        origin: "created",
        managedMembers: [mid("m-ann"), mid("m-x")]
      })
    ],
    users: []
  })
  return build({ source, target, links, generatedAt: new Date("2025-03-04T05:06:07Z"), warnings: ["a <b>warning</b> from the read"] })
}
