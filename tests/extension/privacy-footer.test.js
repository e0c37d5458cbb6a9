// The opt-out footer: one grey line with a link, put in by the same rewrite as the pixel, taken out
// with it, never half there; the compose's switch for it, and what registration sends of it.
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { afterEach, test } from "node:test";

import { parseHTML } from "../../extension/node_modules/linkedom/esm/index.js";
import { createControls } from "../../extension/src/compose/controls.js";
import { register } from "../../extension/src/compose/registration.js";
import { applyTracking, removeTracking } from "../../extension/src/compose/tracking.js";
import { composeWindows } from "../../extension/src/compose/window.js";
import { gmail } from "../../extension/src/webmail/gmail.js";
import { composeBody } from "./dom.js";

const ORIGIN = "https://t.example.test";
const OPTOUT = { text: "Rather not have your opens seen?", link_text: "Opt out", url: `${ORIGIN}/o/ab12.sig` };
const REGISTRATION = { id: 12, pixel_url: `${ORIGIN}/p/xy.sig`, links: [], optout: OPTOUT };

const footerOf = (body) => body.querySelector(`a[href="${OPTOUT.url}"]`)?.parentElement;

test("the footer is one small grey line after the user's text, its link the server's, the pixel after it", () => {
  const body = composeBody("<div>Hola Bo,</div><div>see you Monday</div>");
  applyTracking(body, [], REGISTRATION);
  const footer = footerOf(body);
  assert.equal(footer.textContent, "Rather not have your opens seen? Opt out");
  assert.match(footer.getAttribute("style"), /font-size:11px/);
  assert.match(footer.getAttribute("style"), /color:#80868b/);
  assert.equal(footer.previousElementSibling.textContent, "see you Monday");
  assert.equal(footer.nextElementSibling.getAttribute("src"), REGISTRATION.pixel_url);
});

test("in a reply the footer closes the user's text, before the quoted message", () => {
  const body = composeBody('<div>Yes, Monday.</div><div class="gmail_quote"><a href="https://elsewhere.example/">theirs</a></div>');
  applyTracking(body, [], REGISTRATION);
  const [text, footer, pixel, quote] = body.children;
  assert.equal(text.textContent, "Yes, Monday.");
  assert.equal(footer, footerOf(body));
  assert.equal(pixel.getAttribute("src"), REGISTRATION.pixel_url);
  assert.equal(quote.className, "gmail_quote");
});

test("words from the server stay text", () => {
  const body = composeBody("<p>x</p>");
  applyTracking(body, [], { ...REGISTRATION, optout: { ...OPTOUT, text: "<img src=x onerror=alert(1)>", link_text: "<b>Opt out</b>" } });
  assert.equal(body.querySelectorAll("img").length, 1, "the pixel alone");
  assert.equal(footerOf(body).querySelector("a").textContent, "<b>Opt out</b>");
});

test("without an opt-out in the answer there is no footer", () => {
  const body = composeBody("<p>x</p>");
  applyTracking(body, [], { ...REGISTRATION, optout: null });
  assert.equal(body.querySelectorAll("a").length, 0);
});

test("an opt-out the body cannot take throws with nothing changed: neither the pixel nor the links", () => {
  const written = '<p>x <a href="https://shop.example.com/">shop</a></p>';
  for (const optout of [{ ...OPTOUT, url: "javascript:alert(1)" }, { ...OPTOUT, link_text: " " }, { text: "t" }, "Opt out"]) {
    const body = composeBody(written);
    const anchors = [...body.querySelectorAll("a")];
    const links = [{ url: "https://shop.example.com/", tracked_url: `${ORIGIN}/l/1.sig` }];
    assert.throws(() => applyTracking(body, anchors, { ...REGISTRATION, links, optout }), /opt-out footer held no link/);
    assert.equal(body.innerHTML, written);
  }
});

test("a body that already carries the pixel gets no second footer", () => {
  const body = composeBody("<p>x</p>");
  applyTracking(body, [], REGISTRATION);
  applyTracking(body, [], REGISTRATION);
  assert.equal(body.querySelectorAll(`a[href="${OPTOUT.url}"]`).length, 1);
});

test("removing tracking takes the footer out too, and only the footer", () => {
  const written = "<div>Hola Bo,</div><div>see you Monday</div>";
  const body = composeBody(written);
  applyTracking(body, [], REGISTRATION);
  removeTracking(body, REGISTRATION);
  assert.equal(body.innerHTML, written);

  // An editor that merged the footer into the user's last line: the line itself stays.
  const merged = composeBody(`<div>see you Monday <a href="${OPTOUT.url}">Opt out</a></div>`);
  removeTracking(merged, REGISTRATION);
  assert.equal(merged.innerHTML, "<div>see you Monday </div>");
});

test("the compose's Opt-out footer switch starts as the account's default and reports each flip", () => {
  const { document } = parseHTML("<!doctype html><html><body></body></html>");
  const flips = [];
  const controls = createControls(document, {
    on: true, enabled: true, optout: true, onTrackChange() {}, onTagsChange() {}, onOptoutChange: (on) => flips.push(on),
  });
  const button = controls.element.querySelector("[data-telltale-optout]");
  assert.equal(button.getAttribute("aria-checked"), "true");
  assert.equal(button.textContent, "● Opt-out footer");
  button.click();
  assert.equal(button.getAttribute("aria-checked"), "false");
  button.click();
  assert.deepEqual(flips, [false, true]);
  const off = createControls(document, { on: true, enabled: false, onTrackChange() {}, onTagsChange() {} });
  const disabled = off.element.querySelector("[data-telltale-optout]");
  assert.equal(disabled.getAttribute("aria-checked"), "false");
  assert.equal(disabled.disabled, true, "unpaired, like the Track switch");
});

// --- registration, on the recorded Gmail compose, against a stand-in service worker -------------

const gmailFixture = readFileSync(new URL("../e2e/fixtures/gmail/compose.html", import.meta.url), "utf8");

function gmailCompose() {
  const window = parseHTML(gmailFixture);
  // Editors hear of our change as an input event; linkedom has Event, not InputEvent.
  globalThis.InputEvent = window.Event;
  const [compose] = composeWindows(gmail, window.document);
  return compose;
}

// chrome.runtime answering "register" with `registration`; returns the requests it was sent.
function serviceWorker(registration) {
  const asked = [];
  globalThis.chrome = {
    runtime: {
      async sendMessage(request) {
        asked.push(request);
        return request.type === "register" ? { ok: true, registration } : { ok: true };
      },
    },
  };
  return asked;
}

afterEach(() => {
  delete globalThis.chrome;
  delete globalThis.InputEvent;
});

test("registration sends the switch only once flipped: untouched, the server's default applies", async () => {
  for (const [optout, sent] of [[null, undefined], [true, true], [false, false]]) {
    const asked = serviceWorker({ ...REGISTRATION, optout: null });
    await register(gmail, { serverUrl: ORIGIN }, gmailCompose(), { tags: [], optout });
    assert.equal(asked[0].message.optout, sent, `switch ${optout}`);
    assert.equal("optout" in asked[0].message, sent !== undefined);
  }
});

test("an answer whose footer cannot be built leaves the body as written and has the registration dropped", async () => {
  const compose = gmailCompose();
  const written = compose.body.innerHTML;
  const asked = serviceWorker({ ...REGISTRATION, optout: { ...OPTOUT, url: "" } });
  await assert.rejects(register(gmail, { serverUrl: ORIGIN }, compose, { tags: [], optout: true }), /held no link/);
  assert.equal(compose.body.innerHTML, written);
  assert.deepEqual(asked.map((request) => [request.type, request.messageId]), [["register", undefined], ["discard", 12]]);
});

test("a tracked Gmail compose gets the footer and the pixel in one rewrite", async () => {
  const compose = gmailCompose();
  serviceWorker(REGISTRATION);
  await register(gmail, { serverUrl: ORIGIN }, compose, { tags: [], optout: true });
  const footer = footerOf(compose.body);
  assert.ok(footer, "the footer is in the body");
  assert.equal(footer.nextElementSibling.getAttribute("src"), REGISTRATION.pixel_url);
});
