import { createHash } from "node:crypto";
import { readdir, readFile, writeFile } from "node:fs/promises";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { loadRepositoryYamlDocuments } from "../repository-file/index.js";
import { sentinelSchema, type SentinelDefinition } from "./schema.js";

/**
 * The builtin sentinels' YAML, parsed and validated once by `npm run build` (its postbuild step)
 * instead of on every `sentinel classify`: reading ~50 YAML files through the repository-file
 * loader and the schema is a third of loading the builtins. Each file is keyed by a hash of its
 * text, so a rule file edited after the build is read from its YAML again; compiling the patterns
 * still happens at load (compiled RE2 programs cannot be stored).
 */
export const BUILTIN_BUNDLE_FILE = fileURLToPath(new URL("../../sentinels.bundle.json", import.meta.url));

const FORMAT = "sentinel-builtin-bundle/1";

interface BundleFile {
  readonly format: typeof FORMAT;
  readonly files: Readonly<Record<string, { readonly sha256: string; readonly documents: SentinelDefinition[] }>>;
}

/** A rule file's validated definitions, when the bundle holds this very text. */
export interface BuiltinBundle {
  definitionsFor(fileName: string, text: string): readonly SentinelDefinition[] | undefined;
}

function sha256(text: string): string {
  return createHash("sha256").update(text).digest("hex");
}

/** The bundle `npm run build` wrote, or undefined (not built, unreadable, another format): then every file is parsed. */
export async function readBuiltinBundle(file = BUILTIN_BUNDLE_FILE): Promise<BuiltinBundle | undefined> {
  let parsed: BundleFile;
  try {
    parsed = JSON.parse(await readFile(file, "utf8")) as BundleFile;
  } catch {
    // No bundle (running from src/, or a build without its postbuild step): the YAML is read instead.
    return undefined;
  }
  if (parsed?.format !== FORMAT || typeof parsed.files !== "object") return undefined;
  return {
    definitionsFor(fileName, text) {
      const entry = Object.hasOwn(parsed.files, fileName) ? parsed.files[fileName] : undefined;
      return entry && entry.sha256 === sha256(text) ? entry.documents : undefined;
    },
  };
}

/**
 * Writes the bundle for the YAML files in `dir`. A file with any problem is left out, so that
 * loading it at run time reports the problem with its line.
 */
export async function writeBuiltinBundle(dir: string, out = BUILTIN_BUNDLE_FILE): Promise<{ files: number }> {
  const files: Record<string, { sha256: string; documents: SentinelDefinition[] }> = {};
  for (const name of (await readdir(dir)).filter((n) => /\.ya?ml$/.test(n)).sort()) {
    const text = await readFile(path.join(dir, name), "utf8");
    const { documents, errors } = loadRepositoryYamlDocuments(text, { file: name, kind: "rules" });
    const definitions = documents
      .filter((d) => d.value !== null && d.value !== undefined)
      .map((d) => sentinelSchema.safeParse(d.value));
    if (errors.length > 0 || definitions.some((d) => !d.success)) continue;
    files[name] = { sha256: sha256(text), documents: definitions.map((d) => d.data as SentinelDefinition) };
  }
  const bundle: BundleFile = { format: FORMAT, files };
  await writeFile(out, JSON.stringify(bundle) + "\n");
  return { files: Object.keys(files).length };
}
