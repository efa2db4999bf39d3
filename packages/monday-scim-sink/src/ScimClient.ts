/**
 * The HTTP client for monday.com's SCIM 2.0 API: base URL and bearer token on every request,
 * answers turned into typed errors, transient failures retried (429 honouring `Retry-After`,
 * 5xx, dropped connections) within a bounded budget, and counts of what was sent.
 */
import { HttpBody, HttpClient, HttpClientRequest } from "@effect/platform"
import type { HttpClientError, HttpClientResponse } from "@effect/platform"
import {
  Clock,
  Context,
  Duration,
  Effect,
  Either,
  Layer,
  Option,
  ParseResult,
  Random,
  Redacted,
  Ref,
  Schema
} from "effect"
import type { Config, ConfigError } from "effect"
import { flow, identity } from "effect/Function"
import { attributeNamed } from "./internal/attribute.js"
import { backoff, parseRetryAfter } from "./internal/retry.js"
import { checkScimUrl } from "./internal/url.js"
import * as ScimError from "./ScimError.js"
import {
  Conflict,
  InvalidAttribute,
  MalformedResponse,
  NotEnterprise,
  RateLimited,
  ServerUnavailable,
  type SinkError,
  TeamNotFound,
  TokenRejected,
  UserNotInAccount
} from "./SinkError.js"

// ---------------------------------------------------------------------------------------------
// Options
// ---------------------------------------------------------------------------------------------

export interface RetryOptions {
  /** Attempts per request, the first included. Default 6. */
  readonly maxAttempts?: number
  /** Total time one request may spend waiting between attempts. Default 3 minutes. */
  readonly maxTotalWait?: Duration.DurationInput
  /** First backoff step; doubles each attempt. Default 500 millis. */
  readonly baseDelay?: Duration.DurationInput
  /** Largest backoff step. Default 30 seconds. */
  readonly maxDelay?: Duration.DurationInput
}

export interface Options {
  /** `https://<account>.monday.com/scim/v2`; plain http only to loopback. */
  readonly scimUrl: string
  readonly token: Redacted.Redacted
  readonly retry?: RetryOptions
  /** How long one attempt may take (answer and body) before it counts as dropped. Default 30 seconds. */
  readonly requestTimeout?: Duration.DurationInput
  /** A hook on the HTTP client (logging, tracing, a proxy), applied after the sink's own pipeline. */
  readonly transformClient?: (client: HttpClient.HttpClient) => HttpClient.HttpClient
}

/** Counts since the client was made: the engine's /metrics reports them per side. */
export interface Stats {
  /** HTTP requests sent, retries included. */
  readonly requests: number
  /** Attempts that were retried. */
  readonly retries: number
  /** 429 answers. */
  readonly rateLimited: number
  /** 5xx answers. */
  readonly serverErrors: number
  /** Dropped connections and timeouts. */
  readonly transportErrors: number
}

export const emptyStats: Stats = { requests: 0, retries: 0, rateLimited: 0, serverErrors: 0, transportErrors: 0 }

export type Method = "GET" | "POST" | "PATCH" | "DELETE"

export interface Request<A> {
  readonly method: Method
  /** Relative to the SCIM base URL, e.g. `/Groups/123`. */
  readonly path: string
  readonly urlParams?: Readonly<Record<string, string>>
  readonly body?: unknown
  /** The team a `/Groups/{id}` request is about: a 404 then means TeamNotFound. */
  readonly teamId?: string
  /** The user a `/Users/{id}` request is about: a 404 then means UserNotInAccount (that user). */
  readonly userId?: string
  /**
   * Run before re-sending when the failed attempt may have been applied (dropped connection,
   * timeout, 500/502/504). `Some` ends the request with that value instead of re-sending:
   * how a POST that did go through is found and adopted rather than duplicated.
   */
  readonly recover?: Effect.Effect<Option.Option<A>, SinkError>
}

// ---------------------------------------------------------------------------------------------
// Service
// ---------------------------------------------------------------------------------------------

