import { z } from "zod";
import type { ErrorCode } from "../../core/index.js";

/** What the README's table says about a variable, besides its type. */
export interface EnvDoc {
  readonly description: string;
  /** As shown in the table; a kind with a fallback shows that when this is absent. */
  readonly default?: string;
  readonly example?: string;
  /** The code a bad value stops start-up with, when it deserves its own (E_ENV_INVALID otherwise). */
  readonly errorCode?: ErrorCode;
}

export interface EnvEntryDoc extends EnvDoc {
  readonly type: string;
}

/** Every variable's schema, keyed to its documentation (the table is generated from this). */
export const envDocs = z.registry<EnvEntryDoc>();
