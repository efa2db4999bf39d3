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

  /** All values, ascending: `length` of them. The set's own array: read it, don't change it. */
  sorted(): Int32Array {
    if (this.added !== undefined || this.deleted !== undefined) this.merge()
    return this.base
  }

  /**
   * Folds the pending changes into `base`. A few changes to a big set (the usual case: a batch
   * changes a handful of a team's members) copy the runs between them whole, O(p log n) plus the
   * copies; many changes merge value by value, O(n + p log p).
   */
  private merge(): void {
    const added = this.added === undefined ? EMPTY : Int32Array.from(this.added).sort()
    const deleted = this.deleted === undefined ? EMPTY : Int32Array.from(this.deleted).sort()
    const base = this.base
    const out = new Int32Array(this.size)
    let i = 0
    let n = 0
    let a = 0
    let d = 0
    if ((added.length + deleted.length) * RUN_COPY_RATIO < base.length) {
      // Each change in order: copy the base up to it, then put the added value or skip the deleted one.
      while (a < added.length || d < deleted.length) {
        const adding = d >= deleted.length || (a < added.length && added[a]! < deleted[d]!)
        const x = adding ? added[a++]! : deleted[d++]!
        // (An added value is not in the base; a deleted one is.)
        const at = adding ? -search(base, base.length, x) - 1 : search(base, base.length, x)
        out.set(base.subarray(i, at), n)
        n += at - i
        if (adding) out[n++] = x
        i = adding ? at : at + 1
      }
      out.set(base.subarray(i), n)
    } else {
      while (i < base.length || a < added.length) {
        if (a >= added.length || (i < base.length && base[i]! < added[a]!)) {
          const v = base[i++]!
          if (d < deleted.length && deleted[d] === v) d++
          else out[n++] = v
        } else out[n++] = added[a++]!
      }
    }
    this.base = out
    this.added = undefined
    this.deleted = undefined
  }
}

const EMPTY = new Int32Array(0)

/** Fewer changes than the set's size over this: the runs between them are copied whole. */
const RUN_COPY_RATIO = 8
