// declarativeNetRequest rules that keep webmail pages from loading our images in the sender's own
// browser: the pixel just put into a compose body at Send, Outlook showing a sent message, and
// Gmail showing one through its image proxy. Gmail's proxy URLs do not name our host, but they
// keep the original URL after "#", and rules match the whole URL, fragment included (tried in
// Chromium: "|https://ci3.googleusercontent.com/meips/...#<our pixel>" is blocked before any
// request leaves). The content script also neutralises the element and reports the view.
import { IMAGE_PATHS, trackingPrefix } from "../common/server-urls.js";
import { readSettings } from "../common/storage.js";
import { GMAIL_IMAGE_PROXY } from "../webmail/pixels.js";

const RULE_IDS = IMAGE_PATHS.flatMap((_, i) => [2 * i + 1, 2 * i + 2]);
export const WEBMAIL_DOMAINS = Object.freeze([
  "mail.google.com",
  "outlook.office.com",
  "outlook.office365.com",
  "outlook.live.com",
]);

export function blockRules(serverUrl) {
  const initiatorDomains = [...WEBMAIL_DOMAINS];
  return IMAGE_PATHS.flatMap((path, i) => [
    {
      id: 2 * i + 1,
      priority: 1,
      action: { type: "block" },
      condition: { urlFilter: `|${trackingPrefix(serverUrl, path)}`, initiatorDomains, resourceTypes: ["image"] },
    },
    {
      id: 2 * i + 2,
      priority: 1,
      action: { type: "block" },
      condition: {
        urlFilter: `#${trackingPrefix(serverUrl, path)}`, requestDomains: [GMAIL_IMAGE_PROXY], initiatorDomains, resourceTypes: ["image"],
      },
    },
  ]);
}

export async function syncBlockRules() {
  const { serverUrl } = await readSettings(["serverUrl"]);
  await chrome.declarativeNetRequest.updateDynamicRules({
    removeRuleIds: RULE_IDS,
    addRules: serverUrl ? blockRules(serverUrl) : [],
  });
}
