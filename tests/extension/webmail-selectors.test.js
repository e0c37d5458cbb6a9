// Every selector candidate must find its element in the fixtures copied from the real client, and
// must be accounted for in extension/docs/webmail.md: when Gmail or Outlook changes its markup, the
// fixture, one selector file and the doc change together.
import assert from "node:assert/strict";
import { readdirSync, readFileSync } from "node:fs";
import { test } from "node:test";

import { parseHTML } from "../../extension/node_modules/linkedom/esm/index.js";
import { GMAIL } from "../../extension/src/webmail/gmail-selectors.js";
import { OUTLOOK } from "../../extension/src/webmail/outlook-selectors.js";
import { SHARED } from "../../extension/src/webmail/shared-selectors.js";

const FIXTURES = new URL("../e2e/fixtures/", import.meta.url);
const DOC = readFileSync(new URL("../../extension/docs/webmail.md", import.meta.url), "utf8");

const pages = (client) =>
  readdirSync(new URL(`${client}/`, FIXTURES))
    .filter((name) => name.endsWith(".html"))
    .map((name) => parseHTML(readFileSync(new URL(`${client}/${name}`, FIXTURES), "utf8")).document);

// The doc section of one client: from its "## Gmail" / "## Outlook" heading to the next "## ".
// (The shared selectors' section is "## Every client".)
function section(client) {
  const start = DOC.indexOf(`\n## ${client}`);
  assert.ok(start >= 0, `extension/docs/webmail.md has no "## ${client}" section`);
  const end = DOC.indexOf("\n## ", start + 1);
  return DOC.slice(start, end < 0 ? undefined : end);
}

for (const [client, selectors] of [["Gmail", GMAIL], ["Outlook", OUTLOOK]]) {
  const documents = pages(client.toLowerCase());
  const doc = section(client);
  for (const [name, candidates] of Object.entries(selectors)) {
    if (!Array.isArray(candidates)) continue;
    test(`${client} ${name}: every candidate finds its element in the recorded markup`, () => {
      for (const selector of candidates) {
        const found = documents.some((page) => page.querySelector(selector) !== null);
        assert.ok(found, `${client}.${name}: ${selector} matches nothing`);
      }
    });
    test(`${client} ${name}: the doc says what it finds and where each candidate comes from`, () => {
      assert.ok(doc.includes(`\`${name}\``), `extension/docs/webmail.md, ${client}: no entry for ${name}`);
      for (const selector of candidates) {
        assert.ok(doc.includes(`\`${selector}\``), `extension/docs/webmail.md, ${client}: no source for ${selector}`);
      }
    });
  }
}

// What every client shares is not one client's page: Apple Mail's and Thunderbird's quotes are in
// no fixture, so these are only held to the doc.
const shared = section("Every client");
for (const [name, selectors] of Object.entries(SHARED)) {
  test(`every client ${name}: the doc says what it finds and where each selector comes from`, () => {
    assert.ok(shared.includes(`\`${name}\``), `extension/docs/webmail.md, Every client: no entry for ${name}`);
    for (const selector of selectors) {
      assert.ok(shared.includes(`\`${selector}\``), `extension/docs/webmail.md, Every client: no source for ${selector}`);
    }
  });
}
