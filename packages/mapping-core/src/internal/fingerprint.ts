/**
 * The fingerprint of a monday.com snapshot: teams (id, name, members) and users (id, userName,
 * active). Items are combined order-independently, so listing order never changes it.
 */
import type { TargetSnapshot } from "../Domain.js"
import { MultisetHash } from "./hash.js"

export const fingerprintTarget = (target: TargetSnapshot): string => {
  const users = new MultisetHash()
  for (const u of target.users) users.add(`${u.id}\u0000${u.userName}\u0000${u.active ? 1 : 0}`)
  const teams = new MultisetHash()
  for (const t of target.teams) {
    const members = new MultisetHash()
    for (const m of t.members) members.add(m)
    teams.add(`${t.id}\u0000${t.displayName}\u0000${t.members.length}\u0000${members.hex()}`)
  }
  return `v1-${teams.hex()}${users.hex()}`
}
