/**
 * A plain `node` child process, as a user of the published package runs one: no tsx flags, no
 * NODE_OPTIONS, only the environment given. For the package entry and the README's examples.
 */
import { spawn } from "node:child_process"
import type { ChildProcess } from "node:child_process"
import { fileURLToPath } from "node:url"
import type { CliResult } from "./processes.js"

/** The repository root: where `npm install` links `okta-monday` into node_modules. */
export const REPO_ROOT = fileURLToPath(new URL("../../../../", import.meta.url))

const nodeEnv = (env: Readonly<Record<string, string>>): Record<string, string> => ({
  PATH: process.env.PATH ?? "/usr/bin:/bin",
  HOME: process.env.HOME ?? "/tmp",
  TMPDIR: process.env.TMPDIR ?? "/tmp",
  ...env
})

export interface NodeProcess {
  readonly child: ChildProcess
  readonly stdout: () => string
  readonly stderr: () => string
  readonly exited: Promise<CliResult>
}

/** Starts `node <args>` in `cwd` (default: the repository root). */
export const startNode = (
  args: ReadonlyArray<string>,
  options: { readonly env: Readonly<Record<string, string>>; readonly cwd?: string }
): NodeProcess => {
  const child = spawn(process.execPath, args, {
    env: nodeEnv(options.env),
    cwd: options.cwd ?? REPO_ROOT,
    stdio: ["ignore", "pipe", "pipe"]
  })
  let stdout = ""
  let stderr = ""
  child.stdout!.setEncoding("utf8").on("data", (d: string) => (stdout += d))
  child.stderr!.setEncoding("utf8").on("data", (d: string) => (stderr += d))
  const exited = new Promise<CliResult>((resolve, reject) => {
    child.on("error", reject)
    child.on("close", (code, signal) => resolve({ code, signal, stdout, stderr }))
  })
  return { child, stdout: () => stdout, stderr: () => stderr, exited }
}

/** Runs `node <args>` to its end; killed (failing the test) after `timeoutMs`. */
export const runNode = async (
  args: ReadonlyArray<string>,
  options: { readonly env: Readonly<Record<string, string>>; readonly cwd?: string; readonly timeoutMs?: number }
): Promise<CliResult> => {
  const p = startNode(args, options)
  const timeoutMs = options.timeoutMs ?? 150_000
  let timer: ReturnType<typeof setTimeout> | undefined
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      p.child.kill("SIGKILL")
      reject(new Error(`node ${args.join(" ")} did not finish in ${timeoutMs} ms\n${p.stderr()}`))
    }, timeoutMs)
  })
  try {
    return await Promise.race([p.exited, timeout])
  } finally {
    clearTimeout(timer)
  }
}
