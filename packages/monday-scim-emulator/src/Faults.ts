/**
 * Fault injection (shares drawn from a seedable generator, or a deterministic queue of the next faults) and the
 * per-account token bucket. Both decide only; the server carries the decision out.
 */
import type { FaultKind, FaultOptions, RateLimit } from "./Model.js"

const KINDS: ReadonlyArray<FaultKind> = ["429", "500", "502", "503", "drop", "slow", "drop-after", "500-after"]

/** mulberry32: small, fast and good enough to spread faults; the same seed gives the same faults. */
export const makeRandom = (seed: number): (() => number) => {
  let state = seed >>> 0
  return () => {
    state = (state + 0x6d2b79f5) >>> 0
    let t = state
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

export class Faults {
  private options: FaultOptions = {}
  private queue: Array<FaultKind> = []
  private only: ReadonlySet<string> | undefined
  private random: () => number
  private readonly injected = new Map<string, number>()

  constructor(seed: number) {
    this.random = makeRandom(seed)
  }

  set(options: FaultOptions): void {
    this.options = options
    this.queue = [...(options.next ?? [])]
    this.only = options.only === undefined ? undefined : new Set(options.only)
    if (options.seed !== undefined) this.random = makeRandom(options.seed)
  }

  current(): FaultOptions {
    return { ...this.options, next: [...this.queue] }
  }

  /** What was injected so far, by "<kind> <METHOD> <template>"; cleared by `clearInjected` (and reset). */
  injectedCounts(): Record<string, number> {
    return Object.fromEntries(this.injected)
  }

  clearInjected(): void {
    this.injected.clear()
  }

  get retryAfterSeconds(): number {
    return this.options.retryAfterSeconds ?? 1
  }

  get slowMs(): number {
    return this.options.slowMs ?? 200
  }

  /** The fault for a request to `template` ("METHOD /path/{id}"), if any. */
  pick(template: string): FaultKind | undefined {
    const kind = this.draw(template)
    if (kind !== undefined) {
      const key = `${kind} ${template}`
      this.injected.set(key, (this.injected.get(key) ?? 0) + 1)
    }
    return kind
  }

  private draw(template: string): FaultKind | undefined {
    if (this.only !== undefined && !this.only.has(template)) return undefined
    const queued = this.queue.shift()
    if (queued !== undefined) return queued
    const shares = this.options.shares
    if (shares === undefined) return undefined
    const draw = this.random()
    let cumulative = 0
    for (const kind of KINDS) {
      cumulative += shares[kind] ?? 0
      if (draw < cumulative) return kind
    }
    return undefined
  }
}

/** A token bucket per account: `take` answers 0 when the request may go, else the seconds to wait. */
export class TokenBuckets {
  private readonly buckets = new Map<string, { tokens: number; at: number }>()

  constructor(
    private limit: RateLimit | undefined,
    private readonly clock: () => number = () => performance.now()
  ) {}

  configure(limit: RateLimit | undefined): void {
    this.limit = limit
    this.buckets.clear()
  }

  reset(): void {
    this.buckets.clear()
  }

  take(key: string): number {
    const limit = this.limit
    if (limit === undefined) return 0
    const at = this.clock()
    const bucket = this.buckets.get(key) ?? { tokens: limit.capacity, at }
    bucket.tokens = Math.min(limit.capacity, bucket.tokens + ((at - bucket.at) / 1000) * limit.refillPerSecond)
    bucket.at = at
    this.buckets.set(key, bucket)
    if (bucket.tokens >= 1) {
      bucket.tokens -= 1
      return 0
    }
    return limit.refillPerSecond <= 0 ? 60 : Math.max(1, Math.ceil((1 - bucket.tokens) / limit.refillPerSecond))
  }
}
