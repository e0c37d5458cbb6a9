import assert from "node:assert/strict";
import { test } from "node:test";

import {
  describeEvent, eventAside, opensLabel, ordinal, relativeTime, stateLabel,
} from "../../extension/src/common/format.js";

const NOW = Date.parse("2026-11-23T09:05:00+00:00");
const minutesBefore = (minutes) => new Date(NOW - minutes * 60_000).toISOString();

// A live event as README "Live events (/ws)" shows it.
const OPEN = {
  id: "1764000000000-0", type: "open", message_id: 12, subject: "Q3 quote", recipients: ["ana@example.com"],
  open_number: 2, at: "2026-11-23T09:00:00+00:00", source: "unknown", device: null, client: null, place: null,
  url: null, popup: { id: "12-ab34", fresh: true, count: 1, title: "ana@example.com opened “Q3 quote”", body: "2nd open" },
};

const MESSAGE = {
  id: 12, subject: "Q3 quote", recipients: ["ana@example.com"], sent_at: "2026-11-23T08:00:00+00:00", tracking: true,
  notify: true, state: "sent", opens: 0, clicks: 0, first_open_at: null, last_open_at: null, links: [],
};

test("an open reads as who opened what, which open, and when", () => {
  assert.equal(describeEvent(OPEN, NOW), "ana@example.com opened “Q3 quote” · 2nd open · 5 min ago");
});

test("a click names the link, and a reply just says so", () => {
  const click = { ...OPEN, type: "click", open_number: 0, url: "https://shop.example.com/q3" };
  assert.equal(describeEvent(click, NOW), "ana@example.com clicked a link in “Q3 quote” · https://shop.example.com/q3 · 5 min ago");
  assert.equal(describeEvent({ ...OPEN, type: "reply" }, NOW), "ana@example.com replied to “Q3 quote” · 5 min ago");
});

test("a message to several people names no one, as the shared pixel cannot tell who", () => {
  const event = { ...OPEN, recipients: ["ana@example.com", "bo@example.test"], subject: "" };
  assert.equal(describeEvent(event, NOW), "A recipient opened “(no subject)” · 2nd open · 5 min ago");
});

test("device, client and place follow when the server knows them", () => {
  const event = { ...OPEN, device: "iPhone", client: "Apple Mail", place: "Lisbon, PT" };
  assert.equal(describeEvent(event, NOW), "ana@example.com opened “Q3 quote” · 2nd open · iPhone · Apple Mail · Lisbon, PT · 5 min ago");
});

test("a quiet-hours summary, which has no message, reads as its popup", () => {
  const summary = {
    type: "summary", at: minutesBefore(0.5), counts: { open: 3, click: 1, reply: 0 }, messages: 2,
    popup: { id: "held-1", fresh: true, count: 4, title: "While notifications were held", body: "3 opens, 1 click on 2 messages" },
  };
  assert.equal(describeEvent(summary, NOW), "While notifications were held: 3 opens, 1 click on 2 messages · just now");
});

test("relative times count minutes, hours, then days", () => {
  assert.equal(relativeTime(minutesBefore(0), NOW), "just now");
  assert.equal(relativeTime(minutesBefore(-2), NOW), "just now", "a server clock slightly ahead");
  assert.equal(relativeTime(minutesBefore(1), NOW), "1 min ago");
  assert.equal(relativeTime(minutesBefore(59), NOW), "59 min ago");
  assert.equal(relativeTime(minutesBefore(60), NOW), "1 h ago");
  assert.equal(relativeTime(minutesBefore(23 * 60 + 59), NOW), "23 h ago");
  assert.equal(relativeTime(minutesBefore(30 * 60), NOW), "yesterday");
  assert.equal(relativeTime(minutesBefore(3 * 24 * 60), NOW), "3 days ago");
  assert.match(relativeTime(minutesBefore(90 * 24 * 60), NOW), /^on .*2026/);
  assert.equal(relativeTime("not a time", NOW), "");
});

test("ordinals follow English, teens included", () => {
  assert.deepEqual([1, 2, 3, 4, 11, 12, 13, 21, 22, 101, 111, 112].map(ordinal),
    ["1st", "2nd", "3rd", "4th", "11th", "12th", "13th", "21st", "22nd", "101st", "111th", "112th"]);
});

