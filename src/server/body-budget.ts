import { BodyNoRoomError } from "./body-errors.js";

/** One request's hold on a BodyBudget: the bytes of its body read so far. */
export interface BodyAccount {
  readonly client: string;
  /** Bytes this request holds now. */
  readonly held: number;
  /** Takes `bytes` now if they fit and nobody queued for that room would be passed; else false. */
  tryTake(bytes: number): boolean;
  /**
   * Waits for room for `bytes`, for at most `waitMs`. Rejects with BodyNoRoomError when the wait
   * runs out or the request is chosen to give way; its bytes are released at once either way.
   */
  waitFor(bytes: number, waitMs: number): Promise<void>;
  /** Gives back every byte held and ends a pending wait; any later call is a no-op. */
  release(): void;
}

interface Holder {
  readonly seq: number;
  readonly client: string;
  held: number;
  waiter: Waiter | null;
  closed: boolean;
}

interface Waiter {
  readonly bytes: number;
  readonly since: number;
  readonly resolve: () => void;
  readonly reject: (error: BodyNoRoomError) => void;
  readonly timer: NodeJS.Timeout;
}

/**
 * How many unverified body bytes the server holds at once, across requests, and per client. A
 * GitHub delivery's body must be read before its signature can be checked, so without a total
 * anyone could make the server buffer 25 MB per connection.
 *
 * Bytes are taken as they arrive, not the declared length up front: a client that trickles a
 * body holds only what it actually sent (and is cut by the read deadline and minimum rate, see
 * body-pace.ts), so slow clients can no longer fill the budget by declaring 25 MB each.
 *
 * Taking as bytes arrive means several half-read bodies can each hold part of the budget and all
 * wait for more. Progress stays possible because:
 *  - a request with no room for its next chunk pauses its socket (the rest stays in the kernel:
 *    TCP backpressure) and waits at most `waitMs`, then is refused (429) and lets go of all it held;
 *  - when everyone who holds the room a waiter needs is waiting too (nobody is still reading or
 *    about to answer, so nothing would ever be given back), the youngest of them is refused at
 *    once, so the older ones, which have most of their bodies, finish instead of all timing out;
 *  - one client (an address, see client-key.ts) holds at most `perClientLimit`, so one attacker's
 *    many connections cannot hold the whole budget; the floor is the largest body a route takes,
 *    so a legitimate maximum-size delivery always fits in its client's share.
 * Waiters are served oldest request first. One waiting for shared room blocks the ones behind it
 * and newcomers (no starvation); one waiting for its own client's share blocks only that client.
 * The chunk that did not fit (at most 64 KiB, what Node reads from a socket at once) is held
 * outside the budget while its request waits, like the bytes Node itself buffers per socket.
 */
export class BodyBudget {
  readonly perClientLimit: number;
  private used = 0;
  private readonly byClient = new Map<string, number>();
  /** Open accounts that hold bytes or wait for some. */
  private readonly holders = new Set<Holder>();
  /** Accounts waiting for room, oldest request first. */
  private readonly queue: Holder[] = [];
  private nextSeq = 0;

  constructor(
    readonly limit: number,
    perClientLimit = limit,
  ) {
    this.perClientLimit = Math.min(limit, perClientLimit);
  }

  /** Bytes held now, across requests (for tests and metrics). */
  get inUse(): number {
    return this.used;
  }

  /** Requests waiting for room now. */
  get waiting(): number {
    return this.queue.length;
  }

  /** Bytes held now by one client's requests. */
  heldBy(client: string): number {
    return this.byClient.get(client) ?? 0;
  }

  /** An account for one request's body; release it once the body is no longer needed. */
  open(client: string): BodyAccount {
    const h: Holder = { seq: this.nextSeq++, client, held: 0, waiter: null, closed: false };
    return {
      client,
      get held() {
        return h.held;
      },
      tryTake: (bytes) => this.tryTake(h, bytes),
      waitFor: (bytes, waitMs) => this.waitFor(h, bytes, waitMs),
      release: () => {
        if (h.closed) return;
        this.drop(h, new BodyNoRoomError("closed", 0));
        this.settle();
      },
    };
  }

  private tryTake(h: Holder, bytes: number): boolean {
    if (h.closed || h.waiter || !this.fits(h.client, bytes)) return false;
    // Whoever is queued for the shared room, or any waiting request of the same client, goes first.
    if (this.queue.some((w) => w.client === h.client || !this.overShare(w))) return false;
    this.take(h, bytes);
    return true;
  }

