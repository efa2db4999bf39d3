/**
 * Okta's JSON shapes for the emulator's records (User, Group, AppUser, ApplicationGroupAssignment,
 * Application), field for field as the real API answers (see the recorded HAR fixtures).
 */
import type { GroupRec, Org, UserRec } from "./org.js"

const LOGO = (kind: string) => [
  { name: "medium", href: `https://op1static.oktacdn.com/assets/img/logos/groups/${kind}-medium.png`, type: "image/png" },
  { name: "large", href: `https://op1static.oktacdn.com/assets/img/logos/groups/${kind}-large.png`, type: "image/png" }
]

export const renderUser = (org: Org, u: UserRec, full = false): Record<string, unknown> => {
  const base = org.orgUrl()
  const self = `${base}/api/v1/users/${u.id}`
  const links: Record<string, unknown> = { self: { href: self } }
  if (full) {
    // The links Okta gives for each status (as recorded from a real org).
    const lc = (op: string) => ({ href: `${self}/lifecycle/${op}`, method: "POST" })
    const cred = (op: string) => ({ href: `${self}/credentials/${op}`, method: "POST" })
    if (u.status === "STAGED" || u.status === "DEPROVISIONED") links.activate = lc("activate")
    else if (u.status === "SUSPENDED") {
      links.unsuspend = lc("unsuspend")
      links.deactivate = lc("deactivate")
    } else {
      links.suspend = lc("suspend")
      links.resetPassword = lc("reset_password")
      links.expirePassword = lc("expire_password")
      links.changeRecoveryQuestion = cred("change_recovery_question")
      links.deactivate = lc("deactivate")
      links.changePassword = cred("change_password")
    }
  }
  return {
    id: u.id,
    status: u.status,
    created: u.created,
    activated: u.activated,
    statusChanged: u.statusChanged,
    lastLogin: null,
    lastUpdated: u.lastUpdated,
    passwordChanged: u.passwordChanged,
    profile: u.profile,
    credentials: { password: {}, provider: { type: "OKTA", name: "OKTA" } },
    _links: links
  }
}

export const renderGroup = (org: Org, g: GroupRec, stats = false): Record<string, unknown> => {
  const base = org.orgUrl()
  const out: Record<string, unknown> = {
    id: g.id,
    created: g.created,
    lastUpdated: g.lastUpdated,
    lastMembershipUpdated: g.lastMembershipUpdated,
    objectClass: ["okta:user_group"],
    type: g.type,
    profile: g.profile,
    _links: {
      logo: LOGO(g.type === "OKTA_GROUP" ? "okta" : "app"),
      users: { href: `${base}/api/v1/groups/${g.id}/users` },
      apps: { href: `${base}/api/v1/groups/${g.id}/apps` }
    }
  }
  if (stats) {
    out._embedded = {
      stats: {
        usersCount: g.members.size,
        appsCount: org.appGroups.has(g.id) ? 1 : 0,
        groupPushMappingsCount: 0,
        hasAdminPrivilege: false,
        _links: { self: { href: `${base}/api/v1/groups/${g.id}/stats` } }
      }
    }
  }
  return out
}

export const renderAppUser = (org: Org, u: UserRec, expandUser: boolean): Record<string, unknown> => {
  const base = org.orgUrl()
  const scope = org.appScope(u.id)!
  const direct = org.direct.get(u.id)
  const created = org.appUserCreated.get(u.id) ?? u.created
  const out: Record<string, unknown> = {
    id: u.id,
    externalId: null,
    created,
    lastUpdated: created,
    scope,
    status: org.appUserStatusOf(u.id),
    statusChanged: created,
    passwordChanged: null,
    syncState: "DISABLED",
    credentials: { userName: direct?.userName ?? String(u.profile.email ?? u.profile.login) },
    profile: {},
    _links: {
      app: { href: `${base}/api/v1/apps/${org.app.id}` },
      user: { href: `${base}/api/v1/users/${u.id}` }
    }
  }
  if (scope === "GROUP") {
    const via = [...(org.userGroups.get(u.id) ?? [])].find((gid) => org.appGroups.has(gid))
    if (via) (out._links as Record<string, unknown>).group = { name: org.groups.get(via)?.profile.name, href: `${base}/api/v1/groups/${via}` }
  }
  if (expandUser) out._embedded = { user: renderUser(org, u) }
  return out
}

export const renderAppGroup = (org: Org, g: GroupRec): Record<string, unknown> => {
  const base = org.orgUrl()
  const a = org.appGroups.get(g.id)!
  return {
    id: g.id,
    lastUpdated: a.created,
    priority: a.priority,
    profile: {},
    _links: {
      app: { href: `${base}/api/v1/apps/${org.app.id}` },
      self: { href: `${base}/api/v1/apps/${org.app.id}/groups/${g.id}` },
      group: { href: `${base}/api/v1/groups/${g.id}` }
    }
  }
}

export const renderApp = (org: Org): Record<string, unknown> => {
  const base = org.orgUrl()
  return {
    id: org.app.id,
    name: org.app.name,
    label: org.app.label,
    status: "ACTIVE",
    lastUpdated: org.app.created,
    created: org.app.created,
    accessibility: { selfService: false, errorRedirectUrl: null, loginRedirectUrl: null },
    visibility: { autoSubmitToolbar: false, hide: { iOS: false, web: false }, appLinks: { mondaycom_link: true } },
    features: ["PUSH_NEW_USERS", "PUSH_USER_DEACTIVATION", "GROUP_PUSH", "REACTIVATE_USERS", "PUSH_PROFILE_UPDATES"],
    signOnMode: "SAML_2_0",
    credentials: { userNameTemplate: { template: "${source.email}", type: "BUILT_IN" }, signing: { kid: "emulator" } },
    settings: { app: {}, notifications: { vpn: { network: { connection: "DISABLED" } } } },
    _links: {
      users: { href: `${base}/api/v1/apps/${org.app.id}/users` },
      groups: { href: `${base}/api/v1/apps/${org.app.id}/groups` },
      self: { href: `${base}/api/v1/apps/${org.app.id}` }
    }
  }
}
