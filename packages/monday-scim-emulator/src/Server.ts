/**
 * The HTTP side: a plain `node:http` request handler (fast enough for thousands of requests per second) that counts
 * requests by path template, injects faults, authenticates, applies the rate limit and dispatches SCIM requests to the
 * Store; plus the admin surface under `/_emulator/`.
 */
import type { IncomingMessage, ServerResponse } from "node:http"
import {
  AccountSeed,
  decodeAdmin,
  FaultOptions,
  optionsFromPatch,
  OptionsPatch,
  PlanUpdate,
  TokenRequest,
  UserUpdate
} from "./AdminSchemas.js"
import { serviceProviderConfig, resourceTypes, schemas, listOf } from "./Discovery.js"
import { InvalidInputError, UnknownAccountError, UnknownUserError } from "./Errors.js"
import { parseFilter } from "./Filter.js"
import type { Resource } from "./Filter.js"
import type { FaultOptions as FaultOptionsType, OptionsUpdate } from "./Model.js"
import type { Faults, TokenBuckets } from "./Faults.js"
import { listResponse, pageOf, project, projectionOf, teamResource, userResource } from "./Resources.js"
import { badRequest, notFound, ScimError } from "./ScimError.js"
import { decodeBody, GroupInput, PatchRequest, UserInput } from "./ScimSchemas.js"
import type { ListQuery, Store } from "./Store.js"

export interface ResolvedOptions {
  readonly maxPageSize: number
  readonly maxMembersPerPatch: number | undefined
  readonly omitMembers: boolean
  readonly requireEnterprise: boolean
  readonly allowReactivation: boolean
  readonly acceptPut: boolean
  readonly groupPatchStatus: 200 | 204
}

export interface ServerContext {
  readonly store: Store
  readonly faults: Faults
  readonly buckets: TokenBuckets
  readonly counters: Map<string, number>
  /** Writes the store carried out (2xx), by "METHOD /template", whether or not the answer reached the client. */
  readonly applied: Map<string, number>
  /** SCIM requests received and not yet answered, and the most there were at once. */
  readonly inFlight: { now: number; peak: number }
  readonly options: () => ResolvedOptions
  readonly scimUrl: () => string
  readonly setFaults: (faults: FaultOptionsType) => void
  readonly setOptions: (patch: OptionsUpdate) => void
  readonly currentOptions: () => Record<string, unknown>
  readonly resetCounters: () => void
  readonly reset: () => void
}

const SCIM_PREFIX = "/scim/v2"
const ADMIN_PREFIX = "/_emulator"
const SCIM_JSON = "application/scim+json"

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms))

const readBody = (req: IncomingMessage): Promise<string> =>
  new Promise((resolve, reject) => {
    const chunks: Array<Buffer> = []
    req.on("data", (chunk: Buffer) => chunks.push(chunk))
    req.on("end", () => resolve(chunks.length === 0 ? "" : Buffer.concat(chunks).toString("utf8")))
    req.on("error", reject)
  })

const send = (
  res: ServerResponse,
  status: number,
  body: unknown,
  headers: Readonly<Record<string, string>> = {},
  contentType = SCIM_JSON
): void => {
  if (body === undefined) {
    res.writeHead(status, headers)
    res.end()
    return
  }
  const text = JSON.stringify(body)
  res.writeHead(status, { ...headers, "content-type": contentType, "content-length": Buffer.byteLength(text) })
  res.end(text)
}

const sendError = (res: ServerResponse, error: ScimError): void =>
  send(res, error.status, error.toBody(), error.headers ?? {})

/** The path template of a SCIM path, for counters and fault targeting: "/Groups/{id}". */
const templateOf = (segments: ReadonlyArray<string>): string => {
  const [collection, id, ...rest] = segments
  if (collection === undefined) return "/"
  if (rest.length > 0) return "/{unknown}"
  switch (collection) {
    case "Users":
    case "Groups":
    case "ResourceTypes":
    case "Schemas":
      return id === undefined ? `/${collection}` : `/${collection}/{id}`
    case "ServiceProviderConfig":
      return id === undefined ? "/ServiceProviderConfig" : "/{unknown}"
    default:
      return "/{unknown}"
  }
}

