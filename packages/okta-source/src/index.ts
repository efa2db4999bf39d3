/**
 * @okta-monday/okta-source: Okta snapshots and the System Log change feed, through the Okta SDK.
 */
export * from "./OktaError.js"
export * from "./OktaSource.js"
