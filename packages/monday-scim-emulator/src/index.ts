/**
 * A faithful local monday.com SCIM 2.0 server for tests, benchmarks and the demo: Users and Groups (teams) with
 * monday.com's rules, plus test controls (seeding, state, faults, rate limit, counters). See README.md.
 */
export { layer, MondayEmulatorTag, startMondayEmulator } from "./Emulator.js"
export type { MondayEmulator } from "./Emulator.js"
export { InvalidInputError, InvalidSeedError, UnknownAccountError, UnknownUserError } from "./Errors.js"
export type {
  AccountSeed,
  AccountState,
  Address,
  CreatedAccount,
  FaultKind,
  FaultOptions,
  InjectedFaults,
  MondayEmulatorOptions,
  OptionsUpdate,
  PhoneNumber,
  Plan,
  RateLimit,
  SeedTeam,
  SeedUser,
  TeamState,
  TokenRequest,
  UserState,
  UserUpdate
} from "./Model.js"
export { ScimError } from "./ScimError.js"
export type { ScimType } from "./ScimError.js"
