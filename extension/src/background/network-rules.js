// A declarativeNetRequest rule that keeps webmail pages from loading our pixel directly: the
// pixel just put into a compose body at Send, and Outlook showing the sender a sent message. Gmail
// shows sent mail through its image proxy, whose URLs do not name our host: the content script's
// own-pixel guard handles those.
import { readSettings } from "../shared/settings.js";

const RULE_ID = 1;
export const WEBMAIL_DOMAINS = Object.freeze([
  "mail.google.com",
  "outlook.office.com",
  "outlook.office365.com",
  "outlook.live.com",
]);

export function blockRule(serverUrl) {
  return {
    id: RULE_ID,
    priority: 1,
    action: { type: "block" },
    condition: { urlFilter: `|${serverUrl}/p/`, initiatorDomains: [...WEBMAIL_DOMAINS], resourceTypes: ["image"] },
  };
}

export async function syncBlockRules() {
  const { serverUrl } = await readSettings();
  await chrome.declarativeNetRequest.updateDynamicRules({
    removeRuleIds: [RULE_ID],
    addRules: serverUrl ? [blockRule(serverUrl)] : [],
  });
}
