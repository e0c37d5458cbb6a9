// The words for API tokens: the label a new pairing gives its token, and one line per token in
// the options page's list. No DOM here (tests/extension/devices.test.js).
import { relativeTime } from "../common/format.js";

// Chromium's own brand is in every Chromium-based browser's list; a "Not A Brand" entry is noise
// added on purpose (both from the User-Agent Client Hints spec, wicg.github.io/ua-client-hints).
const GENERIC_BRANDS = /^(Chromium|Not.?A.?Brand)$/i;
const FALLBACK_LABEL = "Telltale extension";

// "Edge on Windows": enough to tell one's browsers apart in the list, without a version or
// anything else that would single the machine out.
export function tokenLabel(nav = globalThis.navigator) {
  const data = nav?.userAgentData;
  if (!data) return FALLBACK_LABEL;
  const brands = (data.brands ?? []).map((entry) => entry.brand);
  const brand = brands.find((name) => !GENERIC_BRANDS.test(name)) ?? brands.find((name) => /^Chromium$/i.test(name));
  const browser = brand === "Google Chrome" ? "Chrome" : brand?.replace(/^Microsoft /, "");
  const platform = data.platform?.trim();
  if (!browser) return platform ? `A browser on ${platform}` : FALLBACK_LABEL;
  return platform ? `${browser} on ${platform}` : browser;
}

// "paired 3 days ago · last used 5 min ago"; the label and "this browser" are shown apart.
export function describeToken(token, now = Date.now()) {
  const used = token.last_used_at ? `last used ${relativeTime(token.last_used_at, now)}` : "never used";
  return `paired ${relativeTime(token.created_at, now)} · ${used}`;
}

// Labels the server gives tokens itself (the CLI's, and pairings from before labels existed).
const SERVER_LABELS = { cli: "Command line (telltale user create)", extension: "A browser extension" };

export function tokenName(token) {
  return SERVER_LABELS[token.label] ?? (token.label || "A token without a name");
}
