import { z } from "zod";

/** `z.strictObject` whose unknown-key error lists the keys that are allowed, so a typo is easy to spot. */
export function strictObject<const S extends z.ZodRawShape>(shape: S) {
  return z.strictObject(shape, {
    error: (iss) =>
      iss.code === "unrecognized_keys"
        ? `unknown key${iss.keys.length > 1 ? "s" : ""} ${iss.keys.map((k) => JSON.stringify(k)).join(", ")}; expected ${Object.keys(shape).join(", ")}`
        : undefined,
  });
}
