/**
 * `okta-monday report`: the access review as CSV, JSON or one HTML file. Reads only; the format
 * defaults to the `--out` file's extension, else HTML.
 */
import { Command, Options } from "@effect/cli"
import { Console, Effect, Option } from "effect"
import * as Fs from "node:fs"
import * as Path from "node:path"
import { engineLayer } from "../Layers.js"
import { loadSettings } from "../Settings.js"
import { readOnlyStore } from "../ReadOnlyStore.js"
import { render } from "./Render.js"
import type { ReportFormat } from "./Render.js"
import { accessReport } from "./Report.js"

const configOption = Options.file("config").pipe(
  Options.withAlias("c"),
  Options.withDescription("The config file (YAML or JSON): rules + okta, monday, state, daemon"),
  Options.withDefault(process.env.OKTA_MONDAY_CONFIG ?? "okta-monday.yaml")
)

const formatOption = Options.choice("format", ["csv", "json", "html"]).pipe(
  Options.withAlias("f"),
  Options.withDescription("csv (one row per monday.com user), json, or html (one self-contained page). " +
    "Default: the --out file's extension, else html"),
  Options.optional
)

const outOption = Options.file("out").pipe(
  Options.withAlias("o"),
  Options.withDescription("Write the report to this file instead of standard output"),
  Options.optional
)

/** The format asked for, else the one the output file's name says, else HTML. */
export const formatFor = (format: Option.Option<ReportFormat>, out: Option.Option<string>): ReportFormat =>
  Option.getOrElse(format, () => {
    const ext = Option.map(out, (o) => Path.extname(o).slice(1).toLowerCase())
    return Option.isSome(ext) && (ext.value === "csv" || ext.value === "json") ? ext.value : "html"
  })

export const reportCommand = Command.make(
  "report",
  { config: configOption, format: formatOption, out: outOption },
  ({ config, format, out }) =>
    Effect.gen(function*() {
      const settings = yield* loadSettings(config)
      if (process.stderr.isTTY) yield* Console.error("reading Okta and monday.com…")
      const report = yield* accessReport().pipe(
        Effect.provide(engineLayer(settings, { store: readOnlyStore(settings.state) }))
      )
      const text = render(report, formatFor(format, out))
      if (Option.isNone(out)) return yield* Console.log(text.endsWith("\n") ? text.slice(0, -1) : text)
      Fs.mkdirSync(Path.dirname(Path.resolve(out.value)), { recursive: true })
      Fs.writeFileSync(out.value, text)
      const s = report.summary
      yield* Console.error(
        `${out.value}: ${s.users} monday.com users; ${s.accessViolation} access violations, ` +
          `${s.seatToReclaim} seats to reclaim, ` +
          `${s.profileDrift} with profile drift, ${s.handAdded} added by hand`
      )
    })
).pipe(
  Command.withDescription(
    "Access review: every monday.com user with their teams (and which Okta group gave each), Okta status and app " +
      "assignment, and flags: seats to reclaim, access violations, profile drift"
  )
)
