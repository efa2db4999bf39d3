/**
 * @okta-monday/okta-emulator: a local Okta Management API server for tests, benchmarks and the demo.
 */
export * from "./OktaEmulator.js"
export * as OktaFilter from "./OktaFilter.js"
export * as OktaAdmin from "./OktaAdmin.js"
