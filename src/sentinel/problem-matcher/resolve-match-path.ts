import { isNullOrWhiteSpace } from "./dotnet-text.js";

export interface ResolveMatchPathOptions {
  /**
   * Checkouts of the workflow's own repository, e.g. `/home/runner/work/repo/repo` or
   * `D:\a\repo\repo`. The runner finds these by walking up from the file to the nearest
   * `.git/config` whose origin URL is the workflow repository.
   */
  readonly workspaceRoots: readonly string[];
  /** `github.workspace`, which roots relative paths; defaults to the first workspace root. */
  readonly workspace?: string;
  /** Checkouts of other repositories; a file whose nearest checkout is one of these loses its path. */
  readonly otherRepositoryRoots?: readonly string[];
  /** The runner stops looking for a checkout this many directories above the file's own (its failsafe). */
  readonly maxParentDirectories?: number;
}

const DEFAULT_MAX_PARENT_DIRECTORIES = 50;

interface PathStyle {
  readonly windows: boolean;
}

/**
 * Turns a match's `file` (rooted with `fromPath`, then the workspace) into the repository-relative,
 * `/`-separated path the runner puts on the annotation, or undefined where the runner drops the
 * file. Backslashes count as separators on every platform because a log does not say which OS
 * produced it. Unlike the runner this does not check that the file exists (there is no checkout
 * here) and does not translate job-container paths to host paths.
 */
export function resolveMatchPath(
  match: { readonly file?: string; readonly fromPath?: string },
  options: ResolveMatchPathOptions,
): string | undefined {
  if (match.file === undefined || isNullOrWhiteSpace(match.file)) return undefined;
  const workspace = options.workspace ?? options.workspaceRoots[0];
  const style: PathStyle = {
    windows: [workspace, ...options.workspaceRoots].some((p) => p !== undefined && hasDrive(toSlashes(p))),
  };

  let file = toSlashes(match.file);
  if (match.fromPath !== undefined && !isNullOrWhiteSpace(match.fromPath) && !isFullyQualified(file, style)) {
    const fromDirectory = directoryName(toSlashes(match.fromPath), style);
    if (fromDirectory !== undefined && !isNullOrWhiteSpace(fromDirectory)) file = combine(fromDirectory, file, style);
  }
  if (!isFullyQualified(file, style)) {
    if (workspace === undefined) return undefined;
    file = combine(fullPath(toSlashes(workspace), style, undefined), file, style);
  }
  file = fullPath(file, style, workspace === undefined ? undefined : toSlashes(workspace));
  // File.Exists is false for a directory.
  if (file.endsWith("/")) return undefined;

  const roots = options.workspaceRoots.map((root) => comparable(fullPath(toSlashes(root), style, undefined), style));
  const others = (options.otherRepositoryRoots ?? []).map((root) =>
    comparable(fullPath(toSlashes(root), style, undefined), style),
  );
  const maxParents = options.maxParentDirectories ?? DEFAULT_MAX_PARENT_DIRECTORIES;

  let directory = directoryName(file, style);
  for (let depth = 0; directory !== undefined && directory !== "" && depth <= maxParents; depth++) {
    const key = comparable(directory, style);
    if (roots.includes(key)) return file.slice(directory.length).replace(/^\/+/, "");
    if (others.includes(key)) return undefined;
    directory = directoryName(directory, style);
  }
  return undefined;
}

function toSlashes(path: string): string {
  return path.replaceAll("\\", "/");
}

function hasDrive(path: string): boolean {
  return /^[A-Za-z]:\//.test(path);
}

/** Path.IsPathFullyQualified */
function isFullyQualified(path: string, style: PathStyle): boolean {
  if (!style.windows) return path.startsWith("/");
  return hasDrive(path) || path.startsWith("//");
}

/** Path.IsPathRooted */
function isRooted(path: string, style: PathStyle): boolean {
  return path.startsWith("/") || (style.windows && /^[A-Za-z]:/.test(path));
}

/** Path.Combine for two parts */
function combine(left: string, right: string, style: PathStyle): string {
  if (isRooted(right, style)) return right;
  return left.endsWith("/") ? left + right : `${left}/${right}`;
}

/** The root of a path: "/", "C:/", "//server/share/", or "" for a relative path. */
function rootOf(path: string, style: PathStyle): string {
  if (style.windows && hasDrive(path)) return path.slice(0, 3);
  if (style.windows && path.startsWith("//")) {
    const match = /^\/\/[^/]+\/[^/]+\/?/.exec(path);
    return match ? match[0].replace(/\/?$/, "/") : "//";
  }
  return path.startsWith("/") ? "/" : "";
}

/**
 * Path.GetFullPath on an already-rooted path: resolves "." and "..", collapses repeated
 * separators, keeps a trailing separator. A Windows path rooted without a drive takes the
 * workspace's drive.
 */
function fullPath(path: string, style: PathStyle, workspace: string | undefined): string {
  let rooted = path;
  if (style.windows && path.startsWith("/") && !path.startsWith("//")) {
    rooted = (workspace !== undefined && hasDrive(workspace) ? workspace.slice(0, 2) : "C:") + path;
  }
  const root = rootOf(rooted, style);
  const segments: string[] = [];
  for (const segment of rooted.slice(root.length).split("/")) {
    if (segment === "" || segment === ".") continue;
    if (segment === "..") segments.pop();
    else segments.push(segment);
  }
  const trailing = rooted.length > root.length && rooted.endsWith("/") && segments.length > 0 ? "/" : "";
  return root + segments.join("/") + trailing;
}

/** Path.GetDirectoryName: undefined for a root, "" for a bare file name. */
function directoryName(path: string, style: PathStyle): string | undefined {
  const root = rootOf(path, style);
  if (path === root || path.length < root.length) return undefined;
  const cut = path.lastIndexOf("/");
  if (cut < root.length) return root === "" ? "" : root;
  return path.slice(0, cut);
}

function comparable(path: string, style: PathStyle): string {
  const trimmed = path.length > 1 && path.endsWith("/") && !/^[A-Za-z]:\/$/.test(path) ? path.slice(0, -1) : path;
  return style.windows ? trimmed.toLowerCase() : trimmed;
}
