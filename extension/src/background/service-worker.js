// The extension's service worker. Chrome stops it after 30 s without activity and starts it again
// for any event, so every listener is registered here, at the top level, on each start, and all
// state that must outlive it is in chrome.storage (common/storage.js).
import { onSettingsChange } from "../common/storage.js";
import { forgetAbandoned } from "./abandoned.js";
import * as live from "./live.js";
import { syncBlockRules } from "./network-rules.js";
import { openConversation } from "./notifications.js";
import { handleRequest } from "./requests.js";

const WATCHDOG = "telltale-live";

chrome.runtime.onMessage.addListener((request, sender, reply) => {
  if (sender.id !== chrome.runtime.id) return false;
  handleRequest(request).then(reply, (error) => reply({ ok: false, error: error?.message || String(error) }));
  return true; // the answer comes asynchronously
});

chrome.notifications.onClicked.addListener((notificationId) => {
  openConversation(notificationId).catch((error) => console.warn("Telltale: could not open the conversation", error));
});

onSettingsChange(["serverUrl", "token"], (changed) => {
  live.restart();
  if ("serverUrl" in changed) syncBlockRules();
});

// A periodic alarm wakes a stopped worker, which then reopens the websocket: the backstop for
// whatever closed it while nothing else was running.
chrome.alarms.onAlarm.addListener((alarm) => {
  if (alarm.name !== WATCHDOG) return;
  live.ensure();
  forgetAbandoned().catch(() => {});
});

chrome.runtime.onInstalled.addListener(() => {
  chrome.alarms.create(WATCHDOG, { periodInMinutes: 0.5 });
  syncBlockRules();
});

live.ensure();
