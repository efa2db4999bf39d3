/**
 * The `okta-monday` command line run in the test process (the same `Cli.cli` the binary runs), with
 * its output captured and its exit code read: for command flows where a child process would only
 * add seconds of start-up. Bad input and the daemon's crash go through the real binary instead.
 */
import { NodeContext } from "@effect/platform-node"
import { Terminal } from "@effect/platform"
import type { Terminal as TerminalService, UserInput } from "@effect/platform/Terminal"
import { Cause, Duration, Effect, Exit, Layer, Mailbox, Option, Schedule } from "effect"
import type { Console } from "effect"
import { cli, Tty } from "../../src/Cli.js"
import type { TtyState } from "../../src/Cli.js"
import type { CliResult } from "./processes.js"

const text = (args: ReadonlyArray<unknown>) => `${args.map(String).join(" ")}\n`

export interface InProcessOptions {
  /** What the command believes it is attached to. Default: nothing is a terminal (as in CI). */
  readonly tty?: Partial<Omit<TtyState, "write">>
  /** Keys typed at prompts, in order (`"y"`, `"n"`, `"enter"`). */
  readonly keys?: ReadonlyArray<string>
  /** For commands that run until stopped (the daemon): interrupt it once this holds of its output. */
  readonly stopWhen?: (output: { readonly stdout: string; readonly stderr: string }) => boolean
}

export interface InProcessResult extends CliResult {
  /** What went to the terminal as progress (carriage returns included). */
  readonly progress: string
  /** What prompts displayed. */
  readonly prompted: string
}

/** A terminal whose user types `keys`, and whose display is recorded. */
const scriptedTerminal = (keys: ReadonlyArray<string>, displayed: (text: string) => void): TerminalService => ({
  columns: Effect.succeed(120),
  rows: Effect.succeed(40),
  isTTY: Effect.succeed(true),
  readInput: Effect.gen(function*() {
    const mailbox = yield* Mailbox.make<UserInput>()
    for (const key of keys) {
      const named = key === "enter" || key === "return"
      yield* mailbox.offer({
        input: named ? Option.none() : Option.some(key),
        key: { name: key, ctrl: false, meta: false, shift: false }
      })
    }
    return mailbox
  }),
  readLine: Effect.succeed(keys.join("")),
  display: (text) => Effect.sync(() => displayed(text))
})

/**
 * Runs `okta-monday <args>` with `env` set for its duration. Exit code as the binary's: what the
 * command set, or 1 with the error's message on stderr when it failed.
 */
export const runCliInProcess = (
  args: ReadonlyArray<string>,
  env: Readonly<Record<string, string>>,
  options: InProcessOptions = {}
) =>
  Effect.gen(function*() {
    let stdout = ""
    let stderr = ""
    let progress = ""
    let prompted = ""
    const base = yield* Effect.console
    const capture: Console.Console = {
      ...base,
      log: (...a: ReadonlyArray<unknown>) => Effect.sync(() => void (stdout += text(a))),
      info: (...a: ReadonlyArray<unknown>) => Effect.sync(() => void (stdout += text(a))),
      error: (...a: ReadonlyArray<unknown>) => Effect.sync(() => void (stderr += text(a))),
      warn: (...a: ReadonlyArray<unknown>) => Effect.sync(() => void (stderr += text(a))),
      // Loggers write through the unsafe side.
      unsafe: {
        ...base.unsafe,
        log: (...a: ReadonlyArray<unknown>) => void (stdout += text(a)),
        info: (...a: ReadonlyArray<unknown>) => void (stdout += text(a)),
        error: (...a: ReadonlyArray<unknown>) => void (stderr += text(a)),
        warn: (...a: ReadonlyArray<unknown>) => void (stderr += text(a))
      }
    }
    const tty: TtyState = {
      stdin: false,
      stdout: false,
      stderr: false,
      ...options.tty,
      write: (t) => void (progress += t)
    }
    const terminal = Layer.succeed(Terminal.Terminal, scriptedTerminal(options.keys ?? [], (t) => void (prompted += t)))
    const saved = Object.fromEntries(Object.keys(env).map((k) => [k, process.env[k]]))
    const savedExit = process.exitCode
    const exit = yield* Effect.acquireUseRelease(
      Effect.sync(() => {
        Object.assign(process.env, env)
        process.exitCode = 0
      }),
      () => {
        const command = cli(["node", "okta-monday", ...args]).pipe(
          Effect.provide(Layer.merge(NodeContext.layer, terminal)),
          Effect.provideService(Tty, tty),
          Effect.withConsole(capture),
          Effect.exit
        )
        const stopWhen = options.stopWhen
        if (stopWhen === undefined) return command
        const stopped = Effect.sync(() => stopWhen({ stdout, stderr })).pipe(
          Effect.repeat({ until: (done) => done, schedule: Schedule.spaced(Duration.millis(50)) }),
          Effect.as(Exit.void)
        )
        return Effect.raceFirst(command, stopped)
      },
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
    return { code, signal: null, stdout, stderr, progress, prompted } satisfies InProcessResult
  })

export const cliInProcess = (args: ReadonlyArray<string>, env: Readonly<Record<string, string>>, options?: InProcessOptions) =>
  Effect.runPromise(runCliInProcess(args, env, options))
