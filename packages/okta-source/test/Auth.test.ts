/**
 * Credentials: SSWS tokens and the OAuth service app, the typed errors a wrong setup gives (each
 * saying what to fix), and the SDK kept away from the machine's own Okta config.
 */
import { describe, expect, it, vi } from "@effect/vitest"
import type { OktaEmulator } from "@okta-monday/okta-emulator"
import okta from "@okta/okta-sdk-nodejs"
import { Effect, Redacted } from "effect"
import { generateKeyPairSync } from "node:crypto"
import { existsSync, mkdirSync, mkdtempSync, writeFileSync } from "node:fs"
import { createRequire } from "node:module"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { SDK_CONFIG_LOADER } from "../src/internal/client.js"
import { make } from "../src/OktaSource.js"
import { emulator, rules, source } from "./helpers.js"

const org = {
  users: [
    { profile: { login: "ann@example.com" } },
    { profile: { login: "bob@example.com" } }
  ],
  groups: [{ name: "Sales", members: ["ann@example.com", "bob@example.com"] }],
  assignments: { users: ["ann@example.com"] }
}

describe("auth and connection", () => {
  it.scopedLive("a wrong token is AuthFailed saying where to make a new one; a wrong app id is AppNotFound", () =>
    Effect.gen(function*() {
      const em = yield* emulator()
      em.seed(org)
      const bad = yield* make({ orgUrl: em.orgUrl, appId: em.appId, auth: { _tag: "Ssws", token: Redacted.make("nope-secret") } })
      const err = yield* Effect.flip(bad.testConnection)
      expect(err._tag).toBe("AuthFailed")
      expect(err.message).toContain("Security → API → Tokens")
      expect(err.message).not.toContain("nope-secret")
      const wrongApp = yield* make({ orgUrl: `${em.orgUrl}/`, appId: "0oaWRONG", auth: { _tag: "Ssws", token: Redacted.make(em.token) } })
      const missing = yield* Effect.flip(wrongApp.testConnection)
      expect(missing._tag).toBe("AppNotFound")
      expect(missing.message).toContain("0oaWRONG")
      const ok = yield* (yield* source(em)).testConnection
      expect(ok).toMatchObject({ appId: em.appId, appLabel: "monday.com", authMode: "SSWS" })
    }))

  it.scopedLive("OAuth service app end to end; a granted scope left out of the config is ForbiddenScope naming it", () =>
    Effect.gen(function*() {
      const em = yield* emulator()
      em.seed(org)
      const { privateKey, publicKey } = generateKeyPairSync("rsa", { modulusLength: 2048 })
      em.registerServiceApp({
        clientId: "0oaSYNC",
        publicJwk: publicKey.export({ format: "jwk" }),
        scopes: ["okta.groups.read", "okta.users.read", "okta.apps.read", "okta.logs.read"]
      })
      const jwk = JSON.stringify(privateKey.export({ format: "jwk" }))
      const full = yield* make({
        orgUrl: em.orgUrl,
        appId: em.appId,
        auth: { _tag: "PrivateKey", clientId: "0oaSYNC", privateKey: Redacted.make(jwk), keyId: "k1" }
      })
      expect((yield* full.testConnection).authMode).toBe("PrivateKey")
      const { snapshot } = yield* full.readSource(rules([{ select: { names: ["Sales"] } }]))
      expect(snapshot.memberships[0]!.userIds).toHaveLength(2)
      const noLogs = yield* make({
        orgUrl: em.orgUrl,
        appId: em.appId,
        auth: {
          _tag: "PrivateKey",
          clientId: "0oaSYNC",
          privateKey: Redacted.make(privateKey.export({ type: "pkcs1", format: "pem" }).toString()),
          scopes: ["okta.groups.read", "okta.users.read", "okta.apps.read"]
        }
      })
      const err = yield* Effect.flip(noLogs.poll(noLogs.startCursor(new Date())))
      expect(err._tag).toBe("ForbiddenScope")
      expect(err.message).toContain("okta.logs.read")
      expect(err.message).toContain("Okta API Scopes")
    }))
})

