/**
 * The HTML report in a real browser (Debian's Chromium, headless, through playwright-core): the
 * rows and counts show, a header click sorts, the filter box and flag boxes filter, print hides the
 * controls and prints every row on landscape pages, hostile values stay text, and the page asks the
 * network for nothing (no request, no blocked request, no policy violation, no error).
 */
import { afterAll, beforeAll, describe, expect, it } from "@effect/vitest"
import * as Fs from "node:fs"
import * as Os from "node:os"
import * as Path from "node:path"
import { pathToFileURL } from "node:url"
import type { BrowserContext, Page } from "playwright-core"
import { renderHtml } from "../../src/report/Html.js"
import { launchChromium, renderedEmails, visibleEmails, watchPage } from "./browser.js"
import type { PageWatch } from "./browser.js"
import { fixtureReport, HOSTILE_NAME } from "./fixture.js"

describe("the HTML report in Chromium", () => {
  const report = fixtureReport()
  let dir: string
  let browser: BrowserContext
  let page: Page
  let url: string
  let watch: PageWatch

  /** Nothing but the file itself was loaded, nothing was blocked, nothing complained. */
  const expectQuiet = async (w: PageWatch, own: string) => {
    expect(w.requests).toEqual([own])
    expect(w.failed).toEqual([])
    expect(await w.violations()).toEqual([])
    expect(w.errors).toEqual([])
  }

  beforeAll(async () => {
    dir = Fs.mkdtempSync(Path.join(Os.tmpdir(), "okta-monday-report-"))
    const file = Path.join(dir, "access-review.html")
    Fs.writeFileSync(file, renderHtml(report))
    url = pathToFileURL(file).href
    browser = await launchChromium(Path.join(dir, "profile"))
    page = await browser.newPage()
    watch = await watchPage(page)
    await page.goto(url)
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
    await expectQuiet(watch, url)
  })

  it("would see it if the page reached out: a blocked image and script fail the same checks", async () => {
    const file = Path.join(dir, "tampered.html")
    Fs.writeFileSync(
      file,
      renderHtml(report).replace(
        "<main>",
        "<main><img src=\"https://reports.example.invalid/pixel.png\"><script>fetch(\"https://reports.example.invalid/x\")</script>"
      )
    )
    const other = await browser.newPage()
    const w = await watchPage(other)
    await other.goto(pathToFileURL(file).href)
    await expect.poll(() => w.violations()).toEqual(expect.arrayContaining([
      "img-src https://reports.example.invalid/pixel.png",
      "script-src-elem inline"
    ]))
    expect(w.failed).toEqual(["https://reports.example.invalid/pixel.png: csp"])
    expect(w.errors.some((e) => e.includes("Content Security Policy"))).toBe(true)
    await other.close()
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

  it("prints every user, without the filter controls, even while a filter is on screen", async () => {
    await page.fill("#filter", "engineering")
    await page.check("input[name=flag][value=seat-to-reclaim]")
    expect(await renderedEmails(page)).toEqual(["dan@example.com"])
    await page.emulateMedia({ media: "print" })
    for (const control of [".controls", "#filter", "input[name=flag]", "#active-only", "#shown"]) {
      expect(await page.isVisible(control), control).toBe(false)
    }
    // The printout is the whole review: every row, its flags, the summary and the not-provisioned list.
    expect((await renderedEmails(page)).sort()).toEqual(report.rows.map((r) => r.email).sort())
    expect(await page.locator("#users tbody .flag").count()).toBe(report.rows.reduce((n, r) => n + r.flags.length, 0))
    expect(await page.locator("#users tbody .flag").first().isVisible()).toBe(true)
    expect(await page.isVisible("#summary")).toBe(true)
    expect(await page.isVisible("text=Assigned to monday.com in Okta, without a monday.com user")).toBe(true)
    // Back to no emulation: on screen the filter holds again.
    await page.emulateMedia({ media: null })
    expect(await renderedEmails(page)).toEqual(["dan@example.com"])
    await page.uncheck("input[name=flag][value=seat-to-reclaim]")
    await page.fill("#filter", "")
  })

  it("prints on landscape pages (the table is wide), and has made no request by the end", async () => {
    const pdf = await page.pdf({ preferCSSPageSize: true, printBackground: true })
    const box = /\/MediaBox\s*\[\s*0 0 ([\d.]+) ([\d.]+)\s*\]/.exec(pdf.toString("latin1"))
    expect(box, "a page size in the PDF").not.toBeNull()
    expect(Number(box![1])).toBeGreaterThan(Number(box![2]))
    await expectQuiet(watch, url)
    // For a human look (not committed): REPORT_SCREENSHOT=/tmp/report.png npx vitest run …
    if (process.env.REPORT_SCREENSHOT) Fs.writeFileSync(process.env.REPORT_SCREENSHOT, await page.screenshot({ fullPage: true }))
  })
})
