// The webmail adapters read what Send needs from the recorded compose and Sent markup.
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { test } from "node:test";

import { parseHTML } from "../../extension/node_modules/linkedom/esm/index.js";
import { gmail } from "../../extension/src/webmail/gmail.js";
import { outlook } from "../../extension/src/webmail/outlook.js";
import { originalUrl, ownPixelMessage } from "../../extension/src/webmail/pixels.js";
import { conversationUrl, parseRef, ref } from "../../extension/src/webmail/refs.js";

const page = (path) => parseHTML(readFileSync(new URL(`../e2e/fixtures/${path}`, import.meta.url), "utf8")).document;

test("gmail: one compose, its subject, every recipient including the one typed, both send buttons", () => {
  const document = page("gmail/compose.html");
  const [root, ...others] = gmail.composeRoots(document);
  assert.equal(others.length, 0);
  assert.equal(gmail.subject(root), "Re: Quarterly report");
  const cc = root.querySelector("[name=cc] input[role=combobox]");
  assert.ok(cc?.getAttribute("value"), "the fixture types an unresolved Cc address");
  cc.value = cc.getAttribute("value");
  assert.deepEqual(gmail.recipients(root), ["dana@example.net", "lee@example.org", cc.value]);
  assert.equal(gmail.sendButtons(root).length, 2);
  assert.ok(gmail.body(root).isContentEditable || gmail.body(root).getAttribute("contenteditable") === "true");
});

test("gmail: a reply's references are the draft id and the legacy thread id", () => {
  const root = gmail.composeRoots(page("gmail/compose.html"))[0];
  assert.deepEqual(gmail.refs(root), { client_ref: "gmail:msg-a:r-5521078342196584330", thread_ref: "gmail:18b364492e242086" });
});

test("gmail: a Sent row is known by both of its thread ids", () => {
  const rows = gmail.sentRows(page("gmail/sent.html"));
  assert.equal(rows.length, 3);
  assert.deepEqual(rows[1].threadRefs, ["gmail:18b2f0c4d1a9e375", "gmail:thread-a:r-7681922771531347793"]);
  assert.equal(rows[1].subject, "Budget draft for review");
  assert.ok(rows.every((row) => row.slot));
});

test("outlook: the compose in the reading pane, its recipients and one Send button", () => {
  const document = page("outlook/compose.html");
  const [root, ...others] = outlook.composeRoots(document);
  assert.equal(others.length, 0);
  assert.equal(outlook.sendButtons(root).length, 1);
  assert.equal(outlook.sendButtons(root)[0].textContent.trim(), "Send");
  const recipients = outlook.recipients(root);
  assert.ok(recipients.length >= 3, recipients.join());
  assert.ok(recipients.every((address) => address.includes("@")));
  assert.equal(outlook.container(outlook.body(root)), root);
  assert.match(outlook.refs(root).thread_ref, /^outlook:AAQk/);
});

test("outlook: Sent rows carry the conversation and the item id", () => {
  const rows = outlook.sentRows(page("outlook/sent.html"));
  assert.equal(rows.length, 3);
  assert.match(rows[0].threadRefs[0], /^outlook:/);
  assert.match(rows[0].itemRef, /^outlook:/);
});

test("our pixel is recognised directly and behind Gmail's proxies, nobody else's", () => {
  const server = "https://t.example";
  assert.equal(ownPixelMessage("https://t.example/p/42.ZS4Bxw.gif", server), 42);
  assert.equal(ownPixelMessage("https://t.example/p/42_3.ZS4Bxw.gif", server), 42);
  assert.equal(ownPixelMessage("https://ci3.googleusercontent.com/meips/ADKq=s0-d-e1-ft#https://t.example/p/7.abc.gif", server), 7);
  assert.equal(ownPixelMessage("https://ci5.googleusercontent.com/proxy/Jd4=s0-d-e1-ft#https://t.example/p/7.abc.gif", server), 7);
  assert.equal(ownPixelMessage("https://t.example/l/7.abc", server), null);
  assert.equal(ownPixelMessage("https://other.example/p/7.abc.gif", server), null);
  assert.equal(ownPixelMessage("https://t.example.evil.com/p/7.abc.gif", server), null);
  assert.equal(ownPixelMessage("https://evil.example/x#https://t.example/p/7.abc.gif", server), null);
  assert.equal(ownPixelMessage("https://t.example/p/7.abc.gif", ""), null);
  assert.equal(originalUrl("https://sam.example.com/logo.png"), "https://sam.example.com/logo.png");
});

test("a popup's click opens the Gmail conversation, or the Outlook item, or the Sent folder", () => {
  assert.equal(ref("gmail", "#thread-f:1"), "gmail:thread-f:1");
  assert.equal(ref("gmail", ""), null);
  assert.deepEqual(parseRef("outlook:AAQk=:x"), { client: "outlook", id: "AAQk=:x" });
  assert.equal(conversationUrl({ thread_ref: "gmail:18b364492e242086" }), "https://mail.google.com/mail/u/0/#sent/18b364492e242086");
  assert.equal(conversationUrl({ thread_ref: "gmail:thread-a:r-768" }), "https://mail.google.com/mail/u/0/#sent");
  assert.equal(
    conversationUrl({ client_ref: "outlook:AQAA/+=", thread_ref: "outlook:AAQk" }),
    "https://outlook.office.com/mail/deeplink/read/AQAA%2F%2B%3D",
  );
  assert.equal(conversationUrl({ thread_ref: "outlook:AAQk" }), "https://outlook.office.com/mail/sentitems");
  assert.equal(conversationUrl({ client_ref: null, thread_ref: null }), null);
});
