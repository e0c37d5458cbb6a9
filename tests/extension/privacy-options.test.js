// The options page's privacy parts: the don't-track list, the opt-out footer and retention
// settings, "Download my data" and "Delete my account", on the real options.html in linkedom,
// against an in-memory chrome.storage and a stand-in server behind fetch.
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { beforeEach, test } from "node:test";

import { parseHTML } from "../../extension/node_modules/linkedom/esm/index.js";
import { formFromPrivacy, patchFromPrivacy } from "../../extension/src/options/privacy.js";

const SERVER = "https://t.example.test";
const page = readFileSync(new URL("../../extension/src/options/options.html", import.meta.url), "utf8");

// GET /api/v1/settings as the server answers it, privacy fields included.
const SETTINGS = {
  email: "sam@example.com", timezone: "Europe/Madrid", timezone_set: true, reopen_quiet_minutes: 60, quiet_hours: null,
  digest: "off", popups_after_reply: true, retention_days: null, retention_days_max: 365,
  optout_footer: false, optout_language: "en", optout_wording: null,
};

// --- the form and its PATCH body (no DOM) --------------------------------------------------------

test("privacy settings read back as the form shows them, and save unchanged", () => {
  const form = formFromPrivacy({ ...SETTINGS, optout_footer: true, optout_language: "de", optout_wording: "Nicht verfolgen?", retention_days: 30 });
  assert.deepEqual(patchFromPrivacy(form),
    { optout_footer: true, optout_language: "de", optout_wording: "Nicht verfolgen?", retention_days: 30 });
  assert.deepEqual(patchFromPrivacy(formFromPrivacy(SETTINGS)),
    { optout_footer: false, optout_language: "en", optout_wording: null, retention_days: null });
});

test("empty wording and empty days are null: the language's sentence and the server's limit", () => {
  const form = { ...formFromPrivacy(SETTINGS), wording: "   ", retentionDays: " " };
  assert.deepEqual(patchFromPrivacy(form), { optout_footer: false, optout_language: "en", optout_wording: null, retention_days: null });
});

test("what the server would refuse is refused here first, naming the field", () => {
  const form = formFromPrivacy(SETTINGS);
  const refused = (changes) => {
    try {
      patchFromPrivacy({ ...form, ...changes });
    } catch (error) {
      return [error.field, error.message];
    }
    return null;
  };
  assert.deepEqual(refused({ retentionDays: "400" }),
    ["retention_days", "Your server keeps data for at most 365 days: choose 365 or fewer, or leave it empty."]);
  assert.equal(refused({ retentionDays: "0" })[0], "retention_days");
  assert.equal(refused({ retentionDays: "7.5" })[0], "retention_days");
  assert.equal(refused({ retentionDays: "365" }), null);
  assert.deepEqual(refused({ wording: "x".repeat(301) }),
    ["optout_wording", "Your own wording is 301 characters long: keep it to 300."]);
  assert.equal(refused({ wording: `  ${"x".repeat(300)}  ` }), null, "spaces around it are not counted");
  assert.equal(refused({ language: "fr" })[0], "optout_language");
});

test("a server from before these settings is never sent them", () => {
  const older = { email: SETTINGS.email, timezone: "UTC" };
  const form = formFromPrivacy(older);
  assert.deepEqual([form.footerKnown, form.retentionKnown], [false, false]);
  assert.deepEqual(patchFromPrivacy({ ...form, footer: true, retentionDays: "30" }), {});
  assert.deepEqual(patchFromPrivacy(formFromPrivacy({ ...older, retention_days_max: 90 })), { retention_days: null });
});

// --- the sections on the options page ------------------------------------------------------------

// chrome.storage.local as the extension uses it, paired with SERVER.
function fakeStorage(stored) {
  return {
    local: {
      stored,
      get: async (keys) => Object.fromEntries([keys].flat().filter((key) => key in stored).map((key) => [key, stored[key]])),
      set: async (changes) => Object.assign(stored, changes),
    },
  };
}

// The server's answers by "METHOD /path"; each request is kept in `requests`.
function fakeServer(routes) {
  const requests = [];
  globalThis.fetch = async (url, init) => {
    const path = url.slice(`${SERVER}/api/v1`.length);
    const request = { method: init.method, path, body: init.body ? JSON.parse(init.body) : undefined, auth: init.headers.Authorization };
    requests.push(request);
    const answer = routes[`${init.method} ${path}`];
    return answer ? answer(request) : json(404, { error: { code: "not_found", message: "no such route" } });
  };
  return requests;
}

const json = (status, payload) => new Response(JSON.stringify(payload), { status, headers: { "Content-Type": "application/json" } });

