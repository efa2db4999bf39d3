/**
 * Replays the requests of real recorded Okta sessions (okta-sdk-test-server HAR files) against the
 * emulator and checks that it answers with the same status, the headers that matter
 * (content-type, link) and bodies with the same fields of the same JSON types.
 *
 * What the recordings cover: groups (create, get, list, `q` search, replace, delete), group members
 * (add, list, remove), users (create, get by id and login, list, `search`, `filter`, suspend,
 * unsuspend, deactivate, delete). What they don't: the apps endpoints (`/apps/{id}`, `/users`,
 * `/groups`), the System Log (`/logs`), the OAuth token endpoint, and any listing long enough to
 * have a `next` link. Those are checked against okta-api.md in OktaEmulator.test.ts only.
 */
import { afterEach, describe, expect, it } from "@effect/vitest"
import { Effect } from "effect"
import { existsSync, readdirSync, readFileSync } from "node:fs"
import { join } from "node:path"
import { fileURLToPath } from "node:url"
import { type OktaEmulator, startOktaEmulator } from "../src/index.js"

/** Kept in the repository beside this test (`fixtures/okta-recorded`); OKTA_RECORDED_DIR overrides. */
const DIR = process.env.OKTA_RECORDED_DIR ?? fileURLToPath(new URL("./fixtures/okta-recorded", import.meta.url))
const RECORDED_ORIGIN = "https://test.example.com"

interface HarEntry {
  request: { method: string; url: string; postData?: { text?: string } }
  response: { status: number; headers: Array<{ name: string; value: string }>; content: { text?: string } }
}

const typeOf = (v: unknown) => (v === null ? "null" : Array.isArray(v) ? "array" : typeof v)
/** Field-by-field shape check; `null` is compatible with any type (Okta's nullable fields). */
const sameShape = (recorded: unknown, actual: unknown, path: string, deep: boolean): Array<string> => {
  const tr = typeOf(recorded)
  const ta = typeOf(actual)
  if (tr !== ta && tr !== "null" && ta !== "null") return [`${path}: recorded ${tr}, emulator ${ta}`]
  if (tr !== "object" || ta !== "object") return []
  const r = recorded as Record<string, unknown>
  const a = actual as Record<string, unknown>
  const problems: Array<string> = []
  const rk = Object.keys(r).sort()
  const ak = Object.keys(a).sort()
  if (JSON.stringify(rk) !== JSON.stringify(ak)) problems.push(`${path}: keys ${rk.join(",")} vs ${ak.join(",")}`)
  for (const k of rk) {
    if (!(k in a)) continue
    if (!deep && typeOf(r[k]) === "object") continue
    problems.push(...sameShape(r[k], a[k], `${path}.${k}`, deep && k !== "_links"))
  }
  return problems
}

let em: OktaEmulator | undefined
afterEach(async () => {
  await em?.close()
  em = undefined
})

if (!existsSync(DIR)) {
  throw new Error(`No recorded Okta sessions at ${DIR}: restore test/fixtures/okta-recorded from git, or set OKTA_RECORDED_DIR to a folder of .har files`)
}
const files = readdirSync(DIR).filter((f) => f.endsWith(".har")).sort()

describe("recorded Okta responses", () => {
  it("has fixtures to compare with", () => {
    expect(files.length).toBeGreaterThanOrEqual(8)
  })

  for (const file of files) {
    it.effect(`answers like Okta: ${file}`, () =>
      Effect.promise(async () => {
        em = await startOktaEmulator({ rateLimits: "enterprise" })
        const ids = new Map<string, string>()
        const har = JSON.parse(readFileSync(join(DIR, file), "utf8")) as { log: { entries: Array<HarEntry> } }
        for (const entry of har.log.entries) {
          let url = entry.request.url.replace(RECORDED_ORIGIN, em.orgUrl)
          for (const [recorded, ours] of ids) url = url.replaceAll(recorded, ours)
          let body = entry.request.postData?.text
          for (const [recorded, ours] of ids) body = body?.replaceAll(recorded, ours)
          const res = await fetch(url, {
            method: entry.request.method,
            headers: { authorization: `SSWS ${em.token}`, accept: "application/json", "content-type": "application/json" },
            ...(body ? { body } : {})
          })
          const label = `${file}: ${entry.request.method} ${entry.request.url}`
          expect(res.status, label).toBe(entry.response.status)
          const header = (name: string) => entry.response.headers.find((h) => h.name.toLowerCase() === name)?.value
          if (header("content-type")) expect(res.headers.get("content-type"), label).toBe(header("content-type"))
          expect(res.headers.get("x-rate-limit-limit"), label).toMatch(/^\d+$/)
          expect(res.headers.get("x-rate-limit-remaining"), label).toMatch(/^\d+$/)
          expect(res.headers.get("x-rate-limit-reset"), label).toMatch(/^\d+$/)
          const recordedLink = header("link")
          if (recordedLink) {
            const self = (link: string) => new URL(/<([^>]+)>; rel="self"/.exec(link)![1]!)
            const r = self(recordedLink)
            const a = self(res.headers.get("link") ?? "")
            expect(a.origin, label).toBe(em.orgUrl)
            expect(a.pathname, label).toBe(r.pathname.replace(/00[gu][A-Za-z0-9]{17}/g, (id) => ids.get(id) ?? id))
            expect([...a.searchParams.keys()], label).toEqual([...r.searchParams.keys()])
            expect(a.searchParams.get("limit"), label).toBe(r.searchParams.get("limit"))
          }
          const text = await res.text()
          const recordedText = entry.response.content.text ?? ""
          if (recordedText === "") {
            expect(text, label).toBe("")
            continue
          }
          const recorded = JSON.parse(recordedText)
          const actual = JSON.parse(text)
          if (Array.isArray(recorded)) {
            expect(Array.isArray(actual), label).toBe(true)
            if (recorded.length === 0) {
              expect(actual, label).toEqual([])
              continue
            }
            expect(actual.length, label).toBeGreaterThan(0)
            // Compare an element the replay created (deep), else the first one (top-level fields).
            const mine = actual.find((a: any) => [...ids.values()].includes(a.id))
            const theirs = mine && recorded.find((r: any) => ids.get(r.id) === mine.id)
            const problems = theirs
              ? sameShape(theirs, mine, label, true)
              : sameShape(recorded[0], actual[0], label, false)
            expect(problems, label).toEqual([])
          } else {
            if (entry.request.method === "POST" && typeof recorded.id === "string") ids.set(recorded.id, actual.id)
            expect(sameShape(recorded, actual, label, true), label).toEqual([])
          }
        }
      }))
  }
})
