/**
 * The `okta-monday` command line run in the test process (the same `Cli.cli` the binary runs), with
 * its output captured and its exit code read: for command flows where a child process would only
 * add seconds of start-up. Bad input and the daemon's crash go through the real binary instead.
 */
import { NodeContext } from "@effect/platform-node"
import { Cause, Effect, Exit } from "effect"
import type { Console } from "effect"
import { cli } from "../../src/Cli.js"
import type { CliResult } from "./processes.js"

const text = (args: ReadonlyArray<unknown>) => `${args.map(String).join(" ")}\n`

/**
 * Runs `okta-monday <args>` with `env` set for its duration. Exit code as the binary's: what the
 * command set, or 1 with the error's message on stderr when it failed.
 */
export const runCliInProcess = (args: ReadonlyArray<string>, env: Readonly<Record<string, string>>) =>
  Effect.gen(function*() {
    let stdout = ""
    let stderr = ""
    const base = yield* Effect.console
    const capture: Console.Console = {
      ...base,
      log: (...a: ReadonlyArray<unknown>) => Effect.sync(() => void (stdout += text(a))),
      info: (...a: ReadonlyArray<unknown>) => Effect.sync(() => void (stdout += text(a))),
      error: (...a: ReadonlyArray<unknown>) => Effect.sync(() => void (stderr += text(a))),
      warn: (...a: ReadonlyArray<unknown>) => Effect.sync(() => void (stderr += text(a)))
    }
    const saved = Object.fromEntries(Object.keys(env).map((k) => [k, process.env[k]]))
    const savedExit = process.exitCode
    const exit = yield* Effect.acquireUseRelease(
      Effect.sync(() => {
        Object.assign(process.env, env)
        process.exitCode = 0
      }),
      () => cli(["node", "okta-monday", ...args]).pipe(Effect.provide(NodeContext.layer), Effect.withConsole(capture), Effect.exit),
      () =>
        Effect.sync(() => {
          for (const [k, v] of Object.entries(saved)) {
            if (v === undefined) delete process.env[k]
            else process.env[k] = v
          }
        })
    )
    let code = typeof process.exitCode === "number" ? process.exitCode : 0
    process.exitCode = savedExit
    if (Exit.isFailure(exit)) {
      const error = Cause.squash(exit.cause)
      stderr += `okta-monday: ${error instanceof Error ? error.message : String(error)}\n`
      code = 1
    }
    return { code, signal: null, stdout, stderr } satisfies CliResult
  })

export const cliInProcess = (args: ReadonlyArray<string>, env: Readonly<Record<string, string>>) =>
  Effect.runPromise(runCliInProcess(args, env))
