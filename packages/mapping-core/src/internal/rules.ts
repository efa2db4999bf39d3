/**
 * A rule config compiled for the hot path: Sets instead of arrays, regexes built once, templates
 * split into parts. `selectGroup` decides which mapping (if any) takes a group and the team name.
 */
import type { OktaGroup, OktaUser } from "../Domain.js"
import type { RuleConfig } from "../RuleConfig.js"

type TemplatePart = string | { readonly field: "group.name" | "group.id" } | { readonly capture: number }

interface CompiledMapping {
  readonly label: string
  readonly ids: ReadonlySet<string> | undefined
  readonly names: ReadonlySet<string> | undefined
  readonly regex: RegExp | undefined
  readonly types: ReadonlySet<string> | undefined
  readonly assignedToApp: boolean | undefined
  readonly template: ReadonlyArray<TemplatePart>
}

export interface Selection {
  /**
   * The team name the template renders: the desired team's key. Empty when the template renders
   * nothing (a capture that did not take part): the group stays unmapped, and the plan says so.
   */
  readonly key: string
  /** Index of the mapping that took the group. */
  readonly mapping: number
}

export interface CompiledRules {
  readonly config: RuleConfig
  readonly mappings: ReadonlyArray<CompiledMapping>
  /** First mapping that selects the group and the team name; undefined when excluded or no mapping selects it. */
  readonly selectGroup: (group: OktaGroup, assignedToApp: boolean) => Selection | undefined
  readonly isUserExcluded: (user: OktaUser | undefined, userId: string) => boolean
}

const parseTemplate = (template: string): ReadonlyArray<TemplatePart> => {
  const parts: Array<TemplatePart> = []
  let last = 0
  for (const m of template.matchAll(/\{([^{}]*)\}/g)) {
    if (m.index > last) parts.push(template.slice(last, m.index))
    const name = m[1]!
    if (name === "group.name" || name === "group.id") parts.push({ field: name })
    else if (/^[0-9]+$/.test(name)) parts.push({ capture: Number(name) })
    else parts.push(m[0]) // decoding rejects these; kept literally if a config skipped decoding
    last = m.index + m[0].length
  }
  if (last < template.length) parts.push(template.slice(last))
  return parts
}

export const compileRules = (config: RuleConfig): CompiledRules => {
  const mappings: Array<CompiledMapping> = config.mappings.map((m, i) => ({
    label: m.id ?? `mappings[${i}]`,
    ids: m.select.ids ? new Set(m.select.ids) : undefined,
    names: m.select.names ? new Set(m.select.names) : undefined,
    regex: m.select.nameRegex !== undefined ? new RegExp(m.select.nameRegex, "u") : undefined,
    types: m.select.types ? new Set(m.select.types) : undefined,
    assignedToApp: m.select.assignedToApp,
    template: parseTemplate(m.team)
  }))
  const exGroupIds = new Set<string>(config.exclude.groups.ids)
  const exGroupNames = new Set(config.exclude.groups.names)
  const exGroupRegex = config.exclude.groups.nameRegex.map((r) => new RegExp(r, "u"))
  const exUserIds = new Set<string>(config.exclude.users.ids)
  const exEmails = new Set(config.exclude.users.emails.map((e) => e.toLowerCase()))

  const selectGroup = (group: OktaGroup, assigned: boolean): Selection | undefined => {
    if (exGroupIds.has(group.id) || exGroupNames.has(group.name)) return undefined
    for (const r of exGroupRegex) if (r.test(group.name)) return undefined
    for (let i = 0; i < mappings.length; i++) {
      const m = mappings[i]!
      // Every criterion given must hold (AND); the first mapping that selects the group wins.
      if (m.ids && !m.ids.has(group.id)) continue
      if (m.names && !m.names.has(group.name)) continue
      if (m.types && !m.types.has(group.type)) continue
      // `assignedToApp: false` selects the groups that are NOT assigned to the app.
      if (m.assignedToApp !== undefined && m.assignedToApp !== assigned) continue
      let captures: RegExpExecArray | null = null
      if (m.regex) {
        captures = m.regex.exec(group.name)
        if (captures === null) continue
      }
      let key = ""
      for (const part of m.template) {
        if (typeof part === "string") key += part
        else if ("field" in part) key += part.field === "group.name" ? group.name : group.id
        else key += captures?.[part.capture] ?? "" // a group that did not take part renders empty
      }
      // A template that renders nothing can't name a team: the caller leaves the group unmapped.
      return { key: key.trim(), mapping: i }
    }
    return undefined
  }

  const isUserExcluded = (user: OktaUser | undefined, userId: string): boolean => {
    if (exUserIds.size > 0 && exUserIds.has(userId)) return true
    if (user === undefined || exEmails.size === 0) return false
    return exEmails.has(user.email.toLowerCase()) || exEmails.has(user.login.toLowerCase())
  }

  return { config, mappings, selectGroup, isUserExcluded }
}
