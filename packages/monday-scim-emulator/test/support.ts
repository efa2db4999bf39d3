// Shared by the emulator's tests: a fetch wrapper that returns status, headers and parsed body, and a standard seed.
import { Effect } from "effect"
import type { AccountSeed, MondayEmulator } from "../src/index.js"
import { MondayEmulatorTag } from "../src/index.js"

export interface Reply {
  readonly status: number
  readonly headers: Headers
  // Tests inspect arbitrary SCIM JSON.
  readonly body: any
}

export const request = (
  url: string,
  init: {
    readonly method?: string
    readonly token?: string
    readonly body?: unknown
    readonly headers?: Record<string, string>
  }
): Effect.Effect<Reply> =>
  Effect.promise(async () => {
    const headers: Record<string, string> = { ...(init.headers ?? {}) }
    if (init.token !== undefined) headers.authorization = `Bearer ${init.token}`
    if (init.body !== undefined && headers["content-type"] === undefined)
      headers["content-type"] = "application/scim+json"
    const response = await fetch(url, {
      method: init.method ?? "GET",
      headers,
      ...(init.body === undefined
        ? {}
        : { body: typeof init.body === "string" ? init.body : JSON.stringify(init.body) })
    })
    const text = await response.text()
    return { status: response.status, headers: response.headers, body: text === "" ? undefined : JSON.parse(text) }
  })

/** A SCIM client bound to one token. */
export const scim = (emulator: MondayEmulator, token: string | undefined) => {
  const call = (method: string, path: string, body?: unknown, headers?: Record<string, string>) =>
    request(`${emulator.scimUrl}${path}`, {
      method,
      ...(token === undefined ? {} : { token }),
      ...(body === undefined ? {} : { body }),
      ...(headers === undefined ? {} : { headers })
    })
  return {
    get: (path: string) => call("GET", path),
    post: (path: string, body: unknown, headers?: Record<string, string>) => call("POST", path, body, headers),
    patch: (path: string, body: unknown) => call("PATCH", path, body),
    put: (path: string, body: unknown) => call("PUT", path, body),
    delete: (path: string) => call("DELETE", path),
    ops: (path: string, ...Operations: ReadonlyArray<Record<string, unknown>>) =>
      call("PATCH", path, { schemas: ["urn:ietf:params:scim:api:messages:2.0:PatchOp"], Operations })
  }
}

export const acme: AccountSeed = {
  slug: "acme",
  admin: { email: "admin@acme.com", name: "Ada Admin" },
  customRoles: ["role-4242"],
  users: [
    { email: "bob@acme.com", name: "Bob Builder", id: "101" },
    { email: "carol@acme.com", name: "Carol Chen", id: "102" },
    { email: "dave@acme.com", name: "Dave Davis", id: "103", active: false },
    { email: "uiuser@acme.com", name: "Ui User", id: "104", scimProvisioned: false }
  ],
  teams: [
    { displayName: "Engineering", members: ["bob@acme.com", "carol@acme.com"], id: "201" },
    { displayName: "UI Team", members: ["uiuser@acme.com"], id: "202", scimProvisioned: false }
  ]
}

/** Resets the shared emulator, seeds acme, and answers the emulator, a client on acme's token and the seed result. */
export const freshAcme = Effect.gen(function* () {
  const emulator = yield* MondayEmulatorTag
  emulator.reset()
  emulator.setOptions({
    maxPageSize: undefined,
    maxMembersPerPatch: undefined,
    omitMembers: undefined,
    rateLimit: undefined,
    requireEnterprise: undefined,
    allowReactivation: undefined,
    acceptPut: undefined,
    groupPatchStatus: undefined
  })
  const created = emulator.createAccount(acme)
  return { emulator, created, client: scim(emulator, created.token) }
})

export const members = (body: any): ReadonlyArray<string> =>
  (body.members as ReadonlyArray<{ value: string }>).map((member) => member.value)
