/**
 * The access review as a file: CSV for spreadsheets (one row per monday.com user), JSON encoded
 * with the report's Schema, or one self-contained HTML page (see `Html.ts`).
 */
import { Schema } from "effect"
import { stringify } from "csv-stringify/sync"
import { AccessReport, describeAccess, describeAssignment } from "./AccessReport.js"
import type { ReportRow } from "./AccessReport.js"
import { renderHtml } from "./Html.js"

export const ReportFormat = Schema.Literal("csv", "json", "html")
export type ReportFormat = typeof ReportFormat.Type

export const CSV_COLUMNS = [
  "email",
  "monday_name",
  "monday_status",
  "monday_role",
  "okta_user_id",
  "okta_status",
  "okta_name",
  "app_assignment",
  "teams",
  "flags",
  "details"
] as const

/**
 * A spreadsheet runs a cell starting with = + - @ (or a tab/CR) as a formula: a display name can't
 * be allowed to do that, so such cells get a leading apostrophe (OWASP's advice for CSV injection).
 */
export const neutralizeFormula = (cell: string): string => (/^[=+\-@\t\r]/.test(cell) ? `'${cell}` : cell)

const csvRecord = (r: ReportRow): Array<string> => [
  r.email,
  r.displayName ?? "",
  r.active ? "active" : "deactivated",
  r.userType ?? "",
  r.oktaUserId ?? "",
  r.oktaStatus,
  r.oktaName ?? "",
  describeAssignment(r.assignment),
  r.teams.map((t) => `${t.team} (${describeAccess(t)})`).join("; "),
  r.flags.join(" "),
  r.findings.map((f) => `${f.flag}: ${f.detail}`).join("; ")
].map(neutralizeFormula)

/** RFC 4180 CSV (CRLF line ends, quotes where needed), with a header row. */
export const renderCsv = (report: AccessReport): string =>
  stringify([[...CSV_COLUMNS], ...report.rows.map(csvRecord)], { record_delimiter: "windows" })

/** The report encoded by its Schema (dates as ISO strings), pretty-printed. */
export const renderJson = (report: AccessReport): string =>
  `${JSON.stringify(Schema.encodeSync(AccessReport)(report), null, 2)}\n`

export const render = (report: AccessReport, format: ReportFormat): string => {
  switch (format) {
    case "csv":
      return renderCsv(report)
    case "json":
      return renderJson(report)
    case "html":
      return renderHtml(report)
  }
}
