/**
 * From a config file to running services: the Okta source, the monday.com sink, the state store
 * and the engine on top. Connections are tested before the state store is opened, so a wrong
 * token or URL fails with nothing written.
 */
import { Data, Effect, Either, Layer } from "effect"
import type { ConfigError } from "effect"
import { NodeHttpClient } from "@effect/platform-node"
import type { Plan } from "@okta-monday/mapping-core"
import { MondaySink } from "@okta-monday/monday-scim-sink"
import type { SinkError } from "@okta-monday/monday-scim-sink/SinkError"
import { OktaSource } from "@okta-monday/okta-source"
import type { OktaAuth, OktaConnectionInfo, OktaError } from "@okta-monday/okta-source"
import { Engine, tokenIdOf } from "./Engine.js"
import { Metrics } from "./Metrics.js"
import { loadSettings } from "./Settings.js"
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

/** Both sides, without the state store. */
export const connectionsLayer = (settings: Settings) => Layer.merge(oktaLayer(settings), mondayLayer(settings))

/** What each side answered to a connection test: its details, or what is wrong with it. */
export interface ConnectionsReport {
  readonly okta: Either.Either<OktaConnectionInfo, OktaError>
  readonly monday: Either.Either<MondaySink.ConnectionInfo, SinkError | ConfigError.ConfigError>
}

/** One or both connections failed; the message names every problem, each with what to fix. */
export class ConnectionsFailed extends Data.TaggedError("ConnectionsFailed")<{
  readonly okta?: OktaError | undefined
  readonly monday?: SinkError | ConfigError.ConfigError | undefined
}> {
  override get message(): string {
    const problems = [
      ...(this.okta ? [`Okta: ${this.okta.message}`] : []),
      ...(this.monday ? [`monday.com: ${this.monday.message}`] : [])
    ]
    return problems.length === 1 ? problems[0]! : `both connections failed:\n  - ${problems.join("\n  - ")}`
  }
}

/**
 * Tests both connections the way Okta's "Test API Credentials" does (the token is accepted, the
 * app id exists; monday.com's SCIM answers, which it does only on the Enterprise plan), both at
 * once and both to the end: one run names every problem.
 */
export const checkConnections = (settings: Settings): Effect.Effect<ConnectionsReport> =>
  Effect.all({
    okta: Effect.flatMap(OktaSource, (s) => s.testConnection).pipe(Effect.provide(oktaLayer(settings)), Effect.either),
    monday: Effect.flatMap(MondaySink.MondaySink, (s) => s.testConnection).pipe(
      Effect.provide(mondayLayer(settings)),
      Effect.either
    )
  }, { concurrency: 2 })

/** Both connections' details, or ConnectionsFailed naming every problem. */
export const testConnections = (settings: Settings) =>
  Effect.flatMap(checkConnections(settings), ({ monday, okta }) =>
    Either.isRight(okta) && Either.isRight(monday)
      ? Effect.succeed({ okta: okta.right, monday: monday.right })
      : Effect.fail(
        new ConnectionsFailed({
          okta: Either.isLeft(okta) ? okta.left : undefined,
          monday: Either.isLeft(monday) ? monday.left : undefined
        })
      ))

export interface EngineLayerOptions {
  /** Use this store instead of the one the settings name (tests, read-only commands). */
  readonly store?: Layer.Layer<StateStore, unknown>
  /** Called as each operation of an apply finishes: `done` of `total` (the CLI's progress). */
  readonly onApplyProgress?: (done: number, total: number, outcome: Plan.OperationOutcome) => Effect.Effect<void>
}

/** The sink, with every apply also reporting its progress. */
const withApplyProgress = (
  onProgress: NonNullable<EngineLayerOptions["onApplyProgress"]>
): Layer.Layer<MondaySink.MondaySink, never, MondaySink.MondaySink> =>
  Layer.effect(
    MondaySink.MondaySink,
    Effect.map(MondaySink.MondaySink, (sink): MondaySink.Service => ({
      ...sink,
      apply: (plan, options) =>
        Effect.suspend(() => {
          let done = 0
          const total = plan.operations.length
          return sink.apply(plan, {
            ...options,
            onOutcome: (outcome) =>
              (options?.onOutcome ?? (() => Effect.void))(outcome).pipe(
                Effect.zipRight(Effect.suspend(() => onProgress(++done, total, outcome)))
              )
          })
        })
    }))
  )

/** Engine + its services + metrics, from a settings file. */
export const engineLayer = (settings: Settings, options: EngineLayerOptions = {}) => {
  const store = options.store ?? StateStore.layer({ ...settings.state })
  const monday = options.onApplyProgress
    ? withApplyProgress(options.onApplyProgress).pipe(Layer.provide(mondayLayer(settings)))
    : mondayLayer(settings)
  const services = Layer.mergeAll(oktaLayer(settings), monday, store, Metrics.layer)
  return Engine.layer({
    rules: settings.rules,
    backoffAfterFailures: settings.daemon.backoffAfterFailures,
    mondayTokenId: tokenIdOf(settings.monday.token)
  }).pipe(
    Layer.provideMerge(services)
  )
}

/**
 * The engine of a config file, for Effect programs:
 * `program.pipe(Effect.provide(Layers.fromConfigFile("okta-monday.yaml")))`. Secrets resolve from
 * the process environment.
 */
export const fromConfigFile = (path: string, options: EngineLayerOptions = {}) =>
  Layer.unwrapEffect(Effect.map(loadSettings(path), (settings) => engineLayer(settings, options)))
