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
let failed = 0
for (const pkg of readdirSync(join(root, "packages")).sort()) {
  const dir = join(root, "packages", pkg, "bench")
  if (!existsSync(dir)) continue
  for (const file of readdirSync(dir).filter((f) => f.endsWith(".bench.ts")).sort()) {
    if (only.length > 0 && !only.some((o) => `${pkg}/${file}`.includes(o))) continue
    console.log(`# ${pkg}/bench/${file}`)
    const r = spawnSync(process.execPath, ["--expose-gc", "--max-old-space-size=4096", "--import", "tsx", join(dir, file)], {
      stdio: "inherit",
      cwd: join(root, "packages", pkg)
    })
    if (r.status !== 0) failed++
  }
}
process.exit(failed === 0 ? 0 : 1)
