import { describe, expect, it } from "vitest";
import { insertInOrder } from "../../../src/sentinel/engine/insert-in-order.js";

describe("insertInOrder", () => {
  it("keeps a list ascending whatever order the values arrive in", () => {
    const list: number[] = [];
    for (const v of [5, 1, 9, 3, 3, 0, 12]) insertInOrder(list, v);
    expect(list).toEqual([0, 1, 3, 3, 5, 9, 12]);
  });
});
