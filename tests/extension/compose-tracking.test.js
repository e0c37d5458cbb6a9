import assert from "node:assert/strict";
import { test } from "node:test";

import { applyTracking, hasPixel, isTrackable, removeTracking, trackableAnchors } from "../../extension/src/compose/tracking.js";
import { SHARED } from "../../extension/src/webmail/shared-selectors.js";
import { composeBody } from "./dom.js";

const GMAIL_REPLY = `<div dir="ltr">Hola Bo,<div><br></div><div>The quote is at <a href="https://shop.example.com/q3?id=7&amp;ref=mail#terms">our shop</a>, questions to <a href="mailto:sales@example.com">sales</a>.</div><div>See <a href="#section-2">below</a>. Precios en €, naïve café — 東京.</div><table><tbody><tr><td><a href="https://example.org/table-cell">cell link</a></td></tr></tbody></table><div><br></div><span class="gmail_signature_prefix">-- </span><div dir="ltr" class="gmail_signature" data-smartmail="gmail_signature"><div dir="ltr">Ana · <a href="https://ana.example.net/">ana.example.net</a></div></div></div><br><div class="gmail_quote"><div dir="ltr" class="gmail_attr">On Mon, Nov 23, 2026 at 9:00 AM Bo &lt;bo@example.test&gt; wrote:<br></div><blockquote class="gmail_quote" style="margin:0px 0px 0px 0.8ex;border-left:1px solid rgb(204,204,204);padding-left:1ex">Can you send <a href="https://bo.example.test/rfq">the RFQ</a>?</blockquote></div>`;

const OUTLOOK_REPLY = `<div class="elementToProof" style="font-family: Aptos, sans-serif;">Thanks, here is <a href="https://docs.example.com/spec.pdf?v=2&amp;dl=1" id="LPlnk1">the spec</a>.</div><div id="appendonsend"></div><hr style="display:inline-block;width:98%" tabindex="-1"><div id="divRplyFwdMsg" dir="ltr"><font face="Calibri, sans-serif"><b>From:</b> Bo &lt;bo@example.test&gt;<br><b>Sent:</b> Monday, November 23, 2026 9:00 AM</font></div><div>Earlier: <a href="https://bo.example.test/old">old link</a></div>`;

const REGISTRATION = (anchors) => ({
  pixel_url: "https://t.example.test/p/12.sig.gif",
  links: anchors.map((anchor, i) => ({ url: anchor.getAttribute("href"), tracked_url: `https://t.example.test/l/12_${i}.sig` })),
});

test("only the user's own web links are tracked, signature included, quotes and mailto excluded", () => {
  const body = composeBody(GMAIL_REPLY);
  const hrefs = trackableAnchors(body).map((a) => a.getAttribute("href"));
  assert.deepEqual(hrefs, ["https://shop.example.com/q3?id=7&ref=mail#terms", "https://example.org/table-cell", "https://ana.example.net/"]);
});

test("tracking changes hrefs and adds one pixel, and nothing the user wrote", () => {
  const body = composeBody(GMAIL_REPLY);
  const textBefore = body.textContent;
  const quoteBefore = body.querySelector("div.gmail_quote").outerHTML;
  const anchors = trackableAnchors(body);
  const rewritten = applyTracking(body, anchors, REGISTRATION(anchors));
  assert.equal(rewritten, 3);
  assert.equal(body.textContent, textBefore);
  assert.equal(body.querySelector("div.gmail_quote").outerHTML, quoteBefore);
  assert.equal(body.querySelectorAll("img[src='https://t.example.test/p/12.sig.gif']").length, 1);
  assert.equal(body.querySelector("a[href^='mailto:']").getAttribute("href"), "mailto:sales@example.com");
  assert.equal(body.querySelector("a[href='#section-2']").textContent, "below");
  assert.deepEqual(
    [...body.querySelectorAll("a")].map((a) => a.getAttribute("href")),
    ["https://t.example.test/l/12_0.sig", "mailto:sales@example.com", "#section-2", "https://t.example.test/l/12_1.sig",
     "https://t.example.test/l/12_2.sig", "https://bo.example.test/rfq"],
  );
});

