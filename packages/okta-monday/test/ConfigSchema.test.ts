/**
 * `okta-monday.schema.json`: the JSON Schema editors validate a whole config file against. It is
 * generated from the same Schemas the engine decodes with, accepts the configs we ship and
 * document, and refuses what the engine refuses (a typo'd key, a missing connection).
 */
import { describe, expect, it } from "@effect/vitest"
import { Ajv } from "ajv"
import { Either } from "effect"
import { readFileSync } from "node:fs"
import * as Yaml from "yaml"
import { sampleConfig } from "../src/Demo.js"
import { configJsonSchemaText, parseSettings } from "../src/Settings.js"

const root = new URL("../../../", import.meta.url)
const schemaText = readFileSync(new URL("../okta-monday.schema.json", import.meta.url), "utf8")
const schema = JSON.parse(schemaText)
const validate = new Ajv({ allErrors: true, strict: false, validateFormats: false }).compile(schema)
const yamlBlocks = (markdown: string) => Array.from(markdown.matchAll(/```yaml\n([\s\S]*?)```/g), (m) => m[1]!)
const env = new Proxy({}, { get: () => "a-secret" }) as Record<string, string>

type Json = { readonly [k: string]: any }

describe("okta-monday.schema.json", () => {
  it("is the one generated from the Schemas (run `npm run schema -w packages/okta-monday`)", () => {
    expect(schemaText).toBe(configJsonSchemaText())
  })

  it("accepts the configs the README, docs/config.md and the demo show, as the engine does", () => {
    const configs = [
      ...yamlBlocks(readFileSync(new URL("README.md", root), "utf8")),
      ...yamlBlocks(readFileSync(new URL("docs/config.md", root), "utf8")),
      sampleConfig("http://127.0.0.1:1", "0oademo", "http://127.0.0.1:2/scim/v2")
    ].filter((text) => /^okta:/m.test(text))
    expect(configs.length).toBeGreaterThanOrEqual(3)
    for (const text of configs) {
      expect(Either.isRight(parseSettings(text, { env, readFile: () => "a-key" })), text).toBe(true)
      expect(validate(Yaml.parse(text)), JSON.stringify(validate.errors)).toBe(true)
    }
  })

  it("refuses an unknown key, in the rules or in a connection, and a missing connection", () => {
    const ok = Yaml.parse(sampleConfig("https://acme.okta.com", "0oa1", "https://acme.monday.com/scim/v2"))
    expect(validate(ok)).toBe(true)
    expect(validate({ ...ok, polices: {} })).toBe(false)
    expect(validate({ ...ok, okta: { ...ok.okta, orgURL: "https://acme.okta.com" } })).toBe(false)
    expect(validate({ ...ok, daemon: { pollSecs: 5 } })).toBe(false)
    const { monday: _, ...withoutMonday } = ok
    expect(validate(withoutMonday)).toBe(false)
  })

  it("describes every key of every section, connections included", () => {
    const defs: Record<string, Json> = schema.$defs
    const undocumented: Array<string> = []
    const walk = (where: string, node: Json) => {
      for (const [key, prop] of Object.entries<Json>(node.properties ?? {})) {
        const ref = (prop.$ref ?? prop.allOf?.[0]?.$ref)?.replace("#/$defs/", "")
        if (prop.description === undefined && (ref === undefined || defs[ref]?.description === undefined)) {
          undocumented.push(`${where}.${key}`)
        }
        if (prop.type === "object") walk(`${where}.${key}`, prop)
      }
      for (const alt of node.anyOf ?? []) walk(where, alt)
    }
    for (const [name, def] of Object.entries(defs)) walk(name, def)
    expect(undocumented).toEqual([])
    expect(Object.keys(defs.OktaMondayConfig!.properties)).toEqual(
      expect.arrayContaining(["version", "mappings", "okta", "monday", "state", "daemon"])
    )
  })
})
