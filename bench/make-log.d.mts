/** Writes a deterministic log of about `targetBytes` to `file`, from real CI log lines. */
export function makeLog(
  file: string,
  targetBytes: number,
  seed?: number,
): Promise<{ bytes: number; lines: number; failures: number; noiseSources: number; noiseLines: number }>;

/** Every source split into its passing part (noise) and its failing part. */
export function loadParts(): Promise<{
  noise: Array<{ name: string; lines: string[] }>;
  failures: Array<{ name: string; lines: string[] }>;
}>;
