/**
 * The emulator as a running thing: starts the HTTP server, holds the options that tests change at runtime and exposes
 * the programmatic API (seed, read state, faults, counters, reset, close), also as a scoped Effect layer.
 */
import { createServer } from "node:http"
import type { AddressInfo } from "node:net"
import { Context, Effect, Layer } from "effect"
import { AccountSeed, decodeAdmin, FaultOptions as FaultOptionsSchema } from "./AdminSchemas.js"
import { Faults, TokenBuckets } from "./Faults.js"
import type {
  AccountSeed as AccountSeedType,
  AccountState,
  CreatedAccount,
  FaultOptions,
  InjectedFaults,
  MondayEmulatorOptions,
  OptionsUpdate,
  Plan,
  TokenRequest,
  UserState,
  UserUpdate
} from "./Model.js"
import { makeHandler } from "./Server.js"
import type { ResolvedOptions } from "./Server.js"
import { Store } from "./Store.js"

export interface MondayEmulator {
  /** "http://127.0.0.1:PORT" */
  readonly url: string
  /** `${url}/scim/v2` */
  readonly scimUrl: string
  /** Seeds an account; throws InvalidInputError naming the bad record. */
  createAccount(seed: AccountSeedType): CreatedAccount
  /** Plain-data state of an account (team members as user ids); throws UnknownAccountError. */
  account(slug: string): AccountState
  /** Replaces the fault settings; `setFaults({})` clears them. */
  setFaults(faults: FaultOptions): void
  /** Changes options at runtime (port and host excepted); a key set to undefined goes back to its default. */
  setOptions(patch: OptionsUpdate): void
  /** "METHOD /path/template" -> count, plus "total". SCIM requests only. */
  counters(): Record<string, number>
  /** Faults injected so far, by "<kind> <METHOD> <template>" (e.g. "500-after POST /Groups"). */
  injectedFaults(): InjectedFaults
  /**
   * Writes the store carried out (answered 2xx), by "METHOD /template", whether or not the answer reached the
   * client: a change applied twice shows here even when the client never learnt of the first.
   */
  applied(): Record<string, number>
  /** SCIM requests being served now, and the most served at once since the start or `resetCounters`. */
  inFlight(): { readonly now: number; readonly peak: number }
  /** Clears the request counters, the applied-write counts and the injected-fault counts; the peak restarts at now. */
  resetCounters(): void
  /** Drops all accounts, counters, faults and rate-limit buckets. */
  reset(): void
  close(): Promise<void>
  /** Another SCIM token for an account, owned by an admin (default: the first active admin). */
  createToken(slug: string, request?: TokenRequest): string
  /** A change made in the monday UI (no SCIM rule applies), e.g. demoting or deactivating the token owner. */
  updateUser(slug: string, user: string, update: UserUpdate): UserState
  setPlan(slug: string, plan: Plan): void
}

const resolve = (options: MondayEmulatorOptions): ResolvedOptions => ({
  maxPageSize: options.maxPageSize ?? 100,
  maxMembersPerPatch: options.maxMembersPerPatch,
  omitMembers: options.omitMembers ?? false,
  requireEnterprise: options.requireEnterprise ?? true,
  allowReactivation: options.allowReactivation ?? true,
  acceptPut: options.acceptPut ?? false,
  groupPatchStatus: options.groupPatchStatus ?? 204
})

export const startMondayEmulator = async (options: MondayEmulatorOptions = {}): Promise<MondayEmulator> => {
  let current: MondayEmulatorOptions = { ...options }
  let resolved = resolve(current)
  const store = new Store({ allowReactivation: () => resolved.allowReactivation })
  const faults = new Faults(options.seed ?? Date.now())
  const buckets = new TokenBuckets(options.rateLimit)
  const counters = new Map<string, number>()
  const applied = new Map<string, number>()
  const inFlight = { now: 0, peak: 0 }
  let scimUrl = ""

  const setFaults = (next: FaultOptions) => faults.set(decodeAdmin(FaultOptionsSchema, next, "faults"))
  const setOptions = (patch: OptionsUpdate) => {
    const merged: Record<string, unknown> = { ...current }
    for (const [key, value] of Object.entries(patch)) {
      if (value === undefined) delete merged[key]
      else merged[key] = value
    }
    current = merged as MondayEmulatorOptions
    resolved = resolve(current)
    if ("rateLimit" in patch) buckets.configure(current.rateLimit)
    if (patch.seed !== undefined) faults.set({ ...faults.current(), seed: patch.seed })
  }
  const resetCounters = () => {
    counters.clear()
    applied.clear()
    inFlight.peak = inFlight.now
    faults.clearInjected()
  }
  const reset = () => {
    store.reset()
    resetCounters()
    faults.set({})
    buckets.reset()
  }

  const server = createServer(
    makeHandler({
      store,
      faults,
      buckets,
      counters,
      applied,
      inFlight,
      options: () => resolved,
      scimUrl: () => scimUrl,
      setFaults,
      setOptions,
      currentOptions: () => ({
        ...resolved,
        maxMembersPerPatch: resolved.maxMembersPerPatch ?? null,
        rateLimit: current.rateLimit ?? null,
        seed: current.seed ?? null
      }),
      resetCounters,
      reset
    })
  )
  server.keepAliveTimeout = 10_000
  await new Promise<void>((resolveListen, reject) => {
    server.once("error", reject)
    server.listen(options.port ?? 0, options.host ?? "127.0.0.1", () => {
      server.off("error", reject)
      resolveListen()
    })
  })
  const address = server.address() as AddressInfo
  const host = address.family === "IPv6" ? `[${address.address}]` : address.address
  const url = `http://${host}:${address.port}`
  scimUrl = `${url}/scim/v2`

  let closed: Promise<void> | undefined
  return {
    url,
    scimUrl,
    createAccount: (seed) => store.createAccount(decodeAdmin(AccountSeed, seed, "account seed")),
    account: (slug) => store.accountState(slug),
    setFaults,
    setOptions,
    counters: () => Object.fromEntries(counters),
    injectedFaults: () => faults.injectedCounts(),
    applied: () => Object.fromEntries(applied),
    inFlight: () => ({ ...inFlight }),
    resetCounters,
    reset,
    createToken: (slug, request) => store.createToken(slug, request),
    updateUser: (slug, user, update) => store.updateUser(slug, user, update),
    setPlan: (slug, plan) => store.setPlan(slug, plan),
    close: () => {
      closed ??= new Promise<void>((resolveClose) => {
        server.close(() => resolveClose())
        server.closeAllConnections()
      })
      return closed
    }
  }
}

export class MondayEmulatorTag extends Context.Tag("@okta-monday/monday-scim-emulator/MondayEmulator")<
  MondayEmulatorTag,
  MondayEmulator
>() {}

/** Scoped: the server starts when the layer is built and closes when its scope ends. */
export const layer = (options: MondayEmulatorOptions = {}): Layer.Layer<MondayEmulatorTag> =>
  Layer.scoped(
    MondayEmulatorTag,
    Effect.acquireRelease(
      Effect.promise(() => startMondayEmulator(options)),
      (emulator) => Effect.promise(() => emulator.close())
    )
  )
