/**
 * An Okta admin's changes, made over the Management API with an SSWS token exactly as a script or the
 * Admin Console makes them: group members, groups, app assignments, the user lifecycle. Tests and the
 * demo change the emulated org through it, so a change takes the path a real one takes (HTTP, auth,
 * rate limits, the System Log event Okta records). It speaks Okta's own API shapes, so it works against
 * a real org too.
 */
import { FetchHttpClient, HttpClient, HttpClientRequest, HttpClientResponse } from "@effect/platform"
import { Context, Duration, Effect, Layer, Redacted, Schema } from "effect"

/** Okta refused a change, or couldn't be reached. */
export class OktaAdminError extends Schema.TaggedError<OktaAdminError>()("OktaAdminError", {
  /** `"PUT /api/v1/groups/00g…/users/00u…"`. */
  request: Schema.String,
  status: Schema.optional(Schema.Number),
  errorCode: Schema.optional(Schema.String),
  summary: Schema.String
}) {
  get message(): string {
    return this.status === undefined
      ? `Okta could not be reached for ${this.request}: ${this.summary}`
      : `Okta refused ${this.request} (${this.status}${this.errorCode ? ` ${this.errorCode}` : ""}): ${this.summary}`
  }
}

export const AdminGroup = Schema.Struct({
  id: Schema.String,
  type: Schema.String,
  profile: Schema.Struct(
    { name: Schema.String, description: Schema.optional(Schema.NullOr(Schema.String)) },
    Schema.Record({ key: Schema.String, value: Schema.Unknown })
  )
})
export type AdminGroup = typeof AdminGroup.Type

export const AdminUser = Schema.Struct({
  id: Schema.String,
  status: Schema.String,
  profile: Schema.Struct({ login: Schema.String }, Schema.Record({ key: Schema.String, value: Schema.Unknown }))
})
export type AdminUser = typeof AdminUser.Type

const OktaErrorBody = Schema.Struct({ errorCode: Schema.optional(Schema.String), errorSummary: Schema.optional(Schema.String) })

export interface OktaAdminOptions {
  /** `https://your-org.okta.com` (or an emulator's `orgUrl`); a trailing slash is removed. */
  readonly orgUrl: string
  /** An SSWS API token of an admin allowed to make the changes. */
  readonly token: Redacted.Redacted<string>
  /** The app instance whose assignments `assignUserToApp` & co. change. */
  readonly appId: string
  /** 429 answers waited out (until `X-Rate-Limit-Reset`) per request before failing. Default 3. */
  readonly maxRateLimitWaits?: number
}

export interface OktaAdminService {
  /** `PUT /api/v1/groups/{groupId}/users/{userId}`: logs `group.user_membership.add`. */
  readonly addGroupMember: (groupId: string, userId: string) => Effect.Effect<void, OktaAdminError>
  /** `DELETE /api/v1/groups/{groupId}/users/{userId}`: logs `group.user_membership.remove`. */
  readonly removeGroupMember: (groupId: string, userId: string) => Effect.Effect<void, OktaAdminError>
  /** `POST /api/v1/groups`: logs `group.lifecycle.create`. */
  readonly createGroup: (profile: { readonly name: string; readonly description?: string }) => Effect.Effect<AdminGroup, OktaAdminError>
  /** `GET` then `PUT /api/v1/groups/{groupId}` (PUT replaces the profile, so the description is carried over): logs `group.profile.update`. */
  readonly renameGroup: (groupId: string, name: string) => Effect.Effect<AdminGroup, OktaAdminError>
  /** `DELETE /api/v1/groups/{groupId}`: logs `group.lifecycle.delete`. */
  readonly deleteGroup: (groupId: string) => Effect.Effect<void, OktaAdminError>
  /** `POST /api/v1/apps/{appId}/users` (scope USER): logs `application.user_membership.add`. */
  readonly assignUserToApp: (userId: string, options?: { readonly userName?: string }) => Effect.Effect<void, OktaAdminError>
  /** `DELETE /api/v1/apps/{appId}/users/{userId}`: logs `application.user_membership.remove` when no group still assigns the user. */
  readonly unassignUserFromApp: (userId: string) => Effect.Effect<void, OktaAdminError>
  /** `PUT /api/v1/apps/{appId}/groups/{groupId}`: logs `group.application_assignment.add`. */
  readonly assignGroupToApp: (groupId: string, options?: { readonly priority?: number }) => Effect.Effect<void, OktaAdminError>
  /** `DELETE /api/v1/apps/{appId}/groups/{groupId}`: logs `group.application_assignment.remove`. */
  readonly unassignGroupFromApp: (groupId: string) => Effect.Effect<void, OktaAdminError>
  /** `POST /api/v1/users?activate=…`: logs `user.lifecycle.create` (and `user.lifecycle.activate`). */
  readonly createUser: (
    profile: { readonly login: string; readonly email?: string; readonly firstName?: string; readonly lastName?: string } & Record<string, unknown>,
    options?: { readonly activate?: boolean }
  ) => Effect.Effect<AdminUser, OktaAdminError>
  /** `POST /api/v1/users/{userId}` (a partial profile update): logs `user.account.update_profile`. */
  readonly updateUserProfile: (userId: string, patch: Record<string, unknown>) => Effect.Effect<AdminUser, OktaAdminError>
  /** `lifecycle/activate`, for a STAGED or DEPROVISIONED user (this is how a deactivated user comes back). */
  readonly activateUser: (userId: string) => Effect.Effect<void, OktaAdminError>
  /** `lifecycle/reactivate`: resends activation to a PROVISIONED user, who stays PROVISIONED. */
  readonly reactivateUser: (userId: string) => Effect.Effect<void, OktaAdminError>
  /** `lifecycle/deactivate`: the user becomes DEPROVISIONED. */
  readonly deactivateUser: (userId: string) => Effect.Effect<void, OktaAdminError>
  /** `lifecycle/suspend`, for an ACTIVE user. */
  readonly suspendUser: (userId: string) => Effect.Effect<void, OktaAdminError>
  /** `lifecycle/unsuspend`, for a SUSPENDED user. */
  readonly unsuspendUser: (userId: string) => Effect.Effect<void, OktaAdminError>
  /** `DELETE /api/v1/users/{userId}`: as in Okta, the first call deactivates an active user, a second one deletes. */
  readonly deleteUser: (userId: string) => Effect.Effect<void, OktaAdminError>
}