test("one tick when sent, two when opened, two and the click count when clicked", () => {
  assert.equal(stateLabel(MESSAGE), "✓ Sent");
  assert.equal(stateLabel({ ...MESSAGE, state: "opened", opens: 3 }), "✓✓ Opened");
  assert.equal(stateLabel({ ...MESSAGE, state: "clicked", opens: 3, clicks: 1 }), "✓✓ Clicked (1 click)");
  assert.equal(stateLabel({ ...MESSAGE, state: "clicked", opens: 0, clicks: 2 }), "✓✓ Clicked (2 clicks)");
});

test("a message no longer tracked says so, whatever it saw before", () => {
  assert.equal(stateLabel({ ...MESSAGE, tracking: false, state: "untracked", opens: 4 }), "Tracking stopped");
});

test("opens are counted with the last one's time, and say nothing before the first", () => {
  assert.equal(opensLabel(MESSAGE, NOW), "");
  assert.equal(opensLabel({ ...MESSAGE, opens: 1, last_open_at: minutesBefore(5) }, NOW), "1 open, last 5 min ago");
  assert.equal(opensLabel({ ...MESSAGE, opens: 3, last_open_at: minutesBefore(120) }, NOW), "3 opens, last 2 h ago");
  assert.equal(opensLabel({ ...MESSAGE, opens: 3, readers: 1, last_open_at: minutesBefore(5) }, NOW), "3 opens, last 5 min ago");
  assert.equal(
    opensLabel({ ...MESSAGE, opens: 4, readers: 2, forwarded: true, last_open_at: minutesBefore(5) }, NOW),
    "4 opens by 2 readers, last 5 min ago · forwarded",
  );
});

test("a forward reads as one, and an open that looks forwarded says so", () => {
  const forward = { ...OPEN, type: "forward", open_number: 0, forwarded: true, at: minutesBefore(1) };
  assert.equal(describeEvent(forward, NOW), "ana@example.com forwarded “Q3 quote” · 1 min ago");
  const open = { ...OPEN, forwarded: true, client: "Outlook", place: "Berlin, Germany", at: minutesBefore(1) };
  assert.equal(describeEvent(open, NOW), "ana@example.com opened “Q3 quote” · 2nd open · Outlook · Berlin, Germany · likely forwarded · 1 min ago");
});

test("a reply names who wrote it; auto-replies, bounces and the sender's own messages are set apart", () => {
  const reply = { ...OPEN, type: "reply", open_number: 0, source: "person", from: "bo@example.test" };
  assert.equal(describeEvent(reply, NOW), "bo@example.test replied to “Q3 quote” · 5 min ago");
  assert.equal(eventAside(reply), null);
  const auto = { ...reply, source: "auto", popup: null, from: "ana@example.com" };
  assert.equal(eventAside(auto), "auto-reply");
  assert.equal(describeEvent(auto, NOW), "Auto-reply to “Q3 quote” · from ana@example.com · 5 min ago");
  const bounce = { ...reply, source: "bounce", popup: null, from: "mailer-daemon@example.com" };
  assert.equal(eventAside(bounce), "bounce");
  assert.equal(describeEvent(bounce, NOW), "Bounce: “Q3 quote” was not delivered · from mailer-daemon@example.com · 5 min ago");
  const own = { ...reply, source: "sender", popup: null, from: "sam@example.com" };
  assert.equal(eventAside(own), "your own message");
  assert.equal(describeEvent(own, NOW), "Your own message in “Q3 quote” · 5 min ago");
  assert.equal(eventAside({ ...OPEN, source: "auto" }), null, "only replies are set apart");
});

test("a replied message says so with its reply count, ahead of opens and clicks", () => {
  assert.equal(stateLabel({ ...MESSAGE, state: "replied", opens: 2, replies: 1 }), "↩ Replied (1 reply)");
  assert.equal(stateLabel({ ...MESSAGE, state: "replied", opens: 2, clicks: 1, replies: 3 }), "↩ Replied (3 replies, 1 click)");
  assert.equal(stateLabel({ ...MESSAGE, tracking: false, state: "untracked", replies: 1 }), "Tracking stopped");
});
