// Which compose windows may be tracked: the recorded pages may, and pages whose Send the selectors
// do not know, or whose "compose" is the whole app, may not.
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { test } from "node:test";

import { parseHTML } from "../../extension/node_modules/linkedom/esm/index.js";
import { composeWindow, composeWindows } from "../../extension/src/compose/window.js";
import { gmail } from "../../extension/src/webmail/gmail.js";
import { outlook } from "../../extension/src/webmail/outlook.js";

const fixture = (path) => readFileSync(new URL(`../e2e/fixtures/${path}`, import.meta.url), "utf8");
const documentOf = (html) => parseHTML(html).document;
const replaced = (html, old, now) => {
  assert.equal(html.split(old).length, 2, `the fixture changed: ${old}`);
  return html.replace(old, now);
};

const OUTLOOK_SEND = /<button data-fixture="send"[^>]*>.*?Send<\/button>/s;

test("the recorded Gmail compose is trackable, with Send and Send & Archive", () => {
  const [compose, ...others] = composeWindows(gmail, documentOf(fixture("gmail/compose.html")));
  assert.equal(others.length, 0);
  assert.equal(compose.refused, undefined);
  assert.equal(compose.send.getAttribute("data-tooltip"), "Send (Ctrl-Enter)");
  assert.deepEqual(compose.buttons.map((b) => b.getAttribute("data-tooltip")), ["Send (Ctrl-Enter)", "Send & Archive"]);
});

test("the recorded Outlook compose is trackable; its window is the compose, not the reading pane", () => {
  const [compose] = composeWindows(outlook, documentOf(fixture("outlook/compose.html")));
  assert.equal(compose.refused, undefined);
  assert.equal(compose.root.getAttribute("data-fixture"), "compose");
  assert.equal(compose.send.textContent.trim(), "Send");
});

test("Outlook in German without the Fluent classes: refused, and the ribbon's split button is never taken for Send", () => {
  let html = fixture("outlook/compose.html").replace(OUTLOOK_SEND, '<button type="button" aria-label="Senden">Senden</button>');
  html = replaced(html, '<button type="button" aria-label="New mail">New mail</button>',
    '<div class="fui-SplitButton"><button type="button" class="fui-Button fui-SplitButton__primaryActionButton" id="splitButton-r1__primaryActionButton">Neue E-Mail</button></div>');
  const [compose] = composeWindows(outlook, documentOf(html));
  assert.match(compose.refused, /Send button was not recognised/);
});

test("a compose window that turns out to be the app, or holds two bodies, is refused", () => {
  // Without recipient fields the nearest window is never found...
  let html = fixture("outlook/compose.html").replaceAll(/ id="MSG_15127c3b5a0_(TO|CC|BCC)"/g, "");
  assert.match(composeWindows(outlook, documentOf(html))[0].refused, /compose window was not recognised/);
  // ...and one that holds the app's landmarks is not a compose window.
  html = replaced(fixture("outlook/compose.html"), '<div id="MSG_15127c3b5a0_TO" role="group">', '<div role="navigation"></div><div id="MSG_15127c3b5a0_TO" role="group">');
  assert.match(composeWindows(outlook, documentOf(html))[0].refused, /whole mail page/);
  html = replaced(fixture("outlook/compose.html"), '<div class="" id="editorParent_1">',
    '<div id="editorParent_2"><div role="textbox" contenteditable="true">Notes</div></div><div class="" id="editorParent_1">');
  const document = documentOf(html);
  assert.ok(composeWindows(outlook, document).every((compose) => /more than one message body/.test(compose.refused)));
});

test("two buttons answering to Send's selectors make the compose refused, not a guess", () => {
  const html = fixture("gmail/compose.html").replace('aria-expanded="false" aria-haspopup="true"><div class="G-asx">', 'aria-expanded="false"><div class="G-asx">');
  const document = documentOf(html);
  const body = gmail.bodies(document)[0];
  assert.match(composeWindow(gmail, body).refused, /more than one button/);
});
