/**
 * Profile drift: how a monday.com user differs from what its Okta user says it should be. One
 * definition, shared by the planner (an UpdateUser corrects exactly these changes) and by readers
 * such as the access report, so the report flags what a sync would fix and nothing else.
 */
import type { MondayUser, OktaUser } from "./Domain.js"
import { compileUsers, desiredUser, driftOf } from "./internal/users.js"
import type { UserChange } from "./Plan.js"
import { DEFAULT_USER_LIFECYCLE } from "./RuleConfig.js"
import type { UserLifecycle } from "./RuleConfig.js"

export interface ProfileDrift {
  /**
   * The attributes that differ, names compared after cleaning (as they are sent), each mapped
   * attribute only when Okta has a value, the user type only when `users.userType.attribute` is
   * set and the user is not protected: the changes an UpdateUser would carry under `users.update`.
   */
  readonly changes: ReadonlyArray<UserChange>
  /**
   * monday.com's userName is not Okta's lowercased email (the Okta email changed after the users
   * were linked). okta-monday does not rename monday.com users, so no sync corrects this.
   */
  readonly userName?: { readonly from: string; readonly to: string }
  /** The user-type attribute holds something that is not a monday.com type: the type can't be compared. */
  readonly unknownUserType?: { readonly attribute: string; readonly value: string }
}

/**
 * The drift of monday.com users from their Okta users under a `users` section (the defaults when
 * the config has none). Compiles the section once; the returned function is pure.
 */
export const profileDrift = (
  config: UserLifecycle = DEFAULT_USER_LIFECYCLE
): (okta: OktaUser, monday: MondayUser) => ProfileDrift => {
  const cfg = compileUsers(config)
  return (okta, monday) => {
    const d = desiredUser(cfg, okta)
    const { changes } = driftOf(cfg, d, monday, okta)
    return {
      changes,
      ...(monday.userName !== d.userName ? { userName: { from: monday.userName, to: d.userName } } : {}),
      ...("unknown" in d.userType ? { unknownUserType: { attribute: d.userType.attribute, value: d.userType.unknown } } : {})
    }
  }
}
