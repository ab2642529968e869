/**
 * Field readers for matcher JSON. Json.NET binds members case-insensitively when no exact match
 * exists and ignores unknown members (VS Code's `kind`, `location`, `character` are silently
 * dropped by the runner, so they are here too). Types are checked strictly: a value the runner
 * would have to coerce is reported instead.
 */
export type Report = (path: string, message: string) => void;

export type JsonObject = Record<string, unknown>;

export function isJsonObject(value: unknown): value is JsonObject {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

export function getField(object: JsonObject, name: string): unknown {
  if (Object.hasOwn(object, name)) return object[name];
  const lower = name.toLowerCase();
  const key = Object.keys(object).find((candidate) => candidate.toLowerCase() === lower);
  return key === undefined ? undefined : object[key];
}

export function readString(object: JsonObject, name: string, path: string, report: Report): string | undefined {
  const value = getField(object, name);
  if (value === undefined || value === null) return undefined;
  if (typeof value === "string") return value;
  report(`${path}.${name}`, `The property '${name}' must be a string`);
  return undefined;
}

export function readInt32(object: JsonObject, name: string, path: string, report: Report): number | undefined {
  const value = getField(object, name);
  if (value === undefined || value === null) return undefined;
  if (typeof value === "number" && Number.isInteger(value) && value >= -2_147_483_648 && value <= 2_147_483_647) {
    return value;
  }
  report(`${path}.${name}`, `The property '${name}' must be an integer group number`);
  return undefined;
}

/** `loop` is a non-nullable bool in the runner, so an explicit null is an error there too. */
export function readBoolean(object: JsonObject, name: string, path: string, report: Report): boolean | undefined {
  const value = getField(object, name);
  if (value === undefined) return undefined;
  if (typeof value === "boolean") return value;
  report(`${path}.${name}`, `The property '${name}' must be true or false`);
  return undefined;
}
