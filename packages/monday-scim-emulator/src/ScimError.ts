/**
 * The SCIM error a client sees (RFC 7644 §3.12), raised anywhere in the emulator and rendered once by the server.
 * `scimType` is only meaningful with 400, 409 and 413, as the RFC says.
 */
import { Data } from "effect"

export const ERROR_SCHEMA = "urn:ietf:params:scim:api:messages:2.0:Error"

export type ScimType =
  | "uniqueness"
  | "tooMany"
  | "invalidFilter"
  | "mutability"
  | "invalidSyntax"
  | "invalidPath"
  | "noTarget"
  | "invalidValue"
  | "invalidVers"
  | "sensitive"

export class ScimError extends Data.TaggedError("ScimError")<{
  readonly status: number
  readonly scimType?: ScimType | undefined
  readonly detail: string
  readonly headers?: Readonly<Record<string, string>> | undefined
}> {
  override get message(): string {
    return `${this.status}${this.scimType === undefined ? "" : ` ${this.scimType}`}: ${this.detail}`
  }

  /** The RFC 7644 error body. */
  toBody(): {
    readonly schemas: ReadonlyArray<string>
    readonly status: string
    readonly scimType?: string
    readonly detail: string
  } {
    return this.scimType === undefined
      ? { schemas: [ERROR_SCHEMA], status: String(this.status), detail: this.detail }
      : { schemas: [ERROR_SCHEMA], status: String(this.status), scimType: this.scimType, detail: this.detail }
  }
}

export const badRequest = (scimType: ScimType, detail: string): ScimError =>
  new ScimError({ status: 400, scimType, detail })

export const notFound = (detail: string): ScimError => new ScimError({ status: 404, detail })
