import assert from "node:assert/strict";
import { test } from "node:test";

import { bodyForServer, replaceWithTeaser, restoreBody } from "../../extension/src/compose/protection.js";
import { composeBody } from "./dom.js";

const PNG = "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==";
const WRITTEN = `<div>Hola Bo,</div><div>The price is <b>41,300 €</b>.</div><img src="data:image/png;base64,${PNG}" alt="chart"><img src="blob:https://mail.google.com/3f1c" alt="pasted"><img src="https://lh3.googleusercontent.com/x.png" alt="remote">`;
const CREATED = {
  url: "https://t.example.test/m/12.sig",
  teaser_text: "Ana sent you a message.\nRead it here: https://t.example.test/m/12.sig",
};

test("the body goes to the server with its data: and blob: images as cid: parts", async () => {
  const body = composeBody(WRITTEN);
  const { html, images } = await bodyForServer(body, async () => `data:image/gif;base64,R0lGODlhAQABAAAAACw=`);
  assert.deepEqual(images.map((image) => [image.cid, image.content_type]),
    [["telltale-image-1", "image/png"], ["telltale-image-2", "image/gif"]]);
  assert.equal(images[0].data, PNG);
  assert.match(html, /<img src="cid:telltale-image-1" alt="chart">/);
  assert.match(html, /<img src="cid:telltale-image-2" alt="pasted">/);
  assert.match(html, /https:\/\/lh3\.googleusercontent\.com\/x\.png/, "a remote image is left for the server to drop");
  assert.equal(body.innerHTML, WRITTEN, "the compose itself is not touched");
});

test("a blob that cannot be read is left as it is, and nothing fails", async () => {
  const { images } = await bodyForServer(composeBody(WRITTEN), async () => {
    throw new Error("revoked");
  });
  assert.equal(images.length, 1);
});

test("the teaser replaces the body, its link as a link, and restoring gives back the same nodes", () => {
  const body = composeBody(WRITTEN);
  const bold = body.querySelector("b");
  const original = replaceWithTeaser(body, CREATED);
  assert.equal(body.textContent, CREATED.teaser_text.replace("\n", ""));
  assert.equal(body.querySelectorAll("br").length, 1);
  assert.deepEqual([...body.querySelectorAll("a")].map((a) => [a.getAttribute("href"), a.textContent]),
    [[CREATED.url, CREATED.url]]);
  assert.ok(!body.innerHTML.includes("41,300"), "nothing of the message is left in the mail");
  restoreBody(body, original);
  assert.equal(body.innerHTML, WRITTEN);
  assert.equal(body.querySelector("b"), bold, "the user's own nodes, not copies");
});

test("a teaser written as markup stays text", () => {
  const body = composeBody("<p>x</p>");
  replaceWithTeaser(body, { url: CREATED.url, teaser_text: `<img src=x onerror=alert(1)> ${CREATED.url}` });
  assert.equal(body.querySelector("img"), null);
  assert.ok(body.textContent.startsWith("<img src=x onerror=alert(1)>"));
});

test("an answer without a reading link leaves the body as written and throws", () => {
  for (const created of [undefined, { url: "javascript:alert(1)", teaser_text: "javascript:alert(1)" },
    { url: CREATED.url, teaser_text: "no link here" }]) {
    const body = composeBody(WRITTEN);
    assert.throws(() => replaceWithTeaser(body, created), /no reading link/);
    assert.equal(body.innerHTML, WRITTEN);
  }
});
