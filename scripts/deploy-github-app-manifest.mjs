#!/usr/bin/env node
// Registers Sentinel's GitHub App from app.yml with GitHub's manifest flow, step 1: writes an
// HTML page whose form posts the manifest (app.yml, with your public URL filled in) to GitHub.
// Open it, confirm on GitHub, and GitHub redirects to <url>/?code=…; exchange that code (it
// expires after an hour) as docs/operations.md, "Installing the GitHub App", shows.
//
//   node scripts/deploy-github-app-manifest.mjs --url https://sentinel.example.com [--org my-org]
//        [--ghe-host github.example.com] [--name "Sentinel (staging)"] [--out app-manifest.html]
import { readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import YAML from "yaml";

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");

/** app.yml as a manifest for this deployment: its webhook and redirect URLs point at `url`. */
export function buildManifest({ url, name }) {
  const base = new URL(url);
  if (base.protocol !== "https:") throw new Error(`--url must be https (GitHub delivers webhooks over TLS): ${url}`);
  const manifest = YAML.parse(readFileSync(path.join(repoRoot, "app.yml"), "utf8"));
  const root = base.origin + base.pathname.replace(/\/+$/, "");
  manifest.url = root;
  manifest.hook_attributes = { ...manifest.hook_attributes, url: `${root}/api/github/webhooks`, active: true };
  manifest.redirect_url = `${root}/`;
  if (name) manifest.name = name;
  return manifest;
}

/** Where the form posts: github.com or GitHub Enterprise Server, a user's or an organization's apps. */
export function registrationUrl({ org, gheHost }) {
  const host = gheHost ? `https://${gheHost}` : "https://github.com";
  return org ? `${host}/organizations/${encodeURIComponent(org)}/settings/apps/new` : `${host}/settings/apps/new`;
}

const escapeHtml = (s) => s.replace(/&/g, "&amp;").replace(/"/g, "&quot;").replace(/</g, "&lt;").replace(/>/g, "&gt;");

export function manifestPage(options) {
  const manifest = JSON.stringify(buildManifest(options));
  return `<!doctype html>
<meta charset="utf-8">
<title>Register ${escapeHtml(buildManifest(options).name)}</title>
<p>This registers the GitHub App described by Sentinel's app.yml, with webhooks sent to
<code>${escapeHtml(buildManifest(options).hook_attributes.url)}</code>.</p>
<form action="${escapeHtml(registrationUrl(options))}" method="post">
  <input type="hidden" name="manifest" value="${escapeHtml(manifest)}">
  <button type="submit">Create the GitHub App on GitHub</button>
</form>
`;
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const { values } = parseArgs({
    options: {
      url: { type: "string" },
      org: { type: "string" },
      "ghe-host": { type: "string" },
      name: { type: "string" },
      out: { type: "string", default: "app-manifest.html" },
    },
  });
  if (!values.url) {
    console.error(
      "usage: deploy-github-app-manifest.mjs --url https://<public host of Sentinel> [--org ORG] [--ghe-host HOST] [--name NAME] [--out FILE]",
    );
    process.exit(64);
  }
  const options = { url: values.url, org: values.org, gheHost: values["ghe-host"], name: values.name };
  writeFileSync(values.out, manifestPage(options));
  console.log(`wrote ${values.out}: open it in a browser signed in to ${registrationUrl(options)}`);
}
