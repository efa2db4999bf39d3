/**
 * mapping-core: the pure heart of okta-monday. Values in, values out: rule config, snapshots,
 * deltas, and the planner that turns them into monday.com team operations.
 */
export * as Delta from "./Delta.js"
export * as Domain from "./Domain.js"
export * as Plan from "./Plan.js"
export * as PlanFile from "./PlanFile.js"
export * as Planner from "./Planner.js"
export * as RuleConfig from "./RuleConfig.js"
export * as Users from "./Users.js"
