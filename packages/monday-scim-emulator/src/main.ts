/**
 * Runs the emulator as a process: `tsx src/main.ts --port 8787 --seed seed.json`. Port and seed file also come from
 * MONDAY_EMULATOR_PORT / MONDAY_EMULATOR_SEED. The process serves until interrupted (Ctrl-C closes the server).
 */
import { readFile } from "node:fs/promises"
import { parseArgs } from "node:util"
import { NodeRuntime } from "@effect/platform-node"
import { Config, Effect, Option } from "effect"
import { decodeAdmin, SeedFile } from "./AdminSchemas.js"
import { MondayEmulatorTag, layer } from "./Emulator.js"
import type { MondayEmulatorOptions } from "./Model.js"

const { values } = parseArgs({
  options: {
    port: { type: "string" },
    host: { type: "string" },
    seed: { type: "string" },
    "max-page-size": { type: "string" },
    "max-members-per-patch": { type: "string" },
    "omit-members": { type: "boolean" }
  },
  strict: true
})

const integerFlag = (name: string, raw: string | undefined): Effect.Effect<number | undefined, Error> =>
  raw === undefined
    ? Effect.succeed(undefined)
    : Number.isInteger(Number(raw)) && Number(raw) >= 0
      ? Effect.succeed(Number(raw))
      : Effect.fail(new Error(`--${name} must be a non-negative integer, got "${raw}"`))

const program = Effect.gen(function* () {
  const envPort = yield* Config.option(Config.integer("MONDAY_EMULATOR_PORT"))
  const envSeed = yield* Config.option(Config.string("MONDAY_EMULATOR_SEED"))
  const port = (yield* integerFlag("port", values.port)) ?? Option.getOrElse(envPort, () => 0)
  const maxPageSize = yield* integerFlag("max-page-size", values["max-page-size"])
  const maxMembersPerPatch = yield* integerFlag("max-members-per-patch", values["max-members-per-patch"])
  const options: MondayEmulatorOptions = {
    port,
    host: values.host ?? "127.0.0.1",
    ...(maxPageSize === undefined ? {} : { maxPageSize }),
    ...(maxMembersPerPatch === undefined ? {} : { maxMembersPerPatch }),
    ...(values["omit-members"] === true ? { omitMembers: true } : {})
  }
  const seedPath = values.seed ?? Option.getOrUndefined(envSeed)
  yield* Effect.gen(function* () {
    const emulator = yield* MondayEmulatorTag
    if (seedPath !== undefined) {
      const text = yield* Effect.tryPromise({
        try: () => readFile(seedPath, "utf8"),
        catch: (error) => new Error(`Cannot read seed file ${seedPath}: ${String(error)}`)
      })
      const json = yield* Effect.try({
        try: () => JSON.parse(text) as unknown,
        catch: (error) => new Error(`Seed file ${seedPath} is not JSON: ${String(error)}`)
      })
      const seeds = yield* Effect.try({
        try: () => decodeAdmin(SeedFile, json, `seed file ${seedPath}`),
        catch: (error) => error as Error
      })
      for (const seed of Array.isArray(seeds) ? seeds : [seeds]) {
        const created = yield* Effect.try({ try: () => emulator.createAccount(seed), catch: (error) => error as Error })
        // Tokens are secrets: never printed. Put "token" in the seed file to know it.
        yield* Effect.logInfo(`seeded account ${created.slug} (admin user ${created.adminUserId})`)
      }
    }
    yield* Effect.logInfo(`monday.com SCIM emulator listening: ${emulator.scimUrl} (admin: ${emulator.url}/_emulator)`)
    return yield* Effect.never
  }).pipe(Effect.provide(layer(options)))
})

program.pipe(NodeRuntime.runMain)
