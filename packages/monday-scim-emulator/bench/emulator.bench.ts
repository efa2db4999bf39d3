// Requests per second the emulator serves to 16 concurrent keep-alive clients: GET /Groups/{id} of 100-member teams,
// and PATCH /Groups/{id} adding or removing one member. Client and server share this process (and its CPU).
import { Agent, request } from "node:http"
import { startMondayEmulator } from "../src/index.js"

const CLIENTS = 16
const SECONDS = Number(process.env.BENCH_SECONDS ?? 3)

const emulator = await startMondayEmulator()
const users = Array.from({ length: 1600 }, (_, i) => ({
  email: `user${i}@bench.io`,
  name: `User ${i}`,
  id: String(100_000 + i)
}))
const teams = Array.from({ length: CLIENTS }, (_, t) => ({
  displayName: `Team ${t}`,
  id: String(900_000 + t),
  members: users.slice(t * 100, t * 100 + 100).map((user) => user.email)
}))
const { token } = emulator.createAccount({ slug: "bench", admin: { email: "admin@bench.io" }, users, teams })
const { port } = new URL(emulator.url)
const agent = new Agent({ keepAlive: true, maxSockets: CLIENTS })

const call = (method: string, path: string, body?: string) =>
  new Promise<number>((resolve, reject) => {
    const req = request(
      {
        host: "127.0.0.1",
        port,
        method,
        path: `/scim/v2${path}`,
        agent,
        headers: {
          authorization: `Bearer ${token}`,
          ...(body === undefined
            ? {}
            : { "content-type": "application/scim+json", "content-length": Buffer.byteLength(body) })
        }
      },
      (res) => {
        res.resume()
        res.on("end", () => resolve(res.statusCode ?? 0))
      }
    )
    req.on("error", reject)
    req.end(body)
  })

const run = async (name: string, next: (client: number, i: number) => Promise<number>, expected: number) => {
  const deadline = performance.now() + SECONDS * 1000
  let done = 0
  const start = performance.now()
  await Promise.all(
    Array.from({ length: CLIENTS }, async (_, client) => {
      for (let i = 0; performance.now() < deadline; i++) {
        const status = await next(client, i)
        if (status !== expected) throw new Error(`${name}: unexpected status ${status}`)
        done++
      }
    })
  )
  const elapsed = (performance.now() - start) / 1000
  console.log(`BENCH ${name} ${Math.round(done / elapsed)} req/s`)
}

const patch = (client: number, i: number) => {
  // Each client toggles a member that is not in its team: add on even turns, remove on odd ones.
  const member = String(100_000 + ((client + 1) % CLIENTS) * 100 + (Math.floor(i / 2) % 100))
  const op =
    i % 2 === 0
      ? { op: "add", path: "members", value: [{ value: member }] }
      : { op: "remove", path: `members[value eq "${member}"]` }
  return call("PATCH", `/Groups/${900_000 + client}`, JSON.stringify({ Operations: [op] }))
}

// Warm up the JIT and the sockets.
await Promise.all(Array.from({ length: CLIENTS }, (_, client) => call("GET", `/Groups/${900_000 + client}`)))
await run("monday-emulator.rps-get", (client) => call("GET", `/Groups/${900_000 + client}`), 200)
await run("monday-emulator.rps-patch", patch, 204)
const sizes = emulator.account("bench").teams.map((team) => team.members.length)
if (sizes.some((size) => size !== 100 && size !== 101)) throw new Error(`team sizes drifted: ${sizes.join(",")}`)
agent.destroy()
await emulator.close()
