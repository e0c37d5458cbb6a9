// Tag rules: the popup refuses what the server would, in words for the user; the compose field
// cleans up what is typed.
import assert from "node:assert/strict";
import { test } from "node:test";

import { MAX_TAGS, parseTags, withTag, withoutTag } from "../../extension/src/common/tags.js";

test("a tag is added trimmed, after the others", () => {
  assert.deepEqual(withTag(["q3"], "  client a "), ["q3", "client a"]);
});

test("a tag the server would refuse is refused with the reason", () => {
  assert.throws(() => withTag([], "   "), /Write the tag first/);
  assert.throws(() => withTag([], "two\nlines"), /control characters/);
  assert.throws(() => withTag([], "x".repeat(65)), /at most 64 characters/);
  assert.deepEqual(withTag([], "é".repeat(64)), ["é".repeat(64)], "characters, not bytes, are counted");
  assert.throws(() => withTag(["q3"], "q3"), /“q3” is already a tag/);
  const full = Array.from({ length: MAX_TAGS }, (_, i) => `t${i}`);
  assert.throws(() => withTag(full, "one more"), /at most 20 tags: remove one first/);
});

test("tags differ by case, as the server stores them", () => {
  assert.deepEqual(withTag(["Q3"], "q3"), ["Q3", "q3"]);
});

test("removing a tag keeps the others in order", () => {
  assert.deepEqual(withoutTag(["a", "b", "c"], "b"), ["a", "c"]);
  assert.deepEqual(withoutTag(["a"], "z"), ["a"]);
});

test("tags typed with commas become the server's list: trimmed, once each, none empty", () => {
  assert.deepEqual(parseTags(" q3, board,,  q3 ,Board "), ["q3", "board", "Board"]);
  assert.deepEqual(parseTags(""), []);
  assert.deepEqual(parseTags("tab\tinside, \u0007bell"), ["tabinside", "bell"]);
});

test("no typed tag longer than the server takes, counted in characters, and no more of them", () => {
  assert.equal(parseTags("x".repeat(100))[0].length, 64);
  assert.equal([...parseTags("é".repeat(70))[0]].length, 64);
  assert.equal(parseTags(Array.from({ length: 30 }, (_, i) => `t${i}`).join(",")).length, MAX_TAGS);
});
