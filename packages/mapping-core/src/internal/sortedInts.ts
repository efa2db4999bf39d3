/**
 * A set of integers read in ascending order: a sorted Int32Array plus small pending sets of adds
 * and deletes, merged in one pass when the set is next read in order. Updates are O(1), so a big
 * team's pending adds follow deltas cheaply, and reading stays O(n) as emitting a plan is anyway.
 */

/** Index of `x` in `a[0..len)`, or `-(insertion point) - 1` when absent. */
export const search = (a: Int32Array, len: number, x: number): number => {
  let lo = 0
  let hi = len - 1
  while (lo <= hi) {
    const mid = (lo + hi) >>> 1
    const v = a[mid]!
    if (v < x) lo = mid + 1
    else if (v > x) hi = mid - 1
    else return mid
  }
  return -lo - 1
}

export class SortedInts {
  /** Not in `base` yet. */
  private added: Set<number> | undefined = undefined
  /** In `base`, but gone. */
  private deleted: Set<number> | undefined = undefined
  /** How many values: kept as changes come, so asking costs no read of `base`. */
  private size: number

  private constructor(private base: Int32Array) {
    this.size = base.length
  }

  /** Takes ownership of `sortedUnique` (ascending, no duplicates). */
  static of(sortedUnique: Int32Array): SortedInts {
    return new SortedInts(sortedUnique)
  }

  get length(): number {
    return this.size
  }

  has(x: number): boolean {
    if (this.added?.has(x)) return true
    if (this.deleted?.has(x)) return false
    return search(this.base, this.base.length, x) >= 0
  }

  add(x: number): boolean {
    if (this.deleted?.delete(x)) {
      this.size++
      return true
    }
    if (this.added?.has(x) || search(this.base, this.base.length, x) >= 0) return false
    ;(this.added ??= new Set()).add(x)
    this.size++
    return true
  }

  delete(x: number): boolean {
    if (this.added?.delete(x)) {
      this.size--
      return true
    }
    if (this.deleted?.has(x) || search(this.base, this.base.length, x) < 0) return false
    ;(this.deleted ??= new Set()).add(x)
    this.size--
    return true
  }

  /** The `i`-th smallest value. */
  at(i: number): number {
    if (this.added !== undefined || this.deleted !== undefined) this.merge()
    return this.base[i]!
  }

  /** Folds the pending changes into `base`: O(n + p log p). */
  private merge(): void {
    const added = this.added === undefined ? new Int32Array(0) : Int32Array.from(this.added).sort()
    const deleted = this.deleted
    const base = this.base
    const out = new Int32Array(this.length)
    let i = 0
    let j = 0
    let n = 0
    while (i < base.length || j < added.length) {
      if (j >= added.length || (i < base.length && base[i]! < added[j]!)) {
        const v = base[i++]!
        if (deleted === undefined || !deleted.has(v)) out[n++] = v
      } else out[n++] = added[j++]!
    }
    this.base = out
    this.added = undefined
    this.deleted = undefined
  }
}
