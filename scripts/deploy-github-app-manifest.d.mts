/** Types of deploy-github-app-manifest.mjs, for the tests that import it. */
export interface ManifestOptions {
  url: string;
  name?: string | undefined;
  org?: string | undefined;
  gheHost?: string | undefined;
}
export declare function buildManifest(options: ManifestOptions): Record<string, unknown> & {
  name: string;
  url: string;
  redirect_url: string;
  hook_attributes: { url: string; active: boolean };
};
export declare function registrationUrl(options: ManifestOptions): string;
export declare function manifestPage(options: ManifestOptions): string;
