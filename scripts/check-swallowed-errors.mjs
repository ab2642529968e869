#!/usr/bin/env node
// Part of `npm run lint`: no error is dropped without a word. Every `catch` block, `.catch(...)`
// handler and `.on("error", ...)` listener in src/ must pass the error on (throw, reject, return
// it), log it (a logger, onError, console), or carry a comment, on its line, the line before or
// its first line, that says why silence is right. Prints each offending site; exits 1 if any.
import { readdirSync, readFileSync } from "node:fs";
import path from "node:path";

const ROOT = path.resolve(import.meta.dirname, "..", "src");
const HANDLES = /\b(throw|reject|log(ger)?\b|logger\.|\.(warn|error|info|debug)\(|onError|console\.|fail\(|report)/;
const COMMENT = /\/\/|\/\*/;
const SITES = [
  { kind: "catch block", re: /\bcatch\s*(\([^)]*\))?\s*\{/ },
  { kind: ".catch handler", re: /\.catch\(/ },
  { kind: "error listener", re: /\.on\(\s*["']error["']/ },
];

function* files(dir) {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) yield* files(full);
    else if (entry.name.endsWith(".ts")) yield full;
  }
}

/** The handler's text: from the site to the end of its block or call, at most 12 lines. */
function handlerText(lines, i, column) {
  let depth = 0;
  let text = "";
  for (let j = i; j < Math.min(lines.length, i + 12); j++) {
    const line = j === i ? lines[j].slice(column) : lines[j];
    text += `${line}\n`;
    for (const c of line) {
      if (c === "{" || c === "(") depth++;
      if (c === "}" || c === ")") depth--;
    }
    if (depth <= 0 && j > i) break;
    if (depth <= 0 && /[})]\s*;?\s*$/.test(line) && j === i && line.includes("}")) break;
  }
  return text;
}

const offences = [];
for (const file of files(ROOT)) {
  const lines = readFileSync(file, "utf8").split("\n");
  lines.forEach((line, i) => {
    if (/^\s*(\/\/|\*)/.test(line)) return;
    for (const site of SITES) {
      const m = site.re.exec(line);
      if (!m) continue;
      const body = handlerText(lines, i, m.index);
      // The comment may head a few lines of best-effort cleanup.
      const explained = [i - 3, i - 2, i - 1, i, i + 1].some((j) => COMMENT.test(lines[j] ?? ""));
      // A handler that uses the error it binds (converts, inspects, returns it) or hands errors to a
      // named function passes it on.
      const bound = /(?:catch\s*\(\s*|\.catch\(\s*\(?\s*|["']error["']\s*,\s*\(?\s*)([A-Za-z_$][\w$]*)/.exec(body)?.[1];
      const usesBound =
        bound !== undefined && new RegExp(`\\b${bound}\\b`).test(body.slice(body.indexOf(bound) + bound.length));
      const namedHandler = /(?:\.catch\(|["']error["']\s*,)\s*[A-Za-z_$][\w$.]*\s*[)(]/.test(body);
      const passesOn = HANDLES.test(body) || usesBound || namedHandler;
      if (!explained && !passesOn)
        offences.push(
          `${path.relative(process.cwd(), file)}:${i + 1}: ${site.kind} drops the error: ${line.trim().slice(0, 100)}`,
        );
    }
  });
}
if (offences.length > 0) {
  console.error(
    `${offences.length} error handlers neither pass the error on, log it, nor say why not:\n${offences.join("\n")}`,
  );
  process.exit(1);
}
console.log("swallowed errors: none");
