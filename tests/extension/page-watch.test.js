// The one observer of a webmail tab: each feature looks again once per frame after the webmail
// changed the page, never for Telltale's own elements, and sees every batch when it asks to.
import assert from "node:assert/strict";
import { beforeEach, test } from "node:test";

import { parseHTML } from "../../extension/node_modules/linkedom/esm/index.js";
import { watchPage } from "../../extension/src/content/page-watch.js";

let window;
let observe;
let frames;

beforeEach(() => {
  window = parseHTML(`<html><body><div id="list"><span data-telltale-ticks="">✓</span></div></body></html>`);
  globalThis.Node = window.Node;
  // The observer is driven by hand: records as the browser would write them.
  globalThis.MutationObserver = class {
    constructor(callback) {
      observe = callback;
    }
    observe() {}
  };
  frames = [];
  globalThis.requestAnimationFrame = (callback) => frames.push(callback);
});

function feature() {
  const seen = { refreshes: 0, batches: 0 };
  return { seen, refresh: () => { seen.refreshes += 1; }, mutated: () => { seen.batches += 1; } };
}

const added = (target, node) => ({ type: "childList", target, addedNodes: [node], removedNodes: [] });

function nextFrame() {
  const callbacks = frames.splice(0);
  for (const callback of callbacks) callback();
}

test("a feature looks once when added, then once per frame however often the webmail changed the page", () => {
  const { document } = window;
  const page = watchPage(document);
  const one = feature();
  page.add(one);
  assert.equal(one.seen.refreshes, 1);
  const list = document.getElementById("list");
  observe([added(list, document.createElement("tr"))]);
  observe([added(list, document.createElement("tr")), added(list, document.createTextNode("x"))]);
  assert.equal(one.seen.batches, 2);
  assert.equal(one.seen.refreshes, 1);
  nextFrame();
  assert.equal(one.seen.refreshes, 2);
  nextFrame();
  assert.equal(one.seen.refreshes, 2);
});

test("Telltale's own elements changing, and images changing src, wake no feature but reach mutated", () => {
  const { document } = window;
  const page = watchPage(document);
  const one = feature();
  page.add(one);
  const ticks = document.querySelector("[data-telltale-ticks]");
  const card = document.createElement("span");
  card.setAttribute("data-telltale-hover", "");
  observe([
    added(ticks, document.createTextNode("✓✓")),
    added(document.getElementById("list"), card),
    { type: "attributes", target: document.createElement("img"), addedNodes: [], removedNodes: [] },
  ]);
  assert.equal(frames.length, 0);
  assert.equal(one.seen.batches, 1);
});

test("settings changed: every feature looks again at once", () => {
  const page = watchPage(window.document);
  const [one, two] = [feature(), feature()];
  page.add(one);
  page.add(two);
  page.refreshAll();
  assert.deepEqual([one.seen.refreshes, two.seen.refreshes], [2, 2]);
});
