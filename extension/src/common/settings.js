// Everything the extension keeps, in one place. The service worker can be stopped at any moment,
// so nothing that must survive lives in a variable: it lives here, in chrome.storage.
//
// chrome.storage.local (survives restarts):
//   serverUrl       the Telltale origin, e.g. "https://telltale.example.org" (no trailing slash)
//   token           the API token received when pairing
//   trackByDefault  whether a new compose starts with Track on
//   notify          whether events raise desktop popups
//   detectForwards  whether tracked mail carries the forward-markup style (compose/tracking.js)
//   lastEventId     the id of the last live event handled, to resume the websocket from it
//   recentEvents    the last RECENT_EVENTS live events, newest first, for the toolbar popup
// chrome.storage.session (gone when the browser closes):
//   senderViews     {messageId: epoch ms} of the sender looking at their own message

export const DEFAULTS = Object.freeze({
  serverUrl: "",
  token: "",
  trackByDefault: true,
  notify: true,
  detectForwards: false,
  lastEventId: null,
  recentEvents: [],
});
export const RECENT_EVENTS = 50;

export async function readSettings() {
  const stored = await chrome.storage.local.get(Object.keys(DEFAULTS));
  return { ...DEFAULTS, ...stored };
}

export function writeSettings(changes) {
  return chrome.storage.local.set(changes);
}

export function isPaired(settings) {
  return Boolean(settings.serverUrl && settings.token);
}

// "https://Telltale.example.org:8443/anything" -> "https://telltale.example.org:8443"; throws a
// message fit for the user on anything that is not an http(s) URL.
export function normaliseServerUrl(text) {
  let url;
  try {
    url = new URL(String(text).trim());
  } catch {
    throw new Error("That is not a URL: write it as https://telltale.example.org");
  }
  if (url.protocol !== "https:" && url.protocol !== "http:") {
    throw new Error("The server URL must start with https:// (or http:// on your own machine)");
  }
  return url.origin;
}

// The match pattern chrome.permissions wants for the server's origin.
export function originPattern(serverUrl) {
  const url = new URL(serverUrl);
  return `${url.protocol}//${url.hostname}/*`;
}
