import { z } from "zod";

/**
 * The kinds of value an environment variable holds. Each parses the raw string (undefined when the
 * variable is unset) and says, in `type`, what the README's table shows. Empty counts as unset for
 * every kind but `raw`: deployment templates blank variables they do not use.
 */
export interface EnvKind<T> {
  readonly schema: z.ZodType<T, string | undefined>;
  readonly type: string;
}

function unset(raw: string | undefined): raw is undefined {
  return raw === undefined || raw.trim() === "";
}

/** The issue's message completes "NAME …" (parse-env.ts puts the variable's name in front). */
function refuse(ctx: z.RefinementCtx, raw: string, expected: string): typeof z.NEVER {
  ctx.addIssue({ code: "custom", message: `must be ${expected}, not ${JSON.stringify(raw)}` });
  return z.NEVER;
}

/** Free text (a path, a host, a name); secrets too, which the table marks as such. */
export function text(type = "text"): EnvKind<string | undefined> {
  return {
    schema: z
      .string()
      .optional()
      .transform((raw) => (unset(raw) ? undefined : raw)),
    type,
  };
}

/** Kept exactly as given, empty included, for variables where set-but-empty means something. */
export function raw(type = "text"): EnvKind<string | undefined> {
  return { schema: z.string().optional(), type };
}

/** A whole number in [min, max]; `expected` describes it in the error ("a positive number of milliseconds"). */
export function wholeNumber(o: {
  min: number;
  max?: number;
  expected: string;
  type?: string;
}): EnvKind<number | undefined> {
  const inRange = (n: number) => Number.isSafeInteger(n) && n >= o.min && (o.max === undefined || n <= o.max);
  return {
    schema: numeric(/^\d+$/, inRange, o.expected),
    type: o.type ?? (o.max === undefined ? `whole number ≥ ${o.min}` : `whole number ${o.min}–${o.max}`),
  };
}

/** A decimal number ≥ 0 (a price); `expected` describes it in the error. */
export function decimal(o: { expected: string; type: string }): EnvKind<number | undefined> {
  return { schema: numeric(/^\d+(\.\d+)?$/, Number.isFinite, o.expected), type: o.type };
}

/** A number written as `pattern` that `ok` accepts; anything else is refused with `expected`. */
function numeric(pattern: RegExp, ok: (n: number) => boolean, expected: string) {
  return z
    .string()
    .optional()
    .transform((value, ctx) => {
      if (unset(value)) return undefined;
      const text = value.trim();
      const n = Number(text);
      if (!pattern.test(text) || !ok(n)) return refuse(ctx, value, expected);
      return n;
    });
}

/** One of a fixed set of words. */
export function oneOf<const T extends string>(values: readonly T[]): EnvKind<T | undefined> {
  const expected =
    values.length === 2 ? `${values[0]} or ${values[1]}` : `${values.slice(0, -1).join(", ")} or ${values.at(-1)}`;
  const schema = z
    .string()
    .optional()
    .transform((value, ctx) => {
      if (unset(value)) return undefined;
      return (values as readonly string[]).includes(value) ? (value as T) : refuse(ctx, value, expected);
    });
  return { schema, type: values.map((v) => `\`${v}\``).join(" \\| ") };
}

/** An absolute URL whose scheme is one of `protocols` (without the colon). */
export function url(protocols: readonly string[], expected: string): EnvKind<string | undefined> {
  const schema = z
    .string()
    .optional()
    .transform((value, ctx) => {
      if (unset(value)) return undefined;
      if (!URL.canParse(value)) return refuse(ctx, value, expected);
      const parsed = new URL(value);
      // The error names the value, but never a password inside it.
      if (parsed.password) parsed.password = "***";
      if (!protocols.includes(parsed.protocol.slice(0, -1))) return refuse(ctx, parsed.href, expected);
      return value;
    });
  return { schema, type: `URL (${protocols.join(", ")})` };
}

/** Comma-separated words, trimmed, empty ones dropped. */
export function commaList(type = "comma-separated list"): EnvKind<string[]> {
  const schema = z
    .string()
    .optional()
    .transform((value) =>
      (value ?? "")
        .split(",")
        .map((p) => p.trim())
        .filter(Boolean),
    );
  return { schema, type };
}

/** The same kind with a value for unset (and empty), shown in the table's default column. */
export function withDefault<T>(kind: EnvKind<T | undefined>, value: T): EnvKind<T> & { readonly fallback: T } {
  return { schema: kind.schema.transform((v) => (v === undefined ? value : v)), type: kind.type, fallback: value };
}
