export {
  safeJobId,
  type BulkJob,
  type JobQueue,
  type JobName,
  type JobDataByName,
  type JobHandlers,
  type JobInfo,
  type QueueCounts,
} from "./job-queue.js";
export { MemoryQueue } from "./memory-queue.js";
export { BullQueue, redisConnectionFromUrl, type BullQueueOptions } from "./bullmq-queue.js";
