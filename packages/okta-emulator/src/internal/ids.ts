/**
 * Okta-looking ids (20 characters, a type prefix such as `00u` / `00g` / `0oa`) that sort in
 * creation order, a seedable RNG, and small helpers shared by the emulator.
 */

const ALPHABET = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"

const base62 = (n: number, width: number): string => {
  let out = ""
  let v = Math.floor(n)
  while (v > 0) {
    out = ALPHABET[v % 62] + out
    v = Math.floor(v / 62)
  }
  return out.padStart(width, "0")
}

/** `prefix` (3 chars) + 14 base62 digits of `seq` + `1d7`: 20 characters, lexically ordered by seq. */
export const oktaId = (prefix: string, seq: number): string => `${prefix}${base62(seq, 14)}1d7`

/** mulberry32: small, fast and good enough for synthetic data; same seed, same org. */
export const makeRng = (seed: number): (() => number) => {
  let a = seed >>> 0
  return () => {
    a = (a + 0x6d2b79f5) >>> 0
    let t = a
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

let errorSeq = 0
/** An Okta-style `errorId` (only needs to be unique per process). */
export const errorId = (): string => `oae${base62(Date.now(), 8)}${base62(++errorSeq, 6)}`

export const encodeCursor = (n: number): string => Buffer.from(`c${n}`, "utf8").toString("base64url")
export const decodeCursor = (s: string): number | undefined => {
  const text = Buffer.from(s, "base64url").toString("utf8")
  if (!text.startsWith("c")) return undefined
  const n = Number(text.slice(1))
  return Number.isInteger(n) && n >= 0 ? n : undefined
}
