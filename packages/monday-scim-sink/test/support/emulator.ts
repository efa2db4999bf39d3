/** The monday.com emulator on 127.0.0.1 port 0 for the length of a scope. */
import { startMondayEmulator } from "@okta-monday/monday-scim-emulator"
import type { MondayEmulator, MondayEmulatorOptions } from "@okta-monday/monday-scim-emulator"
import { Effect } from "effect"

export const emulator = (options: MondayEmulatorOptions = {}) =>
  Effect.acquireRelease(
    Effect.promise(() => startMondayEmulator({ seed: 7, ...options })),
    (emu) => Effect.promise(() => emu.close())
  )

export type { MondayEmulator }
