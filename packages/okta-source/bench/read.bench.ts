/**
 * Reads a 20,000-user / 1,000-group / 200,000-membership org from the emulator through OktaSource:
 * requests sent vs the minimum pages, wall time without rate limits, wall time under Okta's
 * Enterprise limits with Okta's 60-second windows, how close that comes to what the limits allow (both
 * the raw limits and the limits less the share the source keeps free), and the cost of an idle poll.
 *
 * The emulator links `next` from every full page, the last one too (Okta's docs only promise `next`
 * "when there is more" and the recorded sessions never page, so that costlier case can't be ruled
 * out); the minimum counts the empty page such a list ends with, since no client can avoid it.
 *
 * The limited read takes about two minutes: the read needs three windows of the groups bucket. It starts
 * on a window boundary so the figure doesn't depend on where in a minute the run happened to begin.
 * OKTA_BENCH_WINDOW_MS shortens the windows for a quick look; the figures are then named after the window
 * used, and a 60-second estimate (clearly named as one) is printed beside them.
 */
import { RuleConfig } from "@okta-monday/mapping-core"
import { RATE_LIMIT_PRESETS, startOktaEmulator } from "@okta-monday/okta-emulator"
import { Effect, Redacted, Schema } from "effect"
import { make } from "../src/OktaSource.js"

const USERS = 20_000
const GROUPS = 1_000
const MEMBERSHIPS = 200_000
const HEADROOM = 0.3
const OKTA_WINDOW_MS = 60_000
const WINDOW_MS = Number(process.env.OKTA_BENCH_WINDOW_MS ?? OKTA_WINDOW_MS)
const CONCURRENCY = 8
const LIMITS = RATE_LIMIT_PRESETS.enterprise
type Bucket = keyof typeof LIMITS

const rules = Schema.decodeUnknownSync(RuleConfig.RuleConfig)({ version: 1, mappings: [{ select: { nameRegex: "^Group " } }] })

const bucketOfTemplate = (key: string): Bucket =>
  key.includes("/api/v1/apps")
    ? "api/v1/apps"
    : key.includes("/api/v1/logs")
    ? "api/v1/logs"
    : key.includes("/api/v1/groups")
    ? "api/v1/groups"
    : "api/v1/users"

/** Pages a list of `n` takes at `limit` a page when every full page links `next` (an empty one ends it). */
const pagesFor = (n: number, limit: number) => Math.floor(n / limit) + 1

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms))

const run = async (limited: boolean) => {
  const em = await startOktaEmulator({ rateLimits: "off", rateLimitWindowMs: WINDOW_MS, seed: 7, nextOnFullLastPage: true })
  em.generate({ users: USERS, groups: GROUPS, memberships: MEMBERSHIPS, seed: 7 })
  const state = em.state()
  const minimum = pagesFor(GROUPS, 10_000) + // the groups the rule selects: one `sw` search
    state.groups.reduce((n, g) => n + pagesFor(g.members.length, 1_000), 0) +
    pagesFor(state.assignments.length, 500) +
    pagesFor(state.assignedGroupIds.length, 200)
  const source = await Effect.runPromise(make({
    orgUrl: em.orgUrl,
    appId: em.appId,
    auth: { _tag: "Ssws", token: Redacted.make(em.token) },
    concurrency: CONCURRENCY,
    headroom: HEADROOM
  }))
  if (limited) {
    // Start on a fresh window, as a run that begins on the minute would.
    await sleep(WINDOW_MS - (Date.now() % WINDOW_MS) + 20)
    em.setOptions({ rateLimits: "enterprise" })
  }
  em.resetCounters()
  const start = Date.now()
  const result = await Effect.runPromise(source.readSource(rules))
  const elapsed = Date.now() - start
  const counters = em.counters()
  const sent = Object.values(counters).reduce((a, b) => a + b, 0)
  const perBucket = new Map<Bucket, number>()
  for (const [k, v] of Object.entries(counters)) perBucket.set(bucketOfTemplate(k), (perBucket.get(bucketOfTemplate(k)) ?? 0) + v)
  if (result.snapshot.memberships.reduce((n, m) => n + m.userIds.length, 0) !== MEMBERSHIPS) {
    throw new Error("the read lost memberships")
  }
  const stats = await Effect.runPromise(source.stats)
  const lowest = Math.min(...em.rateLimitWindows().map((w) => w.lowestRemaining / w.limit))

  let idle = 0
  if (!limited) {
    const first = await Effect.runPromise(source.poll(source.startCursor(new Date())))
    em.resetCounters()
    await Effect.runPromise(source.poll(first.cursor))
    idle = Object.values(em.counters()).reduce((a, b) => a + b, 0)
  }
  await em.close()
  return { elapsed, sent, minimum, perBucket, stats, idle, lowest }
}

