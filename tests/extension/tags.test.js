import assert from "node:assert/strict";
import { test } from "node:test";

import { MAX_TAGS, parseTags } from "../../extension/src/common/tags.js";

test("tags typed with commas become the server's list: trimmed, once each, none empty", () => {
  assert.deepEqual(parseTags(" q3, board,,  q3 ,Board "), ["q3", "board", "Board"]);
  assert.deepEqual(parseTags(""), []);
  assert.deepEqual(parseTags("tab\tinside, \u0007bell"), ["tabinside", "bell"]);
});

test("no tag longer than the server takes, and no more of them", () => {
  assert.equal(parseTags("x".repeat(100))[0].length, 64);
  assert.equal(parseTags(Array.from({ length: 30 }, (_, i) => `t${i}`).join(",")).length, MAX_TAGS);
});