export interface Service {
  /** The base URL, checked and without a trailing slash. */
  readonly scimUrl: string
  /** The HTTP client with base URL, token and JSON headers applied (and `transformClient`). */
  readonly client: HttpClient.HttpClient
  /** Sends a request and decodes a 2xx body with `schema`. */
  readonly json: <A, I>(request: Request<A>, schema: Schema.Schema<A, I>) => Effect.Effect<A, SinkError>
  /** Sends a request whose 2xx body is not needed. */
  readonly send: (request: Request<void>) => Effect.Effect<void, SinkError>
  readonly stats: Effect.Effect<Stats>
}

export class ScimClient extends Context.Tag("@okta-monday/monday-scim-sink/ScimClient")<ScimClient, Service>() {}

/** How a request appears in errors and logs: method and path with query, never the base URL's host or the token. */
export const endpointOf = (request: Pick<Request<unknown>, "method" | "path" | "urlParams">): string => {
  const query = request.urlParams ? new URLSearchParams(request.urlParams as Record<string, string>).toString() : ""
  return `${request.method} ${request.path}${query ? `?${query}` : ""}`
}

// ---------------------------------------------------------------------------------------------
// Answers → outcomes
// ---------------------------------------------------------------------------------------------

/** A failed attempt: final (`transient: false`) or worth another try. */
interface Failure {
  readonly transient: boolean
  /** The request may have reached the server and been applied. */
  readonly maybeApplied: boolean
  readonly kind: "rate-limited" | "server" | "transport" | "final"
  readonly retryAfterMillis?: number
  readonly status?: number
  readonly reason: string
  /** The error to report: for a transient failure, once the budget is spent. */
  readonly error: (attempts: number) => SinkError
}

const final = (error: SinkError): Failure => ({
  transient: false,
  maybeApplied: false,
  kind: "final",
  reason: error._tag,
  error: () => error
})

const TRANSIENT_STATUS: ReadonlySet<number> = new Set([500, 502, 503, 504])

const describeParseError = (error: ParseResult.ParseError): string => {
  const issues = ParseResult.ArrayFormatter.formatErrorSync(error)
  const shown = issues.slice(0, 3).map((issue) => {
    const path = issue.path.reduce<string>(
      (acc, key) => (typeof key === "number" ? `${acc}[${key}]` : acc === "" ? String(key) : `${acc}.${String(key)}`),
      ""
    )
    return `${path === "" ? "the body" : path}: ${issue.message}`
  })
  const more = issues.length > 3 ? ` (and ${issues.length - 3} more)` : ""
  return shown.join("; ") + more
}

const decodeScimError = Schema.decodeUnknownOption(ScimError.ScimError)

const parseJson = (text: string): Either.Either<unknown, string> => {
  try {
    return Either.right(JSON.parse(text))
  } catch {
    const shown = text.length > 80 ? `${text.slice(0, 80)}…` : text
    return Either.left(
      text.trim() === "" ? "the body is empty, expected JSON" : `the body is not JSON: ${JSON.stringify(shown)}`
    )
  }
}

const classifyStatus = (
  request: Request<unknown>,
  endpoint: string,
  response: HttpClientResponse.HttpClientResponse,
  body: string,
  now: number
): Failure => {
  const status = response.status
  const parsed = Either.getOrUndefined(parseJson(body))
  const scim = Option.getOrUndefined(decodeScimError(parsed))
  const detail = scim?.detail
  switch (status) {
    case 401:
      return final(new TokenRejected({ endpoint, ...(detail ? { detail } : {}) }))
    case 403:
      return final(new NotEnterprise({ endpoint, ...(detail ? { detail } : {}) }))
    case 404: {
      // Classified by what the request was about, never by the detail's words; a team write's
      // members are checked by the sink (MondaySink), which can ask monday.com who they are.
      if (request.userId !== undefined) {
        return final(
          new UserNotInAccount({ endpoint, role: "target", userIds: [request.userId], ...(detail ? { detail } : {}) })
        )
      }
      if (request.teamId !== undefined) {
        return final(new TeamNotFound({ endpoint, teamId: request.teamId }))
      }
      return final(
        new MalformedResponse({
          endpoint,
          status,
          problem: "the endpoint does not exist (404); the SCIM URL should end in /scim/v2"
        })
      )
    }
    case 409:
      return final(new Conflict({ endpoint, ...(detail ? { detail } : {}) }))
    case 429: {
      const retryAfterMillis = parseRetryAfter(response.headers["retry-after"], now)
      return {
        transient: true,
        maybeApplied: false,
        kind: "rate-limited",
        status,
        reason: "429 Too Many Requests",
        ...(retryAfterMillis !== undefined ? { retryAfterMillis } : {}),
        error: (attempts) =>
          new RateLimited({ endpoint, attempts, ...(retryAfterMillis !== undefined ? { retryAfterMillis } : {}) })
      }
    }
  }
  if (TRANSIENT_STATUS.has(status)) {
    return {
      transient: true,
      // 503 means the server did not take the request on; a 500/502/504 may come after it acted.
      maybeApplied: status !== 503,
      kind: "server",
      status,
      reason: `HTTP ${status}`,
      error: (attempts) => new ServerUnavailable({ endpoint, attempts, status, reason: "server error" })
    }
  }
  if (status >= 500) {
    return final(new ServerUnavailable({ endpoint, attempts: 1, status, reason: "server error" }))
  }
  const attribute = attributeNamed(detail, request.body)
  return final(
    new InvalidAttribute({
      endpoint,
      status,
      ...(scim?.scimType ? { scimType: scim.scimType } : {}),
      ...(attribute ? { attribute } : {}),
      ...(detail ? { detail } : {})
    })
  )
}