/**
 * The fastest a read of `perBucket` requests can go when each bucket allows `share` of its limit per
 * window (from a fresh window) and requests are sent at `rate` (requests per ms, what this machine
 * achieved without limits): whole windows waited for, plus the time to send the last window's share.
 */
const fastest = (perBucket: ReadonlyMap<Bucket, number>, share: number, windowMs: number, rate: number) => {
  let ideal = 0
  for (const [bucket, n] of perBucket) {
    const usable = Math.floor(LIMITS[bucket] * share)
    const windows = Math.ceil(n / usable)
    const last = n - (windows - 1) * usable
    ideal = Math.max(ideal, (windows - 1) * Math.max(windowMs, usable / rate) + last / rate)
  }
  return ideal
}

const free = await run(false)
const rate = free.sent / free.elapsed
console.log(
  `# ${free.sent} requests for ${free.minimum} minimum pages (every list ends with a page < limit); no limits ` +
    `${free.elapsed} ms (${Math.round(rate * 1000)} req/s on this machine)`
)
console.log(`BENCH okta-source.requests-ratio ${(free.sent / free.minimum).toFixed(3)} x`)
console.log(`BENCH okta-source.read-no-limits ${free.elapsed} ms`)
console.log(`BENCH okta-source.idle-poll-requests ${free.idle} req/poll`)

const limited = await run(true)
const raw = fastest(limited.perBucket, 1, WINDOW_MS, rate)
const usable = fastest(limited.perBucket, 1 - HEADROOM, WINDOW_MS, rate)
const windowName = WINDOW_MS === OKTA_WINDOW_MS ? "" : `-${WINDOW_MS / 1000}s-windows`
console.log(
  `# Enterprise limits, ${WINDOW_MS / 1000} s windows: ${limited.sent} requests (${[...limited.perBucket].map(([b, n]) => `${b} ${n}`).join(", ")}), ` +
    `${limited.stats.rateLimited} answered 429, lowest remaining ${(limited.lowest * 100).toFixed(0)}% of a bucket; ` +
    `${limited.elapsed} ms; the raw limits allow ${Math.round(raw)} ms, the limits less the ${HEADROOM * 100}% kept free ${Math.round(usable)} ms`
)
console.log(`BENCH okta-source.read-enterprise-limits${windowName} ${limited.elapsed} ms`)
console.log(`BENCH okta-source.limit-efficiency-vs-usable${windowName} ${(usable / limited.elapsed).toFixed(3)} x`)
console.log(`BENCH okta-source.limit-efficiency-vs-raw${windowName} ${(raw / limited.elapsed).toFixed(3)} x`)
if (WINDOW_MS !== OKTA_WINDOW_MS) {
  // Not measured: what the same efficiency would take with Okta's 60 s windows.
  const usable60 = fastest(limited.perBucket, 1 - HEADROOM, OKTA_WINDOW_MS, rate)
  console.log(`BENCH okta-source.read-enterprise-limits-60s-estimate ${Math.round(usable60 / (usable / limited.elapsed))} ms`)
}
