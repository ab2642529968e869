export { type LiveEvent, type LiveFeed, type LiveRecord, LIVE_KEEP, LIVE_MAX_LINE } from "./live-feed.js";
export { MemoryLiveFeed } from "./memory-live-feed.js";
export { RedisLiveFeed } from "./redis-live-feed.js";
