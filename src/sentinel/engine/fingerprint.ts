import { createHash } from "node:crypto";
import type { DiagnosisCategory, Finding, LogLineRef } from "../model/types.js";
import { normalizeVolatile } from "./normalize.js";

const MAX_SIGNATURES = 20;

/**
 * The same failure on another commit or run gets the same fingerprint: it is built from the
 * category, the tool and what the error findings say (rule, file, code, normalised message),
 * never from log line numbers, source line numbers, timestamps or temp paths.
 */
export function fingerprintOf(
  category: DiagnosisCategory,
  tool: string | null,
  errors: readonly Finding[],
  fallbackLines: readonly LogLineRef[],
): string {
  const signatures = new Set<string>();
  for (const f of errors) {
    signatures.add([f.ruleId, f.file ?? "", f.code ?? "", normalizeVolatile(f.message)].join("\u0000"));
  }
  if (signatures.size === 0) for (const l of fallbackLines) signatures.add(normalizeVolatile(l.text));
  const material = ["sentinel-fp-v1", category, tool ?? "", ...[...signatures].sort().slice(0, MAX_SIGNATURES)].join(
    "\n",
  );
  return "sfp1-" + createHash("sha256").update(material).digest("hex").slice(0, 20);
}
