import realNock from "nock";

/**
 * The one way tests (and the attack bench) fake the GitHub, GitLab and Slack HTTP APIs. It is nock,
 * made strict: under vitest, a test fails when it sent a request that no mock answered (to any host
 * but loopback, where the real git server, Sentinel itself and the canaries listen) or when a
 * one-shot mock it set up was never used. A persisted scope (`nock(origin).persist()`) is a stand-in
 * server: its routes need not all be called. Everything else is nock's own API.
 */
const scopes: realNock.Scope[] = [];
const unmatched: string[] = [];
let unmatchedAllowed = false;

const LOOPBACK = /^(127\.0\.0\.1|localhost|\[?::1\]?)$/;

function tracked(basePath: string | RegExp | URL, options?: realNock.Options): realNock.Scope {
  const scope = realNock(basePath as string, options);
  scopes.push(scope);
  return scope;
}

/** nock, with every scope it makes remembered so that the end of a test can check them. */
export const nock = Object.assign(tracked, realNock, {
  cleanAll(): void {
    // Mocks a test clears on purpose are not "never used".
    scopes.length = 0;
    realNock.cleanAll();
  },
}) as typeof realNock;

interface RequestLike {
  readonly method?: string;
  readonly host?: string;
  readonly hostname?: string;
  readonly path?: string;
  readonly href?: string;
}

realNock.emitter.on("no match", (req: RequestLike, options?: RequestLike) => {
  const r = options ?? req;
  const host = (r.hostname ?? r.host ?? "").replace(/:\d+$/, "");
  if (LOOPBACK.test(host)) return;
  unmatched.push(`${r.method ?? "GET"} ${r.href ?? `${host}${r.path ?? ""}`}`);
});

/** Says that the current test sends a request no mock answers on purpose (it tests that failure). */
export function allowUnmatchedRequests(): void {
  unmatchedAllowed = true;
}

/** What went wrong with HTTP mocks since the last check; clears every mock for the next test. */
export function checkHttpMocks(): string[] {
  const problems: string[] = [];
  if (!unmatchedAllowed) problems.push(...unmatched.map((r) => `request no mock answered: ${r}`));
  for (const scope of scopes) {
    // nock's typings leave it out, but every scope answers whether it was made to persist.
    if ((scope as realNock.Scope & { shouldPersist(): boolean }).shouldPersist()) continue;
    problems.push(...scope.pendingMocks().map((m) => `mock never used: ${m}`));
  }
  unmatched.length = 0;
  unmatchedAllowed = false;
  scopes.length = 0;
  realNock.cleanAll();
  return problems;
}

if (process.env.VITEST) {
  const { afterEach, beforeAll, afterAll } = await import("vitest");
  beforeAll(() => {
    realNock.disableNetConnect();
    realNock.enableNetConnect((host: string) => LOOPBACK.test(host.replace(/:\d+$/, "")));
  });
  afterEach(() => {
    const problems = checkHttpMocks();
    if (problems.length > 0) throw new Error(`HTTP mocks were not used as the test said:\n${problems.join("\n")}`);
  });
  afterAll(() => realNock.enableNetConnect());
}
