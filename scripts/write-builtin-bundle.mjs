// The build's last step (`postbuild`): parses and validates sentinels/*.yml once into
// dist/sentinels.bundle.json, so the CLI and the server compile the builtins without reading
// their YAML (src/sentinel/rules/builtin-bundle.ts says why and how it stays correct).
import { BUILTIN_SENTINELS_DIR } from "../dist/sentinel/index.js";
import { BUILTIN_BUNDLE_FILE, writeBuiltinBundle } from "../dist/sentinel/rules/builtin-bundle.js";

const { files } = await writeBuiltinBundle(BUILTIN_SENTINELS_DIR);
process.stdout.write(`${BUILTIN_BUNDLE_FILE}: ${files} builtin rule files parsed\n`);
