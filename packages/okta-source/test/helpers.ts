import { Domain, RuleConfig } from "@okta-monday/mapping-core"
import { OktaAdmin, type OktaEmulator, type OktaEmulatorOptions, startOktaEmulator } from "@okta-monday/okta-emulator"
import { Effect, Redacted, Schema } from "effect"
import { make, type OktaSourceConfig } from "../src/OktaSource.js"

/** An emulator for the test's scope. */
export const emulator = (options: OktaEmulatorOptions = {}) =>
  Effect.acquireRelease(Effect.promise(() => startOktaEmulator(options)), (em) => Effect.promise(() => em.close()))

/** An Okta admin changing the emulated org over its HTTP API, as a real change would. */
export const admin = (em: OktaEmulator) => OktaAdmin.forEmulator(em)

export const source = (em: OktaEmulator, extra: Partial<OktaSourceConfig> = {}) =>
  make({ orgUrl: em.orgUrl, appId: em.appId, auth: { _tag: "Ssws", token: Redacted.make(em.token) }, ...extra })

export const rules = (mappings: ReadonlyArray<unknown>, extra: Record<string, unknown> = {}): RuleConfig.RuleConfig =>
  Schema.decodeUnknownSync(RuleConfig.RuleConfig)({ version: 1, mappings, ...extra })

/** A snapshot in a canonical order, as JSON, for equality. */
export const canonical = (s: Domain.SourceSnapshot) => {
  const members = new Set(s.memberships.flatMap((m) => m.userIds))
  const enc = Schema.encodeSync(Domain.SourceSnapshot)(s)
  const byId = <A extends { id: string }>(xs: ReadonlyArray<A>) => [...xs].sort((a, b) => a.id.localeCompare(b.id))
  return {
    users: byId(enc.users.filter((u) => members.has(u.id as Domain.OktaUserId))),
    groups: byId(enc.groups),
    memberships: [...enc.memberships]
      .filter((m) => enc.groups.some((g) => g.id === m.groupId))
      .map((m) => ({ groupId: m.groupId, userIds: [...m.userIds].sort() }))
      .sort((a, b) => a.groupId.localeCompare(b.groupId)),
    assignments: [...enc.assignments].sort((a, b) => a.userId.localeCompare(b.userId)),
    assignedGroupIds: [...enc.assignedGroupIds].sort()
  }
}

/** What the emulator holds for the given groups, in the same canonical shape (memberships only). */
export const emulatorMemberships = (em: OktaEmulator, groupIds: ReadonlyArray<string>) =>
  em
    .state()
    .groups.filter((g) => groupIds.includes(g.id))
    .map((g) => ({ groupId: g.id, userIds: [...g.members].sort() }))
    .sort((a, b) => a.groupId.localeCompare(b.groupId))

/** A small org: groups of every kind, a suspended user, direct and group assignments, a PENDING one. */
export const sampleOrg = {
  users: [
    { profile: { login: "ann@example.com", firstName: "Ann", lastName: "A", costCenter: "42" } },
    { profile: { login: "bob", email: "bob@example.com", firstName: "Bob", lastName: "B" } },
    { profile: { login: "cy@example.com" }, status: "SUSPENDED" as const },
    { profile: { login: "di@example.com" } },
    { profile: { login: "ed@example.com" } }
  ],
  groups: [
    { name: "Engineering", members: ["ann@example.com", "bob", "cy@example.com"] },
    { name: "Eng Managers", members: ["ann@example.com"] },
    { name: "Sales", members: ["di@example.com", "ed@example.com"] },
    { name: "Imported", type: "APP_GROUP" as const, members: ["bob"] },
    { name: "Other", members: ["ed@example.com"] }
  ],
  assignments: { users: ["ann@example.com", "bob", { user: "di@example.com", status: "PENDING" }], groups: ["Sales"] }
}
