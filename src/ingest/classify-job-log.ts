import type { ForgeClient } from "../forge/index.js";
import { createClassifier, type ClassifierOptions, type Diagnosis, type RuleSet } from "../sentinel/index.js";

/** The job's log, streamed through the classifier and capped at maxBytes. */
export async function classifyJobLog(
  forge: ForgeClient,
  jobId: string,
  rules: RuleSet,
  options: ClassifierOptions & { maxBytes: number },
): Promise<Diagnosis> {
  const classifier = createClassifier(rules, options);
  const abort = new AbortController();
  let bytes = 0;
  const stream = await forge.streamJobLog(jobId, abort.signal);
  try {
    for await (const chunk of stream) {
      classifier.write(Buffer.from(chunk));
      bytes += chunk.byteLength;
      // Past the cap the classifier reads nothing more, so stop the download too.
      if (bytes > options.maxBytes) {
        abort.abort();
        break;
      }
    }
  } catch (error) {
    if (!abort.signal.aborted) {
      // Ended all the same, so that the scan's worker thread, if one started, stops now.
      classifier.end();
      throw error;
    }
  }
  return classifier.end();
}
