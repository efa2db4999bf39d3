/**
 * The HTML report in a real browser (Debian's Chromium, headless, through playwright-core): the
 * rows and counts show, a header click sorts, the filter box and flag boxes filter, print hides the
 * controls, hostile values stay text, and the page asks the network for nothing.
 */
import { afterAll, beforeAll, describe, expect, it } from "@effect/vitest"
import * as Fs from "node:fs"
import * as Os from "node:os"
import * as Path from "node:path"
import { pathToFileURL } from "node:url"
import type { BrowserContext, Page } from "playwright-core"
import { renderHtml } from "../../src/report/Html.js"
import { launchChromium, visibleEmails } from "./browser.js"
import { fixtureReport, HOSTILE_NAME } from "./fixture.js"

describe("the HTML report in Chromium", () => {
  const report = fixtureReport()
  let dir: string
  let browser: BrowserContext
  let page: Page
  const requests: Array<string> = []
  const errors: Array<string> = []

  beforeAll(async () => {
    dir = Fs.mkdtempSync(Path.join(Os.tmpdir(), "okta-monday-report-"))
    const file = Path.join(dir, "access-review.html")
    Fs.writeFileSync(file, renderHtml(report))
    browser = await launchChromium(Path.join(dir, "profile"))
    page = await browser.newPage()
    page.on("request", (r) => requests.push(r.url()))
    page.on("pageerror", (e) => errors.push(e.message))
    page.on("console", (m) => {
      if (m.type() === "error") errors.push(m.text())
    })
    await page.goto(pathToFileURL(file).href)
  }, 60_000)

  afterAll(async () => {
    await browser?.close()
    if (dir !== undefined) Fs.rmSync(dir, { recursive: true, force: true })
  })

  it("shows every user, the counts, and runs its script without errors or network", async () => {
    expect(await visibleEmails(page)).toEqual(report.rows.map((r) => r.email))
    expect(await page.textContent("#shown")).toBe(`Showing ${report.rows.length} of ${report.rows.length} users`)
    const cards = await page.$$eval("#summary .card", (cs) => cs.map((c) => [c.querySelector("span")!.textContent, c.querySelector("b")!.textContent]))
    expect(Object.fromEntries(cards)).toMatchObject({
      "monday.com users": String(report.summary.users),
      "seats to reclaim": String(report.summary.seatToReclaim),
      "access violations": String(report.summary.accessViolation),
      "profile drift": String(report.summary.profileDrift)
    })
    expect(errors).toEqual([])
    expect(requests.every((u) => u.startsWith("file://"))).toBe(true)
  })

  it("keeps a <script> name as text: nothing injected runs", async () => {
    expect(await page.evaluate(() => (globalThis as unknown as { __pwned?: number }).__pwned)).toBeUndefined()
    const name = await page.textContent("#users tr[data-user='x@example.com'] td:nth-child(2)")
    expect(name).toBe(HOSTILE_NAME)
  })

  it("sorts by a clicked header, and reverses on a second click", async () => {
    await page.click("#users thead th:nth-child(2)")
    const byName = [...report.rows].sort((a, b) =>
      new Intl.Collator(undefined, { numeric: true, sensitivity: "base" }).compare(a.displayName ?? "", b.displayName ?? "")
    ).map((r) => r.email)
    expect(await visibleEmails(page)).toEqual(byName)
    expect(await page.getAttribute("#users thead th:nth-child(2)", "aria-sort")).toBe("ascending")
    await page.click("#users thead th:nth-child(2)")
    expect(await visibleEmails(page)).toEqual([...byName].reverse())
    // Flags sort worst first: the access violation leads.
    await page.click("#users thead th:nth-child(8)")
    expect((await visibleEmails(page))[0]).toBe("cat@example.com")
  })

  it("filters by text, by flag and by active, and counts what is shown", async () => {
    await page.fill("#filter", "engineering")
    expect((await visibleEmails(page)).sort()).toEqual(["ann@example.com", "dan@example.com", "x@example.com"])
    await page.check("input[name=flag][value=seat-to-reclaim]")
    expect(await visibleEmails(page)).toEqual(["dan@example.com"])
    expect(await page.textContent("#shown")).toBe(`Showing 1 of ${report.rows.length} users`)
    await page.fill("#filter", "")
    await page.check("input[name=flag][value=access-violation]")
    const flagged = report.rows.filter((r) => r.flags.includes("seat-to-reclaim") || r.flags.includes("access-violation"))
    expect((await visibleEmails(page)).sort()).toEqual(flagged.map((r) => r.email).sort())
    await page.uncheck("input[name=flag][value=seat-to-reclaim]")
    await page.uncheck("input[name=flag][value=access-violation]")
    await page.check("#active-only")
    expect((await visibleEmails(page)).sort()).toEqual(report.rows.filter((r) => r.active).map((r) => r.email).sort())
    await page.uncheck("#active-only")
    expect(await visibleEmails(page)).toHaveLength(report.rows.length)
  })

  it("prints without the controls, and renders a screenshot an auditor can read", async () => {
    await page.emulateMedia({ media: "print" })
    expect(await page.isVisible(".controls")).toBe(false)
    expect(await page.isVisible("#users")).toBe(true)
    await page.emulateMedia({ media: "screen" })
    await page.fill("#filter", "")
    const shot = await page.screenshot({ fullPage: true })
    expect(shot.length).toBeGreaterThan(10_000)
    // For a human look (not committed): REPORT_SCREENSHOT=/tmp/report.png npx vitest run …
    if (process.env.REPORT_SCREENSHOT) Fs.writeFileSync(process.env.REPORT_SCREENSHOT, shot)
  })
})
