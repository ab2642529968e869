// Bad webhook requests for `bench/fuzz.mjs`, drawn from a seeded generator. Each case says how to
// send it (`http`: a well-formed HTTP request over keep-alive connections; `raw`: bytes on a
// socket of its own, for what an HTTP client refuses to send) and which answers are right.
// `expect: null` marks a client that hangs up before finishing its request: nobody can answer
// it, and what is checked is that the server shrugs it off.
import { createHmac } from "node:crypto";

const GITHUB = "/api/github/webhooks";
const GITLAB = "/api/gitlab/webhook";
const MB = 1024 * 1024;
/** Both endpoints refuse bodies over 25 MB (src/server). */
export const BODY_LIMIT = 25 * MB;

const sign = (secret, body) => "sha256=" + createHmac("sha256", secret).update(body).digest("hex");

/**
 * `ctx`: { githubSecret, gitlabSecret, githubBody (string), gitlabBody (string), runId }.
 * Returns a function drawing the next case from `rng`.
 */
export function httpCaseGenerator(rng, ctx) {
  let seq = 0;
  const deliveryId = () => `fuzz-${ctx.runId}-${seq++}`;
  const usedIds = [];
  const gh = (
    body,
    { headers = {}, signature, contentType = "application/json", id = deliveryId(), event = "workflow_job" } = {},
  ) => {
    const h = {
      "content-type": contentType,
      "x-github-event": event,
      "x-github-delivery": id,
      "x-hub-signature-256": signature ?? sign(ctx.githubSecret, body),
      ...headers,
    };
    for (const [k, v] of Object.entries(h)) if (v === undefined) delete h[k];
    return h;
  };
  const gl = (body, { headers = {}, token = ctx.gitlabSecret, event = "Job Hook", key = deliveryId() } = {}) => {
    const h = {
      "content-type": "application/json",
      "x-gitlab-event": event,
      "x-gitlab-token": token,
      "idempotency-key": key,
      ...headers,
    };
    for (const [k, v] of Object.entries(h)) if (v === undefined) delete h[k];
    return h;
  };
  const http = (kind, path, headers, body, expect, method = "POST") => ({
    kind,
    transport: "http",
    method,
    path,
    headers,
    body: typeof body === "string" ? Buffer.from(body) : body,
    expect,
  });
  const raw = (kind, bytes, expect, extra = {}) => ({
    kind,
    transport: "raw",
    bytes: typeof bytes === "string" ? Buffer.from(bytes, "latin1") : bytes,
    expect,
    ...extra,
  });
  const head = (method, path, headers) =>
    `${method} ${path} HTTP/1.1\r\nHost: 127.0.0.1\r\n${Object.entries(headers)
      .map(([k, v]) => `${k}: ${v}\r\n`)
      .join("")}`;

  const truncate = (s) => s.slice(0, rng.int(0, s.length - 1));
  const mutate = (s) => {
    const b = Buffer.from(s);
    const n = rng.int(1, 8);
    for (let i = 0; i < n; i++) {
      const at = rng.int(0, b.length - 1);
      b[at] = rng.pick([0x7b, 0x7d, 0x5b, 0x5d, 0x22, 0x2c, 0x3a, 0x5c, 0x00, 0x20, rng.int(0, 255)]);
    }
    return b;
  };
  // "action": "completed" makes a workflow_job one Sentinel records, so these reach the store.
  const nested = (depth, open = "[", close = "]") =>
    `{"action":"completed","installation":{"id":1},"a":${open.repeat(depth)}${close.repeat(depth)}}`;
  const invalidUtf8 = () =>
    Buffer.concat([
      Buffer.from('{"installation":{"id":1},"note":"'),
      rng.pick([
        Buffer.from([0xc3, 0x28]),
        Buffer.from([0xff, 0xfe]),
        Buffer.from([0xed, 0xa0, 0x80]),
        Buffer.from([0xf0, 0x28, 0x8c, 0xbc]),
        Buffer.from([0x80]),
      ]),
      Buffer.from('"}'),
    ]);
  const hostileStrings = () =>
    JSON.stringify({
      installation: { id: 1 },
      action: "completed",
      a: "\u0000nul",
      b: "\ud800lone",
      c: "\udc00low",
      d: "😀 pair",
      e: "\\u0000 escaped text",
      big: 1e308,
      neg: -0,
      deep: { __proto__: { polluted: true } },
      constructor: { prototype: { polluted: true } },
    });
  const protoPollution = () =>
    '{"__proto__":{"polluted":true},"constructor":{"prototype":{"polluted":true}},"installation":{"id":1},"action":"completed"}';
  const manyKeys = (n) =>
    "{" +
    Array.from({ length: n }, (_, i) => `"k${i}":${i}`).join(",") +
    ',"action":"completed","installation":{"id":1}}';
  const hugeHeader = (n) => rng.string(n, "abcdefghijklmnopqrstuvwxyz");

  // [weight, () => case]. The weights keep cheap cases common and multi-megabyte ones rare.
  const githubCases = [
    [6, () => http("gh.valid", GITHUB, gh(ctx.githubBody), ctx.githubBody, [200])],
    [
      2,
      () => {
        const id = usedIds.length > 0 && rng.chance(0.7) ? rng.pick(usedIds) : deliveryId();
        usedIds.push(id);
        return http("gh.redelivery", GITHUB, gh(ctx.githubBody, { id }), ctx.githubBody, [200]);
      },
    ],
    [
      5,
      () =>
        http(
          "gh.wrong-signature",
          GITHUB,
          gh(ctx.githubBody, { signature: "sha256=" + rng.string(64, "0123456789abcdef") }),
          ctx.githubBody,
          [401],
        ),
    ],
    [
      3,
      () =>
        http(
          "gh.wrong-secret",
          GITHUB,
          gh(ctx.githubBody, { signature: sign("not-the-secret", ctx.githubBody) }),
          ctx.githubBody,
          [401],
        ),
    ],
    [
      4,
      () =>
        http(
          "gh.malformed-signature",
          GITHUB,
          gh(ctx.githubBody, {
            signature: rng.pick([
              "",
              "sha256=",
              "sha1=" + "0".repeat(40),
              "sha256=zz",
              "garbage",
              "sha256=" + "a".repeat(4000),
              "SHA256=" + sign(ctx.githubSecret, ctx.githubBody).slice(7),
              sign(ctx.githubSecret, ctx.githubBody) + "00",
            ]),
          }),
          ctx.githubBody,
          [401],
        ),
    ],
    [
      4,
      () =>
        http(
          "gh.missing-signature",
          GITHUB,
          gh(ctx.githubBody, { signature: undefined, headers: { "x-hub-signature-256": undefined } }),
          ctx.githubBody,
          [401],
        ),
    ],
    [5, () => http("gh.truncated-body", GITHUB, gh(ctx.githubBody), truncate(ctx.githubBody), [401])],
    [
      5,
      () => {
        const body = truncate(ctx.githubBody);
        return http("gh.truncated-resigned", GITHUB, gh(body), body, [400]);
      },
    ],
    [
      6,
      () => {
        const body = mutate(ctx.githubBody);
        // A mutation can leave valid JSON (a changed letter inside a string): then it is a delivery.
        // One that breaks UTF-8 changes the text the signature is checked over: 401.
        return http("gh.mutated-json", GITHUB, gh(body), body, [200, 400, 401]);
      },
    ],
    [
      4,
      () => {
        const body = rng.pick(["42", '"a string"', "[]", "[1,2,3]", "null", "true", "{}", "{ }"]);
        // {} is an object, without an installation: recorded and ignored later, like GitHub's own pings.
        return http("gh.non-object-json", GITHUB, gh(body), body, body.trim().startsWith("{") ? [200] : [400]);
      },
    ],
    [
      4,
      () =>
        http(
          "gh.wrong-content-type",
          GITHUB,
          gh(ctx.githubBody, {
            contentType: rng.pick([
              "text/plain",
              "application/x-www-form-urlencoded",
              "multipart/form-data; boundary=x",
              "application/jsonx",
              "json",
              "text/json",
            ]),
          }),
          ctx.githubBody,
          [415],
        ),
    ],
    [
      2,
      () =>
        http(
          "gh.missing-content-type",
          GITHUB,
          gh(ctx.githubBody, { contentType: undefined, headers: { "content-type": undefined } }),
          ctx.githubBody,
          [415],
        ),
    ],
    [
      4,
      () => {
        const body = invalidUtf8();
        // Signed over the raw bytes (as GitHub signs), the decoded text no longer matches: 401.
        return http("gh.invalid-utf8", GITHUB, gh(body), body, [401]);
      },
    ],
    [
      3,
      () => {
        const depth = rng.pick([100, 1000, 5000, 20000, 100000, 1000000]);
        const body = rng.chance(0.5) ? nested(depth) : nested(depth, '{"a":', "}");
        // Whatever depth, an answer: recorded (200) or refused as unstorable (400).
        return http("gh.deeply-nested", GITHUB, gh(body), body, [200, 400]);
      },
    ],
    [2, () => http("gh.hostile-strings", GITHUB, gh(hostileStrings()), hostileStrings(), [200])],
    [2, () => http("gh.prototype-keys", GITHUB, gh(protoPollution()), protoPollution(), [200])],
    [
      1,
      () => {
        const body = manyKeys(rng.pick([1000, 50000, 200000]));
        return http("gh.many-keys", GITHUB, gh(body), body, [200]);
      },
    ],
    [
      3,
      () =>
        http(
          "gh.unknown-event",
          GITHUB,
          gh(ctx.githubBody, {
            event: rng.pick([
              "not_an_event",
              "workflow_job.completed",
              "x".repeat(2000),
              "",
              "__proto__",
              "constructor",
            ]),
          }),
          ctx.githubBody,
          [200, 400],
        ),
    ],
    [
      3,
      () => {
        const missing = rng.pick(["x-github-event", "x-github-delivery"]);
        return http(
          "gh.missing-header",
          GITHUB,
          gh(ctx.githubBody, { headers: { [missing]: undefined } }),
          ctx.githubBody,
          [400],
        );
      },
    ],
    [
      3,
      () =>
        http(
          "gh.long-delivery-id",
          GITHUB,
          gh(ctx.githubBody, { id: `${deliveryId()}-${"x".repeat(rng.pick([300, 3000, 12000]))}` }),
          ctx.githubBody,
          [400],
        ),
    ],
    // The signature check refuses an empty payload before anything else looks at it.
    [2, () => http("gh.empty-body", GITHUB, gh(""), "", [400, 401])],
    [
      2,
      () => {
        const body = "\ufeff" + ctx.githubBody;
        return http("gh.byte-order-mark", GITHUB, gh(body), body, [400]);
      },
    ],
    [
      2,
      () => {
        const body = rng.bytes(rng.int(1, 4096));
        return http("gh.binary-garbage", GITHUB, gh(body), body, [400, 401]);
      },
    ],
    [
      3,
      () =>
        http(
          "gh.wrong-method",
          GITHUB,
          {},
          undefined,
          [404, 405],
          rng.pick(["GET", "PUT", "DELETE", "PATCH", "OPTIONS"]),
        ),
    ],
    [
      3,
      () => {
        const path = rng.pick([
          `${GITHUB}/`,
          `${GITHUB}?x=1`,
          `${GITHUB}//`,
          "/api/github/WEBHOOKS",
          "/api/github/",
          "/api/github/../github/webhooks",
          "/api/github/%00",
          `${GITHUB}%2F`,
          "/api/github/webhooks/extra",
        ]);
        return http("gh.odd-path", path, gh(ctx.githubBody), ctx.githubBody, [200, 400, 401, 404]);
      },
    ],
    [
      2,
      () =>
        http(
          "gh.many-headers",
          GITHUB,
          { ...gh(ctx.githubBody), ...Object.fromEntries(Array.from({ length: 400 }, (_, i) => [`x-junk-${i}`, "v"])) },
          ctx.githubBody,
          [200],
        ),
    ],
    [
      2,
      () =>
        raw(
          "gh.huge-headers",
          head("POST", GITHUB, {
            ...gh(ctx.githubBody),
            "x-junk": hugeHeader(rng.pick([17000, 64000, 200000])),
            "content-length": Buffer.byteLength(ctx.githubBody),
          }) +
            "\r\n" +
            ctx.githubBody,
          [431],
        ),
    ],
    [
      1,
      () =>
        raw(
          "gh.huge-url",
          `POST ${GITHUB}?${"a".repeat(rng.pick([20000, 100000]))} HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\n\r\n{}`,
          [414, 431],
        ),
    ],
  ];
  const gitlabCases = [
    [6, () => http("gl.valid", GITLAB, gl(ctx.gitlabBody), ctx.gitlabBody, [202])],
    [
      2,
      () => {
        const key = usedIds.length > 0 && rng.chance(0.7) ? rng.pick(usedIds) : deliveryId();
        usedIds.push(key);
        return http("gl.redelivery", GITLAB, gl(ctx.gitlabBody, { key }), ctx.gitlabBody, [200, 202]);
      },
    ],
    [
      5,
      () =>
        http(
          "gl.wrong-token",
          GITLAB,
          gl(ctx.gitlabBody, {
            token: rng.pick([
              "",
              "wrong",
              ctx.gitlabSecret + "x",
              ctx.gitlabSecret.slice(1),
              "t".repeat(8000),
              ctx.gitlabSecret.toUpperCase(),
            ]),
          }),
          ctx.gitlabBody,
          [401],
        ),
    ],
    [
      4,
      () =>
        http(
          "gl.missing-token",
          GITLAB,
          gl(ctx.gitlabBody, { token: undefined, headers: { "x-gitlab-token": undefined } }),
          ctx.gitlabBody,
          [401],
        ),
    ],
    [5, () => http("gl.truncated-body", GITLAB, gl(ctx.gitlabBody), truncate(ctx.gitlabBody), [400])],
    [5, () => http("gl.mutated-json", GITLAB, gl(ctx.gitlabBody), mutate(ctx.gitlabBody), [200, 202, 400])],
    [
      3,
      () =>
        http("gl.non-object-json", GITLAB, gl(ctx.gitlabBody), rng.pick(["42", "[]", "null", '"s"', "true"]), [400]),
    ],
    [
      3,
      () =>
        http(
          "gl.unknown-event",
          GITLAB,
          gl(ctx.gitlabBody, { event: rng.pick(["Push Hook", "System Hook", "", "x".repeat(3000), "__proto__"]) }),
          ctx.gitlabBody,
          [202],
        ),
    ],
    [3, () => http("gl.invalid-utf8", GITLAB, gl(ctx.gitlabBody), invalidUtf8(), [200, 202])],
    [
      3,
      () => {
        const depth = rng.pick([100, 1000, 5000, 20000, 100000, 1000000]);
        const body = rng.chance(0.5) ? nested(depth) : nested(depth, '{"a":', "}");
        return http("gl.deeply-nested", GITLAB, gl(body), body, [200, 202, 400]);
      },
    ],
    [2, () => http("gl.hostile-strings", GITLAB, gl(hostileStrings()), hostileStrings(), [202])],
    [2, () => http("gl.prototype-keys", GITLAB, gl(protoPollution()), protoPollution(), [202])],
    [
      3,
      () =>
        http(
          "gl.long-or-no-key",
          GITLAB,
          gl(ctx.gitlabBody, {
            key: rng.chance(0.5) ? undefined : "k".repeat(rng.pick([201, 5000])),
            headers: rng.chance(0.5) ? { "idempotency-key": undefined } : {},
          }),
          ctx.gitlabBody,
          [200, 202],
        ),
    ],
    [2, () => http("gl.empty-body", GITLAB, gl(""), "", [400])],
    [2, () => http("gl.binary-garbage", GITLAB, gl(""), rng.bytes(rng.int(1, 4096)), [200, 202, 400])],
    [3, () => http("gl.wrong-method", GITLAB, gl(""), undefined, [405], rng.pick(["GET", "PUT", "DELETE", "PATCH"]))],
    [
      2,
      () =>
        http(
          "gl.wrong-content-type",
          GITLAB,
          gl(ctx.gitlabBody, { headers: { "content-type": "text/plain" } }),
          ctx.gitlabBody,
          [202],
        ),
    ],
    [
      2,
      () =>
        raw(
          "gl.huge-headers",
          head("POST", GITLAB, {
            ...gl(ctx.gitlabBody),
            "x-junk": hugeHeader(rng.pick([17000, 64000, 200000])),
            "content-length": Buffer.byteLength(ctx.gitlabBody),
          }) +
            "\r\n" +
            ctx.gitlabBody,
          [431],
        ),
    ],
  ];
  // Malformed HTTP itself, on either endpoint: Node's parser answers these before Sentinel sees them.
  const protocolCases = [
    // On the GitHub path, the missing signature is refused (401) before the body is read.
    [
      2,
      () =>
        raw(
          "http.bad-chunk-size",
          head("POST", rng.pick([GITHUB, GITLAB]), { ...gl("{}"), "transfer-encoding": "chunked" }) +
            "\r\nzz\r\n{}\r\n0\r\n\r\n",
          [400, 401],
        ),
    ],
    [
      2,
      () =>
        raw(
          "http.content-length-and-chunked",
          head("POST", rng.pick([GITHUB, GITLAB]), {
            ...gl("{}"),
            "content-length": 2,
            "transfer-encoding": "chunked",
          }) + "\r\n2\r\n{}\r\n0\r\n\r\n",
          [400],
        ),
    ],
    [
      2,
      () =>
        raw(
          "http.negative-content-length",
          head("POST", rng.pick([GITHUB, GITLAB]), {
            ...gl("{}"),
            "content-length": rng.pick(["-1", "abc", "1e3", "99999999999999999999999"]),
          }) + "\r\n{}",
          [400, 413],
        ),
    ],
    [
      2,
      () =>
        raw(
          "http.two-content-lengths",
          head("POST", rng.pick([GITHUB, GITLAB]), { ...gl("{}"), "content-length": 2 }) +
            "Content-Length: 3\r\n\r\n{} ",
          [400],
        ),
    ],
    [
      2,
      () =>
        raw(
          "http.header-without-colon",
          `POST ${rng.pick([GITHUB, GITLAB])} HTTP/1.1\r\nHost: x\r\nthis is not a header\r\nContent-Length: 2\r\n\r\n{}`,
          [400],
        ),
    ],
    [
      2,
      () =>
        raw(
          "http.bad-request-line",
          rng.pick([
            "GARBAGE\r\n\r\n",
            "POST\r\n\r\n",
            `POST ${GITHUB} HTTP/9.9\r\n\r\n`,
            "\x00\x01\x02\r\n\r\n",
            `POST  ${GITHUB}  HTTP/1.1\r\n\r\n`,
          ]),
          [400, 505],
        ),
    ],
    [
      2,
      () =>
        raw(
          "http.header-injection",
          head("POST", rng.pick([GITHUB, GITLAB]), {
            "x-gitlab-token": `${ctx.gitlabSecret}\rX-Injected: 1`,
            "content-length": 2,
          }) + "\r\n{}",
          [400],
        ),
    ],
    [
      3,
      () => {
        // The client stops mid-body and hangs up (a crashed sender, a cut connection).
        const path = rng.pick([GITHUB, GITLAB]);
        const body = path === GITHUB ? ctx.githubBody : ctx.gitlabBody;
        const h = path === GITHUB ? gh(body) : gl(body);
        return raw(
          "http.client-hangs-up-mid-body",
          head("POST", path, { ...h, "content-length": Buffer.byteLength(body) }) + "\r\n" + truncate(body),
          null,
          { hangUp: true },
        );
      },
    ],
    [
      1,
      () => {
        // A slow-body client: declares a full 25 MB and sends a byte every 250 ms. It must be cut
        // (408) by the body's minimum rate within seconds, not hold the connection and its share of
        // the body budget for as long as it likes.
        const path = rng.pick([GITHUB, GITLAB]);
        return raw(
          "http.slow-body",
          head("POST", path, { ...(path === GITHUB ? gh("{}") : gl("{}")), "content-length": BODY_LIMIT }) + "\r\n",
          [408],
          { trickle: { everyMs: 250 } },
        );
      },
    ],
    [
      2,
      () =>
        raw(
          "http.client-hangs-up-mid-headers",
          `POST ${rng.pick([GITHUB, GITLAB])} HTTP/1.1\r\nHost: x\r\nX-Gitlab-To`,
          null,
          { hangUp: true },
        ),
    ],
    [
      1,
      () =>
        http(
          "http.other-routes",
          rng.pick([
            "/healthz",
            "/readyz",
            "/metrics",
            "/",
            "/dashboard",
            "/api/slack/events",
            "/nope",
            "/api/gitlab/other",
          ]),
          {},
          undefined,
          [200, 404, 405, 503],
          rng.pick(["GET", "POST", "HEAD"]),
        ),
    ],
  ];
  // Bodies over the limit: refused with 413 while the client is still sending, never read into
  // memory beyond the limit. Each sends up to 30 MB, so they are few.
  const oversizedCases = [
    [
      1,
      () => {
        const path = rng.pick([GITHUB, GITLAB]);
        return raw(
          "big.declared-content-length",
          head("POST", path, {
            ...(path === GITHUB ? gh("{}") : gl("{}")),
            "content-length": rng.pick([BODY_LIMIT + 1, 30 * MB, 1024 * MB, 2 ** 40]),
          }) + "\r\n",
          [413],
          { streamBody: { chunked: false, bytes: 30 * MB } },
        );
      },
    ],
    [
      1,
      () => {
        const path = rng.pick([GITHUB, GITLAB]);
        return raw(
          "big.chunked",
          head("POST", path, { ...(path === GITHUB ? gh("{}") : gl("{}")), "transfer-encoding": "chunked" }) + "\r\n",
          [413],
          { streamBody: { chunked: true, bytes: 30 * MB } },
        );
      },
    ],
  ];
  return {
    /** The next case; `oversized` picks one of the rare multi-megabyte ones. */
    next(oversized = false) {
      if (oversized) return rng.weighted(oversizedCases)();
      return rng.weighted([
        [45, () => rng.weighted(githubCases)()],
        [40, () => rng.weighted(gitlabCases)()],
        [15, () => rng.weighted(protocolCases)()],
      ])();
    },
  };
}
