// The build's last step writes the cluster a new PGlite data folder starts from (`postbuild`:
// `node dist/store/cluster-template.js`). A first `sentinel fix` otherwise runs initdb and every
// migration before its run can record anything: 4-10 s here, against about 1 s to load this copy.
import { rename, rm, writeFile } from "node:fs/promises";
import path from "node:path";
import { pathToFileURL } from "node:url";
import { DIST_DIR } from "../core/index.js";
import { migrate } from "./migrate.js";
import { createPgliteDatabase } from "./pglite-database.js";

/**
 * In dist/store/. Run from source (the test suite), the build's copy serves too: it only saves
 * the initdb, and a store opened from an older copy still runs the migrations it lacks.
 */
export const CLUSTER_TEMPLATE_FILE = path.join(DIST_DIR, "store", "cluster-template.tar.gz");

/**
 * Writes an empty cluster at the current schema version to `file`, gzipped. The store still checks
 * for pending migrations at every open, so a template older than the code is brought up to date.
 */
export async function writeClusterTemplate(file = CLUSTER_TEMPLATE_FILE): Promise<number> {
  const db = await createPgliteDatabase();
  try {
    await migrate(db);
    const dump = Buffer.from(await (await db.dumpCluster()).arrayBuffer());
    // Written beside and renamed into place: a store that opens meanwhile never reads half of it.
    const partial = `${file}.${process.pid}.partial`;
    try {
      await writeFile(partial, dump);
      await rename(partial, file);
    } finally {
      await rm(partial, { force: true });
    }
    return dump.length;
  } finally {
    await db.close();
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? "").href) {
  const bytes = await writeClusterTemplate();
  process.stdout.write(`cluster template: ${(bytes / 1e6).toFixed(1)} MB at ${CLUSTER_TEMPLATE_FILE}\n`);
}
