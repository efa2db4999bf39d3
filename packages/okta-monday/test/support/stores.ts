/**
 * The two state store back ends for end-to-end tests: the config's SQLite file, or a tenant of a
 * Postgres database created for the run on 127.0.0.1 (dropped after; see test/state/harness.ts).
 */
import { postgres } from "../state/harness.js"
import type { ConfigParts } from "./world.js"

export type StoreKind = "sqlite" | "postgres"

export interface StoreBackend {
  readonly kind: StoreKind
  readonly setup: () => Promise<void>
  readonly teardown: () => Promise<void>
  /** The `state` part of a config: a store nobody else uses. */
  readonly fresh: () => Pick<ConfigParts, "postgres">
}

export const storeBackend = (kind: StoreKind): StoreBackend => {
  if (kind === "sqlite") return { kind, setup: async () => {}, teardown: async () => {}, fresh: () => ({}) }
  const pg = postgres()
  return {
    kind,
    setup: pg.setup,
    teardown: pg.teardown,
    fresh: () => {
      const { target, tenant } = pg.fresh().spec
      return { postgres: { url: target, tenant } }
    }
  }
}

export const storeBackends: ReadonlyArray<StoreBackend> = [storeBackend("sqlite"), storeBackend("postgres")]
