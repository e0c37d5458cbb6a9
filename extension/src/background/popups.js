// Desktop popups for live events, and what a click on one does.
import { Api } from "../common/api.js";
import { readSettings } from "../common/settings.js";
import { conversationUrl } from "../webmail/refs.js";

const TARGETS = "popupTargets";
const KEEP_TARGETS = 100;

export async function showPopup(event) {
  const { popup } = event;
  // Reusing popup.id replaces the popup on screen: a coalesced event updates it ("opened 3 times").
  await chrome.notifications.create(popup.id, {
    type: "basic",
    iconUrl: chrome.runtime.getURL("icons/128.png"),
    title: popup.title,
    message: popup.body || "",
    priority: 1,
    silent: !popup.fresh,
  });
  const { [TARGETS]: targets = {} } = await chrome.storage.session.get(TARGETS);
  targets[popup.id] = event.message_id;
  const kept = Object.fromEntries(Object.entries(targets).slice(-KEEP_TARGETS));
  await chrome.storage.session.set({ [TARGETS]: kept });
}

export async function openConversation(notificationId) {
  const { [TARGETS]: targets = {} } = await chrome.storage.session.get(TARGETS);
  const messageId = targets[notificationId];
  chrome.notifications.clear(notificationId);
  if (!messageId) return;
  const settings = await readSettings();
  const message = await new Api(settings.serverUrl, settings.token).message(messageId);
  const url = conversationUrl(message);
  if (!url) return;
  const origin = new URL(url).origin;
  const [tab] = await chrome.tabs.query({ url: `${origin}/*` });
  if (tab) {
    await chrome.tabs.update(tab.id, { url, active: true });
    await chrome.windows.update(tab.windowId, { focused: true });
  } else {
    await chrome.tabs.create({ url });
  }
}
