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

// A typed address is the input's value, which the static page carries in its value attribute.
function typeRecipients(root) {
  for (const input of root.querySelectorAll("input[role=combobox]")) input.value = input.getAttribute("value");
}

test("gmail: one compose, its subject, every chip and typed address of To, Cc and Bcc, both send buttons", () => {
  const document = page("gmail/compose.html");
  const [root, ...others] = gmail.composeRoots(document);
  assert.equal(others.length, 0);
  assert.equal(gmail.subject(root), "Re: Quarterly report");
  typeRecipients(root);
  assert.deepEqual(gmail.recipients(root), [
    "dana@example.net", "lee@example.org", "morgan@example.com", "kim@example.net", "archive@example.org", "jo@example.net",
    "ravi@example.com", "pat@example.com", "audit@example.com",
  ]);
  assert.equal(gmail.sendButtons(root).length, 2);
  assert.ok(gmail.body(root).isContentEditable || gmail.body(root).getAttribute("contenteditable") === "true");
});

test("gmail: a reply's references are the draft id and the legacy thread id", () => {
  const root = gmail.composeRoots(page("gmail/compose.html"))[0];
  assert.deepEqual(gmail.refs(root), { client_ref: "gmail:msg-a:r-5521078342196584330", thread_ref: "gmail:18b364492e242086" });
});

test("gmail: an inline reply is a compose of its own and belongs to the open conversation", () => {
  const [root, ...others] = gmail.composeRoots(page("gmail/thread.html"));
  assert.equal(others.length, 0);
  assert.ok(root.closest(".ip.adB"), "the inline reply, not the conversation");
  assert.equal(gmail.subject(root), "Re: Quarterly report");
  assert.deepEqual(gmail.recipients(root), ["dana@example.net"]);
  assert.equal(gmail.sendButtons(root).length, 1);
  assert.equal(gmail.refs(root).thread_ref, "gmail:18b364492e242086");
  // Before Gmail fills the compose's own thread ids, the conversation around it still names it.
  for (const name of ["lts", "rt"]) root.querySelector(`input[name=${name}]`).setAttribute("value", "");
  assert.equal(gmail.refs(root).thread_ref, "gmail:18b364492e242086");
});

test("gmail: a new message written while a conversation is open belongs to no conversation", () => {
  const document = page("gmail/compose.html");
  const root = gmail.composeRoots(document)[0];
  for (const name of ["lts", "rt"]) root.querySelector(`input[name=${name}]`).setAttribute("value", "");
  assert.equal(gmail.refs(root).thread_ref, null);
});

test("gmail: message bodies are told from composes", () => {
  const document = page("gmail/sent.html");
  assert.ok(gmail.isMessageBody(document.querySelector("div.a3s")));
  assert.ok(!gmail.isMessageBody(document.querySelector("tr.zA")));
});

test("gmail: a Sent row is known by both of its thread ids", () => {
  const rows = gmail.sentRows(page("gmail/sent.html"));
  assert.equal(rows.length, 3);
  assert.deepEqual(rows[1].threadRefs, ["gmail:18b2f0c4d1a9e375", "gmail:thread-a:r-7681922771531347793"]);
  assert.equal(rows[1].subject, "Budget draft for review");
  assert.ok(rows.every((row) => row.slot));
});

const CONVERSATION = "outlook:AAQkADFkZGYzYWMxLTk1ODMtNGQ4Zi04ZTRkLTJmNjUwYTg4Nzg1OAAQAKxl2JQ7nmVMk8Z9a0Rdx8Y=";

test("outlook: the compose in the reading pane, every chip and typed address of To, Cc and Bcc, one Send", () => {
  const document = page("outlook/compose.html");
  const [root, ...others] = outlook.composeRoots(document);
  assert.equal(others.length, 0);
  assert.equal(outlook.sendButtons(root).length, 1);
  assert.equal(outlook.sendButtons(root)[0].textContent.trim(), "Send");
  assert.equal(outlook.container(outlook.body(root)), root);
  assert.deepEqual(outlook.recipients(root), [
    "dana@example.net", "lee@example.org", "ravi@example.com", "morgan@example.com", "kim@example.net", "pat@example.com",
    "archive@example.org", "jo@example.net", "audit@example.com",
  ]);
});

test("outlook: the subject is found by its id, whatever the language of its label", () => {
  const document = page("outlook/compose.html");
  const root = outlook.composeRoots(document)[0];
  const input = root.querySelector("input[id$=_SUBJECT]");
  input.setAttribute("aria-label", "Betreff hinzufügen");
  input.setAttribute("placeholder", "Betreff hinzufügen");
  assert.equal(outlook.subject(root), "RE: Quarterly report");
});

test("outlook: an inline reply without a subject field goes out under the conversation's subject", () => {
  const root = outlook.composeRoots(page("outlook/compose.html"))[0];
  root.querySelector("input[id$=_SUBJECT]").remove();
  assert.equal(outlook.subject(root), "Quarterly report");
});

test("outlook: a reply inside the open conversation belongs to the selected conversation", () => {
  const root = outlook.composeRoots(page("outlook/compose.html"))[0];
  assert.deepEqual(outlook.refs(root), { client_ref: null, thread_ref: CONVERSATION });
});

test("outlook: the conversation's own id wins over the list's selection", () => {
  const document = page("outlook/compose.html");
  document.getElementById("ConversationReadingPaneContainer").setAttribute("data-convid", "AAQkOwn=");
  assert.equal(outlook.refs(outlook.composeRoots(document)[0]).thread_ref, "outlook:AAQkOwn=");
});

test("outlook: a reply popped out of the conversation is known by its reply header", () => {
  const document = page("outlook/compose.html");
  const conversation = document.getElementById("ConversationReadingPaneContainer");
  conversation.removeAttribute("id");
  assert.equal(outlook.refs(outlook.composeRoots(document)[0]).thread_ref, CONVERSATION);
});

test("outlook: a new message belongs to no conversation, though the list keeps a row selected", () => {
  const document = page("outlook/compose.html");
  document.getElementById("ConversationReadingPaneContainer").removeAttribute("id");
  for (const header of document.querySelectorAll("#appendonsend, #divRplyFwdMsg")) header.remove();
  assert.ok(document.querySelector("[role=option][aria-selected=true][data-convid]"));
  assert.deepEqual(outlook.refs(outlook.composeRoots(document)[0]), { client_ref: null, thread_ref: null });
});

test("outlook: message bodies are told from composes", () => {
  const document = page("outlook/sent.html");
  assert.ok(outlook.isMessageBody(document.getElementById("UniqueMessageBody_1")));
  assert.ok(!outlook.isMessageBody(document.querySelector("[role=listbox]")));
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
