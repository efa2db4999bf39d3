/**
 * The package's entry on plain Node (`import ... from "okta-monday"` with no TypeScript loader):
 * the sources are TypeScript and there is no build step, so this loads them through tsx's loader,
 * then takes the loader away again so the caller's process is left as it was. Type checkers read
 * `src/index.ts` directly (the `types` condition of package.json's exports).
 */
import { register } from "tsx/esm/api"

const unregister = register()
let api
try {
  api = await import("../src/index.ts")
} finally {
  // Every module of the library is loaded statically from src/index.ts, so none is left to compile.
  await unregister()
}

export const { createEngine, Daemon, Engine, Layers, Metrics, Settings, State } = api
