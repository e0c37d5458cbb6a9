// The options page's token list: the label a pairing gives its token, and each token's line.
import assert from "node:assert/strict";
import { test } from "node:test";

import { describeToken, tokenLabel, tokenName } from "../../extension/src/options/devices.js";

const NOW = Date.parse("2026-11-23T09:05:00+00:00");
// navigator.userAgentData as Chrome, Edge and Brave report it (brands come in a shuffled order).
const brands = (...names) => names.map((brand) => ({ brand, version: "131" }));

test("a token is labelled with the browser and system, without a version", () => {
  const chrome = { userAgentData: { brands: brands("Not_A Brand", "Chromium", "Google Chrome"), platform: "Linux" } };
  assert.equal(tokenLabel(chrome), "Chrome on Linux");
  const edge = { userAgentData: { brands: brands("Microsoft Edge", "Not?A_Brand", "Chromium"), platform: "Windows" } };
  assert.equal(tokenLabel(edge), "Edge on Windows");
  const chromium = { userAgentData: { brands: brands("Chromium", "Not)A;Brand"), platform: "Linux" } };
  assert.equal(tokenLabel(chromium), "Chromium on Linux");
});

test("a browser that says little still gets a label", () => {
  assert.equal(tokenLabel({}), "Telltale extension");
  assert.equal(tokenLabel({ userAgentData: { brands: brands("Not A(Brand"), platform: "macOS" } }), "A browser on macOS");
  assert.equal(tokenLabel({ userAgentData: { brands: brands("Opera"), platform: "" } }), "Opera");
});

test("a token's line says when it was paired and last used", () => {
  const token = { id: 2, label: "Chrome on Linux", created_at: "2026-11-20T09:00:00+00:00",
    last_used_at: "2026-11-23T09:00:00+00:00", current: false };
  assert.equal(describeToken(token, NOW), "paired 3 days ago · last used 5 min ago");
  assert.equal(describeToken({ ...token, last_used_at: null }, NOW), "paired 3 days ago · never used");
});

test("tokens the server named itself read as what they are", () => {
  assert.equal(tokenName({ label: "cli" }), "Command line (telltale user create)");
  assert.equal(tokenName({ label: "extension" }), "A browser extension");
  assert.equal(tokenName({ label: "" }), "A token without a name");
  assert.equal(tokenName({ label: "Edge on Windows" }), "Edge on Windows");
});
