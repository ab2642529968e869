export { appendLedger, appendLedgerIn, type NewLedgerEntry } from "./append-ledger.js";
export { canonicalJson } from "./canonical-json.js";
export { readCheckpoints, writeCheckpoint, type Checkpoint } from "./checkpoint.js";
export { startCheckpointer } from "./checkpointer.js";
export { entryFromRow, entryHash, GENESIS_HASH, type LedgerEntry } from "./ledger-entry.js";
export { readHead, readLedger } from "./read-ledger.js";
export { formatReplay, replayRun, type ReplayStep } from "./replay-run.js";
export { jsonForPostgres, type LedgerDatabase, type LedgerSql } from "./sql.js";
export { verifyChain, type ChainProblem, type ChainProblemKind, type VerifyResult } from "./verify-chain.js";
