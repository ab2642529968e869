import { SentinelError } from "../core/index.js";
import type { ForgeAdapter } from "./forge-adapter.js";
// Adapters, not the folders' index.ts: the registry stays free of API clients (and of what they
// import), so anything may ask it about a forge without loading octokit or gitbeaker.
import { githubAdapter } from "./github/adapter.js";
import { gitlabAdapter } from "./gitlab/adapter.js";
import { localAdapter } from "./local/adapter.js";

/** The forges Sentinel speaks to: adding one is a folder under src/forge/ and one line here. */
const BUILTIN: readonly ForgeAdapter[] = [githubAdapter, gitlabAdapter, localAdapter];

export interface ForgeRegistry {
  /** The adapter for `id`; throws E_FORGE_UNKNOWN for an id no adapter answers to. */
  adapter(id: string): ForgeAdapter;
  ids(): string[];
  adapters(): readonly ForgeAdapter[];
}

/** A registry of `adapters` (the builtin one, or a test's with a forge of its own added). */
export function createForgeRegistry(adapters: readonly ForgeAdapter[]): ForgeRegistry {
  const byId = new Map<string, ForgeAdapter>();
  for (const a of adapters) {
    if (byId.has(a.id)) {
      throw new SentinelError("E_FORGE_DUPLICATE", `two forge adapters claim the id "${a.id}"; give each its own`);
    }
    byId.set(a.id, a);
  }
  return {
    adapter(id) {
      const found = byId.get(id);
      if (found) return found;
      const known = [...byId.keys()].join(", ");
      throw new SentinelError("E_FORGE_UNKNOWN", `no forge adapter for "${id}": known forges are ${known}`);
    },
    ids: () => [...byId.keys()],
    adapters: () => [...byId.values()],
  };
}

export const builtinAdapters: readonly ForgeAdapter[] = BUILTIN;
export const forgeRegistry: ForgeRegistry = createForgeRegistry(BUILTIN);

export function forgeAdapter(id: string): ForgeAdapter {
  return forgeRegistry.adapter(id);
}

export function forgeIds(): string[] {
  return forgeRegistry.ids();
}
