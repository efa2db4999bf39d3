/**
 * Okta's `filter` / `search` expression language (a SCIM-like grammar): a recursive-descent parser
 * to an expression tree, and an evaluator over plain JSON objects. Used for `/api/v1/groups?search`,
 * `/api/v1/users?search|filter` and `/api/v1/logs?filter`.
 */

export type CompareOp = "eq" | "ne" | "sw" | "co" | "ew" | "gt" | "ge" | "lt" | "le"
export type Literal = string | number | boolean | null

export type Expr =
  | { readonly _tag: "And"; readonly left: Expr; readonly right: Expr }
  | { readonly _tag: "Or"; readonly left: Expr; readonly right: Expr }
  | { readonly _tag: "Not"; readonly expr: Expr }
  | { readonly _tag: "Compare"; readonly path: ReadonlyArray<string>; readonly op: CompareOp; readonly value: Literal }
  | { readonly _tag: "Present"; readonly path: ReadonlyArray<string> }

/** A filter that could not be parsed; `position` is the 0-based character offset. */
export class FilterSyntaxError extends Error {
  constructor(readonly input: string, readonly position: number, readonly reason: string) {
    super(`Invalid filter at character ${position}: ${reason} (in: ${input})`)
    this.name = "FilterSyntaxError"
  }
}

type Token =
  | { readonly kind: "word"; readonly text: string; readonly pos: number }
  | { readonly kind: "string"; readonly text: string; readonly pos: number }
  | { readonly kind: "number"; readonly value: number; readonly pos: number }
  | { readonly kind: "lparen" | "rparen" | "end"; readonly pos: number }

const COMPARE_OPS: ReadonlySet<string> = new Set(["eq", "ne", "sw", "co", "ew", "gt", "ge", "lt", "le"])

const tokenize = (input: string): Array<Token> => {
  const tokens: Array<Token> = []
  let i = 0
  while (i < input.length) {
    const c = input[i]!
    if (c === " " || c === "\t" || c === "\n" || c === "\r") {
      i++
    } else if (c === "(") {
      tokens.push({ kind: "lparen", pos: i++ })
    } else if (c === ")") {
      tokens.push({ kind: "rparen", pos: i++ })
    } else if (c === "\"") {
      const start = i++
      let text = ""
      for (;;) {
        if (i >= input.length) throw new FilterSyntaxError(input, start, "unterminated string")
        const d = input[i]!
        if (d === "\\") {
          const e = input[i + 1]
          if (e === undefined) throw new FilterSyntaxError(input, i, "dangling escape")
          text += e === "n" ? "\n" : e === "t" ? "\t" : e
          i += 2
        } else if (d === "\"") {
          i++
          break
        } else {
          text += d
          i++
        }
      }
      tokens.push({ kind: "string", text, pos: start })
    } else if (/[0-9-]/.test(c)) {
      const start = i
      while (i < input.length && /[0-9.eE+-]/.test(input[i]!)) i++
      const value = Number(input.slice(start, i))
      if (Number.isNaN(value)) throw new FilterSyntaxError(input, start, "malformed number")
      tokens.push({ kind: "number", value, pos: start })
    } else if (/[A-Za-z_$]/.test(c)) {
      const start = i
      while (i < input.length && /[A-Za-z0-9_.$:-]/.test(input[i]!)) i++
      tokens.push({ kind: "word", text: input.slice(start, i), pos: start })
    } else {
      throw new FilterSyntaxError(input, i, `unexpected character '${c}'`)
    }
  }
  tokens.push({ kind: "end", pos: input.length })
  return tokens
}

/**
 * Parses `attr op value` comparisons and `attr pr`, joined by `and` (binds tighter) and `or`,
 * with `not (…)` and parentheses. Keywords are case-insensitive; attribute paths are dotted.
 */
