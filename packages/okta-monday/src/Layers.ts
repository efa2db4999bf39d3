/**
 * From a config file to running services: the Okta source, the monday.com sink, the state store
 * and the engine on top. Connections are tested before the state store is opened, so a wrong
 * token or URL fails with nothing written.
 */
import { Effect, Layer } from "effect"
import { NodeHttpClient } from "@effect/platform-node"
import { MondaySink } from "@okta-monday/monday-scim-sink"
import { OktaSource } from "@okta-monday/okta-source"
import type { OktaAuth } from "@okta-monday/okta-source"
import { Engine } from "./Engine.js"
import { Metrics } from "./Metrics.js"
import type { Settings } from "./Settings.js"
import { StateStore } from "./state/StateStore.js"

export const oktaAuthOf = (settings: Settings): OktaAuth => {
  const { token, oauth } = settings.okta
  if (token !== undefined) return { _tag: "Ssws", token }
  return {
    _tag: "PrivateKey",
    clientId: oauth!.clientId,
    privateKey: oauth!.privateKey,
    ...(oauth!.keyId !== undefined ? { keyId: oauth!.keyId } : {}),
    ...(oauth!.scopes !== undefined ? { scopes: oauth!.scopes } : {})
  }
}

export const oktaLayer = (settings: Settings) =>
  OktaSource.layer({
    orgUrl: settings.okta.orgUrl,
    appId: settings.okta.appId,
    auth: oktaAuthOf(settings),
    concurrency: settings.okta.concurrency,
    headroom: settings.okta.headroom,
    pollInterval: `${settings.daemon.pollSeconds} seconds`
  })

export const mondayLayer = (settings: Settings) =>
  MondaySink.MondaySink.layer({
    scimUrl: settings.monday.scimUrl,
    token: settings.monday.token,
    concurrency: settings.monday.concurrency
  }).pipe(Layer.provide(NodeHttpClient.layerUndici))

/** Both sides, without the state store: what `validate --connect` needs. */
export const connectionsLayer = (settings: Settings) => Layer.merge(oktaLayer(settings), mondayLayer(settings))

/** Tests both connections; fails with the first typed error (token rejected, app not found, …). */
export const testConnections = Effect.gen(function*() {
  const okta = yield* OktaSource
  const sink = yield* MondaySink.MondaySink
  const [o, m] = yield* Effect.all([okta.testConnection, sink.testConnection], { concurrency: 2 })
  return { okta: o, monday: m }
})

export interface EngineLayerOptions {
  /** Use this store instead of the one the settings name (tests, read-only commands). */
  readonly store?: Layer.Layer<StateStore, unknown>
}

/** Engine + its services + metrics, from a settings file. */
export const engineLayer = (settings: Settings, options: EngineLayerOptions = {}) => {
  const store = options.store ?? StateStore.layer({ ...settings.state })
  const services = Layer.mergeAll(connectionsLayer(settings), store, Metrics.layer)
  return Engine.layer({ rules: settings.rules, backoffAfterFailures: settings.daemon.backoffAfterFailures }).pipe(
    Layer.provideMerge(services)
  )
}
