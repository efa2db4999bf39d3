/**
 * The SCIM base URL rule: the bearer token only travels over HTTPS, except to this machine's
 * loopback addresses (127.0.0.0/8, ::1, localhost), where tests and emulators run.
 */
import { ConfigError, Effect } from "effect"

const isLoopback = (hostname: string): boolean =>
  hostname === "localhost" || hostname === "[::1]" || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(hostname)

/** The URL without trailing slashes, or a ConfigError at `scimUrl` saying what to change. */
export const checkScimUrl = (raw: string, path: ReadonlyArray<string> = ["scimUrl"]) =>
  Effect.suspend(() => {
    const fail = (message: string) => Effect.fail(ConfigError.InvalidData([...path], message))
    let url: URL
    try {
      url = new URL(raw)
    } catch {
      return fail(`${JSON.stringify(raw)} is not a URL; expected https://<account>.monday.com/scim/v2`)
    }
    if (url.username !== "" || url.password !== "") {
      return fail("the SCIM URL must not carry credentials; the token is given separately")
    }
    if (url.search !== "" || url.hash !== "") {
      return fail(`the SCIM URL must not have a query or fragment; expected https://${url.host}${url.pathname}`)
    }
    if (url.protocol === "http:" && !isLoopback(url.hostname)) {
      return fail(
        `refusing to send the SCIM token over plain http to ${url.hostname}; use https://${url.host}${url.pathname} ` +
          "(plain http is allowed only for loopback: 127.0.0.0/8, ::1, localhost)"
      )
    }
    if (url.protocol !== "https:" && url.protocol !== "http:") {
      return fail(`unsupported protocol ${url.protocol} in the SCIM URL; use https://`)
    }
    return Effect.succeed(`${url.origin}${url.pathname}`.replace(/\/+$/, ""))
  })
