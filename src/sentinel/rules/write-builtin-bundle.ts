// The build's last step (`postbuild`, `node dist/sentinel/rules/write-builtin-bundle.js`): parses
// and validates sentinels/*.yml once into dist/sentinels.bundle.json (builtin-bundle.ts says why
// and how it stays correct). It lives in src/ so that it is compiled wherever the build runs; where
// sentinels/ is not there (the Docker image's build stage copies src/ only) it writes nothing and
// the builtins are read from their YAML at run time.
import { existsSync } from "node:fs";
import { pathToFileURL } from "node:url";
import { BUILTIN_BUNDLE_FILE, writeBuiltinBundle } from "./builtin-bundle.js";
import { BUILTIN_SENTINELS_DIR } from "./load-rules.js";

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  if (!existsSync(BUILTIN_SENTINELS_DIR)) {
    process.stdout.write(`no ${BUILTIN_SENTINELS_DIR} here: no builtin bundle written\n`);
  } else {
    const { files } = await writeBuiltinBundle(BUILTIN_SENTINELS_DIR);
    process.stdout.write(`${BUILTIN_BUNDLE_FILE}: ${files} builtin rule files parsed\n`);
  }
}
