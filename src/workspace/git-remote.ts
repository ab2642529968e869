import { SentinelError } from "../core/index.js";

/**
 * Where Sentinel's git fetches from and pushes to. A forge remote's URL is built from the forge
 * origin the deployment configured (GITLAB_URL, GitHub's host) and a repository path the forge's
 * API confirmed, never read from a webhook: a GitLab hook only proves its sender knows a shared
 * secret, and a URL in it could name any host (or a path on this machine) that git would then
 * hand the token to. The local forge's remote is a path on disk and carries no token.
 */
export interface GitRemote {
  /** https (http only where the forge itself is configured so) for a forge; a local path for the local forge. */
  readonly url: string;
  /** Sent by git as an HTTP header, and only to this remote's origin. */
  readonly auth?: { readonly token: string; readonly user: string };
}

/** A remote Sentinel will not talk to, or not with a token. */
export class RemoteRefusedError extends SentinelError {
  constructor(message: string) {
    super("E_REMOTE_REFUSED", message);
    this.name = "RemoteRefusedError";
  }
}

/** One path segment of a repository path as forges spell them (GitLab: nested groups too). */
const SEGMENT = /^[A-Za-z0-9_][A-Za-z0-9_.-]{0,254}$/;

/**
 * The git URL of repository `repoPath` on the forge whose web origin is `base`
 * (`https://gitlab.example.com`, `https://host/gitlab` for a relative-URL install,
 * `https://github.com`, `https://ghe.example.com`).
 */
export function forgeGitUrl(base: string, repoPath: string): string {
  let url: URL;
  try {
    url = new URL(base);
  } catch {
    throw new RemoteRefusedError(`the forge URL ${JSON.stringify(base)} is not a URL`);
  }
  if (url.protocol !== "https:" && url.protocol !== "http:")
    throw new RemoteRefusedError(`the forge URL ${JSON.stringify(base)} is not http(s)`);
  const segments = repoPath.split("/");
  if (segments.length < 2 || !segments.every((s) => SEGMENT.test(s) && !s.endsWith(".git") && !s.endsWith("."))) {
    throw new RemoteRefusedError(`${JSON.stringify(repoPath)} is not a repository path Sentinel builds a remote from`);
  }
  url.username = "";
  url.password = "";
  url.search = "";
  url.hash = "";
  url.pathname = `${url.pathname.replace(/\/+$/, "")}/${repoPath}.git`;
  return url.toString();
}

/** The origin (scheme, host and port) a forge remote's token is scoped to. */
export function remoteOrigin(url: string): string {
  const u = new URL(url);
  return `${u.protocol}//${u.host}/`;
}

/** Whether `url` names something on this machine (a path or a file: URL) rather than a host. */
export function isLocalRemote(url: string): boolean {
  if (url.startsWith("/") || url.startsWith("./") || url.startsWith("../")) return true;
  return /^file:/i.test(url) || !/^[A-Za-z][A-Za-z0-9+.-]*:\/\//.test(url);
}

/**
 * Checks a remote before git is pointed at it: a token only ever goes to an http(s) URL without
 * credentials, query or fragment in it; a remote without a token may be local (the local forge).
 * Returns the URL's scheme as git's protocol config names it.
 */
export function checkRemote(remote: GitRemote): "file" | "https" | "http" {
  if (isLocalRemote(remote.url)) {
    if (remote.auth)
      throw new RemoteRefusedError("a token is only ever sent to a forge's http(s) origin, never to a local path");
    return "file";
  }
  let u: URL;
  try {
    u = new URL(remote.url);
  } catch {
    throw new RemoteRefusedError(`the remote ${JSON.stringify(remote.url)} is not a URL`);
  }
  if (u.protocol !== "https:" && u.protocol !== "http:")
    throw new RemoteRefusedError(`the remote's scheme ${u.protocol} is not http(s)`);
  if (u.username || u.password || u.search || u.hash)
    throw new RemoteRefusedError(
      "a remote URL carries no credentials, query or fragment (the token travels as a header)",
    );
  return u.protocol === "https:" ? "https" : "http";
}