  private waitFor(h: Holder, bytes: number, waitMs: number): Promise<void> {
    if (h.closed) return Promise.reject(new BodyNoRoomError("closed", 0));
    if (h.waiter) return Promise.reject(new Error("BodyAccount.waitFor: this account is already waiting"));
    return new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.drop(h, new BodyNoRoomError("timeout", waitMs));
        this.settle();
      }, waitMs);
      h.waiter = { bytes, since: Date.now(), resolve, reject, timer };
      this.holders.add(h);
      const at = this.queue.findIndex((w) => w.seq > h.seq);
      this.queue.splice(at === -1 ? this.queue.length : at, 0, h);
      this.settle();
    });
  }

  private fits(client: string, bytes: number): boolean {
    return this.used + bytes <= this.limit && this.heldBy(client) + bytes <= this.perClientLimit;
  }

  /** Whether a waiter is held back by its own client's share (rather than by the shared room). */
  private overShare(h: Holder): boolean {
    return this.heldBy(h.client) + (h.waiter?.bytes ?? 0) > this.perClientLimit;
  }

  private take(h: Holder, bytes: number): void {
    h.held += bytes;
    this.used += bytes;
    this.byClient.set(h.client, this.heldBy(h.client) + bytes);
    this.holders.add(h);
  }

  /** Closes an account: its wait (if any) is rejected with `error`, its bytes given back. */
  private drop(h: Holder, error: BodyNoRoomError): void {
    if (h.closed) return;
    h.closed = true;
    const w = h.waiter;
    h.waiter = null;
    if (w) {
      clearTimeout(w.timer);
      this.queue.splice(this.queue.indexOf(h), 1);
      w.reject(error);
    }
    this.used -= h.held;
    const left = this.heldBy(h.client) - h.held;
    if (left > 0) this.byClient.set(h.client, left);
    else this.byClient.delete(h.client);
    h.held = 0;
    this.holders.delete(h);
  }

  /** Grants what now fits, then breaks any deadlock, until neither changes anything. */
  private settle(): void {
    for (;;) {
      this.grant();
      const victim = this.deadlockVictim();
      if (!victim) return;
      this.drop(victim, new BodyNoRoomError("deadlock", Date.now() - (victim.waiter?.since ?? Date.now())));
    }
  }

  private grant(): void {
    const skipped = new Set<string>();
    for (let i = 0; i < this.queue.length;) {
      const h = this.queue[i] as Holder;
      const w = h.waiter as Waiter;
      // Held back by its own client's share: only that client's requests wait behind it.
      if (skipped.has(h.client) || this.overShare(h)) {
        skipped.add(h.client);
        i++;
        continue;
      }
      // First in line for the shared room: nobody passes it.
      if (this.used + w.bytes > this.limit) return;
      this.queue.splice(i, 1);
      h.waiter = null;
      clearTimeout(w.timer);
      this.take(h, w.bytes);
      w.resolve();
    }
  }

  /**
   * A waiter that nobody can make room for: everyone holding the bytes it waits on (everyone, or
   * its own client's requests when its share is what holds it back) is waiting too. Then the
   * youngest of those holders is the one to refuse. Undefined when every waiter can still be
   * served by someone who is reading or answering and will give bytes back.
   */
  private deadlockVictim(): Holder | undefined {
    if (this.queue.length === 0) return undefined;
    const active = new Map<string, number>();
    let activeTotal = 0;
    const youngest = new Map<string, Holder>();
    let youngestTotal: Holder | undefined;
    for (const h of this.holders) {
      if (h.held === 0) continue;
      if (!h.waiter) {
        active.set(h.client, (active.get(h.client) ?? 0) + 1);
        activeTotal++;
        continue;
      }
      if (h.seq > (youngest.get(h.client)?.seq ?? -1)) youngest.set(h.client, h);
      if (h.seq > (youngestTotal?.seq ?? -1)) youngestTotal = h;
    }
    for (const h of this.queue) {
      if (this.overShare(h)) {
        if (!active.has(h.client)) return youngest.get(h.client) ?? h;
      } else if (activeTotal === 0) {
        // Nothing held at all and it still does not fit: it never will (larger than the budget).
        return youngestTotal ?? h;
      }
    }
    return undefined;
  }
}
