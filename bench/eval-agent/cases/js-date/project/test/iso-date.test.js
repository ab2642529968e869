import { test } from "node:test";
import assert from "node:assert/strict";
import { isoDate } from "../src/iso-date.js";

test("a date late in the year", () => {
  assert.equal(isoDate(new Date(Date.UTC(2026, 10, 22))), "2026-11-22");
});

test("a date early in the year has two-digit month and day", () => {
  assert.equal(isoDate(new Date(Date.UTC(2026, 0, 5))), "2026-01-05");
});
