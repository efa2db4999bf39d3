/**
 * The real `okta-monday` command as a child process (bin/okta-monday.mjs on this Node): one-shot
 * commands with their exit code and output, and a long-running daemon that a test can kill.
 */
import { spawn } from "node:child_process"
import type { ChildProcess } from "node:child_process"
import { fileURLToPath } from "node:url"

export const BIN = fileURLToPath(new URL("../../bin/okta-monday.mjs", import.meta.url))

export interface CliResult {
  readonly code: number | null
  readonly signal: NodeJS.Signals | null
  readonly stdout: string
  readonly stderr: string
}

/** Only what Node needs plus the given variables: the test runner's environment stays out. */
const childEnv = (env: Readonly<Record<string, string>>): Record<string, string> => ({
  PATH: process.env.PATH ?? "/usr/bin:/bin",
  HOME: process.env.HOME ?? "/tmp",
  TMPDIR: process.env.TMPDIR ?? "/tmp",
  OKTA_MONDAY_LOG_LEVEL: "info",
  ...env
})

/** Runs one command to its end; killed (and failing the test) after `timeoutMs`. */
export const runCli = (
  args: ReadonlyArray<string>,
  options: { readonly env: Readonly<Record<string, string>>; readonly cwd?: string; readonly timeoutMs?: number }
): Promise<CliResult> =>
  new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, ...args], {
      env: childEnv(options.env),
      cwd: options.cwd ?? process.cwd(),
      stdio: ["ignore", "pipe", "pipe"]
    })
    let stdout = ""
    let stderr = ""
    child.stdout.setEncoding("utf8").on("data", (d: string) => (stdout += d))
    child.stderr.setEncoding("utf8").on("data", (d: string) => (stderr += d))
    const timer = setTimeout(() => {
      child.kill("SIGKILL")
      reject(new Error(`okta-monday ${args.join(" ")} did not finish in ${options.timeoutMs ?? 150_000} ms\n${stderr}`))
    }, options.timeoutMs ?? 150_000)
    child.on("error", reject)
    child.on("close", (code, signal) => {
      clearTimeout(timer)
      resolve({ code, signal, stdout, stderr })
    })
  })

export interface DaemonProcess {
  readonly child: ChildProcess
  readonly pid: number
  /** Everything written to stdout and stderr so far. */
  readonly output: () => string
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>
  /** Sends the signal and waits for the exit. */
  readonly stop: (signal?: NodeJS.Signals) => Promise<{ code: number | null; signal: NodeJS.Signals | null }>
}

/** `okta-monday daemon -c <config>` in the background. */
export const startDaemon = (
  configPath: string,
  env: Readonly<Record<string, string>>
): DaemonProcess => {
  const child = spawn(process.execPath, [BIN, "daemon", "-c", configPath], {
    env: childEnv(env),
    stdio: ["ignore", "pipe", "pipe"]
  })
  let output = ""
  child.stdout!.setEncoding("utf8").on("data", (d: string) => (output += d))
  child.stderr!.setEncoding("utf8").on("data", (d: string) => (output += d))
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.on("close", (code, signal) => resolve({ code, signal }))
  )
  return {
    child,
    pid: child.pid!,
    output: () => output,
    exited,
    stop: (signal = "SIGTERM") => {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal)
      return exited
    }
  }
}
