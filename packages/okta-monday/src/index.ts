/**
 * okta-monday: the engine that keeps monday.com teams in step with Okta groups. The Effect API
 * (Engine, Daemon, the layers built from a config file) and a plain Promise API for callers that
 * don't use Effect. mapping-core stays usable alone with plain data.
 */
export { createEngine } from "./Api.js"
export type {
  ApplyReport,
  CheckReport,
  DaemonHandle,
  DaemonStartOptions,
  EngineHandle,
  EngineSource,
  PlanReport
} from "./Api.js"
export * as Daemon from "./Daemon.js"
export * as Engine from "./Engine.js"
export * as Layers from "./Layers.js"
export * as Metrics from "./Metrics.js"
export * as Settings from "./Settings.js"
export * as State from "./state/StateStore.js"
