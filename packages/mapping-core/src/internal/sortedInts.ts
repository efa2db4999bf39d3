/**
 * A set of integers read in ascending order: a sorted Int32Array plus small pending sets of adds
 * and deletes, folded in when the set is next read in order. Updates are O(1), so a big team's
 * pending adds follow deltas cheaply, and reading stays O(n) as emitting a plan is anyway.
 */

/** Index of `x` in `a[lo..hi)`, or `-(insertion point) - 1` when absent. */
const searchIn = (a: Int32Array, lo: number, hi: number, x: number): number => {
  hi--
  while (lo <= hi) {
    const mid = (lo + hi) >>> 1
    const v = a[mid]!
    if (v < x) lo = mid + 1
    else if (v > x) hi = mid - 1
    else return mid
  }
  return -lo - 1
}

/** Index of `x` in `a[0..len)`, or `-(insertion point) - 1` when absent. */
export const search = (a: Int32Array, len: number, x: number): number => searchIn(a, 0, len, x)

export class SortedInts {
  /** Not in `base` yet. */
  private added: Set<number> | undefined = undefined
  /** In `base`, but gone. */
  private deleted: Set<number> | undefined = undefined
  /** How many values: kept as changes come, so asking costs no read of `base`. */
  private size: number
  /** How many of `base`'s slots hold values (the rest is room to grow into). */
  private count: number

  private constructor(private base: Int32Array) {
    this.size = this.count = base.length
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
    return search(this.base, this.count, x) >= 0
  }

  add(x: number): boolean {
    if (this.deleted?.delete(x)) {
      this.size++
      return true
    }
    if (this.added?.has(x) || search(this.base, this.count, x) >= 0) return false
    ;(this.added ??= new Set()).add(x)
    this.size++
    return true
  }

  delete(x: number): boolean {
    if (this.added?.delete(x)) {
      this.size--
      return true
    }
    if (this.deleted?.has(x) || search(this.base, this.count, x) < 0) return false
    ;(this.deleted ??= new Set()).add(x)
    this.size--
    return true
  }

  /** The `i`-th smallest value. */
  at(i: number): number {
    if (this.added !== undefined || this.deleted !== undefined) this.merge()
    return this.base[i]!
  }

  /**
   * The values, ascending, in the first `length` slots of the returned array (the set's own: read
   * it before the next change, and don't change it).
   */
  sorted(): Int32Array {
    if (this.added !== undefined || this.deleted !== undefined) this.merge()
    return this.base
  }

  /**
   * Folds the pending changes into `base`. A few changes (the usual case: a batch changes a
   * handful of a team's members) move the runs between them within the array, when it has room:
   * O(p log n) plus the moves, and no new array. Many changes merge value by value into a new
   * array with a quarter more room, O(n + p log p).
   */
  private merge(): void {
    const added = this.added === undefined ? EMPTY : ascending(this.added)
    const deleted = this.deleted === undefined ? EMPTY : ascending(this.deleted)
    this.added = undefined
    this.deleted = undefined
    const base = this.base
    const count = this.count
    const changes = added.length + deleted.length
    if ((changes * RUN_MOVE_RATIO < count || changes <= FEW) && this.size <= base.length) {
      // Deletes first, left to right: each run between two deleted values moves left over them.
      let write = 0
      let read = 0
      for (let d = 0; d < deleted.length; d++) {
        const at = searchIn(base, read, count, deleted[d]!)
        base.copyWithin(write, read, at)
        write += at - read
        read = at + 1
      }
      base.copyWithin(write, read, count)
      let hi = write + count - read
      // Then adds, right to left: the values above each move right past it and the adds still to come.
      for (let a = added.length - 1; a >= 0; a--) {
        const x = added[a]!
        const at = -searchIn(base, 0, hi, x) - 1
        base.copyWithin(at + a + 1, at, hi)
        base[at + a] = x
        hi = at
      }
    } else {
      // Into a new array with room for a few more values (a team's sets change a little each batch).
      const out = new Int32Array(this.size + (this.size >> 2) + 16)
      let i = 0
      let n = 0
      let a = 0
      let d = 0
      while (i < count || a < added.length) {
        if (a >= added.length || (i < count && base[i]! < added[a]!)) {
          const v = base[i++]!
          if (d < deleted.length && deleted[d] === v) d++
          else out[n++] = v
        } else out[n++] = added[a++]!
      }
      this.base = out
    }
    this.count = this.size
  }
}

const EMPTY = new Int32Array(0)

/** A set's values in a sorted array (a loop, not `Int32Array.from`, which goes through an iterator). */
const ascending = (values: ReadonlySet<number>): Int32Array => {
  const out = new Int32Array(values.size)
  let i = 0
  for (const v of values) out[i++] = v
  return out.sort()
}

/** Fewer changes than the set's size over this, or no more than `FEW`: the runs between them move within the array. */
const RUN_MOVE_RATIO = 8
const FEW = 16