const bearer = (header: string | undefined): string | undefined => {
  if (header === undefined) return undefined
  const match = /^\s*Bearer\s+(\S+)\s*$/i.exec(header)
  return match?.[1]
}

const methodNotAllowed = (method: string, template: string, allow: string, detail?: string): ScimError =>
  new ScimError({
    status: 405,
    detail: detail ?? `${method} is not supported on ${template}; allowed: ${allow}`,
    headers: { allow }
  })

const parseJson = (req: IncomingMessage, raw: string): unknown => {
  if (raw.trim() === "") throw badRequest("invalidSyntax", "The request needs a JSON body")
  const type = req.headers["content-type"]
  if (type !== undefined) {
    const mediaType = type.split(";")[0]!.trim().toLowerCase()
    if (mediaType !== "application/json" && mediaType !== SCIM_JSON) {
      throw new ScimError({
        status: 415,
        detail: `Content-Type "${type}" is not supported; send application/scim+json or application/json`
      })
    }
  }
  try {
    return JSON.parse(raw)
  } catch (error) {
    throw badRequest("invalidSyntax", `The body is not valid JSON: ${error instanceof Error ? error.message : error}`)
  }
}

const listQuery = (query: URLSearchParams, resource: Resource): ListQuery => {
  const filter = query.get("filter")
  const only = query.get("scim_provisioned_only")
  return {
    filter: filter === null || filter.trim() === "" ? undefined : parseFilter(filter, resource),
    scimProvisionedOnly: only === null ? true : only.trim().toLowerCase() !== "false"
  }
}

