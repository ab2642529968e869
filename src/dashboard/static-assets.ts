import { createHash } from "node:crypto";
import { CLIENT_SCRIPT } from "./client-script.js";
import { CLIENT_STYLE } from "./client-style.js";

interface Asset {
  readonly body: Buffer;
  readonly contentType: string;
}

function version(text: string): string {
  return createHash("sha256").update(text).digest("hex").slice(0, 12);
}

/**
 * The script and stylesheet, addressed by a hash of their content: a browser may cache them for
 * good, and an upgrade changes the URL instead of waiting for a cache to expire.
 */
export const STATIC_PATHS = {
  script: `/dashboard/static/dashboard.js?v=${version(CLIENT_SCRIPT)}`,
  style: `/dashboard/static/dashboard.css?v=${version(CLIENT_STYLE)}`,
} as const;

const ASSETS: ReadonlyMap<string, Asset> = new Map([
  [
    "/dashboard/static/dashboard.js",
    { body: Buffer.from(CLIENT_SCRIPT, "utf8"), contentType: "text/javascript; charset=utf-8" },
  ],
  [
    "/dashboard/static/dashboard.css",
    { body: Buffer.from(CLIENT_STYLE, "utf8"), contentType: "text/css; charset=utf-8" },
  ],
]);

export function staticAsset(pathname: string): Asset | undefined {
  return ASSETS.get(pathname);
}
