// Desktop notifications for live events, and what a click on one does. (The toolbar popup is
// popup/; the server calls the text of a notification its "popup", hence event.popup.)
import { pairedApi } from "../common/api.js";
import { readNotificationTargets, saveNotificationTargets } from "../common/storage.js";
import { conversationUrl } from "../webmail/refs.js";

const KEEP_TARGETS = 100;

export async function showNotification(event) {
  const { popup } = event;
  // Reusing popup.id replaces the notification on screen: a coalesced event updates it ("opened 3 times").
  await chrome.notifications.create(popup.id, {
    type: "basic",
    iconUrl: chrome.runtime.getURL("icons/128.png"),
    title: popup.title,
    message: popup.body || "",
    priority: 1,
    silent: !popup.fresh,
  });
  const targets = await readNotificationTargets();
  targets[popup.id] = event.message_id;
  await saveNotificationTargets(Object.fromEntries(Object.entries(targets).slice(-KEEP_TARGETS)));
}

export async function openConversation(notificationId) {
  const messageId = (await readNotificationTargets())[notificationId];
  chrome.notifications.clear(notificationId);
  if (!messageId) return;
  const api = await pairedApi();
  if (!api) return;
  const url = conversationUrl(await api.message(messageId));
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