export const makeHandler = (ctx: ServerContext) => {
  const count = (key: string) => {
    ctx.counters.set(key, (ctx.counters.get(key) ?? 0) + 1)
    ctx.counters.set("total", (ctx.counters.get("total") ?? 0) + 1)
  }

  type Reply = (status: number, body: unknown, headers?: Readonly<Record<string, string>>) => void
  /** Counts a write the store carried out, then hands the answer on. */
  const countingApplied = (method: string, key: string, reply: Reply): Reply => (status, body, headers) => {
    if (method !== "GET" && status >= 200 && status < 300) ctx.applied.set(key, (ctx.applied.get(key) ?? 0) + 1)
    reply(status, body, headers)
  }

  const handleScim = async (
    req: IncomingMessage,
    res: ServerResponse,
    segments: ReadonlyArray<string>,
    query: URLSearchParams
  ): Promise<void> => {
    const method = (req.method ?? "GET").toUpperCase()
    const template = templateOf(segments)
    const key = `${method} ${template}`
    count(key)
    // In flight from arrival until the answer is out (or the socket is gone): what a client's concurrency shows as.
    ctx.inFlight.now++
    ctx.inFlight.peak = Math.max(ctx.inFlight.peak, ctx.inFlight.now)
    res.once("close", () => ctx.inFlight.now--)
    const raw = await readBody(req)
    const fault = ctx.faults.pick(key)
    if (fault === "drop") {
      req.socket.destroy()
      return
    }
    if (fault === "drop-after" || fault === "500-after") {
      // The store acts (or refuses) as usual; only its answer is lost on the way back.
      const lose = () => {
        if (fault === "drop-after") req.socket.destroy()
        else sendError(res, new ScimError({ status: 500, detail: "Injected 500 after the request was applied" }))
      }
      try {
        serve(req, raw, segments, query, template, method, countingApplied(method, key, () => undefined))
      } catch (error) {
        if (!(error instanceof ScimError)) throw error
      }
      return lose()
    }
    if (fault === "slow") await sleep(ctx.faults.slowMs)
    if (fault === "429") {
      const retryAfter = String(ctx.faults.retryAfterSeconds)
      return sendError(
        res,
        new ScimError({
          status: 429,
          detail: "Too many requests (injected fault); retry later",
          headers: { "retry-after": retryAfter }
        })
      )
    }
    if (fault === "500" || fault === "502" || fault === "503") {
      return sendError(res, new ScimError({ status: Number(fault), detail: `Injected ${fault} fault` }))
    }
    serve(
      req,
      raw,
      segments,
      query,
      template,
      method,
      countingApplied(method, key, (status, body, headers) => send(res, status, body, headers))
    )
  }

  /** Authenticates, rate-limits and runs one SCIM request against the store; `reply` carries the answer out. */
  const serve = (
    req: IncomingMessage,
    raw: string,
    segments: ReadonlyArray<string>,
    query: URLSearchParams,
    template: string,
    method: string,
    reply: Reply
  ): void => {
    const account = ctx.store.authenticate(bearer(req.headers.authorization))
    const options = ctx.options()
    if (options.requireEnterprise && account.plan !== "enterprise") {
      throw new ScimError({
        status: 403,
        detail: `SCIM provisioning is available on the Enterprise plan only; account "${account.slug}" is on ${account.plan}`
      })
    }
    const wait = ctx.buckets.take(account.slug)
    if (wait > 0) {
      throw new ScimError({
        status: 429,
        detail: `Rate limit exceeded for account "${account.slug}"; retry after ${wait} s`,
        headers: { "retry-after": String(wait) }
      })
    }
    const body = () => parseJson(req, raw)
    const scimUrl = ctx.scimUrl()
    const id = segments[1]
    switch (template) {
      case "/Users": {
        if (method === "GET") {
          const users = ctx.store.listUsers(account, listQuery(query, "User"))
          const projection = projectionOf(query)
          return reply(
            200,
            listResponse(users, pageOf(query, options.maxPageSize), (user) =>
              project(userResource(user, scimUrl), projection)
            )
          )
        }
        if (method === "POST") {
          const user = ctx.store.createUser(account, decodeBody(UserInput, body(), "User", "invalidValue"))
          return reply(201, userResource(user, scimUrl), { location: `${scimUrl}/Users/${user.id}` })
        }
        throw methodNotAllowed(method, template, "GET, POST")
      }
      case "/Users/{id}": {
        if (method === "GET") {
          return reply(200, project(userResource(ctx.store.getUser(account, id!), scimUrl), projectionOf(query)))
        }
        if (method === "PATCH") {
          const patch = decodeBody(PatchRequest, body(), "PatchOp", "invalidSyntax")
          const user = ctx.store.patchUser(account, id!, patch.Operations)
          return reply(200, project(userResource(user, scimUrl), projectionOf(query)))
        }
        if (method === "PUT") {
          if (!options.acceptPut) throw putRefused(template)
          const user = ctx.store.replaceUser(account, id!, decodeBody(UserInput, body(), "User", "invalidValue"))
          return reply(200, userResource(user, scimUrl))
        }
        if (method === "DELETE") {
          ctx.store.getUser(account, id!)
          throw methodNotAllowed(
            method,
            template,
            options.acceptPut ? "GET, PATCH, PUT" : "GET, PATCH",
            'monday.com never deletes users through SCIM; deactivate with PATCH {"op":"replace","value":{"active":false}}'
          )
        }
        throw methodNotAllowed(method, template, options.acceptPut ? "GET, PATCH, PUT" : "GET, PATCH")
      }
      case "/Groups": {
        if (method === "GET") {
          const teams = ctx.store.listTeams(account, listQuery(query, "Group"))
          const projection = projectionOf(query)
          const withMembers = !options.omitMembers
          return reply(
            200,
            listResponse(teams, pageOf(query, options.maxPageSize), (team) =>
              project(teamResource(account, team, scimUrl, withMembers), projection)
            )
          )
        }
        if (method === "POST") {
          const { team } = ctx.store.createTeam(account, decodeBody(GroupInput, body(), "Group", "invalidValue"))
          return reply(201, teamResource(account, team, scimUrl, true), {
            location: `${scimUrl}/Groups/${team.id}`
          })
        }
        throw methodNotAllowed(method, template, "GET, POST")
      }
      case "/Groups/{id}": {
        if (method === "GET") {
          const team = ctx.store.getTeam(account, id!)
          return reply(
            200,
            project(teamResource(account, team, scimUrl, !options.omitMembers), projectionOf(query))
          )
        }
        if (method === "PATCH") {
          const patch = decodeBody(PatchRequest, body(), "PatchOp", "invalidSyntax")
          const team = ctx.store.patchTeam(account, id!, patch.Operations, options.maxMembersPerPatch)
          const projection = projectionOf(query)
          if (options.groupPatchStatus === 204 && projection === undefined) return reply(204, undefined)
          return reply(200, project(teamResource(account, team, scimUrl, true), projection))
        }
        if (method === "PUT") {
          if (!options.acceptPut) throw putRefused(template)
          const input = decodeBody(GroupInput, body(), "Group", "invalidValue")
          const team = ctx.store.replaceTeam(account, id!, input, options.maxMembersPerPatch)
          return reply(200, teamResource(account, team, scimUrl, true))
        }
        if (method === "DELETE") {
          ctx.store.deleteTeam(account, id!)
          return reply(204, undefined)
        }
        throw methodNotAllowed(method, template, options.acceptPut ? "GET, PATCH, PUT, DELETE" : "GET, PATCH, DELETE")
      }
      case "/ServiceProviderConfig": {
        if (method !== "GET") throw methodNotAllowed(method, template, "GET")
        return reply(200, serviceProviderConfig(scimUrl, options.maxPageSize))
      }
      case "/ResourceTypes":
      case "/ResourceTypes/{id}": {
        if (method !== "GET") throw methodNotAllowed(method, template, "GET")
        const types = resourceTypes(scimUrl)
        if (id === undefined) return reply(200, listOf(types))
        const found = types.find((type) => type.id === id)
        if (found === undefined) throw notFound(`ResourceType ${id} not found`)
        return reply(200, found)
      }
      case "/Schemas":
      case "/Schemas/{id}": {
        if (method !== "GET") throw methodNotAllowed(method, template, "GET")
        const all = schemas(scimUrl)
        if (id === undefined) return reply(200, listOf(all))
        const found = all.find((schema) => schema.id === id)
        if (found === undefined) throw notFound(`Schema ${id} not found`)
        return reply(200, found)
      }
      default:
        throw notFound(`No SCIM endpoint at ${SCIM_PREFIX}${segments.length === 0 ? "" : "/" + segments.join("/")}`)
    }
  }

  const handleAdmin = async (
    req: IncomingMessage,
    res: ServerResponse,
    segments: ReadonlyArray<string>
  ): Promise<void> => {
    const method = (req.method ?? "GET").toUpperCase()
    const raw = await readBody(req)
    const json = (): unknown => {
      if (raw.trim() === "") return {}
      try {
        return JSON.parse(raw)
      } catch (error) {
        throw new InvalidInputError({
          reason: `The body is not valid JSON: ${error instanceof Error ? error.message : error}`
        })
      }
    }
    const ok = (status: number, body?: unknown) => send(res, status, body, {}, "application/json")
    const [resource, slug, sub, subId] = segments
    const path = segments.join("/")
    if (resource === "accounts" && slug === undefined) {
      if (method === "GET") return ok(200, { accounts: ctx.store.slugs() })
      if (method === "POST") return ok(201, ctx.store.createAccount(decodeAdmin(AccountSeed, json(), "account seed")))
    } else if (resource === "accounts" && sub === undefined) {
      if (method === "GET") return ok(200, ctx.store.accountState(slug!))
    } else if (resource === "accounts" && sub === "tokens" && subId === undefined) {
      if (method === "POST") {
        return ok(201, { token: ctx.store.createToken(slug!, decodeAdmin(TokenRequest, json(), "token request")) })
      }
    } else if (resource === "accounts" && sub === "plan" && subId === undefined) {
      if (method === "PUT") {
        ctx.store.setPlan(slug!, decodeAdmin(PlanUpdate, json(), "plan").plan)
        return ok(204)
      }
    } else if (resource === "accounts" && sub === "users" && subId !== undefined) {
      if (method === "PATCH")
        return ok(200, ctx.store.updateUser(slug!, subId, decodeAdmin(UserUpdate, json(), "user update")))
    } else if (path === "faults") {
      if (method === "GET") return ok(200, { ...ctx.faults.current(), injected: ctx.faults.injectedCounts() })
      if (method === "PUT" || method === "POST") {
        ctx.setFaults(decodeAdmin(FaultOptions, json(), "faults"))
        return ok(204)
      }
      if (method === "DELETE") {
        ctx.setFaults({})
        return ok(204)
      }
    } else if (path === "options") {
      if (method === "GET") return ok(200, ctx.currentOptions())
      if (method === "PATCH") {
        ctx.setOptions(optionsFromPatch(decodeAdmin(OptionsPatch, json(), "options")))
        return ok(200, ctx.currentOptions())
      }
    } else if (path === "counters") {
      if (method === "GET") return ok(200, Object.fromEntries(ctx.counters))
      if (method === "DELETE") {
        ctx.resetCounters()
        return ok(204)
      }
    } else if (path === "applied") {
      if (method === "GET") return ok(200, Object.fromEntries(ctx.applied))
    } else if (path === "reset") {
      if (method === "POST") {
        ctx.reset()
        return ok(204)
      }
    } else {
      return ok(404, { error: "NotFound", message: `No admin endpoint ${ADMIN_PREFIX}/${path}` })
    }
    return ok(405, { error: "MethodNotAllowed", message: `${method} is not supported on ${ADMIN_PREFIX}/${path}` })
  }

  return (req: IncomingMessage, res: ServerResponse): void => {
    const url = req.url ?? "/"
    const q = url.indexOf("?")
    let pathname: string
    try {
      pathname = decodeURIComponent(q < 0 ? url : url.slice(0, q))
    } catch {
      pathname = q < 0 ? url : url.slice(0, q)
    }
    const query = new URLSearchParams(q < 0 ? "" : url.slice(q + 1))
    const admin = pathname === ADMIN_PREFIX || pathname.startsWith(`${ADMIN_PREFIX}/`)
    const work = admin
      ? handleAdmin(req, res, pathname.slice(ADMIN_PREFIX.length).split("/").filter(Boolean))
      : pathname === SCIM_PREFIX || pathname.startsWith(`${SCIM_PREFIX}/`)
        ? handleScim(req, res, pathname.slice(SCIM_PREFIX.length).split("/").filter(Boolean), query)
        : Promise.reject(notFound(`Not a SCIM path: ${pathname}; the SCIM base is ${SCIM_PREFIX}`))
    work.catch((error: unknown) => {
      if (res.headersSent || res.destroyed) return
      if (error instanceof ScimError) return sendError(res, error)
      if (error instanceof InvalidInputError) {
        return send(res, 400, { error: error._tag, message: error.message }, {}, "application/json")
      }
      if (error instanceof UnknownAccountError || error instanceof UnknownUserError) {
        return send(res, 404, { error: error._tag, message: error.message }, {}, "application/json")
      }
      const detail = error instanceof Error ? error.message : String(error)
      sendError(res, new ScimError({ status: 500, detail: `Emulator failure: ${detail}` }))
    })
  }
}

const putRefused = (template: string): ScimError =>
  new ScimError({
    status: 405,
    detail: `PUT ${template} is not supported: monday.com changes users and teams with PATCH only`,
    headers: { allow: template.startsWith("/Users") ? "GET, PATCH" : "GET, PATCH, DELETE" }
  })
