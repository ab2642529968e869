import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { watchPace, type BodyPace } from "../../src/server/body-pace.js";

// 1,000 bytes/s after a 1 s grace, 10 s at most: byte k is due by 1 s + k ms.
const PACE: BodyPace = { deadlineMs: 10_000, minBytesPerSecond: 1000, graceMs: 1000 };

describe("the pace of a request body", () => {
  let late: Array<{ reason: string; received: number }>;
  const onLate = (reason: string, received: number) => void late.push({ reason, received });
  beforeEach(() => {
    vi.useFakeTimers();
    late = [];
  });
  afterEach(() => void vi.useRealTimers());

  it("lets a body that keeps the minimum rate arrive up to the deadline", () => {
    const watch = watchPace(PACE, onLate);
    for (let t = 0; t < 9_900; t += 100) {
      watch.received(150);
      vi.advanceTimersByTime(100);
    }
    expect(late).toEqual([]);
    watch.stop();
  });

  it("calls a body late for the minimum rate once it falls behind after its grace", () => {
    const watch = watchPace(PACE, onLate);
    watch.received(500);
    vi.advanceTimersByTime(1400);
    expect(late).toEqual([]);
    vi.advanceTimersByTime(200);
    expect(late).toEqual([{ reason: "min-rate", received: 500 }]);
    watch.stop();
  });

  it("calls a body late for the deadline even when it keeps the rate", () => {
    const watch = watchPace({ ...PACE, deadlineMs: 3000 }, onLate);
    for (let t = 0; t < 4000 && late.length === 0; t += 100) {
      watch.received(1000);
      vi.advanceTimersByTime(100);
    }
    expect(late.map((l) => l.reason)).toEqual(["deadline"]);
  });

  it("does not count time the server kept the body waiting against the rate", () => {
    const watch = watchPace(PACE, onLate);
    watch.received(100);
    watch.pause();
    vi.advanceTimersByTime(5000);
    watch.resume();
    vi.advanceTimersByTime(1050);
    expect(late).toEqual([]);
    vi.advanceTimersByTime(100);
    expect(late).toEqual([{ reason: "min-rate", received: 100 }]);
    watch.stop();
  });

  it("still holds a waiting body to the deadline", () => {
    const watch = watchPace(PACE, onLate);
    watch.pause();
    vi.advanceTimersByTime(10_050);
    expect(late).toEqual([{ reason: "deadline", received: 0 }]);
    watch.stop();
  });

  it("checks only the deadline when the minimum rate is 0", () => {
    const watch = watchPace({ ...PACE, minBytesPerSecond: 0 }, onLate);
    vi.advanceTimersByTime(9_900);
    expect(late).toEqual([]);
    vi.advanceTimersByTime(200);
    expect(late).toEqual([{ reason: "deadline", received: 0 }]);
    watch.stop();
  });

  it("says nothing once stopped", () => {
    const watch = watchPace(PACE, onLate);
    watch.stop();
    vi.advanceTimersByTime(20_000);
    expect(late).toEqual([]);
  });
});
