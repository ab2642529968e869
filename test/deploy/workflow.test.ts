import { describe, expect, it } from "vitest";
import YAML from "yaml";
import { read } from "./deploy-support.js";

// .github/workflows/ci.yml, checked for the services and steps the suite needs. Not against the
// full Actions schema (the one validator on npm that runs on Node 20 is GPL-3.0; we keep it out),
// and it does not run the workflow: GitHub does.

const text = read(".github/workflows/ci.yml");
const workflow = YAML.parse(text) as {
  jobs: Record<
    string,
    {
      services?: Record<string, { image: string; ports: string[] }>;
      steps: Array<{ run?: string; uses?: string; env?: Record<string, string> }>;
    }
  >;
};

describe(".github/workflows/ci.yml", () => {
  it("runs every job on a named runner with a time limit", () => {
    for (const [name, job] of Object.entries(
      workflow.jobs as Record<string, { "runs-on"?: string; "timeout-minutes"?: number }>,
    )) {
      expect(job["runs-on"], name).toMatch(/^ubuntu-/);
      expect(job["timeout-minutes"], name).toBeGreaterThan(0);
    }
  });

  it("runs npm test with CI=true against Redis and PostgreSQL 15+ service containers on the loopback ports the tests use", () => {
    const test = workflow.jobs.test!;
    expect(test.services!.redis!.image).toMatch(/^redis:7/);
    expect(test.services!.redis!.ports).toEqual(["6379:6379"]);
    expect(Number(/^postgres:(\d+)/.exec(test.services!.postgres!.image)![1])).toBeGreaterThanOrEqual(15);
    expect(test.services!.postgres!.ports).toEqual(["5432:5432"]);
    const runs = test.steps.map((s) => s.run ?? "");
    expect(runs).toContain("npm ci");
    expect(test.steps.find((s) => s.run === "npm test")!.env).toEqual({
      CI: "true",
      SENTINEL_TEST_CHROMIUM: "/usr/bin/google-chrome",
    });
    // The sandbox tests need bubblewrap (and user namespaces); the dashboard test drives the runner's Chrome.
    expect(runs.join("\n")).toMatch(/apt-get install -y bubblewrap/);
    expect(runs.join("\n")).toContain("kernel.apparmor_restrict_unprivileged_userns=0");
  });

  it("builds the image and smoke-tests the compose stack, sandbox included", () => {
    const image = workflow.jobs.image!.steps;
    expect(image.find((s) => s.uses?.startsWith("docker/build-push-action"))).toBeDefined();
    const runs = image.map((s) => s.run ?? "").join("\n");
    expect(runs).toContain("docker compose -f deploy/compose.yaml config --quiet");
    expect(runs).toContain("up -d --no-build --wait");
    expect(runs).toContain("curl -fsS http://127.0.0.1:3000/readyz");
    expect(runs).toMatch(/exec -T worker \\\s*\n\s*bwrap .*--unshare-all/);
    expect(runs).toContain("down -v");
  });
});
