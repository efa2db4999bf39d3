/**
 * Small, fast, pure-JS string hashing for fingerprints and blocker ids. Two 32-bit lanes give a
 * 64-bit value; not cryptographic (nothing here defends against crafted input), just stable.
 */

/** Lanes of the last `hashInto` call (module state avoids allocating a tuple per string). */
export let lane1 = 0
export let lane2 = 0

/** cyrb53-style mix of one string into `lane1`/`lane2`. */
export const hashInto = (str: string, seed = 0): void => {
  let h1 = 0xdeadbeef ^ seed
  let h2 = 0x41c6ce57 ^ seed
  for (let i = 0; i < str.length; i++) {
    const ch = str.charCodeAt(i)
    h1 = Math.imul(h1 ^ ch, 2654435761)
    h2 = Math.imul(h2 ^ ch, 1597334677)
  }
  h1 = Math.imul(h1 ^ (h1 >>> 16), 2246822507)
  h1 ^= Math.imul(h2 ^ (h2 >>> 13), 3266489909)
  h2 = Math.imul(h2 ^ (h2 >>> 16), 2246822507)
  h2 ^= Math.imul(h1 ^ (h1 >>> 13), 3266489909)
  lane1 = h1 >>> 0
  lane2 = h2 >>> 0
}

const hex8 = (n: number) => (n >>> 0).toString(16).padStart(8, "0")

/** A 16-hex-digit hash of a list of strings (order matters; a separator keeps `["ab","c"]` ≠ `["a","bc"]`). */
export const hashStrings = (parts: ReadonlyArray<string>): string => {
  let a = 0
  let b = 0
  for (let i = 0; i < parts.length; i++) {
    hashInto(parts[i]!, i)
    a = Math.imul(a, 31) + lane1
    b = Math.imul(b, 37) + lane2
    a = (a ^ (a >>> 15)) >>> 0
    b = (b ^ (b >>> 15)) >>> 0
  }
  hashInto(`${hex8(a)}${hex8(b)}${parts.length}`)
  return hex8(lane1) + hex8(lane2)
}

/**
 * An order-independent 64-bit accumulator: the sum (mod 2^32, per lane) of item hashes. Adding
 * or removing one item is O(1), so a snapshot's fingerprint can follow small changes cheaply.
 */
export class MultisetHash {
  a = 0
  b = 0
  add(str: string): void {
    hashInto(str)
    this.a = (this.a + lane1) >>> 0
    this.b = (this.b + lane2) >>> 0
  }
  /** Adds an item whose lanes were computed before (by `hashInto`): the same as `add` of that string. */
  addLanes(l1: number, l2: number): void {
    this.a = (this.a + l1) >>> 0
    this.b = (this.b + l2) >>> 0
  }
  /** Takes out an item `add` put in (the sum is a multiset: the same item may be in it more than once). */
  remove(str: string): void {
    hashInto(str)
    this.removeLanes(lane1, lane2)
  }
  removeLanes(l1: number, l2: number): void {
    this.a = (this.a - l1) >>> 0
    this.b = (this.b - l2) >>> 0
  }
  hex(): string {
    return hex8(this.a) + hex8(this.b)
  }
}