const transportFailure = (endpoint: string, reason: string): Failure => ({
  transient: true,
  maybeApplied: true,
  kind: "transport",
  reason,
  error: (attempts) => new ServerUnavailable({ endpoint, attempts, reason })
})

const describeClientError = (error: HttpClientError.HttpClientError): string => {
  // The platform's own message names the URL (base included) but never a header, so no token.
  const cause = error.cause instanceof Error ? `: ${error.cause.message}` : ""
  return error._tag === "RequestError"
    ? `connection failed (${error.reason}${cause})`
    : `connection dropped while reading the answer (${error.reason}${cause})`
}

// ---------------------------------------------------------------------------------------------
// Constructor
// ---------------------------------------------------------------------------------------------

export const make = (
  options: Options
): Effect.Effect<Service, ConfigError.ConfigError, HttpClient.HttpClient> =>
  Effect.gen(function*() {
    const scimUrl = yield* checkScimUrl(options.scimUrl)
    const maxAttempts = Math.max(1, options.retry?.maxAttempts ?? 6)
    const maxTotalWait = Duration.toMillis(options.retry?.maxTotalWait ?? Duration.minutes(3))
    const baseDelay = Duration.toMillis(options.retry?.baseDelay ?? Duration.millis(500))
    const maxDelay = Duration.toMillis(options.retry?.maxDelay ?? Duration.seconds(30))
    const requestTimeout = Duration.toMillis(options.requestTimeout ?? Duration.seconds(30))

    const client = (yield* HttpClient.HttpClient).pipe(
      HttpClient.mapRequest(
        flow(
          HttpClientRequest.prependUrl(scimUrl),
          HttpClientRequest.bearerToken(options.token),
          HttpClientRequest.acceptJson
        )
      ),
      options.transformClient ?? identity
    )

    const stats = yield* Ref.make(emptyStats)
    const count = (key: keyof Stats) => Ref.update(stats, (s) => ({ ...s, [key]: s[key] + 1 }))
    /**
     * One pause shared by every request of this client: after a 429 with Retry-After, no request
     * goes out before that time, so concurrent workers don't keep hitting an exhausted budget.
     */
    const pausedUntil = yield* Ref.make(0)
    const waitForPause = Effect.gen(function*() {
      const until = yield* Ref.get(pausedUntil)
      const now = yield* Clock.currentTimeMillis
      if (until > now) yield* Effect.sleep(Duration.millis(until - now))
    })

    const toHttpRequest = (request: Request<unknown>): HttpClientRequest.HttpClientRequest => {
      const base = HttpClientRequest.make(request.method)(request.path, {
        ...(request.urlParams ? { urlParams: request.urlParams } : {})
      })
      return request.body === undefined
        ? base
        : HttpClientRequest.setBody(
          base,
          HttpBody.text(JSON.stringify(request.body), "application/scim+json")
        )
    }

    /** One attempt: a value, or a Failure saying whether to try again. */
    const attempt = <A, I>(
      request: Request<A>,
      endpoint: string,
      schema: Schema.Schema<A, I> | undefined
    ): Effect.Effect<Either.Either<A, Failure>> =>
      client.execute(toHttpRequest(request)).pipe(
        Effect.flatMap((response) =>
          Effect.gen(function*() {
            const ok = response.status >= 200 && response.status < 300
            if (!ok || schema !== undefined) {
              const body = yield* response.text
              if (!ok) {
                const now = yield* Clock.currentTimeMillis
                return Either.left(classifyStatus(request, endpoint, response, body, now))
              }
              const json = parseJson(body)
              if (Either.isLeft(json)) {
                const problem = json.left
                return Either.left(final(new MalformedResponse({ endpoint, status: response.status, problem })))
              }
              const decoded = yield* Effect.either(Schema.decodeUnknown(schema!)(json.right))
              return Either.mapLeft(decoded, (error) =>
                final(new MalformedResponse({ endpoint, status: response.status, problem: describeParseError(error) })))
            }
            // The body is drained so the connection can be reused; a drop here changes nothing.
            yield* Effect.ignore(response.text)
            return Either.right(undefined as A)
          })
        ),
        Effect.catchAll((error) => Effect.succeed(Either.left(transportFailure(endpoint, describeClientError(error))))),
        Effect.timeoutTo({
          duration: Duration.millis(requestTimeout),
          onSuccess: identity,
          onTimeout: () => Either.left(transportFailure(endpoint, `no answer within ${requestTimeout} ms`))
        })
      )

    const run = <A, I>(request: Request<A>, schema: Schema.Schema<A, I> | undefined): Effect.Effect<A, SinkError> =>
      Effect.gen(function*() {
        const endpoint = endpointOf(request)
        let attempts = 0
        let waited = 0
        while (true) {
          yield* waitForPause
          attempts++
          yield* count("requests")
          const result = yield* attempt(request, endpoint, schema)
          if (Either.isRight(result)) return result.right
          const failure = result.left
          if (failure.kind === "rate-limited") yield* count("rateLimited")
          if (failure.kind === "server") yield* count("serverErrors")
          if (failure.kind === "transport") yield* count("transportErrors")
          if (!failure.transient) return yield* Effect.fail(failure.error(attempts))

          const now = yield* Clock.currentTimeMillis
          let delay: number
          if (failure.retryAfterMillis !== undefined) {
            // Retry-After is a floor; a little jitter on top keeps concurrent workers from returning together.
            delay = Math.ceil(failure.retryAfterMillis * (1 + 0.1 * (yield* Random.next)))
            yield* Ref.update(pausedUntil, (until) => Math.max(until, now + failure.retryAfterMillis!))
          } else {
            delay = backoff(attempts, baseDelay, maxDelay, yield* Random.next)
          }
          if (attempts >= maxAttempts || waited + delay > maxTotalWait) {
            yield* Effect.logWarning("monday.com SCIM request failed; retry budget spent").pipe(
              Effect.annotateLogs({ endpoint, reason: failure.reason, attempts, waitedMillis: waited })
            )
            return yield* Effect.fail(failure.error(attempts))
          }
          yield* Effect.logDebug("monday.com SCIM request will be retried").pipe(
            Effect.annotateLogs({ endpoint, reason: failure.reason, attempt: attempts, delayMillis: delay })
          )
          yield* count("retries")
          yield* Effect.sleep(Duration.millis(delay))
          waited += delay
          if (failure.maybeApplied && request.recover !== undefined) {
            const recovered = yield* request.recover
            if (Option.isSome(recovered)) return recovered.value
          }
        }
      }).pipe(Effect.withSpan("ScimClient.request", { attributes: { method: request.method, path: request.path } }))

    return ScimClient.of({
      scimUrl,
      client,
      json: (request, schema) => run(request, schema),
      send: (request) => run(request, undefined),
      stats: Ref.get(stats)
    })
  })

export const layer = (options: Options): Layer.Layer<ScimClient, ConfigError.ConfigError, HttpClient.HttpClient> =>
  Layer.effect(ScimClient, make(options))

export const layerConfig = (
  options: Config.Config<Options>
): Layer.Layer<ScimClient, ConfigError.ConfigError, HttpClient.HttpClient> =>
  Layer.effect(ScimClient, Effect.flatMap(options, make))
