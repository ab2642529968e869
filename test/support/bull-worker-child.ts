// A BullMQ worker in its own process that takes a job and then hangs, so a test can kill it
// with SIGKILL mid-job. Args: redis URL, key prefix.
import { BullQueue } from "../../src/queue/index.js";

const [redisUrl, prefix] = process.argv.slice(2) as [string, string];
const queue = new BullQueue({ redisUrl, prefix, lockDurationMs: 1000, stalledIntervalMs: 500 });
queue.start({
  delivery: async ({ deliveryKey }) => {
    process.stdout.write(`started ${deliveryKey}\n`);
    await new Promise(() => {});
  },
  diagnose: async () => {},
  fix: async () => {},
});