// A browser's <select>.value, which linkedom reads but cannot set: the option of that value is chosen.
function selectValue(window) {
  Object.defineProperty(window.HTMLSelectElement.prototype, "value", {
    configurable: true,
    get() {
      const chosen = this.querySelector("option[selected]") ?? this.querySelector("option");
      return chosen?.getAttribute("value") ?? "";
    },
    set(value) {
      for (const option of this.querySelectorAll("option")) option.toggleAttribute("selected", option.getAttribute("value") === value);
    },
  });
}

let window;
beforeEach(() => {
  window = parseHTML(page);
  selectValue(window);
  globalThis.document = window.document;
  globalThis.chrome = { storage: fakeStorage({ serverUrl: SERVER, token: "tt_sam", dontTrack: [] }) };
});

const element = (id) => window.document.getElementById(id);

// One turn of the event loop, without setTimeout, which a test may mock.
const turn = () => new Promise((resolve) => setImmediate(resolve));

// Wait until #id's data-state is one of `states`: the sections answer events asynchronously.
async function settled(id, ...states) {
  for (let tries = 0; tries < 1000; tries += 1) {
    if (states.includes(element(id).dataset.state)) return element(id).textContent;
    await turn();
  }
  throw new Error(`#${id} stayed ${element(id).dataset.state}: ${element(id).textContent}`);
}

function submit(formId) {
  element(formId).dispatchEvent(new window.Event("submit", { cancelable: true }));
}

// The section modules find their elements in the global document when called, so one import serves every test.
const dontTrack = await import("../../extension/src/options/dont-track-section.js");
const privacy = await import("../../extension/src/options/privacy-section.js");

test("the don't-track list adds what is valid, refuses what is not or is already covered, and removes", async () => {
  await dontTrack.initDontTrack();
  const add = async (typed, ...states) => {
    element("dont-track-status").dataset.state = "sent";
    element("dont-track-entry").value = typed;
    submit("dont-track");
    return settled("dont-track-status", ...states);
  };
  assert.equal(await add("@Example.COM", "added"), "Added: mail to anyone at example.com or its subdomains goes out untracked.");
  assert.equal(await add("ana@example.org", "added"), "Added: mail to ana@example.org goes out untracked.");
  assert.deepEqual(chrome.storage.local.stored.dontTrack, ["example.com", "ana@example.org"]);
  assert.deepEqual([...element("dont-track-list").children].map((row) => row.dataset.entry), ["example.com", "ana@example.org"]);

  assert.match(await add("ravi@mail.example.com", "error"), /^ravi@mail\.example\.com is already covered by example\.com\.$/);
  assert.match(await add("not a domain", "error"), /has no domain Telltale can match/);
  assert.equal(element("dont-track-entry").getAttribute("aria-invalid"), "true");
  assert.equal(chrome.storage.local.stored.dontTrack.length, 2, "nothing refused is stored");

  element("dont-track-list").querySelector("li[data-entry='example.com'] button").click();
  assert.equal(await settled("dont-track-status", "removed"),
    "Removed example.com: mail to anyone at example.com or its subdomains is tracked again.");
  assert.deepEqual(chrome.storage.local.stored.dontTrack, ["ana@example.org"]);
});

function initPrivacy() {
  const deleted = [];
  privacy.initPrivacy({ onDeleted: (serverUrl) => deleted.push(serverUrl) });
  return deleted;
}

test("the privacy settings load, remember the footer's default for the compose, and save with one PATCH", async () => {
  const requests = fakeServer({
    "GET /settings": () => json(200, { ...SETTINGS, optout_footer: true, optout_language: "es" }),
    "PATCH /settings": ({ body }) => json(200, { ...SETTINGS, ...body }),
  });
  initPrivacy();
  await privacy.loadPrivacy();
  assert.equal(element("privacy-section").hidden, false);
  assert.equal(element("optout-footer").checked, true);
  assert.equal(element("optout-language").value, "es");
  assert.equal(element("retention-max").textContent, "365");
  assert.equal(chrome.storage.local.stored.optoutFooter, true, "the compose's switch starts on");

  element("optout-footer").checked = false;
  element("optout-wording").value = "  No quiere que sepa si lo abre?  ";
  element("retention-days").value = "30";
  submit("privacy");
  assert.equal(await settled("privacy-status", "saved", "error"), "Saved on your server.");
  assert.deepEqual(requests.at(-1), {
    method: "PATCH", path: "/settings", auth: "Bearer tt_sam",
    body: { optout_footer: false, optout_language: "es", optout_wording: "No quiere que sepa si lo abre?", retention_days: 30 },
  });
  assert.equal(chrome.storage.local.stored.optoutFooter, false);
});

