/** Writes a deterministic, realistic CI log of about `targetBytes` to `file`. */
export function makeLog(
  file: string,
  targetBytes: number,
  seed?: number,
): Promise<{ bytes: number; lines: number; failures: number }>;
