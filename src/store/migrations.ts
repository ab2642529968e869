import type { Migration } from "./migration.js";
import { MIGRATIONS_1_TO_3 } from "./migrations-1-to-3.js";
import { MIGRATIONS_4_TO_8 } from "./migrations-4-to-8.js";
import { MIGRATIONS_9_TO_13 } from "./migrations-9-to-13.js";

/** Every migration, in order; each part file holds a range of ids, the newest part grows. */
export const MIGRATIONS: readonly Migration[] = [...MIGRATIONS_1_TO_3, ...MIGRATIONS_4_TO_8, ...MIGRATIONS_9_TO_13];
