import { isMap, isScalar, visit, type Document } from "yaml";

/**
 * Keys repeated within one YAML mapping, with where the repeat starts. The `yaml` package's own
 * check (`uniqueKeys: true`) compares every key with every earlier one: a hostile file of 50,000
 * keys held a validator for 30 s. Scalar keys are compared through a set, so this is linear;
 * other keys (rare: a mapping or list as a key) are compared by their YAML text.
 */
export function duplicateKeys(doc: Document): Array<{ readonly offset: number; readonly message: string }> {
  const found: Array<{ offset: number; message: string }> = [];
  visit(doc, {
    Map(_, map) {
      if (!isMap(map)) return;
      const seen = new Set<string>();
      for (const pair of map.items) {
        const key = pair.key;
        const id = isScalar(key) ? `${typeof key.value}:${String(key.value)}` : `node:${String(key)}`;
        if (seen.has(id)) {
          const shown = isScalar(key) ? String(key.value) : String(key);
          found.push({
            offset: (isScalar(key) || isMap(key) ? key.range?.[0] : undefined) ?? map.range?.[0] ?? 0,
            message: `Map keys must be unique: "${shown.slice(0, 80)}" appears twice`,
          });
        } else seen.add(id);
      }
    },
  });
  return found;
}
