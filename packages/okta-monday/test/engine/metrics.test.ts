/**
 * Feeding a Prometheus counter from a client's running total: it only ever grows, by what the
 * total grew, and a total that restarted from zero counts again from there.
 */
import { describe, expect, it } from "@effect/vitest"
import { FastCheck } from "effect"
import * as Prom from "prom-client"
import { totalFeeder } from "../../src/Metrics.js"

const valueOf = async (registry: Prom.Registry, side: string) =>
  (await registry.getMetricsAsJSON())[0]!.values.find((v) => v.labels.side === side)?.value

describe("totalFeeder", () => {
  it("the counter equals the growth of the totals it was fed, restarts included, and never decreases", async () => {
    await FastCheck.assert(
      FastCheck.asyncProperty(FastCheck.array(FastCheck.nat({ max: 1_000 }), { maxLength: 30 }), async (totals) => {
        const registry = new Prom.Registry()
        const counter = new Prom.Counter({ name: "x_total", help: "x", labelNames: ["side"], registers: [registry] })
        const feed = totalFeeder(counter)
        let expected = 0
        let last = 0
        let seen = 0
        for (const total of totals) {
          feed({ side: "a" }, total)
          expected += total >= last ? total - last : total
          last = total
          const value = (await valueOf(registry, "a"))!
          expect(value).toBe(expected)
          expect(value).toBeGreaterThanOrEqual(seen)
          seen = value
        }
        // Another label is a series of its own.
        feed({ side: "b" }, 7)
        expect(await valueOf(registry, "b")).toBe(7)
      })
    )
  })
})
