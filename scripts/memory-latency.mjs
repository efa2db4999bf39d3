// The machine's memory latency: the time of one read that misses every cache, measured as a chase
// of dependent reads through a random cycle over 128 MiB (one read per 64-byte line). The delta
// planner's time is mostly such reads, so this figure says how fast a machine can plan.
const lines = (128 * 2 ** 20) / 64
const stride = 16 // Int32 slots per 64-byte line
const next = new Int32Array(lines * stride)
const order = new Int32Array(lines)
for (let i = 0; i < lines; i++) order[i] = i
let seed = 7
const rand = () => ((seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) / 2 ** 32)
for (let i = lines - 1; i > 0; i--) {
  const j = Math.floor(rand() * (i + 1))
  const t = order[i]
  order[i] = order[j]
  order[j] = t
}
for (let i = 0; i < lines; i++) next[order[i] * stride] = order[(i + 1) % lines] * stride
const reads = 2_000_000
let p = 0
for (let i = 0; i < reads / 10; i++) p = next[p] // warm up the JIT
const t0 = performance.now()
for (let i = 0; i < reads; i++) p = next[p]
const ns = ((performance.now() - t0) * 1e6) / reads
// `p` is used, so the chase is not optimised away.
if (p < 0) throw new Error("the chase left the cycle")
console.log(`BENCH machine.memory-latency ${ns.toFixed(0)} ns`)
