#!/usr/bin/env node
// Runs the compiled CLI; `npm install` builds it (the package's prepare script). The build's
// bundle starts faster (scripts/write-cli-bundle.mjs); without it, the modules in dist/cli.
import { existsSync } from "node:fs";

// `sentinel fix` goes to the data folder's warm runner when one is listening, before the CLI
// loads (src/cli/warm-runner.ts); null: none took it, and the CLI runs it here.
const viaRunner =
  process.argv[2] === "fix"
    ? await (await import("../dist/cli/warm-runner-client.js")).fixViaRunner(process.argv.slice(3))
    : null;

if (viaRunner !== null) process.exitCode = viaRunner;
else {
  const bundle = new URL("../dist/cli-bundle/main.mjs", import.meta.url);
  const { main } = await import(existsSync(bundle) ? bundle.href : "../dist/cli/main.js");
  process.exitCode = await main(process.argv);
}
