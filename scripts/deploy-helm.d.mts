/** Types of deploy-helm.mjs, for the tests that import it. */
export declare const HELM_VERSION: string;
export declare function helmBinary():
  { path: string; version: string; unavailable?: undefined } | { path?: undefined; unavailable: string };
export declare function readZipEntry(zip: Buffer, name: string): Buffer;
