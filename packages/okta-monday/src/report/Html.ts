/**
 * The access review as one HTML file an auditor can open anywhere: inline CSS and script, no
 * network (a Content-Security-Policy forbids it), rows rendered on the server so it reads and
 * prints without script; the script only sorts and filters. Every value from Okta or monday.com is
 * escaped, and only the page's own script (by hash) may run.
 */
import { createHash } from "node:crypto"
import type { AccessReport, Flag, NotProvisioned, ReportRow, TeamAccess } from "./AccessReport.js"
import { describeAccess, describeAssignment, FLAGS } from "./AccessReport.js"

const ENTITIES: Record<string, string> = { "&": "&amp;", "<": "&lt;", ">": "&gt;", "\"": "&quot;", "'": "&#39;" }

/** Text safe for HTML element content and quoted attribute values. */
export const escapeHtml = (value: string): string => value.replace(/[&<>"']/g, (c) => ENTITIES[c]!)

const e = escapeHtml

export const FLAG_LABELS: Record<Flag, string> = {
  "seat-to-reclaim": "Seat to reclaim",
  "access-violation": "Access violation",
  "profile-drift": "Profile drift",
  "hand-added": "Added by hand"
}

const FLAG_HELP: Record<Flag, string> = {
  "seat-to-reclaim":
    "active in monday.com, but no Okta user, deprovisioned or deleted in Okta, or not assigned to the app",
  "access-violation": "active in monday.com, but suspended, deprovisioned, deleted or not active in Okta",
  "profile-drift":
    "a name, user type or mapped attribute (title, timezone, locale, phone, address) differs from Okta, or the userName " +
    "is not Okta's email",
  "hand-added": "in a team okta-monday manages, but not through one of its groups"
}

const STYLE = `
:root { --ink: #1f2430; --muted: #5f6b7a; --line: #d9dee5; --head: #f3f5f8; --accent: #2f5bd3;
  --red: #b42318; --red-bg: #fde8e6; --amber: #915d00; --amber-bg: #fdf1d8; --blue: #1d4ed8; --blue-bg: #e4ecfd;
  --grey-bg: #eceff3; }
* { box-sizing: border-box; }
body { margin: 0; padding: 24px 28px; color: var(--ink);
  font: 14px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; }
h1 { font-size: 22px; margin: 0 0 4px; }
h2 { font-size: 17px; margin: 28px 0 8px; }
.meta { color: var(--muted); margin: 0 0 16px; }
.cards { display: flex; flex-wrap: wrap; gap: 10px; margin-bottom: 16px; }
.card { border: 1px solid var(--line); border-radius: 8px; padding: 8px 14px; min-width: 120px; }
.card b { display: block; font-size: 22px; }
.card span { color: var(--muted); font-size: 12px; }
.card.alert b { color: var(--red); }
.card.warn b { color: var(--amber); }
.warnings { border-left: 4px solid var(--amber); background: var(--amber-bg); padding: 8px 12px; margin: 0 0 16px; }
.warnings li { margin: 2px 0; }
.controls { display: flex; flex-wrap: wrap; align-items: center; gap: 14px; padding: 10px 12px; background: var(--head);
  border: 1px solid var(--line); border-radius: 8px; margin-bottom: 10px; position: sticky; top: 0; z-index: 2; }
.controls input[type=search] { font: inherit; padding: 5px 8px; width: 280px; border: 1px solid var(--line);
  border-radius: 6px; }
.controls label { white-space: nowrap; cursor: pointer; }
#shown { margin-left: auto; color: var(--muted); }
table { border-collapse: collapse; width: 100%; }
th, td { border-bottom: 1px solid var(--line); padding: 6px 8px; text-align: left; vertical-align: top; }
thead th { background: var(--head); font-weight: 600; white-space: nowrap; }
table.sortable thead th { cursor: pointer; user-select: none; }
table.sortable thead th::after { content: " \\2195"; color: #9aa4b2; font-size: 11px; }
table.sortable thead th[aria-sort=ascending]::after { content: " \\25B2"; color: var(--accent); }
table.sortable thead th[aria-sort=descending]::after { content: " \\25BC"; color: var(--accent); }
tbody tr:hover { background: #f8fafc; }
td ul { margin: 0; padding-left: 16px; }
td.teams { min-width: 240px; }
td.num { text-align: right; }
.small { color: var(--muted); font-size: 12px; }
.flag { display: inline-block; border-radius: 10px; padding: 1px 8px; margin: 1px 2px 1px 0; font-size: 12px;
  white-space: nowrap; }
.flag-seat-to-reclaim { background: var(--amber-bg); color: var(--amber); }
.flag-access-violation { background: var(--red-bg); color: var(--red); font-weight: 600; }
.flag-profile-drift { background: var(--blue-bg); color: var(--blue); }
.flag-hand-added { background: var(--grey-bg); color: var(--ink); }
.status-bad { color: var(--red); font-weight: 600; }
.inactive { color: var(--muted); }
.empty { color: var(--muted); padding: 12px; }
footer { margin-top: 28px; color: var(--muted); font-size: 12px; }
@media print {
  @page { size: landscape; margin: 12mm; }
  body { padding: 0; font-size: 10px; }
  .controls, .no-print { display: none !important; }
  /* The controls don't print, so neither may their filter: a printed review holds every user. */
  #users tbody tr[hidden] { display: table-row; }
  table.sortable thead th::after { content: ""; }
  thead { display: table-header-group; }
  tr { break-inside: avoid; }
  .card { padding: 4px 8px; min-width: 0; }
  .card b { font-size: 14px; }
  .flag { border: 1px solid currentColor; background: none !important; }
  a { color: inherit; text-decoration: none; }
}
`

// Sorts by a header click (data-sort values first, then text; numbers as numbers), and filters by
// the text box and the flag boxes (a row shows when it has any checked flag; none checked = all).
const SCRIPT = `
(function () {
  var table = document.getElementById("users");
  var body = table.tBodies[0];
  var rows = Array.prototype.slice.call(body.rows);
  var filter = document.getElementById("filter");
  var flagBoxes = Array.prototype.slice.call(document.querySelectorAll("input[name=flag]"));
  var activeOnly = document.getElementById("active-only");
  var shown = document.getElementById("shown");
  var collator = new Intl.Collator(undefined, { numeric: true, sensitivity: "base" });
  function key(row, i) {
    var cell = row.cells[i];
    return cell.hasAttribute("data-sort") ? cell.getAttribute("data-sort") : cell.textContent.trim();
  }
  function apply() {
    var text = filter.value.trim().toLowerCase();
    var flags = flagBoxes.filter(function (b) { return b.checked; }).map(function (b) { return b.value; });
    var n = 0;
    rows.forEach(function (row) {
      var rowFlags = (row.getAttribute("data-flags") || "").split(" ");
      var ok = (text === "" || row.textContent.toLowerCase().indexOf(text) >= 0) &&
        (flags.length === 0 || flags.some(function (f) { return rowFlags.indexOf(f) >= 0; })) &&
        (!activeOnly.checked || row.getAttribute("data-active") === "true");
      row.hidden = !ok;
      if (ok) n++;
    });
    shown.textContent = "Showing " + n + " of " + rows.length + " users";
  }
  Array.prototype.forEach.call(table.tHead.rows[0].cells, function (th, i) {
    th.tabIndex = 0;
    function sort() {
      var dir = th.getAttribute("aria-sort") === "ascending" ? "descending" : "ascending";
      Array.prototype.forEach.call(table.tHead.rows[0].cells, function (h) { h.removeAttribute("aria-sort"); });
      th.setAttribute("aria-sort", dir);
      var sign = dir === "ascending" ? 1 : -1;
      rows.sort(function (a, b) { return sign * collator.compare(key(a, i), key(b, i)); });
      rows.forEach(function (row) { body.appendChild(row); });
    }
    th.addEventListener("click", sort);
    th.addEventListener("keydown", function (ev) {
      if (ev.key === "Enter" || ev.key === " ") { ev.preventDefault(); sort(); }
    });
  });
  filter.addEventListener("input", apply);
  flagBoxes.forEach(function (b) { b.addEventListener("change", apply); });
  activeOnly.addEventListener("change", apply);
  apply();
})();
`

const SCRIPT_HASH = createHash("sha256").update(SCRIPT).digest("base64")

const CSP = `default-src 'none'; style-src 'unsafe-inline'; script-src 'sha256-${SCRIPT_HASH}'; img-src data:; ` +
  "base-uri 'none'; form-action 'none'"

const card = (label: string, value: number, tone?: "alert" | "warn") =>
  `<div class="card${tone !== undefined && value > 0 ? ` ${tone}` : ""}"><b>${value}</b><span>${e(label)}</span></div>`

const flagBadge = (f: Flag) => `<span class="flag flag-${f}" title="${e(FLAG_HELP[f])}">${e(FLAG_LABELS[f])}</span>`

const teamItem = (t: TeamAccess) => `<li>${e(t.team)} <span class="small">${e(describeAccess(t))}</span></li>`

const BAD_OKTA = new Set(["SUSPENDED", "DEPROVISIONED", "DELETED", "NOT_IN_OKTA", "STAGED"])

const OKTA_WORDS: Record<string, string> = { NOT_IN_OKTA: "not in Okta", DELETED: "deleted from Okta" }

const row = (r: ReportRow): string => {
  const flags = r.flags.join(" ")
  // Worst first when the flags column is sorted ascending.
  const severity = r.flags.includes("access-violation")
    ? 0
    : r.flags.includes("seat-to-reclaim")
    ? 1
    : r.flags.length > 0
    ? 2
    : 3
  const okta = `<td class="${r.active && BAD_OKTA.has(r.oktaStatus) ? "status-bad" : ""}">` +
    e(OKTA_WORDS[r.oktaStatus] ?? r.oktaStatus) +
    (r.oktaName !== null ? `<div class="small">${e(r.oktaName)}</div>` : "") + "</td>"
  const teams = r.teams.length === 0
    ? "<span class=\"small\">none</span>"
    : `<ul>${r.teams.map(teamItem).join("")}</ul>`
  const details = r.findings.length === 0 ? "" : `<ul>${r.findings.map((f) => `<li>${e(f.detail)}</li>`).join("")}</ul>`
  return `<tr data-flags="${e(flags)}" data-active="${r.active}" data-user="${e(r.email)}">` +
    `<td>${e(r.email)}</td>` +
    `<td>${r.displayName === null ? "<span class=\"small\">(none)</span>" : e(r.displayName)}</td>` +
    `<td class="${r.active ? "" : "inactive"}">${r.active ? "active" : "deactivated"}</td>` +
    `<td>${e(r.userType ?? "")}</td>` +
    okta +
    `<td>${e(describeAssignment(r.assignment))}</td>` +
    `<td class="teams" data-sort="${r.teams.length}">${teams}</td>` +
    `<td data-sort="${severity}${e(flags)}">${r.flags.map(flagBadge).join("")}</td>` +
    `<td>${details}</td>` +
    "</tr>"
}

const notProvisionedRow = (n: NotProvisioned) =>
  `<tr><td>${e(n.email)}</td><td>${e(n.name ?? "")}</td><td>${e(n.oktaStatus)}</td>` +
  `<td>${e(describeAssignment(n.assignment))}</td></tr>`

/** The whole page. */
export const renderHtml = (report: AccessReport): string => {
  const s = report.summary
  const when = report.generatedAt.toISOString().replace("T", " ").replace(/\.\d+Z$/, " UTC")
  const warnings = report.warnings.length === 0
    ? ""
    : `<ul class="warnings">${report.warnings.map((w) => `<li>${e(w)}</li>`).join("")}</ul>`
  const flagBoxes = FLAGS.map((f) =>
    `<label title="${e(FLAG_HELP[f])}"><input type="checkbox" name="flag" value="${f}"> ${e(FLAG_LABELS[f])}</label>`
  ).join("\n    ")
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="${CSP}">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="generator" content="okta-monday report">
<title>Access review: monday.com and Okta, ${e(when)}</title>
<style>${STYLE}</style>
</head>
<body>
<header>
  <h1>Access review: monday.com users, their teams and Okta</h1>
  <p class="meta">Generated ${e(when)} by okta-monday.
  ${s.users} monday.com users (${s.active} active, ${s.deactivated} deactivated),
  ${s.teams} teams (${s.managedTeams} managed by okta-monday).</p>
  <section class="cards" id="summary" aria-label="Summary">
    ${card("monday.com users", s.users)}
    ${card("active", s.active)}
    ${card("matched in Okta", s.inOkta)}
    ${card("seats to reclaim", s.seatToReclaim, "warn")}
    ${card("access violations", s.accessViolation, "alert")}
    ${card("profile drift", s.profileDrift, "warn")}
    ${card("added by hand", s.handAdded, "warn")}
    ${card("team memberships", s.memberships)}
    ${card("via a group", s.viaGroup)}
    ${card("by hand", s.byHand)}
    ${card("in unmanaged teams", s.inUnmanagedTeams)}
    ${card("assigned, not in monday.com", s.notProvisioned, "warn")}
  </section>
  ${warnings}
</header>
<main>
  <h2>monday.com users</h2>
  <div class="controls" role="search">
    <input type="search" id="filter" placeholder="Filter: email, name, team, group…" aria-label="Filter rows">
    ${flagBoxes}
    <label><input type="checkbox" id="active-only"> Active only</label>
    <span id="shown" aria-live="polite">${report.rows.length} users</span>
  </div>
  <table id="users" class="sortable">
    <thead><tr><th>Email</th><th>Name in monday.com</th><th>monday.com</th><th>Role</th><th>Okta</th>` +
    `<th>App assignment</th><th>Teams (how)</th><th>Flags</th><th>Details</th></tr></thead>
    <tbody>
${report.rows.map(row).join("\n")}
    </tbody>
  </table>
  ${report.rows.length === 0 ? "<p class=\"empty\">No monday.com users.</p>" : ""}
  <h2>Assigned to monday.com in Okta, without a monday.com user (${report.notProvisioned.length})</h2>
  ${
    report.notProvisioned.length === 0
      ? "<p class=\"empty\">None: everyone assigned and active in Okta has a monday.com user.</p>"
      : `<table id="not-provisioned">
    <thead><tr><th>Email</th><th>Name in Okta</th><th>Okta</th><th>App assignment</th></tr></thead>
    <tbody>${report.notProvisioned.map(notProvisionedRow).join("\n")}</tbody></table>`
  }
</main>
<footer>
  Flags: ${FLAGS.map((f) => `<b>${e(FLAG_LABELS[f])}</b>: ${e(FLAG_HELP[f])}`).join("; ")}.
</footer>
<script>${SCRIPT}</script>
</body>
</html>
`
}
