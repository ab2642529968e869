import { checkRemote, remoteOrigin, type GitRemote } from "./git-remote.js";
import { gitProcess, type GitRunner } from "./git-process.js";

/**
 * The environment Sentinel's own git commands run with. Configuration given this way
 * (GIT_CONFIG_COUNT) outranks every config file, so nothing a fixer wrote into a repository's
 * config can turn hooks or an fsmonitor back on; global and system config are not read at all.
 * Every transport is off except the one `remote` needs: https (or http) for a forge, the local
 * file transport only for the local forge's path, none at all without a remote. A token travels
 * as an HTTP header in this environment (never in a URL, an argv or a config file on disk),
 * scoped to the remote's origin, and git does not follow redirects while it carries one.
 */
export function gitEnv(
  options: { remote?: GitRemote; author?: { name: string; email: string } } = {},
): Record<string, string> {
  const config: Array<[string, string]> = [
    ["core.hooksPath", "/dev/null"],
    ["core.fsmonitor", "false"],
    ["core.askPass", ""],
    ["credential.helper", ""],
    ["commit.gpgSign", "false"],
    ["tag.gpgSign", "false"],
    ["protocol.allow", "never"],
    ["submodule.recurse", "false"],
    ["maintenance.auto", "false"],
    ["gc.auto", "0"],
  ];
  const remote = options.remote;
  if (remote) {
    const scheme = checkRemote(remote);
    config.push([`protocol.${scheme}.allow`, "always"]);
    if (remote.auth) {
      const basic = Buffer.from(`${remote.auth.user}:${remote.auth.token}`).toString("base64");
      config.push([`http.${remoteOrigin(remote.url)}.extraHeader`, `Authorization: Basic ${basic}`]);
      config.push(["http.followRedirects", "false"]);
    }
  }
  const env: Record<string, string> = {
    PATH: process.env.PATH ?? "/usr/bin:/bin",
    HOME: "/nonexistent",
    GIT_CONFIG_NOSYSTEM: "1",
    GIT_CONFIG_GLOBAL: "/dev/null",
    GIT_TERMINAL_PROMPT: "0",
    GIT_CONFIG_COUNT: String(config.length),
    LANG: "C",
  };
  config.forEach(([key, value], i) => {
    env[`GIT_CONFIG_KEY_${i}`] = key;
    env[`GIT_CONFIG_VALUE_${i}`] = value;
  });
  if (options.author) {
    env.GIT_AUTHOR_NAME = env.GIT_COMMITTER_NAME = options.author.name;
    env.GIT_AUTHOR_EMAIL = env.GIT_COMMITTER_EMAIL = options.author.email;
  }
  return env;
}

/** A remote URL with any credentials in it removed (they belong in the header, not the URL). */
export function withoutCredentials(url: string): string {
  try {
    const u = new URL(url);
    if (u.username || u.password) {
      u.username = "";
      u.password = "";
    }
    return u.toString();
  } catch {
    // Not a URL, so no user or password in it to hide.
    return url;
  }
}

/**
 * The argument check (git-process.ts) refuses git environments and config that could run code,
 * which is right for text from elsewhere. Ours is the opposite: these settings switch hooks,
 * fsmonitor, credential helpers and prompts *off*, and every value comes from `gitEnv`, never from
 * a repository or a webhook. So exactly those checks are lifted, and only for Sentinel's own calls.
 */
export function sentinelGit(
  baseDir: string,
  env: Record<string, string>,
  o: { receivePack?: boolean } = {},
): GitRunner {
  return gitProcess(baseDir, env, {
    // Only where Sentinel passes its own fixed --receive-pack (commit-and-push.ts).
    ...(o.receivePack ? { allowUnsafePack: true } : {}),
    allowUnsafeConfigPaths: true,
    allowUnsafeConfigEnvCount: true,
    allowUnsafeHooksPath: true,
    allowUnsafeFsMonitor: true,
    allowUnsafeAskPass: true,
    allowUnsafeCredentialHelper: true,
    allowUnsafeProtocolOverride: true,
  });
}
