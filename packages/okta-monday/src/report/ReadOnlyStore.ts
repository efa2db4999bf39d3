/**
 * The state store as the access review may use it: every read passes through, every write dies
 * naming the write (the report promises to change nothing, so one would be a bug). An apply a crash
 * interrupted is hidden from the engine, whose read would resume it, and resuming writes.
 */
import { Effect, Option } from "effect"
import type { StateStoreService } from "../state/StateStore.js"

const refused = (write: string) =>
  Effect.dieMessage(`okta-monday report only reads the state store, yet it tried to write (${write}): a bug, please report it`)

/**
 * Built member by member, not spread, so that a member added to the store's interface fails to
 * compile here until someone decides whether it reads or writes.
 */
export const readOnlyStore = (store: StateStoreService): StateStoreService => ({
  tenant: store.tenant,
  loadLinks: store.loadLinks,
  saveLinks: () => refused("saveLinks"),
  getCursor: store.getCursor,
  setCursor: () => refused("setCursor"),
  beginApply: () => refused("beginApply"),
  recordOutcome: () => refused("recordOutcome"),
  unfinishedApply: Effect.succeed(Option.none()),
  finishApply: () => refused("finishApply"),
  abandonApply: () => refused("abandonApply"),
  listRuns: store.listRuns,
  pruneRuns: () => refused("pruneRuns"),
  approvals: {
    add: () => refused("approvals.add"),
    list: store.approvals.list,
    remove: () => refused("approvals.remove"),
    consume: () => refused("approvals.consume")
  },
  tokenOwner: {
    get: store.tokenOwner.get,
    set: () => refused("tokenOwner.set")
  },
  blocked: {
    set: () => refused("blocked.set"),
    get: store.blocked.get
  },
  backoff: {
    recordFailure: () => refused("backoff.recordFailure"),
    recordSuccess: () => refused("backoff.recordSuccess"),
    due: store.backoff.due,
    list: store.backoff.list
  },
  lease: {
    acquire: () => refused("lease.acquire"),
    renew: () => refused("lease.renew"),
    release: () => refused("lease.release"),
    current: store.lease.current
  }
})
