// The settings page: which server, pairing with it, this browser's own choices and don't-track
// list, and, once paired, the account's notification settings, linked mailboxes, tokens and
// privacy settings and data (their own sections). #status is
// the line that says what happened to the pairing; its data-state ("unpaired", "paired", "error")
// is what the end-to-end tests wait on.
import { ApiError, pairWith, pairedApi } from "../common/api.js";
import { ask } from "../common/protocol.js";
import { normaliseServerUrl, originPattern } from "../common/server-urls.js";
import { forgetPairing, isPaired, readSettings, saveChoice, savePairing, saveServerUrl } from "../common/storage.js";
import { tokenLabel } from "./devices.js";
import { hideDevices, loadDevices } from "./devices-section.js";
import { initDontTrack } from "./dont-track-section.js";
import { hideMailboxes, initMailboxes, loadMailboxes } from "./mailboxes-section.js";
import { hidePreferences, initPreferences, loadPreferences } from "./preferences-section.js";
import { browserZone, offerBrowserZone } from "./preferences.js";
import { hidePrivacy, initPrivacy, loadPrivacy } from "./privacy-section.js";
import { element, setStatus } from "./ui.js";

const LIVE_POLL_MS = 2_000;
const HEALTH_DEADLINE_MS = 10_000;
// The checkboxes of this browser's own choices, with the setting each one stores.
const CHECKBOXES = { "track-default": "trackByDefault", notify: "notify", "detect-forwards": "detectForwards" };

const serverInput = element("server-url");
const codeInput = element("pairing-code");
const buttons = ["save-server", "pair", "unpair"].map(element);

function showStatus(state, text) {
  setStatus(element("status"), state, text);
}

function showPairing(settings, prefix = "", suffix = "") {
  if (isPaired(settings)) return showStatus("paired", `${prefix}Paired with ${settings.serverUrl}.${suffix}`);
  const next = settings.serverUrl ? `enter a pairing code for ${settings.serverUrl}` : "enter your server's address, then a pairing code";
  return showStatus("unpaired", `${prefix}Not paired yet: ${next}.`);
}

// Run one action at a time; anything it did not expect to fail with still reaches #status.
async function busy(work) {
  for (const button of buttons) button.disabled = true;
  try {
    await work();
  } catch (error) {
    showStatus("error", error.message || String(error));
  } finally {
    for (const button of buttons) button.disabled = false;
  }
}

// The pairing is stored either way; the live line shows whether the socket came back.
function reconnect() {
  return ask("reconnect").catch(() => {});
}

async function saveServer(serverUrl, granted) {
  if (!(await granted)) {
    showStatus("error", `Telltale was not allowed to reach ${serverUrl}, so the address was not saved.`);
    return;
  }
  // Moving to another server forgets the pairing with the old one (common/storage.js).
  const before = await saveServerUrl(serverUrl);
  serverInput.value = serverUrl;
  if (before.serverUrl !== serverUrl && isPaired(before)) {
    await reconnect();
    showAccount(await readSettings());
  }
  // Only the words change while checking: data-state moves once the outcome is known.
  element("status").textContent = `Checking ${serverUrl}…`;
  const problem = await healthProblem(serverUrl);
  if (problem) showStatus("error", `Saved ${serverUrl}, but ${problem}.`);
  else showPairing(await readSettings(), `${serverUrl} answers. `);
}

// Why the server is not ready for us, or "" when /healthz answers 200.
async function healthProblem(serverUrl) {
  let response;
  try {
    response = await fetch(`${serverUrl}/healthz`, { credentials: "omit", signal: AbortSignal.timeout(HEALTH_DEADLINE_MS) });
  } catch (error) {
    if (error.name === "TimeoutError") return `it did not answer within ${HEALTH_DEADLINE_MS / 1000} s`;
    return `it could not be reached (${error.message})`;
  }
  if (response.status === 200) return "";
  if (response.status === 503) {
    const health = await response.json().catch(() => ({}));
    const failing = ["redis", "database", "spool"].filter((part) => health[part] && health[part] !== "ok");
    return `it is not healthy: ${failing.map((part) => `${part} ${health[part]}`).join(", ") || "status 503"}`;
  }
  return `it answered ${response.status} to /healthz, so it may not be a Telltale server`;
}

