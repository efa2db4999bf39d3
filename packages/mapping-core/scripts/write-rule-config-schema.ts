/**
 * Writes `rule-config.schema.json` (the rule config's JSON Schema, for editors) from the Schema.
 * Run `npm run schema -w packages/mapping-core` after changing RuleConfig.ts; a test checks it.
 */
import { writeFileSync } from "node:fs"
import { ruleConfigJsonSchemaText } from "../src/RuleConfig.js"

writeFileSync(new URL("../rule-config.schema.json", import.meta.url), ruleConfigJsonSchemaText())