test("the pixel goes before the quoted reply, not into Gmail's fold", () => {
  const body = composeBody(GMAIL_REPLY);
  const anchors = trackableAnchors(body);
  applyTracking(body, anchors, REGISTRATION(anchors));
  const pixel = body.querySelector("img[src$='.gif']");
  assert.equal(pixel.nextElementSibling.className, "gmail_quote");
  assert.equal(pixel.parentNode, body);
});

test("in an Outlook reply everything after the reply marker is left alone", () => {
  const body = composeBody(OUTLOOK_REPLY);
  const anchors = trackableAnchors(body);
  assert.deepEqual(anchors.map((a) => a.getAttribute("href")), ["https://docs.example.com/spec.pdf?v=2&dl=1"]);
  applyTracking(body, anchors, REGISTRATION(anchors));
  assert.equal(body.querySelector("a[href='https://bo.example.test/old']").textContent, "old link");
  assert.equal(body.querySelector("img[src$='.gif']").nextElementSibling.id, "appendonsend");
});

test("a new message without quotes gets its pixel at the end", () => {
  const body = composeBody(`<div>Plain note with <a href="http://example.com/x">a link</a></div>`);
  const anchors = trackableAnchors(body);
  applyTracking(body, anchors, REGISTRATION(anchors));
  assert.equal(body.lastElementChild.tagName, "IMG");
});

test("applying twice never adds a second pixel", () => {
  const body = composeBody(`<div>hi</div>`);
  const registration = { pixel_url: "https://t.example.test/p/1.s.gif", links: [] };
  applyTracking(body, [], registration);
  applyTracking(body, [], registration);
  assert.equal(body.querySelectorAll("img").length, 1);
  assert.ok(hasPixel(body, registration.pixel_url));
  assert.ok(!hasPixel(body, "https://another.example.test/p/1.s.gif"));
  assert.equal(body.querySelector("img").attributes.length, 5, "src, alt, width, height, style: nothing telling");
});

test("a link edited after registration keeps what the user wrote", () => {
  const body = composeBody(`<div><a href="https://e.test/a">x</a></div>`);
  const anchors = trackableAnchors(body);
  const registration = REGISTRATION(anchors);
  anchors[0].setAttribute("href", "https://e.test/changed");
  assert.equal(applyTracking(body, anchors, registration), 0);
  assert.equal(body.querySelector("a").getAttribute("href"), "https://e.test/changed");
});

test("links Telltale already issued are not tracked twice", () => {
  const body = composeBody(`<div><a href="https://t.example.test/l/9_0.s">old</a> <a href="https://e.test/">new</a></div>`);
  assert.deepEqual(trackableAnchors(body, "https://t.example.test").map((a) => a.textContent), ["new"]);
});

test("what counts as a trackable target", () => {
  for (const href of ["https://example.com", "http://例え.jp/ページ?q=ü", "HTTPS://EXAMPLE.COM/x"]) assert.ok(isTrackable(href), href);
  for (const href of ["mailto:a@b.c", "tel:+34", "#top", "/relative", "//host/x", "javascript:alert(1)", "data:text/html,x",
    "https://", "https://example.com/" + "a".repeat(2048), "https://exa mple.com", ""]) {
    assert.ok(!isTrackable(href), href);
  }
});