test("days past the server's limit are refused on the page, and the server's own refusal names its field", async () => {
  const requests = fakeServer({
    "GET /settings": () => json(200, SETTINGS),
    "PATCH /settings": () => json(422, { error: { code: "invalid", message: "optout_wording: too long", field: "optout_wording" } }),
  });
  initPrivacy();
  await privacy.loadPrivacy();
  element("retention-days").value = "9999";
  submit("privacy");
  assert.match(await settled("privacy-status", "error"), /at most 365 days/);
  assert.equal(element("retention-days").getAttribute("aria-invalid"), "true");
  assert.equal(requests.filter((request) => request.method === "PATCH").length, 0);

  element("retention-days").value = "";
  element("privacy-status").dataset.state = "sent";
  submit("privacy");
  assert.equal(await settled("privacy-status", "error"), "Not saved. Your own wording: too long");
  assert.equal(element("optout-wording").getAttribute("aria-invalid"), "true");
  assert.equal(element("retention-days").getAttribute("aria-invalid"), null);
});

test("a server from before the footer and retention shows neither, and the compose falls back on its default", async () => {
  fakeServer({ "GET /settings": () => json(200, { email: SETTINGS.email, timezone: "UTC" }) });
  chrome.storage.local.stored.optoutFooter = true;
  initPrivacy();
  await privacy.loadPrivacy();
  assert.equal(element("privacy").hidden, true);
  assert.equal(chrome.storage.local.stored.optoutFooter, null);
  assert.equal(element("export-data").closest("section").hidden, false, "the data buttons stay");
});

test("Download my data saves the server's file, fetched with this browser's token", async (t) => {
  // The file's blob: URL is revoked a minute later: not this test's wait.
  t.mock.timers.enable({ apis: ["setTimeout"] });
  const requests = fakeServer({
    "GET /settings": () => json(200, SETTINGS),
    "GET /export": () => new Response('{"messages": []}', {
      status: 200, headers: { "Content-Type": "application/json", "Content-Disposition": 'attachment; filename="telltale-export.json"' },
    }),
  });
  const saved = [];
  const createObjectURL = URL.createObjectURL;
  URL.createObjectURL = (blob) => {
    saved.push(blob);
    return "blob:telltale-test";
  };
  let clicked;
  window.HTMLAnchorElement.prototype.click = function click() {
    clicked = { href: this.href, download: this.download, inPage: this.isConnected };
  };
  try {
    initPrivacy();
    await privacy.loadPrivacy();
    element("export-data").click();
    assert.equal(await settled("account-data-status", "exported", "error"), "Saved as telltale-export.json in your downloads.");
  } finally {
    URL.createObjectURL = createObjectURL;
  }
  assert.deepEqual(clicked, { href: "blob:telltale-test", download: "telltale-export.json", inPage: true });
  assert.equal(await saved[0].text(), '{"messages": []}');
  assert.equal(requests.at(-1).auth, "Bearer tt_sam");
});

test("deleting the account takes two steps and the typed email; a wrong one is the server's error, shown", async () => {
  const requests = fakeServer({
    "GET /settings": () => json(200, SETTINGS),
    "DELETE /account": ({ body }) => (body.confirm === SETTINGS.email ? new Response(null, { status: 204 })
      : json(400, { error: { code: "not_confirmed", message: "to delete the account, send its email address as `confirm`", field: "confirm" } })),
  });
  const deleted = initPrivacy();
  await privacy.loadPrivacy();
  assert.equal(element("delete-confirm").hidden, true, "the first step only shows the button");
  element("delete-account").click();
  assert.equal(element("delete-confirm").hidden, false);
  assert.equal(element("delete-email").textContent, "sam@example.com");
  assert.equal(element("delete-for-good").disabled, true, "nothing typed yet");

  element("delete-confirm-email").value = "sam@example.org";
  element("delete-confirm-email").dispatchEvent(new window.Event("input"));
  assert.equal(element("delete-for-good").disabled, false);
  submit("delete-confirm");
  assert.equal(await settled("account-data-status", "error"), "Nothing was deleted: “sam@example.org” is not this account's email.");
  assert.equal(element("delete-confirm-email").getAttribute("aria-invalid"), "true");
  assert.deepEqual(deleted, []);

  element("delete-confirm-email").value = "sam@example.com";
  submit("delete-confirm");
  for (let tries = 0; tries < 1000 && deleted.length === 0; tries += 1) await turn();
  assert.deepEqual(deleted, [SERVER], "options.js is told, and forgets the pairing");
  assert.deepEqual(requests.filter((request) => request.method === "DELETE").map((request) => request.body),
    [{ confirm: "sam@example.org" }, { confirm: "sam@example.com" }]);
  assert.equal(element("delete-confirm").hidden, true);
});

test("Cancel puts the second step away and forgets what was typed", async () => {
  fakeServer({ "GET /settings": () => json(200, SETTINGS) });
  initPrivacy();
  await privacy.loadPrivacy();
  element("delete-account").click();
  element("delete-confirm-email").value = "sam@example.com";
  element("delete-cancel").click();
  assert.equal(element("delete-confirm").hidden, true);
  assert.equal(element("delete-account").getAttribute("aria-expanded"), "false");
  element("delete-account").click();
  assert.equal(element("delete-confirm-email").value, "");
});
