import type { AttackContext } from "./context.js";

/** One attack bench:attacks replays: which finding of the security review it belongs to, and whether it was blocked. */
export interface Attack {
  readonly finding: number;
  readonly name: string;
  run(ctx: AttackContext): Promise<{ blocked: boolean; detail: string }>;
}
