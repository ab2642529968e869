import type { ForgeClient } from "../forge/forge-client.js";
import type { Forge } from "../store/index.js";

/** Gives the worker a client for one repository of one forge (tokens are the forge's business). */
export interface Forges {
  client(target: { forge: Forge; repo: string; repoId: string; installationId: string | null }): Promise<ForgeClient>;
}
