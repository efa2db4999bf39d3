/**
 * A SCIM 2.0 server nobody here wrote: SCIMMY resources over in-memory Maps, served by
 * scimmy-routers on 127.0.0.1 port 0. The sink's conformance tests run against it.
 */
import express from "express"
import type { AddressInfo } from "node:net"
import type { Server } from "node:http"
import SCIMMY from "scimmy"
import SCIMMYRouters from "scimmy-routers"

/** A user as SCIMMY validated it: every attribute of the core User schema the client sent, kept as is. */
export interface StoredUser {
  id: string
  userName: string
  displayName?: string
  active: boolean
  readonly [attribute: string]: unknown
}

export interface StoredGroup {
  id: string
  displayName: string
  members: Array<{ value: string; display?: string }>
}

export interface ScimmyServer {
  readonly scimUrl: string
  readonly token: string
  readonly users: Map<string, StoredUser>
  readonly groups: Map<string, StoredGroup>
  /** Requests by `METHOD path` (path without query). */
  readonly requests: Array<{ method: string; path: string; query: string }>
  readonly addUser: (userName: string, displayName?: string) => StoredUser
  readonly addGroup: (displayName: string, members: ReadonlyArray<string>) => StoredGroup
  /** Makes the store refuse a second user of a userName with 409 uniqueness (SCIMMY leaves that to the store). */
  readonly uniqueUserNames: (on: boolean) => void
  readonly close: () => Promise<void>
}

// SCIMMY is a process-wide singleton: resources are declared once, over whichever store is current.
let store = {
  users: new Map<string, StoredUser>(),
  groups: new Map<string, StoredGroup>(),
  next: 1,
  uniqueUserNames: false
}
let declared = false

// SCIMMY itself passes a null scimType for 404s; its typings only admit strings.
const notFound = (id: string | undefined) =>
  new SCIMMY.Types.Error(404, null as unknown as string, `Resource ${id} not found`)

const declare = () => {
  if (declared) return
  declared = true
  SCIMMY.Resources.declare(SCIMMY.Resources.User)
    .ingress((resource, data) => {
      const id = resource.id ?? String(store.next++)
      if (resource.id !== undefined && !store.users.has(id)) throw notFound(id)
      // POST and PATCH both land here (SCIMMY applies a PatchOp to the egress and ingresses the result).
      // SCIMMY's values are proxies structuredClone refuses; JSON gives the plain data.
      const { meta: _meta, schemas: _schemas, ...input } = JSON.parse(JSON.stringify(data)) as Record<string, unknown>
      if (resource.id === undefined && store.uniqueUserNames) {
        const taken = [...store.users.values()].find((u) =>
          u.userName.toLowerCase() === String(input.userName).toLowerCase()
        )
        if (taken) throw new SCIMMY.Types.Error(409, "uniqueness", `userName ${taken.userName} is taken (id ${taken.id})`)
      }
      const user = { ...input, id, active: input.active ?? true } as StoredUser
      store.users.set(id, user)
      return structuredClone(user)
    })
    .egress((resource) => {
      if (resource.id !== undefined) {
        const user = store.users.get(resource.id)
        if (!user) throw notFound(resource.id)
        return structuredClone(user)
      }
      const all = [...store.users.values()].map((user) => structuredClone(user))
      return resource.filter ? resource.filter.match(all) : all
    })
    .degress((resource) => {
      if (!resource.id || !store.users.delete(resource.id)) throw notFound(resource.id)
    })

  SCIMMY.Resources.declare(SCIMMY.Resources.Group)
    .ingress((resource, data) => {
      const id = resource.id ?? String(store.next++)
      if (resource.id !== undefined && !store.groups.has(id)) throw notFound(id)
      const input = data as unknown as { displayName: string; members?: Array<{ value: string; display?: string }> }
      const group: StoredGroup = {
        id,
        displayName: input.displayName,
        members: (input.members ?? []).map((m) => ({ value: m.value }))
      }
      store.groups.set(id, group)
      return group
    })
    .egress((resource) => {
      if (resource.id !== undefined) {
        const group = store.groups.get(resource.id)
        if (!group) throw notFound(resource.id)
        return structuredClone(group)
      }
      const all = [...store.groups.values()].map((group) => structuredClone(group))
      return resource.filter ? resource.filter.match(all) : all
    })
    .degress((resource) => {
      if (!resource.id || !store.groups.delete(resource.id)) throw notFound(resource.id)
    })
}

export const startScimmy = async (token = "scimmy-secret-token"): Promise<ScimmyServer> => {
  declare()
  store = { users: new Map(), groups: new Map(), next: 1, uniqueUserNames: false }
  const current = store
  const requests: ScimmyServer["requests"] = []
  const app = express()
  app.use((req, _res, next) => {
    const [path, query = ""] = req.originalUrl.split("?")
    requests.push({ method: req.method, path: path.replace(/^\/scim\/v2/, ""), query })
    // Express 5 re-parses `req.query` on every read, so scimmy-routers' cast of startIndex and
    // count to numbers is lost and SCIMMY ignores paging. A writable copy lets the cast stick.
    Object.defineProperty(req, "query", { value: { ...req.query }, writable: true, configurable: true })
    next()
  })
  app.use(
    "/scim/v2",
    new SCIMMYRouters({
      type: "bearer",
      docUri: "https://example.invalid/scim-auth",
      handler: (req) => {
        if (req.header("Authorization") !== `Bearer ${token}`) throw new Error("Authorization failed")
        return "admin"
      }
    })
  )
  const server: Server = await new Promise((resolve) => {
    const s = app.listen(0, "127.0.0.1", () => resolve(s))
  })
  const { port } = server.address() as AddressInfo
  return {
    scimUrl: `http://127.0.0.1:${port}/scim/v2`,
    token,
    users: current.users,
    groups: current.groups,
    requests,
    addUser: (userName, displayName) => {
      const user: StoredUser = {
        id: String(current.next++),
        userName,
        active: true,
        ...(displayName !== undefined ? { displayName } : {})
      }
      current.users.set(user.id, user)
      return user
    },
    addGroup: (displayName, members) => {
      const group: StoredGroup = {
        id: String(current.next++),
        displayName,
        members: members.map((value) => ({ value }))
      }
      current.groups.set(group.id, group)
      return group
    },
    uniqueUserNames: (on) => {
      current.uniqueUserNames = on
    },
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.closeAllConnections()
        server.close((error) => (error ? reject(error) : resolve()))
      })
  }
}