describe("missing rights say which and where to fix them", () => {
  const serviceApp = (em: OktaEmulator, scopes: ReadonlyArray<string>) => {
    const { privateKey, publicKey } = generateKeyPairSync("rsa", { modulusLength: 2048 })
    em.registerServiceApp({ clientId: "0oaSYNC", publicJwk: publicKey.export({ format: "jwk" }), scopes })
    return privateKey.export({ type: "pkcs1", format: "pem" }).toString()
  }

  it.scopedLive("a configured scope the service app was never granted: the token endpoint's refusal, not a bare 401", () =>
    Effect.gen(function*() {
      const em = yield* emulator()
      em.seed(org)
      const pem = serviceApp(em, ["okta.groups.read", "okta.users.read", "okta.apps.read"])
      // The default scopes include okta.logs.read, which this app was never granted.
      const src = yield* make({
        orgUrl: em.orgUrl,
        appId: em.appId,
        auth: { _tag: "PrivateKey", clientId: "0oaSYNC", privateKey: Redacted.make(pem) }
      })
      const err = yield* Effect.flip(src.testConnection)
      expect(err).toMatchObject({ _tag: "ForbiddenScope", scope: "okta.logs.read", mode: "PrivateKey", notGranted: true })
      expect(err.message).toContain("never granted")
      expect(err.message).toContain(`"Okta API Scopes" tab`)
      expect(err.message).toContain("The following scopes are not configured for this client: okta.logs.read")
      expect(err.message).not.toContain("PRIVATE KEY")
      // It stopped at the token endpoint: no API call with `Bearer undefined` went out.
      expect(Object.keys(em.counters())).toEqual(["POST /oauth2/v1/token"])
    }))

  it.scopedLive("a key the service app doesn't know is AuthFailed with Okta's reason", () =>
    Effect.gen(function*() {
      const em = yield* emulator()
      em.seed(org)
      serviceApp(em, ["okta.groups.read", "okta.users.read", "okta.apps.read", "okta.logs.read"])
      const stranger = generateKeyPairSync("rsa", { modulusLength: 2048 }).privateKey.export({ type: "pkcs1", format: "pem" }).toString()
      const src = yield* make({
        orgUrl: em.orgUrl,
        appId: em.appId,
        auth: { _tag: "PrivateKey", clientId: "0oaSYNC", privateKey: Redacted.make(stranger) }
      })
      const err = yield* Effect.flip(src.readSource(rules([{ select: { names: ["Sales"] } }])))
      expect(err).toMatchObject({ _tag: "AuthFailed", mode: "PrivateKey" })
      expect(err.message).toContain("401 invalid_client: The client_assertion signature is invalid.")
      expect(err.message).toContain("Public keys")
      expect(err.message).not.toContain("PRIVATE KEY")
    }))

  it.scopedLive("an API token whose admin has no role is ForbiddenScope saying so", () =>
    Effect.gen(function*() {
      const em = yield* emulator()
      em.seed(org)
      em.addToken("00roleless-secret", { noRole: true })
      const src = yield* make({ orgUrl: em.orgUrl, appId: em.appId, auth: { _tag: "Ssws", token: Redacted.make("00roleless-secret") } })
      const err = yield* Effect.flip(src.readSource(rules([{ select: { names: ["Sales"] } }])))
      expect(err).toMatchObject({ _tag: "ForbiddenScope", mode: "SSWS" })
      expect(err.message).toContain("admin has no role")
      expect(err.message).toContain("Read-Only Administrator")
      expect(err.message).not.toContain("roleless-secret")
    }))
})

