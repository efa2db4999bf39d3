/**
 * The discovery documents (RFC 7644 §4): ServiceProviderConfig, ResourceTypes and Schemas. Schema definitions come
 * from SCIMMY's RFC 7643 core schemas; the config says what monday.com supports: PATCH, filters, password changes.
 */
import SCIMMY from "scimmy"
import { GROUP_SCHEMA, LIST_SCHEMA, USER_SCHEMA } from "./ScimSchemas.js"

const SPC_SCHEMA = "urn:ietf:params:scim:schemas:core:2.0:ServiceProviderConfig"
const RESOURCE_TYPE_SCHEMA = "urn:ietf:params:scim:schemas:core:2.0:ResourceType"

export const serviceProviderConfig = (scimUrl: string, maxPageSize: number) => ({
  schemas: [SPC_SCHEMA],
  documentationUri: "https://support.monday.com/hc/en-us/articles/360021893619-SCIM-Provisioning-API",
  patch: { supported: true },
  bulk: { supported: false, maxOperations: 0, maxPayloadSize: 0 },
  filter: { supported: true, maxResults: maxPageSize },
  changePassword: { supported: true },
  sort: { supported: false },
  etag: { supported: false },
  authenticationSchemes: [
    {
      type: "oauthbearertoken",
      name: "OAuth Bearer Token",
      description: "The SCIM token an account admin generates in Admin > Security > SCIM",
      primary: true
    }
  ],
  meta: { resourceType: "ServiceProviderConfig", location: `${scimUrl}/ServiceProviderConfig` }
})

const resourceType = (scimUrl: string, name: "User" | "Group") => ({
  schemas: [RESOURCE_TYPE_SCHEMA],
  id: name,
  name,
  endpoint: name === "User" ? "/Users" : "/Groups",
  description: name === "User" ? "monday.com users" : "monday.com teams",
  schema: name === "User" ? USER_SCHEMA : GROUP_SCHEMA,
  schemaExtensions: [],
  meta: { resourceType: "ResourceType", location: `${scimUrl}/ResourceTypes/${name}` }
})

export const resourceTypes = (scimUrl: string) => [resourceType(scimUrl, "User"), resourceType(scimUrl, "Group")]

export const schemas = (scimUrl: string): ReadonlyArray<{ readonly id: string }> => [
  SCIMMY.Schemas.User.definition.describe(`${scimUrl}/Schemas`),
  SCIMMY.Schemas.Group.definition.describe(`${scimUrl}/Schemas`)
]

export const listOf = (resources: ReadonlyArray<unknown>) => ({
  schemas: [LIST_SCHEMA],
  totalResults: resources.length,
  itemsPerPage: resources.length,
  startIndex: 1,
  Resources: resources
})
