/**
 * Reads a 20,000-user / 1,000-group / 200,000-membership org from the emulator through OktaSource:
 * requests sent vs the minimum pages, wall time without and with enterprise rate limits, how close
 * the limited read comes to what the limits (minus headroom) allow, and the cost of an idle poll.
 * The limited run uses 5-second rate-limit windows instead of Okta's 60 s (same per-window budget),
 * so it takes seconds, not minutes; the efficiency figure is independent of the window length.
 */
import { RuleConfig } from "@okta-monday/mapping-core"
import { RATE_LIMIT_PRESETS, startOktaEmulator } from "@okta-monday/okta-emulator"
import { Effect, Redacted, Schema } from "effect"
import { make } from "../src/OktaSource.js"

const USERS = 20_000
const GROUPS = 1_000
const MEMBERSHIPS = 200_000
const HEADROOM = 0.3
const WINDOW_MS = 5_000
const CONCURRENCY = 8

const rules = Schema.decodeUnknownSync(RuleConfig.RuleConfig)({ version: 1, mappings: [{ select: { nameRegex: "^Group " } }] })

const bucketOfTemplate = (key: string) =>
  key.includes("/api/v1/apps") ? "api/v1/apps" : key.includes("/api/v1/logs") ? "api/v1/logs" : key.includes("/api/v1/groups") ? "api/v1/groups" : "api/v1/users"

const run = async (limited: boolean) => {
  const em = await startOktaEmulator({ rateLimits: limited ? "enterprise" : "off", rateLimitWindowMs: WINDOW_MS, seed: 7 })
  em.generate({ users: USERS, groups: GROUPS, memberships: MEMBERSHIPS, seed: 7 })
  const state = em.state()
  const minimum = 1 + // one page of groups (sw search, 10,000 a page)
    state.groups.reduce((n, g) => n + Math.max(1, Math.ceil(g.members.length / 1000)), 0) +
    Math.max(1, Math.ceil(state.assignments.length / 500)) +
    Math.max(1, Math.ceil(state.assignedGroupIds.length / 200))
  const source = await Effect.runPromise(make({
    orgUrl: em.orgUrl,
    appId: em.appId,
    auth: { _tag: "Ssws", token: Redacted.make(em.token) },
    concurrency: CONCURRENCY,
    headroom: HEADROOM
  }))
  em.resetCounters()
  const start = Date.now()
  const result = await Effect.runPromise(source.readSource(rules))
  const elapsed = Date.now() - start
  const counters = em.counters()
  const sent = Object.values(counters).reduce((a, b) => a + b, 0)
  const perBucket = new Map<string, number>()
  for (const [k, v] of Object.entries(counters)) perBucket.set(bucketOfTemplate(k), (perBucket.get(bucketOfTemplate(k)) ?? 0) + v)
  if (result.snapshot.memberships.reduce((n, m) => n + m.userIds.length, 0) !== MEMBERSHIPS) {
    throw new Error("the read lost memberships")
  }
  const stats = await Effect.runPromise(source.stats)

  let idle = 0
  if (!limited) {
    const first = await Effect.runPromise(source.poll(source.startCursor(new Date())))
    em.resetCounters()
    await Effect.runPromise(source.poll(first.cursor))
    idle = Object.values(em.counters()).reduce((a, b) => a + b, 0)
  }

  // Raw emulator throughput: member pages fetched directly, 8 at a time.
  let throughput = 0
  if (!limited) {
    const ids = state.groups.map((g) => g.id)
    const total = 2_000
    let next = 0
    const t0 = Date.now()
    await Promise.all(Array.from({ length: 8 }, async () => {
      while (next < total) {
        const id = ids[next++ % ids.length]
        const res = await fetch(`${em.orgUrl}/api/v1/groups/${id}/users?limit=200`, { headers: { authorization: `SSWS ${em.token}` } })
        await res.arrayBuffer()
      }
    }))
    throughput = total / ((Date.now() - t0) / 1000)
  }
  await em.close()
  return { elapsed, sent, minimum, perBucket, start, stats, idle, throughput }
}

const free = await run(false)
console.log(`# ${free.sent} requests for ${free.minimum} minimum pages; no limits ${free.elapsed} ms`)
console.log(`BENCH okta-source.requests-ratio ${(free.sent / free.minimum).toFixed(3)} x`)
console.log(`BENCH okta-source.read-no-limits ${free.elapsed} ms`)
console.log(`BENCH okta-source.idle-poll-requests ${free.idle} req/poll`)
console.log(`BENCH okta-emulator.throughput ${Math.round(free.throughput)} req/s`)

const limited = await run(true)
// The fastest the limits allow at this machine's unlimited speed: each bucket gets
// limit × (1 − headroom) requests per window, sent at the rate the unlimited read achieved.
const rate = free.sent / free.elapsed
let ideal = 0
for (const [bucket, n] of limited.perBucket) {
  const usable = Math.floor(RATE_LIMIT_PRESETS.enterprise[bucket as keyof typeof RATE_LIMIT_PRESETS.enterprise] * (1 - HEADROOM))
  let t = limited.start
  let left = n
  for (;;) {
    const windowEnd = Math.floor(t / WINDOW_MS) * WINDOW_MS + WINDOW_MS
    const batch = Math.min(left, usable)
    t += batch / rate
    left -= batch
    if (left === 0) break
    t = Math.max(t, windowEnd)
  }
  ideal = Math.max(ideal, t - limited.start)
}
console.log(`# limited: ${limited.sent} requests, ${limited.stats.rateLimited} answered 429, ${limited.elapsed} ms (ideal ${Math.round(ideal)} ms, ${WINDOW_MS} ms windows)`)
console.log(`BENCH okta-source.read-enterprise-limits ${limited.elapsed} ms`)
console.log(`BENCH okta-source.limit-efficiency ${(ideal / limited.elapsed).toFixed(3)} x`)
