import type { CST } from "yaml";

/**
 * The first collection nested deeper than `max` in a parsed (CST) YAML document, by its offset;
 * null when none is. yaml's lexer and parser are iterative, its composer is not: this walk, with
 * its own stack, runs between the two so that no deep document reaches the composer.
 */
export function tooDeepAt(doc: CST.Document, max: number): number | null {
  const stack: Array<{ token: CST.Token; depth: number }> = doc.value ? [{ token: doc.value, depth: 1 }] : [];
  while (stack.length > 0) {
    const { token, depth } = stack.pop() as { token: CST.Token; depth: number };
    if (!isCollection(token)) continue;
    if (depth > max) return token.offset;
    for (const item of token.items) {
      if (item.key) stack.push({ token: item.key, depth: depth + 1 });
      if (item.value) stack.push({ token: item.value, depth: depth + 1 });
    }
  }
  return null;
}

function isCollection(token: CST.Token): token is CST.BlockMap | CST.BlockSequence | CST.FlowCollection {
  return token.type === "block-map" || token.type === "block-seq" || token.type === "flow-collection";
}