describe("the SDK never reads the machine's Okta config", () => {
  const ENV = ["HOME", "OKTA_CLIENT_ORGURL", "OKTA_CLIENT_TOKEN", "OKTA_CLIENT_AUTHORIZATIONMODE", "HTTPS_PROXY"]

  /** Points HOME (and optionally the working directory) at throwaway folders for the test's scope. */
  const isolate = (files: { home?: string; cwd?: string }) =>
    Effect.gen(function*() {
      const home = mkdtempSync(join(tmpdir(), "okta-home-"))
      const cwd = mkdtempSync(join(tmpdir(), "okta-cwd-"))
      mkdirSync(join(home, ".okta"))
      if (files.home !== undefined) writeFileSync(join(home, ".okta", "okta.yaml"), files.home)
      if (files.cwd !== undefined) writeFileSync(join(cwd, "okta.yaml"), files.cwd)
      const saved = Object.fromEntries(ENV.map((k) => [k, process.env[k]]))
      const savedCwd = process.cwd()
      yield* Effect.addFinalizer(() =>
        Effect.sync(() => {
          process.chdir(savedCwd)
          for (const k of ENV) {
            if (saved[k] === undefined) delete process.env[k]
            else process.env[k] = saved[k]
          }
        })
      )
      process.env.HOME = home
      // The SDK's `./okta.yaml` is relative to the working directory: use a folder of our own, never the repo's.
      process.chdir(cwd)
      return { home, cwd }
    })

  /** Not YAML at all: an SDK that reads the file throws while building its client. */
  const BROKEN = "okta:\n  client: [unclosed\n    orgUrl: {\n"

  for (const where of ["home", "cwd"] as const) {
    it.scopedLive(`an unreadable okta.yaml in ${where === "home" ? "~/.okta" : "the working directory"} is never read`, () =>
      Effect.gen(function*() {
        const em = yield* emulator()
        em.seed(org)
        yield* isolate({ [where]: BROKEN })
        // Control: the unpatched SDK does read it, so this test would fail if the isolation broke.
        const raw = Effect.try(() =>
          new okta.Client({ orgUrl: em.orgUrl, token: em.token, authorizationMode: "SSWS", cacheMiddleware: null } as never)
        )
        expect((yield* Effect.flip(raw)).error).toMatchObject({ name: "YAMLException" })
        const src = yield* source(em)
        const { snapshot } = yield* src.readSource(rules([{ select: { names: ["Sales"] } }]))
        expect(snapshot.groups.map((g) => g.name)).toEqual(["Sales"])
      }))
  }

  it.scopedLive("OKTA_CLIENT_* variables, a decoy okta.yaml and HTTPS_PROXY don't redirect a single request", () =>
    Effect.gen(function*() {
      const em = yield* emulator()
      const decoy = yield* emulator()
      em.seed(org)
      const decoyYaml =
        `okta:\n  client:\n    orgUrl: "${decoy.orgUrl}"\n    token: "${decoy.token}"\n    authorizationMode: "PrivateKey"\n    keyId: "decoy"\n`
      yield* isolate({ home: decoyYaml, cwd: decoyYaml })
      process.env.OKTA_CLIENT_ORGURL = decoy.orgUrl
      process.env.OKTA_CLIENT_TOKEN = decoy.token
      process.env.OKTA_CLIENT_AUTHORIZATIONMODE = "PrivateKey"
      process.env.HTTPS_PROXY = "http://127.0.0.1:9"
      const src = yield* source(em)
      const { snapshot } = yield* src.readSource(rules([{ select: { names: ["Sales"] } }]))
      expect(snapshot.groups).toHaveLength(1)
      expect(Object.keys(decoy.counters())).toEqual([])
    }))

  it("the SDK internal the isolation patches is still there and still on the client's path", () => {
    // An SDK upgrade that moves the config loader must fail here (and at load), not silently read ~/.okta again.
    const require = createRequire(import.meta.url)
    const resolved = require.resolve(SDK_CONFIG_LOADER)
    expect(existsSync(resolved)).toBe(true)
    const { ConfigLoader } = require(SDK_CONFIG_LOADER) as { ConfigLoader: { prototype: { applyDefaults: () => void } } }
    expect(typeof ConfigLoader.prototype.applyDefaults).toBe("function")
    const spy = vi.spyOn(ConfigLoader.prototype, "applyDefaults")
    try {
      new okta.Client({ orgUrl: "http://127.0.0.1:9", token: "t", authorizationMode: "SSWS", cacheMiddleware: null } as never)
      expect(spy).toHaveBeenCalledTimes(1)
    } finally {
      spy.mockRestore()
    }
  })
})