export const parseFilter = (input: string): Expr => {
  const tokens = tokenize(input)
  let at = 0
  const peek = () => tokens[at]!
  const isWord = (t: Token, w: string) => t.kind === "word" && t.text.toLowerCase() === w
  const fail = (t: Token, reason: string): never => {
    throw new FilterSyntaxError(input, t.pos, reason)
  }

  const parseOr = (): Expr => {
    let left = parseAnd()
    while (isWord(peek(), "or")) {
      at++
      left = { _tag: "Or", left, right: parseAnd() }
    }
    return left
  }
  const parseAnd = (): Expr => {
    let left = parseUnary()
    while (isWord(peek(), "and")) {
      at++
      left = { _tag: "And", left, right: parseUnary() }
    }
    return left
  }
  const parseUnary = (): Expr => {
    const t = peek()
    if (isWord(t, "not")) {
      at++
      if (peek().kind !== "lparen") fail(peek(), "'not' must be followed by '('")
      return { _tag: "Not", expr: parseUnary() }
    }
    if (t.kind === "lparen") {
      at++
      const inner = parseOr()
      if (peek().kind !== "rparen") fail(peek(), "expected ')'")
      at++
      return inner
    }
    if (t.kind !== "word") return fail(t, "expected an attribute name")
    at++
    const path = t.text.split(".")
    if (path.some((p) => p.length === 0)) fail(t, `malformed attribute path '${t.text}'`)
    const opToken = peek()
    if (opToken.kind !== "word") return fail(opToken, `expected an operator after '${t.text}'`)
    const op = opToken.text.toLowerCase()
    at++
    if (op === "pr") return { _tag: "Present", path }
    if (!COMPARE_OPS.has(op)) return fail(opToken, `unknown operator '${opToken.text}'`)
    const v = peek()
    at++
    let value: Literal
    if (v.kind === "string") value = v.text
    else if (v.kind === "number") value = v.value
    else if (isWord(v, "true")) value = true
    else if (isWord(v, "false")) value = false
    else if (isWord(v, "null")) value = null
    else return fail(v, `expected a value after '${opToken.text}' (strings are double-quoted)`)
    return { _tag: "Compare", path, op: op as CompareOp, value }
  }

  const expr = parseOr()
  if (peek().kind !== "end") fail(peek(), "unexpected trailing input")
  return expr
}

/** The values at a dotted path; arrays on the way fan out (so `target.id` matches any target). */
const valuesAt = (obj: unknown, path: ReadonlyArray<string>): Array<unknown> => {
  let current: Array<unknown> = [obj]
  for (const key of path) {
    const next: Array<unknown> = []
    for (const c of current) {
      const items = Array.isArray(c) ? c : [c]
      for (const item of items) {
        if (item !== null && typeof item === "object" && key in (item as Record<string, unknown>)) {
          next.push((item as Record<string, unknown>)[key])
        }
      }
    }
    current = next
  }
  return current.flatMap((v) => (Array.isArray(v) ? v : [v]))
}

const compare = (actual: unknown, op: CompareOp, expected: Literal): boolean => {
  switch (op) {
    case "eq":
      return actual === expected
    case "ne":
      return actual !== expected
    case "sw":
      return typeof actual === "string" && typeof expected === "string" && actual.startsWith(expected)
    case "ew":
      return typeof actual === "string" && typeof expected === "string" && actual.endsWith(expected)
    case "co":
      return typeof actual === "string" && typeof expected === "string" && actual.includes(expected)
    default: {
      if (actual === null || expected === null || typeof actual !== typeof expected) return false
      const a = actual as string | number
      const e = expected as string | number
      return op === "gt" ? a > e : op === "ge" ? a >= e : op === "lt" ? a < e : a <= e
    }
  }
}

/** Whether `obj` matches the expression. */
export const matches = (expr: Expr, obj: unknown): boolean => {
  switch (expr._tag) {
    case "And":
      return matches(expr.left, obj) && matches(expr.right, obj)
    case "Or":
      return matches(expr.left, obj) || matches(expr.right, obj)
    case "Not":
      return !matches(expr.expr, obj)
    case "Present":
      return valuesAt(obj, expr.path).some((v) => v !== null && v !== undefined)
    case "Compare": {
      const values = valuesAt(obj, expr.path)
      if (expr.op === "ne") return values.every((v) => v !== expr.value)
      return values.some((v) => compare(v, expr.op, expr.value))
    }
  }
}
