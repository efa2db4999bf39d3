/**
 * Reads what the access review needs: the engine's own read (the rules' groups, monday.com, the
 * links), then every app assignment with its user, then the Okta users the monday.com users could
 * be that the read didn't bring (by linked id and by email), so "gone from Okta" is known, not guessed.
 * `okta-monday report` runs it on the read-only store (`ReadOnlyStore`): nothing is written, and an
 * apply a crash interrupted is folded into the links in memory, as the next sync will record it.
 */
import { Clock, Effect, Option } from "effect"
import { Domain } from "@okta-monday/mapping-core"
import { OktaSource } from "@okta-monday/okta-source"
import { Engine } from "../Engine.js"
import { StateStore } from "../state/StateStore.js"
import { build } from "./AccessReport.js"
import type { AccessReport } from "./AccessReport.js"

/** The report, from the live Okta org and monday.com account; the state store is only read. */
export const accessReport = Effect.fn("Report.accessReport")(function*() {
  const engine = yield* Engine
  const store = yield* StateStore
  const okta = yield* OktaSource
  const interrupted = Option.map(yield* store.unfinishedApply, (u) =>
    `okta-monday run ${u.runId} (${u.kind}, started ${u.startedAt.toISOString()}) was interrupted after ` +
    `${u.outcomes.length} of ${u.plan.operations.length} operations: this report counts what it is known to have ` +
    "done (and a team it may have created); the next sync, plan or daemon cycle records it.")
  const [sync, app] = yield* Effect.all([engine.read, okta.readAppUsers], { concurrency: 2 })
  const { links, source, target } = sync.input

  const users = new Map<string, Domain.OktaUser>()
  for (const u of [...source.users, ...app.users]) users.set(u.id, u)
  const emails = new Set(Array.from(users.values(), (u) => u.email.toLowerCase()))
  const linkedTo = new Map(links.users.map((l) => [l.mondayUserId as string, l.oktaUserId]))
  const ids = new Set<Domain.OktaUserId>()
  const lookup = new Set<string>()
  for (const m of target.users) {
    const linked = linkedTo.get(m.id)
    if (linked !== undefined) {
      if (!users.has(linked)) ids.add(linked)
    } else if (!emails.has(m.userName)) lookup.add(m.userName)
  }
  if (ids.size > 0 || lookup.size > 0) {
    const found = yield* okta.findUsers({ ids: [...ids], emails: [...lookup] })
    for (const u of found) users.set(u.id, u)
  }
  const now = yield* Clock.currentTimeMillis
  return build({
    source: new Domain.SourceSnapshot({ ...source, users: [...users.values()], assignments: app.assignments }),
    target,
    links,
    users: engine.rules.users,
    generatedAt: new Date(now),
    // Teams read from the last-applied state get their own warning from `build`.
    warnings: [
      ...Option.toArray(interrupted),
      ...sync.warnings.flatMap((w) => (w._tag === "Message" ? [w.message] : []))
    ]
  }) satisfies AccessReport
})
