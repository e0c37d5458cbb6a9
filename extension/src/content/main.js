// What runs in a webmail tab: the own-pixel guard from the first moment (document_start), then,
// once the page is there, the compose feature (compose/feature.js) and the Sent list ticks. Each
// feature is start(adapter, settings) -> {refresh, mutated?}, and all share one MutationObserver
// (page-watch.js).
import { defaultSettings, onSettingsChange, readSettings } from "../common/storage.js";
import * as compose from "../compose/feature.js";
import * as ownPixels from "./own-pixels.js";
import { watchPage } from "./page-watch.js";
import * as sentList from "./sent-list.js";

const KEYS = ["serverUrl", "token", "trackByDefault", "detectForwards", "dontTrack", "optoutFooter"];

export async function startContent(adapter) {
  // One object shared by every feature, updated in place when the options change.
  const settings = defaultSettings(KEYS);
  const page = watchPage(document);
  page.add(ownPixels.start(adapter, settings));
  Object.assign(settings, await readSettings(KEYS));
  page.refreshAll();
  await domReady();
  page.add(compose.start(adapter, settings));
  page.add(sentList.start(adapter, settings));
  onSettingsChange(KEYS, (changed) => {
    Object.assign(settings, changed);
    page.refreshAll();
  });
}

function domReady() {
  if (document.readyState !== "loading") return Promise.resolve();
  return new Promise((resolve) => document.addEventListener("DOMContentLoaded", resolve, { once: true }));
}
