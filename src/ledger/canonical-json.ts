/**
 * One byte-exact encoding of a JSON value, so a hash computed when an entry is written can be
 * computed again from what the database gives back: object keys sorted by code unit, no
 * whitespace, numbers and strings as JSON.stringify writes them. PostgreSQL's jsonb reorders keys
 * and drops insignificant whitespace, which this ignores by construction.
 */
export function canonicalJson(value: unknown): string {
  if (value === null || value === undefined) return "null";
  switch (typeof value) {
    case "string":
      return JSON.stringify(value);
    case "number":
      if (!Number.isFinite(value)) throw new TypeError("canonical JSON has no encoding for NaN or Infinity");
      return JSON.stringify(Object.is(value, -0) ? 0 : value);
    case "boolean":
      return value ? "true" : "false";
    case "object": {
      if (Array.isArray(value)) return `[${value.map((v) => canonicalJson(v)).join(",")}]`;
      if (value instanceof Date) return JSON.stringify(value.toISOString());
      const entries = Object.entries(value as Record<string, unknown>)
        .filter(([, v]) => v !== undefined)
        .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
      return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(",")}}`;
    }
    default:
      throw new TypeError(`canonical JSON has no encoding for ${typeof value}`);
  }
}
