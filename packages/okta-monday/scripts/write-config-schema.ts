/**
 * Writes `okta-monday.schema.json` (a whole config file's JSON Schema, for editors) from the Schemas.
 * Run `npm run schema -w packages/okta-monday` after changing Settings.ts or mapping-core's rules; a test checks it.
 */
import { writeFileSync } from "node:fs"
import { configJsonSchemaText } from "../src/Settings.js"

writeFileSync(new URL("../okta-monday.schema.json", import.meta.url), configJsonSchemaText())
