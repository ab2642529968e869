#!/usr/bin/env node
// Runs the compiled CLI; `npm install` builds it (the package's prepare script). The build's
// bundle starts faster (scripts/write-cli-bundle.mjs); without it, the modules in dist/cli.
import { existsSync } from "node:fs";

const bundle = new URL("../dist/cli-bundle/main.mjs", import.meta.url);
const { main } = await import(existsSync(bundle) ? bundle.href : "../dist/cli/main.js");

process.exitCode = await main(process.argv);
