import type { Readable } from "node:stream";
import type { Diagnosis } from "../model/types.js";
import type { RuleSet } from "../rules/rule-set.js";
import { createClassifier, type ClassifierOptions } from "./create-classifier.js";

/** Classifies a byte stream chunk by chunk; memory does not grow with the stream's length. */
export async function classifyStream(
  input: Readable,
  rules: RuleSet,
  options: ClassifierOptions = {},
): Promise<Diagnosis> {
  const classifier = createClassifier(rules, options);
  try {
    for await (const chunk of input)
      classifier.write(typeof chunk === "string" ? Buffer.from(chunk) : (chunk as Buffer));
  } catch (error) {
    // Ended all the same, so that the scan's worker thread, if one started, stops now.
    classifier.end();
    throw error;
  }
  return classifier.end();
}

/** Classifies a whole log held in memory (tests, small inputs). */
export function classifyText(text: string, rules: RuleSet, options: ClassifierOptions = {}): Diagnosis {
  const classifier = createClassifier(rules, options);
  classifier.write(text);
  return classifier.end();
}
