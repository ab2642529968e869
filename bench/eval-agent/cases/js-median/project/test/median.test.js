import { test } from "node:test";
import assert from "node:assert/strict";
import { median } from "../src/median.js";

test("the middle value of an odd-length list", () => {
  assert.equal(median([3, 1, 2]), 2);
});

test("the mean of the two middle values of an even-length list", () => {
  assert.equal(median([4, 1, 3, 2]), 2.5);
});