async function pair() {
  const settings = await readSettings();
  const code = codeInput.value.trim();
  if (!settings.serverUrl) return showStatus("error", "Save your server's address first, then pair.");
  if (!code) return showStatus("error", "Enter the pairing code first.");
  let token;
  try {
    ({ token } = await pairWith(settings.serverUrl, code, tokenLabel()));
  } catch (error) {
    if (!(error instanceof ApiError)) throw error;
    return showStatus("error", `Pairing failed: ${error.message}.`);
  }
  await savePairing(token);
  codeInput.value = "";
  const zoneNote = await offerBrowserZone(await pairedApi(), browserZone());
  await reconnect();
  const paired = await readSettings();
  showPairing(paired, "", zoneNote);
  showAccount(paired);
  return refreshLive();
}

// The token is forgotten here whatever the server says: the user asked for this browser to stop.
async function unpair() {
  const before = await readSettings();
  if (!isPaired(before)) return showPairing(before);
  const revoked = await revokeOwnToken();
  return forget(`Unpaired: this browser no longer hears from ${before.serverUrl}. ${revoked}`);
}

// Forget this browser's pairing and show the page unpaired, `text` in #status.
async function forget(text) {
  await forgetPairing();
  await reconnect();
  showAccount(await readSettings());
  showStatus("unpaired", text);
  return refreshLive();
}

// The account and its tokens are gone from the server: only the pairing here is left to forget.
function accountDeleted(serverUrl) {
  return busy(() => forget(`Your account and all its data were deleted from ${serverUrl}: this browser is unpaired.`));
}

// Revoke this browser's token on the server; say what became of it.
async function revokeOwnToken() {
  try {
    await (await pairedApi()).revokeCurrentToken();
    return "Its token is revoked on the server.";
  } catch (error) {
    if (!(error instanceof ApiError)) throw error;
    if (error.status === 401) return "The server had already stopped accepting its token.";
    const why = error.status ? `the server refused (${error.message})` : error.message;
    return `Its token could not be revoked on the server, as ${why}: revoke it under “Paired browsers and ` +
      "tokens” in the settings of another paired browser.";
  }
}

// The account's sections, shown only while paired.
function showAccount(settings) {
  if (!isPaired(settings)) {
    hidePreferences();
    hideMailboxes();
    hideDevices();
    hidePrivacy();
    return;
  }
  loadPreferences().catch((error) => setStatus(element("preferences-status"), "error", error.message));
  loadMailboxes().catch((error) => setStatus(element("mailboxes-status"), "error", error.message));
  loadDevices().catch((error) => setStatus(element("devices-status"), "error", error.message));
  loadPrivacy().catch((error) => setStatus(element("privacy-status"), "error", error.message));
}

async function applyChoice(key, value) {
  await saveChoice(key, value);
  showPairing(await readSettings(), "Saved. ");
}

async function refreshLive() {
  let connected;
  try {
    ({ connected } = await ask("live-status", {}, LIVE_POLL_MS));
  } catch {
    // A worker that cannot answer has no socket open either.
    connected = false;
  }
  element("live").textContent = connected ? "Connected" : "Not connected";
}

async function watchLive() {
  await refreshLive();
  setTimeout(watchLive, LIVE_POLL_MS);
}

element("save-server").addEventListener("click", (event) => {
  event.preventDefault();
  let serverUrl;
  try {
    serverUrl = normaliseServerUrl(serverInput.value);
  } catch (error) {
    showStatus("error", error.message);
    return;
  }
  // The browser grants a host permission only during the click's user gesture, which ends at the
  // first await: ask now, look at the answer later.
  const granted = chrome.permissions.request({ origins: [originPattern(serverUrl)] });
  busy(() => saveServer(serverUrl, granted));
});
element("pair").addEventListener("click", (event) => {
  event.preventDefault();
  busy(pair);
});
element("unpair").addEventListener("click", () => busy(unpair));
for (const [id, key] of Object.entries(CHECKBOXES)) {
  element(id).addEventListener("change", (event) => busy(() => applyChoice(key, event.target.checked)));
}

initPreferences();
initMailboxes();
initPrivacy({ onDeleted: accountDeleted });
initDontTrack().catch((error) => setStatus(element("dont-track-status"), "error", error.message));
readSettings().then((settings) => {
  serverInput.value = settings.serverUrl;
  for (const [id, key] of Object.entries(CHECKBOXES)) element(id).checked = settings[key];
  showPairing(settings);
  showAccount(settings);
  watchLive();
});
