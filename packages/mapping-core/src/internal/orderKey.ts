/**
 * A number that orders strings as `<` does as far as their first 8 UTF-16 code units tell:
 * `a < b` implies `orderKey(a) <= orderKey(b)`, so a search over keys (plain numbers, side by side
 * in one array) finds a string's place without reading the strings; only equal keys need the
 * strings compared. Printable ASCII (what Okta ids are made of) is encoded exactly, one digit of
 * base 98 per code unit (0: the string ended); any other code unit ends the encoding after a digit
 * for its side of that range, so the order still holds. 98⁸ < 2⁵³: every key is an exact integer.
 */
export const orderKey = (s: string): number => {
  let key = 0
  let i = 0
  while (i < 8 && i < s.length) {
    const c = s.charCodeAt(i++)
    const exact = c >= 32 && c <= 126
    key = key * 98 + (exact ? c - 30 : c < 32 ? 1 : 97)
    if (!exact) break
  }
  for (; i < 8; i++) key *= 98
  return key
}
