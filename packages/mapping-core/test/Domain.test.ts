/**
 * The ids of the two sides are branded: an Okta user id can't be passed where a monday.com user
 * id is expected, nor a plain string before it was decoded. The `@ts-expect-error` lines are the
 * test (`tsc -b` type-checks this file and fails if one of them compiles); the assertions show
 * the runtime side: an empty id never decodes.
 */
import { describe, expect, it } from "@effect/vitest"
import { Either, Schema } from "effect"
import { MondayTeamId, MondayUserId, OktaGroupId, OktaUserId, TeamLink } from "../src/Domain.js"

const oktaUser = Schema.decodeSync(OktaUserId)("00u1")
const mondayUser = Schema.decodeSync(MondayUserId)("m1")
const oktaGroup = Schema.decodeSync(OktaGroupId)("00g1")
const mondayTeam = Schema.decodeSync(MondayTeamId)("t1")

const mondayMember = (id: MondayUserId): string => id
const oktaMember = (id: OktaUserId): string => id

describe("branded ids", () => {
  it("can't be swapped between Okta and monday.com, nor between users and groups", () => {
    // @ts-expect-error an Okta user id is not a monday.com user id
    mondayMember(oktaUser)
    // @ts-expect-error a monday.com user id is not an Okta user id
    oktaMember(mondayUser)
    // @ts-expect-error a plain string is not an id until it is decoded
    oktaMember("00u1")
    new TeamLink({
      // @ts-expect-error a team link's team is a monday.com team id, not an Okta group id
      teamId: oktaGroup,
      displayName: "web",
      // @ts-expect-error its groups are Okta group ids, not monday.com team ids
      groupIds: [mondayTeam],
      origin: "created",
      managedMembers: [mondayUser]
    })
    expect([mondayMember(mondayUser), oktaMember(oktaUser)]).toStrictEqual(["m1", "00u1"])
  })

  it("never decode from an empty string", () => {
    for (const schema of [OktaUserId, OktaGroupId, MondayUserId, MondayTeamId]) {
      expect(Either.isLeft(Schema.decodeUnknownEither(schema)(""))).toBe(true)
      expect(Either.isLeft(Schema.decodeUnknownEither(schema)(42))).toBe(true)
    }
  })
})