export class OktaAdmin extends Context.Tag("@okta-monday/okta-emulator/OktaAdmin")<OktaAdmin, OktaAdminService>() {
  static readonly layer = (options: OktaAdminOptions): Layer.Layer<OktaAdmin, never, HttpClient.HttpClient> =>
    Layer.effect(OktaAdmin, make(options))
  /** With the platform's `fetch` client. */
  static readonly layerFetch = (options: OktaAdminOptions): Layer.Layer<OktaAdmin> =>
    OktaAdmin.layer(options).pipe(Layer.provide(FetchHttpClient.layer))
}

const seg = encodeURIComponent

export const make = (options: OktaAdminOptions): Effect.Effect<OktaAdminService, never, HttpClient.HttpClient> =>
  Effect.gen(function*() {
    const orgUrl = options.orgUrl.replace(/\/+$/, "")
    const app = `/api/v1/apps/${seg(options.appId)}`
    const maxWaits = options.maxRateLimitWaits ?? 3
    const http = (yield* HttpClient.HttpClient).pipe(
      HttpClient.mapRequest((r) =>
        r.pipe(
          HttpClientRequest.prependUrl(orgUrl),
          HttpClientRequest.acceptJson,
          HttpClientRequest.setHeader("authorization", `SSWS ${Redacted.value(options.token)}`)
        )
      )
    )

    /** Sends one request; a 429 is waited out until `X-Rate-Limit-Reset`; any other non-2xx is an OktaAdminError. */
    const send = (request: HttpClientRequest.HttpClientRequest): Effect.Effect<HttpClientResponse.HttpClientResponse, OktaAdminError> => {
      const label = `${request.method} ${request.url}`
      const once = (waits: number): Effect.Effect<HttpClientResponse.HttpClientResponse, OktaAdminError> =>
        http.execute(request).pipe(
          Effect.mapError((e) => new OktaAdminError({ request: label, summary: e.message })),
          Effect.flatMap((res) => {
            if (res.status >= 200 && res.status < 300) return Effect.succeed(res)
            if (res.status === 429 && waits < maxWaits) {
              const reset = Number(res.headers["x-rate-limit-reset"]) * 1000
              const wait = Number.isFinite(reset) && reset > 0 ? Math.max(0, reset - Date.now()) + 50 : 1000
              return Effect.sleep(Duration.millis(wait)).pipe(Effect.zipRight(once(waits + 1)))
            }
            return res.json.pipe(
              Effect.flatMap(Schema.decodeUnknown(OktaErrorBody)),
              Effect.orElseSucceed(() => ({ errorCode: undefined, errorSummary: undefined })),
              Effect.flatMap((body) =>
                Effect.fail(
                  new OktaAdminError({
                    request: label,
                    status: res.status,
                    ...(body.errorCode === undefined ? {} : { errorCode: body.errorCode }),
                    summary: body.errorSummary ?? "no error body"
                  })
                )
              )
            )
          })
        )
      return once(0)
    }

    const decoded = <A, I>(schema: Schema.Schema<A, I>, request: HttpClientRequest.HttpClientRequest) =>
      send(request).pipe(
        Effect.flatMap((res) =>
          HttpClientResponse.schemaBodyJson(schema)(res).pipe(
            Effect.mapError((e) =>
              new OktaAdminError({ request: `${request.method} ${request.url}`, status: res.status, summary: `unexpected answer: ${e.message}` })
            )
          )
        )
      )

    const done = (request: HttpClientRequest.HttpClientRequest) => Effect.asVoid(send(request))
    const lifecycle = (op: string) => (userId: string) =>
      done(HttpClientRequest.post(`/api/v1/users/${seg(userId)}/lifecycle/${op}`))

    const service: OktaAdminService = {
      addGroupMember: (groupId, userId) => done(HttpClientRequest.put(`/api/v1/groups/${seg(groupId)}/users/${seg(userId)}`)),
      removeGroupMember: (groupId, userId) => done(HttpClientRequest.del(`/api/v1/groups/${seg(groupId)}/users/${seg(userId)}`)),
      createGroup: (profile) =>
        decoded(AdminGroup, HttpClientRequest.post("/api/v1/groups").pipe(HttpClientRequest.bodyUnsafeJson({ profile }))),
      renameGroup: (groupId, name) =>
        Effect.gen(function*() {
          const current = yield* decoded(AdminGroup, HttpClientRequest.get(`/api/v1/groups/${seg(groupId)}`))
          const profile = { ...current.profile, name }
          return yield* decoded(
            AdminGroup,
            HttpClientRequest.put(`/api/v1/groups/${seg(groupId)}`).pipe(HttpClientRequest.bodyUnsafeJson({ profile }))
          )
        }),
      deleteGroup: (groupId) => done(HttpClientRequest.del(`/api/v1/groups/${seg(groupId)}`)),
      assignUserToApp: (userId, opts) =>
        done(
          HttpClientRequest.post(`${app}/users`).pipe(
            HttpClientRequest.bodyUnsafeJson({
              id: userId,
              scope: "USER",
              ...(opts?.userName === undefined ? {} : { credentials: { userName: opts.userName } })
            })
          )
        ),
      unassignUserFromApp: (userId) => done(HttpClientRequest.del(`${app}/users/${seg(userId)}`)),
      assignGroupToApp: (groupId, opts) =>
        done(
          HttpClientRequest.put(`${app}/groups/${seg(groupId)}`).pipe(
            HttpClientRequest.bodyUnsafeJson(opts?.priority === undefined ? {} : { priority: opts.priority })
          )
        ),
      unassignGroupFromApp: (groupId) => done(HttpClientRequest.del(`${app}/groups/${seg(groupId)}`)),
      createUser: (profile, opts) =>
        decoded(
          AdminUser,
          HttpClientRequest.post("/api/v1/users").pipe(
            HttpClientRequest.setUrlParam("activate", String(opts?.activate ?? true)),
            HttpClientRequest.bodyUnsafeJson({ profile: { email: profile.login, ...profile } })
          )
        ),
      updateUserProfile: (userId, patch) =>
        decoded(
          AdminUser,
          HttpClientRequest.post(`/api/v1/users/${seg(userId)}`).pipe(HttpClientRequest.bodyUnsafeJson({ profile: patch }))
        ),
      activateUser: lifecycle("activate"),
      reactivateUser: lifecycle("reactivate"),
      deactivateUser: lifecycle("deactivate"),
      suspendUser: lifecycle("suspend"),
      unsuspendUser: lifecycle("unsuspend"),
      deleteUser: (userId) => done(HttpClientRequest.del(`/api/v1/users/${seg(userId)}`))
    }
    return service
  })

/** An admin client for an emulator (its full-rights token and app), over `fetch`. */
export const forEmulator = (emulator: { readonly orgUrl: string; readonly token: string; readonly appId: string }) =>
  make({ orgUrl: emulator.orgUrl, token: Redacted.make(emulator.token), appId: emulator.appId }).pipe(
    Effect.provide(FetchHttpClient.layer)
  )
