/**
 * The `okta-monday` process: runs the CLI on Node with logs on stderr (pretty at a terminal,
 * JSON lines otherwise) and a one-line message, not a stack trace, for errors a person can fix.
 */
import { ValidationError } from "@effect/cli"
import { NodeContext, NodeRuntime } from "@effect/platform-node"
import { Cause, Console, Effect, Layer, Logger, LogLevel } from "effect"
import { Command } from "@effect/cli"
import { commands, ROOT_DESCRIPTION } from "./Cli.js"
import { demoCommand } from "./Demo.js"

const level = LogLevel.fromLiteral(
  (["All", "Trace", "Debug", "Info", "Warning", "Error", "None"] as const).find(
    (l) => l.toLowerCase() === (process.env.OKTA_MONDAY_LOG_LEVEL ?? "info").toLowerCase()
  ) ?? "Info"
)
const logger = Logger.replace(
  Logger.defaultLogger,
  Logger.withConsoleError(process.stderr.isTTY ? Logger.prettyLogger() : Logger.jsonLogger)
)

/** The message of an error as a person reads it; typed errors carry their own. */
export const describeError = (error: unknown): string => {
  if (error instanceof Error || (typeof error === "object" && error !== null && "message" in error)) {
    const message = String((error as { message: unknown }).message)
    if (message !== "" && message !== "undefined") return message
  }
  if (typeof error === "object" && error !== null && "_tag" in error) return `${String((error as { _tag: unknown })._tag)}: ${JSON.stringify(error)}`
  return String(error)
}

const cli = Command.run(
  Command.make("okta-monday").pipe(
    Command.withDescription(ROOT_DESCRIPTION),
    Command.withSubcommands([...commands, demoCommand])
  ),
  { name: "okta-monday", version: "0.1.0" }
)

cli(process.argv).pipe(
  Effect.catchAllCause((cause) => {
    if (Cause.isInterruptedOnly(cause)) return Effect.void
    const failure = Cause.failureOption(cause)
    if (failure._tag === "Some" && ValidationError.isValidationError(failure.value)) {
      return Effect.sync(() => (process.exitCode = 1))
    }
    const message = failure._tag === "Some" ? describeError(failure.value) : Cause.pretty(cause)
    return Console.error(`okta-monday: ${message}`).pipe(Effect.zipRight(Effect.sync(() => (process.exitCode = 1))))
  }),
  Effect.provide(Layer.mergeAll(NodeContext.layer, logger, Logger.minimumLogLevel(level))),
  NodeRuntime.runMain({ disableErrorReporting: true, disablePrettyLogger: true })
)
