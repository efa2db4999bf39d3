/**
 * The `okta-monday` process: runs the CLI on Node (logs on stderr: pretty at a terminal, JSON lines
 * otherwise; see Cli.makeCli) with a one-line message, not a stack trace, for errors a person can fix.
 */
import { ValidationError } from "@effect/cli"
import { NodeContext, NodeRuntime } from "@effect/platform-node"
import { Cause, Console, Effect, Layer, Logger, LogLevel } from "effect"
import { commands, makeCli } from "./Cli.js"
import { demoCommand } from "./Demo.js"

const level = LogLevel.fromLiteral(
  (["All", "Trace", "Debug", "Info", "Warning", "Error", "None"] as const).find(
    (l) => l.toLowerCase() === (process.env.OKTA_MONDAY_LOG_LEVEL ?? "info").toLowerCase()
  ) ?? "Info"
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

const cli = makeCli([...commands, demoCommand])

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
  Effect.provide(Layer.mergeAll(NodeContext.layer, Logger.minimumLogLevel(level))),
  NodeRuntime.runMain({ disableErrorReporting: true, disablePrettyLogger: true })
)
