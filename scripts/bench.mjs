// Runs every package's benchmarks (packages/*/bench/*.bench.ts) one after another, each in its own
// Node process so memory figures don't mix. Each prints `BENCH <name> <value> <unit>` lines.
import { spawnSync } from "node:child_process"
import { readdirSync, existsSync } from "node:fs"
import { join } from "node:path"
import os from "node:os"

const root = new URL("..", import.meta.url).pathname
const only = process.argv.slice(2)
console.log(`machine: ${os.cpus().length} x ${os.cpus()[0]?.model ?? "cpu"}, ${Math.round(os.totalmem() / 2 ** 30)} GiB, node ${process.version}`)
// How long a read that misses every cache takes here (it varies with the host's other load).
spawnSync(process.execPath, [join(root, "scripts", "memory-latency.mjs")], { stdio: "inherit" })
/**
 * Benchmarks run again with other V8 settings, their figures named with a suffix: the planner
 * with a bigger young generation, as the README suggests for the daemon of a large org (a batch's
 * plan lives until its commit, and each commit makes new member lists for the teams it changed).
 */
const variants = {
  "mapping-core/planner.bench.ts": [{ flags: ["--max-semi-space-size=32"], suffix: "semi-space-32" }]
}
const run = (pkg, dir, file, flags, suffix) => {
  const args = ["--expose-gc", "--max-old-space-size=4096", ...flags, "--import", "tsx", join(dir, file)]
  const options = { cwd: join(root, "packages", pkg) }
  if (suffix === undefined) return spawnSync(process.execPath, args, { ...options, stdio: "inherit" })
  const r = spawnSync(process.execPath, args, { ...options, stdio: ["inherit", "pipe", "inherit"], encoding: "utf8" })
  for (const line of (r.stdout ?? "").split("\n")) {
    if (line !== "") console.log(line.replace(/^BENCH (\S+)/, (_, name) => `BENCH ${name}.${suffix}`))
  }
  return r
}
let failed = 0
for (const pkg of readdirSync(join(root, "packages")).sort()) {
  const dir = join(root, "packages", pkg, "bench")
  if (!existsSync(dir)) continue
  for (const file of readdirSync(dir).filter((f) => f.endsWith(".bench.ts")).sort()) {
    if (only.length > 0 && !only.some((o) => `${pkg}/${file}`.includes(o))) continue
    console.log(`# ${pkg}/bench/${file}`)
    if (run(pkg, dir, file, [], undefined).status !== 0) failed++
    for (const v of variants[`${pkg}/${file}`] ?? []) {
      console.log(`# ${pkg}/bench/${file} with ${v.flags.join(" ")}`)
      if (run(pkg, dir, file, v.flags, v.suffix).status !== 0) failed++
    }
  }
}
process.exit(failed === 0 ? 0 : 1)
