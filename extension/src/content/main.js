// What runs in a webmail tab: the own-pixel guard from the first moment (document_start), then
// the Track switch and Send interception, and the Sent list ticks once the page is there.
import { guardOwnPixels } from "./own-pixels.js";
import { startCompose } from "./compose.js";
import { startSentList } from "./sent-list.js";
import { DEFAULTS } from "../common/settings.js";

const KEYS = ["serverUrl", "token", "trackByDefault", "detectForwards"];

export async function startContent(adapter) {
  // One object shared by every part, updated in place when the options change.
  const settings = Object.fromEntries(KEYS.map((key) => [key, DEFAULTS[key]]));
  const guard = guardOwnPixels(settings);
  Object.assign(settings, await chrome.storage.local.get(KEYS));
  guard.rescan();
  await domReady();
  const compose = startCompose(adapter, settings);
  const sent = startSentList(adapter, settings);
  chrome.storage.onChanged.addListener((changes, area) => {
    if (area !== "local" || !KEYS.some((key) => key in changes)) return;
    for (const key of KEYS) if (key in changes) settings[key] = changes[key].newValue ?? DEFAULTS[key];
    guard.rescan();
    compose.refresh();
    sent.refresh();
  });
}

function domReady() {
  if (document.readyState !== "loading") return Promise.resolve();
  return new Promise((resolve) => document.addEventListener("DOMContentLoaded", resolve, { once: true }));
}
