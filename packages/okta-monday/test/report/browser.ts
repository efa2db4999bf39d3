/**
 * Headless Chromium for the report tests: Debian's build, driven by playwright-core, a fresh
 * profile, background networking off.
 */
import * as Fs from "node:fs"
import { chromium } from "playwright-core"
import type { BrowserContext, Page } from "playwright-core"

export const CHROMIUM = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium"

/** Headless Chromium with a fresh profile directory; nothing of the user's, nothing from the network. */
export const launchChromium = async (profileDir: string): Promise<BrowserContext> => {
  if (!Fs.existsSync(CHROMIUM)) {
    throw new Error(`${CHROMIUM} not found: install Debian's chromium (apt-get install -y chromium) or set CHROMIUM_PATH`)
  }
  // playwright passes the profile as --user-data-dir itself.
  return chromium.launchPersistentContext(profileDir, {
    executablePath: CHROMIUM,
    headless: true,
    viewport: { width: 1400, height: 900 },
    args: [
      "--headless",
      "--no-sandbox",
      "--disable-gpu",
      "--disable-quic",
      "--no-first-run",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync"
    ]
  })
}

/**
 * Everything a page did that a self-contained report must not: requests other than its own file,
 * requests that failed (the Content-Security-Policy blocks show up as failed with "csp"), CSP
 * violations the page reported, script errors and console errors (Chromium logs blocked loads there).
 * Call before `goto`.
 */
export interface PageWatch {
  readonly requests: Array<string>
  readonly failed: Array<string>
  readonly errors: Array<string>
  /** `directive blockedURI` of every securitypolicyviolation event so far. */
  readonly violations: () => Promise<Array<string>>
}

export const watchPage = async (page: Page): Promise<PageWatch> => {
  const requests: Array<string> = []
  const failed: Array<string> = []
  const errors: Array<string> = []
  // Injected through the DevTools protocol, so the page's own policy doesn't stop it from listening.
  await page.addInitScript(`
    globalThis.__cspViolations = [];
    document.addEventListener("securitypolicyviolation", (e) => {
      globalThis.__cspViolations.push(e.violatedDirective + " " + e.blockedURI);
    });
  `)
  page.on("request", (r) => void requests.push(r.url()))
  page.on("requestfailed", (r) => void failed.push(`${r.url()}: ${r.failure()?.errorText ?? "failed"}`))
  page.on("pageerror", (e) => void errors.push(e.message))
  page.on("console", (m) => {
    if (m.type() === "error") errors.push(m.text())
  })
  return {
    requests,
    failed,
    errors,
    violations: () => page.evaluate(() => [...(globalThis as unknown as { __cspViolations?: Array<string> }).__cspViolations ?? []])
  }
}

/** The emails of the rows the filter shows, top to bottom. */
export const visibleEmails = (page: Page) =>
  page.$$eval("#users tbody tr", (rows) => rows.filter((r) => !(r as unknown as { hidden: boolean }).hidden).map((r) => r.getAttribute("data-user")))

/** The emails of the rows laid out for the current media (screen or print): what a reader sees. */
export const renderedEmails = (page: Page) =>
  page.$$eval("#users tbody tr", (rows) =>
    rows.filter((r) => (globalThis as unknown as BrowserGlobals).getComputedStyle(r).display !== "none")
      .map((r) => r.getAttribute("data-user")))

/** What the page's window offers that the tests use (this package compiles without the DOM library). */
interface BrowserGlobals {
  readonly getComputedStyle: (element: unknown) => { readonly display: string }
}
