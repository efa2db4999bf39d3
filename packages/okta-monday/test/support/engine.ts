/**
 * The Engine service built from a config for a world, on an in-memory state store (or the config's
 * SQLite file), so a test can run plan / sync / approve through the real Okta source and sink.
 */
import { Effect, Layer } from "effect"
import { Engine } from "../../src/Engine.js"
import type { EngineService } from "../../src/Engine.js"
import { engineLayer } from "../../src/Layers.js"
import { StateStore } from "../../src/state/StateStore.js"
import type { Settings } from "../../src/Settings.js"

/** Engine + its services, on a store that lives as long as the layer (memory) or the settings' SQLite file. */
export const engineFor = (settings: Settings, store: "memory" | "file" = "memory") =>
  engineLayer(settings, store === "memory" ? { store: StateStore.layerMemory() } : {})

/** Runs `f` with the engine (and its store) of `settings`, in the caller's scope. */
export const withEngine = <A, E, R>(
  settings: Settings,
  f: (engine: EngineService) => Effect.Effect<A, E, R | Engine | StateStore>,
  store: "memory" | "file" = "memory"
) => Effect.flatMap(Engine, f).pipe(Effect.provide(Layer.fresh(engineFor(settings, store))))
