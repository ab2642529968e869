// A worker that takes a report lock and dies holding it (the test SIGKILLs it once it says so).
// Args: database URL, lock key.
import { withLease } from "../../src/store/index.js";
import { openDatabase, Store } from "../../src/store/index.js";

const [url, key] = process.argv.slice(2) as [string, string];
const store = new Store(await openDatabase({ url }));
await withLease({ store }, key, async () => {
  process.stdout.write(`holding ${key}\n`);
  await new Promise(() => {});
});
