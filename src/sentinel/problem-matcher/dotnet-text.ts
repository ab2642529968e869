/**
 * The runner is a .NET program; these reproduce the few BCL string rules its problem-matcher
 * code depends on, so edge cases (odd whitespace, case folding, number parsing) come out the same.
 */

// char.IsWhiteSpace: Unicode Zs/Zl/Zp plus U+0009–U+000D, U+0085 and U+00A0 (U+FEFF is not included).
function isDotnetWhiteSpace(code: number): boolean {
  return (
    (code >= 0x09 && code <= 0x0d) ||
    code === 0x20 ||
    code === 0x85 ||
    code === 0xa0 ||
    code === 0x1680 ||
    (code >= 0x2000 && code <= 0x200a) ||
    code === 0x2028 ||
    code === 0x2029 ||
    code === 0x202f ||
    code === 0x205f ||
    code === 0x3000
  );
}

/** string.IsNullOrEmpty */
export function isNullOrEmpty(value: string | undefined): boolean {
  return value === undefined || value.length === 0;
}

/** string.IsNullOrWhiteSpace */
export function isNullOrWhiteSpace(value: string | undefined): boolean {
  if (value === undefined) return true;
  for (let i = 0; i < value.length; i++) {
    if (!isDotnetWhiteSpace(value.charCodeAt(i))) return false;
  }
  return true;
}

/** string.Trim() */
export function trimDotnet(value: string): string {
  let start = 0;
  let end = value.length;
  while (start < end && isDotnetWhiteSpace(value.charCodeAt(start))) start++;
  while (end > start && isDotnetWhiteSpace(value.charCodeAt(end - 1))) end--;
  return value.slice(start, end);
}

const INT32_MAX = 2_147_483_647;

/** int.TryParse(value, NumberStyles.None, InvariantCulture): ASCII digits only, no sign or spaces. */
export function parseInt32Digits(value: string): number | undefined {
  if (value.length === 0) return undefined;
  let result = 0;
  for (let i = 0; i < value.length; i++) {
    const digit = value.charCodeAt(i) - 48;
    if (digit < 0 || digit > 9) return undefined;
    result = result * 10 + digit;
    if (result > INT32_MAX) return undefined;
  }
  return result;
}

/**
 * A key under which two strings collide exactly when StringComparer.OrdinalIgnoreCase says they are
 * equal: per-UTF-16-unit simple upper-casing (so "ß" does not become "SS").
 */
export function ordinalIgnoreCaseKey(value: string): string {
  let key = "";
  for (const unit of value.split("")) {
    const upper = unit.toUpperCase();
    key += upper.length === 1 ? upper : unit;
  }
  return key;
}

export function equalsOrdinalIgnoreCase(a: string, b: string): boolean {
  // (Equal strings first: a match's severity is nearly always spelled as it is compared.)
  return a === b || (a.length === b.length && ordinalIgnoreCaseKey(a) === ordinalIgnoreCaseKey(b));
}
