import { describe, expect, it } from "vitest";
import { redactSecrets } from "../../../src/agents/llm/index.js";

// Token-shaped strings built at run time, so no scanner mistakes this file for a leak.
const ghp = "ghp_" + "A1b2C3d4E5f6G7h8I9j0K1l2M3n4O5p6Q7r8";
const glpat = "glpat-" + "xYz12345ABCDE_fghij-KL";
const xoxb = "xoxb-" + "123456789012-abcdefABCDEF";
const akia = "AKIA" + "IOSFODNN7EXAMPLE";

describe("secret redaction before anything is sent to a model", () => {
  it.each([
    ["a GitHub token", `token ${ghp} used`, "[REDACTED:github-token]"],
    ["a GitLab token", `CI_JOB_TOKEN=x ${glpat}`, "[REDACTED:gitlab-token]"],
    ["a Slack token", `SLACK=${xoxb}`, "[REDACTED:slack-token]"],
    ["an AWS access key id", `aws_access_key_id ${akia}`, "[REDACTED:aws-access-key]"],
  ])("replaces %s with a marker naming its kind", (_kind, text, marker) => {
    const { text: out, count } = redactSecrets(text);
    expect(out).toContain(marker);
    expect(count).toBe(1);
  });

  it("replaces a private key block, header to footer", () => {
    const key = ["-----BEGIN RSA PRIVATE KEY-----", "MIIEowIBAAKCAQEA", "-----END RSA PRIVATE KEY-----"].join("\n");
    expect(redactSecrets(`before\n${key}\nafter`).text).toBe("before\n[REDACTED:private-key]\nafter");
  });

  it("keeps the key of a password assignment and replaces its value", () => {
    expect(redactSecrets("mysql -u root password=hunter2 --host db").text).toBe(
      "mysql -u root password=[REDACTED:assignment] --host db",
    );
  });

  it("leaves ordinary log text untouched", () => {
    const line = "FAIL src/add.test.js > adds: expected 3, received -1";
    expect(redactSecrets(line)).toEqual({ text: line, count: 0 });
  });
});
