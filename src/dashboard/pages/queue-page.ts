import { html, type SafeHtml } from "../html.js";
import { layout } from "./page-layout.js";

/** Jobs by state, when the queue can say (JobQueue.counts). */
export interface QueueCountsLike {
  readonly waiting?: number;
  readonly active?: number;
  readonly delayed?: number;
  readonly failed?: number;
}

/** The part of a JobQueue this page reads; `counts` is used when the queue has it. */
export interface InspectableQueue {
  readonly kind: string;
  depth(): Promise<number>;
  counts?: () => Promise<QueueCountsLike>;
}

export interface QueueData {
  readonly kind: string;
  /** Null when the queue did not answer. */
  readonly depth: number | null;
  readonly counts: QueueCountsLike | null;
  readonly error: string | null;
}

export async function loadQueue(queue: InspectableQueue): Promise<QueueData> {
  try {
    const [depth, counts] = await Promise.all([
      queue.depth(),
      typeof queue.counts === "function" ? queue.counts() : Promise.resolve(null),
    ]);
    return { kind: queue.kind, depth, counts, error: null };
  } catch (error) {
    return {
      kind: queue.kind,
      depth: null,
      counts: null,
      error: error instanceof Error ? error.message : String(error),
    };
  }
}

/** Without Redis there is no Bull Board: the in-process queue can only say how much waits. */
export function queuePage(d: QueueData, loggedIn: boolean): SafeHtml {
  return layout(
    { title: "Queue", active: "queues", loggedIn },
    html`<h1>Queue</h1>
      <section class="stats">
        <div class="stat" id="queue-depth">
          <div class="n">${d.depth ?? "?"}</div>
          <div class="l">jobs waiting or delayed (${d.kind})</div>
        </div>
        ${
          d.counts
            ? (["waiting", "active", "delayed", "failed"] as const).map(
                (k) =>
                  html`<div class="stat" id="queue-${k}">
                    <div class="n">${d.counts?.[k] ?? "?"}</div>
                    <div class="l">${k}</div>
                  </div>`,
              )
            : ""
        }
      </section>
      ${d.error ? html`<p class="error">The queue did not answer: ${d.error}</p>` : ""}
      <p class="muted">
        This process queues work in memory (no REDIS_URL). Jobs are not inspectable one by one here; with REDIS_URL set,
        this page is Bull Board (read-only) over the BullMQ queue.
      </p>`,
  );
}
