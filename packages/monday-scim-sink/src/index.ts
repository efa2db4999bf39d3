/**
 * monday-scim-sink: the SCIM 2.0 client for monday.com. Reads users and teams, applies plans,
 * tests connections; plus the SCIM message and resource schemas it speaks.
 */
export * as ListResponse from "./ListResponse.js"
export * as MondaySink from "./MondaySink.js"
export * as PatchOp from "./PatchOp.js"
export * as ScimClient from "./ScimClient.js"
export * as ScimError from "./ScimError.js"
export * as ScimGroup from "./ScimGroup.js"
export * as ScimId from "./ScimId.js"
export * as ScimUser from "./ScimUser.js"
export * as ServiceProviderConfig from "./ServiceProviderConfig.js"
export * as SinkError from "./SinkError.js"