test("a decoy link no person can see goes beside the pixel, and only once", () => {
  const body = composeBody(GMAIL_REPLY);
  const anchors = trackableAnchors(body);
  const registration = { ...REGISTRATION(anchors), decoy_url: "https://t.example.test/l/12_9.sig" };
  applyTracking(body, anchors, registration);
  applyTracking(body, anchors, registration);
  const decoys = body.querySelectorAll("a[href='https://t.example.test/l/12_9.sig']");
  assert.equal(decoys.length, 1);
  const [decoy] = decoys;
  assert.equal(decoy.previousElementSibling.tagName, "IMG");
  assert.equal(decoy.textContent, "\u200b");
  assert.equal(decoy.getAttribute("aria-hidden"), "true");
  assert.equal(decoy.getAttribute("tabindex"), "-1");
});

test("the reading image follows the pixel, and the forward style comes only when asked for", () => {
  const body = composeBody(GMAIL_REPLY);
  const anchors = trackableAnchors(body);
  const registration = {
    ...REGISTRATION(anchors),
    reading_url: "https://t.example.test/r/12.sig.gif",
    forward_url: "https://t.example.test/f/12.sig.gif",
    decoy_url: "https://t.example.test/l/12_9.sig",
  };
  applyTracking(body, anchors, registration);
  const pixel = body.querySelector("img[src='https://t.example.test/p/12.sig.gif']");
  const reading = pixel.nextElementSibling;
  assert.equal(reading.getAttribute("src"), registration.reading_url);
  assert.equal(reading.getAttribute("width"), "1");
  assert.equal(reading.nextElementSibling.getAttribute("href"), registration.decoy_url);
  assert.equal(body.querySelector("style"), null);

  const forwarded = composeBody(GMAIL_REPLY);
  applyTracking(forwarded, trackableAnchors(forwarded), registration, { forwards: true });
  applyTracking(forwarded, trackableAnchors(forwarded), registration, { forwards: true });
  const styles = forwarded.querySelectorAll("style");
  assert.equal(styles.length, 1);
  assert.equal(styles[0].textContent, `${SHARED.forwardHeader.join(",")}{background-image:url("${registration.forward_url}")}`);
  // Before the quote, like the pixel: the quoted message is someone else's.
  assert.ok(styles[0].compareDocumentPosition(forwarded.querySelector(".gmail_quote")) & 4);
});

test("a forward URL that could break out of the CSS is left out", () => {
  const body = composeBody(GMAIL_REPLY);
  const anchors = trackableAnchors(body);
  const registration = { ...REGISTRATION(anchors), forward_url: 'https://t.example.test/f/x");}*{background:url("https://evil.test' };
  applyTracking(body, anchors, registration, { forwards: true });
  assert.equal(body.querySelector("style"), null);
});

test("removing tracking leaves the body exactly as the user wrote it, with every image, link and style taken out", () => {
  for (const html of [GMAIL_REPLY, OUTLOOK_REPLY, "<div>No links at all</div>"]) {
    const body = composeBody(html);
    const written = body.innerHTML;
    const anchors = trackableAnchors(body);
    const registration = {
      ...REGISTRATION(anchors),
      reading_url: "https://t.example.test/r/12.sig.gif",
      decoy_url: "https://t.example.test/l/12_d.sig",
      forward_url: "https://t.example.test/f/12.sig.gif",
    };
    applyTracking(body, anchors, registration, { forwards: true });
    assert.notEqual(body.innerHTML, written);
    // As an editor does: the tracked nodes rebuilt from markup, not the ones applyTracking made.
    body.innerHTML = body.innerHTML;
    removeTracking(body, registration);
    assert.equal(body.innerHTML, written);
  }
});

test("removing tracking keeps a link the user changed after Send", () => {
  const body = composeBody(OUTLOOK_REPLY);
  const anchors = trackableAnchors(body);
  const registration = REGISTRATION(anchors);
  applyTracking(body, anchors, registration);
  anchors[0].setAttribute("href", "https://docs.example.com/spec-v3.pdf");
  removeTracking(body, registration);
  assert.equal(anchors[0].getAttribute("href"), "https://docs.example.com/spec-v3.pdf");
  assert.equal(body.querySelectorAll("img").length, 0);
});
