// The Sent list's ticks: sent, opened and replied look different by shape, and say so in words.
import assert from "node:assert/strict";
import { test } from "node:test";

import { tickFor, tickState } from "../../extension/src/content/ticks.js";

// GET /api/v1/messages items, as far as the ticks read them.
const SENT = { id: 3, tracking: true, state: "sent", opens: 0, clicks: 0, replies: 0 };

test("one tick when sent, two once opened, with the clicks", () => {
  assert.deepEqual(tickFor(SENT), { state: "sent", mark: "✓", color: "#80868b", label: "Sent, not opened yet" });
  const opened = tickFor({ ...SENT, state: "clicked", opens: 2, clicks: 1 });
  assert.deepEqual([opened.state, opened.mark, opened.label], ["opened", "✓✓ · 1 click", "Opened 2 times · 1 click"]);
});

test("a reply is a third state, with a mark of its own and a label starting with Replied", () => {
  const once = tickFor({ ...SENT, state: "replied", opens: 1, replies: 1 });
  assert.deepEqual(once, { state: "replied", mark: "✓✓ ↩", color: "#188038", label: "Replied, opened once" });
  const twice = tickFor({ ...SENT, state: "replied", opens: 4, replies: 2, clicks: 2 });
  assert.equal(twice.mark, "✓✓ ↩ 2 · 2 clicks");
  assert.equal(twice.label, "Replied 2 times, opened 4 times · 2 clicks");
  assert.equal(tickFor({ ...SENT, state: "replied", replies: 1 }).label, "Replied", "a reply without an open the pixel saw");
});

test("replied outranks opened, also from the count alone; stopped tracking keeps the last look", () => {
  assert.equal(tickState({ ...SENT, state: "opened", opens: 3, replies: 1 }), "replied");
  assert.equal(tickState({ ...SENT, state: "opened", opens: 3 }), "opened");
  const stopped = tickFor({ ...SENT, tracking: false, state: "untracked", opens: 2, replies: 1 });
  assert.deepEqual([stopped.state, stopped.mark], ["untracked", "✓✓ ↩"]);
  assert.equal(tickFor({ ...SENT, tracking: false, state: "untracked" }).mark, "✓");
});
