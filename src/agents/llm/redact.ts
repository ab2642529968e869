/**
 * Secrets are redacted from every string before it is sent to a model: the endpoint is a third
 * party, and a CI log or a checked-in file can hold a live credential. Each shape is replaced by a
 * marker naming its kind, so the model still sees that something was there.
 */
const SHAPES: readonly { kind: string; pattern: RegExp }[] = [
  {
    kind: "private-key",
    pattern: /-----BEGIN [A-Z ]*PRIVATE KEY-----[\s\S]*?(?:-----END [A-Z ]*PRIVATE KEY-----|$)/g,
  },
  // GitHub tokens (ghp_, gho_, ghu_, ghs_, ghr_) and fine-grained PATs.
  { kind: "github-token", pattern: /\b(?:gh[pousr]_[A-Za-z0-9]{16,}|github_pat_[A-Za-z0-9_]{16,})\b/g },
  // GitLab tokens: glpat-, gldt-, glrt-, … (the same family forge-api-error.ts scrubs).
  { kind: "gitlab-token", pattern: /\bgl[a-z]{2,8}-[A-Za-z0-9_-]{16,}/g },
  { kind: "slack-token", pattern: /\bxox[abposr]-[A-Za-z0-9-]{10,}/g },
  { kind: "aws-access-key", pattern: /\b(?:AKIA|ASIA)[0-9A-Z]{16}\b/g },
  // key=value and key: value assignments whose key names a secret; the key is kept for context.
  {
    kind: "assignment",
    pattern:
      /\b((?:password|passwd|pwd|secret|api[_-]?key|access[_-]?token|auth[_-]?token|client[_-]?secret)["']?\s*[=:]\s*)(["']?)[^\s"',;]+\2/gi,
  },
];

export interface Redaction {
  text: string;
  /** How many secrets were replaced (so a run can say it redacted something, never what). */
  count: number;
}

export function redactSecrets(text: string): Redaction {
  let count = 0;
  let out = text;
  for (const { kind, pattern } of SHAPES) {
    out = out.replace(pattern, (_match, keyPart?: unknown) => {
      count++;
      const prefix = kind === "assignment" && typeof keyPart === "string" ? keyPart : "";
      return `${prefix}[REDACTED:${kind}]`;
    });
  }
  return { text: out, count };
}
