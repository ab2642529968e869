import { z } from "zod";
import type { EnvKind } from "./env-kinds.js";

const PEM = [
  /-----BEGIN RSA PRIVATE KEY-----[\s\S]*-----END RSA PRIVATE KEY-----/,
  /-----BEGIN PRIVATE KEY-----[\s\S]*-----END PRIVATE KEY-----/,
];

/**
 * The GitHub App's private key, held to what Probot accepts (PKCS#1 or PKCS#8 PEM, possibly
 * base64-encoded or with `\n` for line breaks). Probot drops a key it cannot read and fails later,
 * on the first API call, with no word about the key; this stops start-up instead. Never echoes the value.
 */
export function pemKey(): EnvKind<string | undefined> {
  const schema = z
    .string()
    .optional()
    .transform((value, ctx) => {
      if (value === undefined || value.trim() === "") return undefined;
      if (isPem(value)) return value;
      ctx.addIssue({
        code: "custom",
        message:
          "is not a PEM private key: set it to the contents of the GitHub App's .pem file " +
          '(from "-----BEGIN RSA PRIVATE KEY-----" to "-----END RSA PRIVATE KEY-----"), ' +
          "or to that file base64-encoded " +
          "— check that the whole file was copied",
      });
      return z.NEVER;
    });
  return { schema, type: "secret (PEM)" };
}

function isPem(value: string): boolean {
  // The same decoding Probot's get-private-key applies before it looks for the PEM markers.
  const decoded =
    Buffer.from(value, "base64").toString("base64") === value ? Buffer.from(value, "base64").toString() : value;
  const key = decoded.replace(/\\n/g, "\n");
  return PEM.some((pattern) => pattern.test(key));
}
