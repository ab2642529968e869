import { SentinelError } from "../../core/index.js";
import { formatFileProblem, loadRepositoryYaml } from "../../sentinel/index.js";
import { MAX_CONFIG_BYTES } from "../forge-client.js";
import type { RestOctokit } from "./github-repo-api.js";

export const CONFIG_PATH = ".github/sentinel.yml";

/** What reading `.github/sentinel.yml` found, as `ForgeClient.readConfig` answers it. */
export interface GithubConfigRead {
  readonly path: string;
  readonly text: string | null;
  readonly value?: unknown;
  readonly error?: string;
}

const capped = new WeakSet<object>();

/**
 * Makes this client pass a raw config file (this repository's or an `_extends` target's) through
 * Sentinel's capped, linear loader before the config plugin parses it: the plugin's YAML parser
 * checks keys for repeats in quadratic time and recurses once per nesting level (a few KB of
 * `[[[[` overflowed the stack and aborted Node), so a file the loader refuses never reaches it.
 * Once per client: hooks stay installed.
 */
function refuseLargeConfigs(octokit: RestOctokit): void {
  if (capped.has(octokit)) return;
  capped.add(octokit);
  octokit.hook.after("request", (response, options) => {
    const raw = (options as { mediaType?: { format?: string } }).mediaType?.format === "raw";
    const path = String((options as { path?: unknown }).path ?? "");
    if (!raw || !options.url.includes("/contents/") || !/\.(ya?ml|json)$/i.test(path)) return;
    const data = (response as { data?: unknown }).data;
    if (typeof data !== "string") return;
    if (Buffer.byteLength(data, "utf8") > MAX_CONFIG_BYTES) {
      throw new SentinelError(
        "E_FORGE_CONFIG_INVALID",
        `${path} is larger than ${MAX_CONFIG_BYTES} bytes; Sentinel reads configs up to that size`,
      );
    }
    const loaded = loadRepositoryYaml(data, { file: path, kind: "config" });
    if ("errors" in loaded && loaded.errors[0]) {
      throw new SentinelError("E_FORGE_CONFIG_INVALID", formatFileProblem(loaded.errors[0]));
    }
  });
}

/**
 * Reads the repository's config with `octokit`; `unread` names an `_extends` target this token
 * could not read.
 */
export async function readGithubConfig(
  octokit: RestOctokit,
  owner: string,
  name: string,
): Promise<{ result: GithubConfigRead; unread?: { owner: string; repo: string } }> {
  // Probot's config plugin resolves `_extends` (org-wide defaults, the org's .github repository)
  // and reads the default branch. It parses what it fetched itself, so the size cap sits between.
  refuseLargeConfigs(octokit);
  try {
    const { config, files } = await octokit.config.get({ owner, repo: name, path: CONFIG_PATH });
    const own = files[0];
    const found = files.some((f) => f.config !== null && f.config !== undefined);
    // An `_extends` the token cannot read (a private repository outside this installation's
    // scope) would otherwise just vanish; say so instead. (The plugin follows `_extends` itself
    // and drops the key; a file after the repository's own one with no config is an `_extends`
    // target that could not be read.)
    const last = files[files.length - 1] as
      { owner?: string; repo?: string; path?: string; config?: unknown } | undefined;
    const unread = Boolean(own?.config) && files.length > 1 && (last?.config === null || last?.config === undefined);
    const error = unread
      ? `_extends: ${last?.owner}/${last?.repo}:${last?.path} could not be read ` +
        "(it must exist and be installed for Sentinel); its defaults are not applied"
      : undefined;
    return {
      result: { path: CONFIG_PATH, text: null, ...(found ? { value: config } : {}), ...(error ? { error } : {}) },
      ...(unread && last?.owner && last.repo ? { unread: { owner: last.owner, repo: last.repo } } : {}),
    };
  } catch (error) {
    // The plugin throws for YAML it cannot parse; that is the repository's problem to see, not ours.
    const message = error instanceof Error ? error.message : String(error);
    if ((error as { status?: number }).status !== undefined) throw error;
    return {
      result: { path: CONFIG_PATH, text: null, error: message.replace("[@probot/octokit-plugin-config] ", "") },
    };
  }
}
