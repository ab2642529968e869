// The worker's public surface: running the queue's jobs in this process.
export { startWorker, type WorkerOptions } from "./start-worker.js";
export { settleDiagnosisError } from "./settle-diagnosis-error.js";
