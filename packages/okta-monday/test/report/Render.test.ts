/**
 * The report's file forms: CSV quoting and formula neutralising, JSON that decodes back with the
 * report's Schema, and HTML in which nothing from Okta or monday.com can become markup or script.
 */
import { describe, expect, it } from "@effect/vitest"
import { Option, Schema } from "effect"
import { AccessReport } from "../../src/report/AccessReport.js"
import { escapeHtml, renderHtml } from "../../src/report/Html.js"
import { CSV_COLUMNS, neutralizeFormula, render, renderCsv, renderJson } from "../../src/report/Render.js"
import { formatFor } from "../../src/report/ReportCommand.js"
import { fixtureReport, HOSTILE_GROUP, HOSTILE_NAME } from "./fixture.js"

const report = fixtureReport()

describe("CSV", () => {
  const csv = renderCsv(report)

  it("has a header and one CRLF-ended record per monday.com user", () => {
    expect(csv.startsWith(`${CSV_COLUMNS.join(",")}\r\n`)).toBe(true)
    expect(csv.endsWith("\r\n")).toBe(true)
    // The line break inside Eve's name is quoted, so it doesn't start a record.
    const records = csv.split("\r\n").filter((l) => l !== "")
    expect(records).toHaveLength(1 + report.rows.length)
  })

  it("quotes commas, quotes and line breaks (RFC 4180)", () => {
    expect(csv).toContain("eve@example.com,\"Eve O'Neil,\nJr.\",active,")
    expect(csv).toContain("\"Eve O'Neil, Jr.\"")
    expect(csv).toContain("Engineering (via group Eng \"\"core\"\" <img src=x onerror=\"\"window.__pwned = 2\"\">)")
  })

  it("defuses cells a spreadsheet would run as a formula", () => {
    expect(csv).toContain("dan@example.com,\"'=HYPERLINK(\"\"http://evil\"\")\",active,")
    expect(neutralizeFormula("+1")).toBe("'+1")
    expect(neutralizeFormula("-x")).toBe("'-x")
    expect(neutralizeFormula("@SUM(A1)")).toBe("'@SUM(A1)")
    expect(neutralizeFormula("ann@example.com")).toBe("ann@example.com")
  })

  it("spells out teams, assignment, flags and details", () => {
    const cat = csv.split("\r\n").find((l) => l.startsWith("cat@example.com"))!
    expect(cat).toBe(
      "cat@example.com,Cat Chen,active,,o-cat,SUSPENDED,Cat Chen,ACTIVE (direct),Sales (team not managed by okta-monday)," +
        "access-violation,\"access-violation: active in monday.com, SUSPENDED in Okta\""
    )
  })
})

describe("JSON", () => {
  it("decodes back into the same report with the report's Schema", () => {
    const json = renderJson(report)
    const decoded = Schema.decodeUnknownSync(Schema.parseJson(AccessReport))(json)
    expect(decoded).toEqual(report)
    const raw = JSON.parse(json)
    expect(raw.generatedAt).toBe("2025-03-04T05:06:07.000Z")
    expect(raw.summary.accessViolation).toBe(1)
    expect(raw.rows.map((r: { email: string }) => r.email)).toContain("x@example.com")
  })
})

describe("HTML", () => {
  const html = renderHtml(report)

  it("escapes every value: a user named <script> can't inject markup", () => {
    expect(escapeHtml("<a href=\"x\">'&'</a>")).toBe("&lt;a href=&quot;x&quot;&gt;&#39;&amp;&#39;&lt;/a&gt;")
    expect(html).not.toContain(HOSTILE_NAME)
    expect(html).not.toContain(HOSTILE_GROUP)
    expect(html).not.toContain("<b>warning</b>")
    expect(html).toContain(escapeHtml(HOSTILE_NAME))
    // The page's own script is the only <script> element.
    expect(html.match(/<script\b/g)).toHaveLength(1)
  })

  it("is self-contained: no external URL, and a policy that forbids fetching anything", () => {
    expect(html).not.toMatch(/(src|href)\s*=\s*"(https?:)?\/\//i)
    expect(html).toMatch(/Content-Security-Policy" content="default-src 'none';[^"]*script-src 'sha256-[A-Za-z0-9+/=]+'/)
    expect(html).toContain("@media print")
  })

  it("has a row per user with its flags, and the summary counts", () => {
    expect(html.match(/<tr data-flags=/g)).toHaveLength(report.rows.length)
    expect(html).toContain("<tr data-flags=\"access-violation\" data-active=\"true\" data-user=\"cat@example.com\">")
    expect(html).toMatch(new RegExp(`<b>${report.summary.seatToReclaim}</b><span>seats to reclaim</span>`))
  })
})

describe("format", () => {
  it("renders each format, and picks one from --format, else the --out extension, else HTML", () => {
    expect(render(report, "csv")).toBe(renderCsv(report))
    expect(render(report, "html").startsWith("<!doctype html>")).toBe(true)
    expect(formatFor(Option.some("json"), Option.some("a.csv"))).toBe("json")
    expect(formatFor(Option.none(), Option.some("review.CSV"))).toBe("csv")
    expect(formatFor(Option.none(), Option.some("review.json"))).toBe("json")
    expect(formatFor(Option.none(), Option.some("review.txt"))).toBe("html")
    expect(formatFor(Option.none(), Option.none())).toBe("html")
  })
})
