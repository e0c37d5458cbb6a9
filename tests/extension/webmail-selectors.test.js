// Every selector candidate must find its element in the fixture recorded from the real client:
// when Gmail or Outlook changes its markup, the fixture and one selector file change together.
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { test } from "node:test";

import { parseHTML } from "../../extension/node_modules/linkedom/esm/index.js";
import { GMAIL } from "../../extension/src/webmail/gmail-selectors.js";
import { OUTLOOK } from "../../extension/src/webmail/outlook-selectors.js";

const fixture = (path) => parseHTML(readFileSync(new URL(`../e2e/fixtures/${path}`, import.meta.url), "utf8")).document;

for (const [client, selectors] of [["gmail", GMAIL], ["outlook", OUTLOOK]]) {
  const pages = [fixture(`${client}/compose.html`), fixture(`${client}/sent.html`)];
  for (const [name, candidates] of Object.entries(selectors)) {
    if (!Array.isArray(candidates)) continue;
    test(`${client} ${name}: every candidate finds its element in the recorded markup`, () => {
      for (const selector of candidates) {
        const found = pages.some((page) => page.querySelector(selector) !== null);
        assert.ok(found, `${client}.${name}: ${selector} matches nothing`);
      }
    });
  }
}
