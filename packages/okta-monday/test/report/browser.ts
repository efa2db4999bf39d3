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

/** The emails of the visible rows, top to bottom. */
export const visibleEmails = (page: Page) =>
  page.$$eval("#users tbody tr", (rows) => rows.filter((r) => !(r as unknown as { hidden: boolean }).hidden).map((r) => r.getAttribute("data-user")))
