// Everything the extension keeps, and the one module that touches chrome.storage: every other
// module reads and writes through the accessors below. The service worker can be stopped at any
// moment, so nothing that must survive lives in a variable: it lives here.
//
// chrome.storage.local (survives restarts):
//   serverUrl       the Telltale origin, e.g. "https://telltale.example.org" (no trailing slash)
//   token           the API token received when pairing
//   trackByDefault  whether a new compose starts with Track on
//   notify          whether events raise desktop notifications
//   detectForwards  whether tracked mail carries the forward-markup style (compose/tracking.js)
//   lastEventId     the id of the last live event handled, to resume the websocket from it
//   recentEvents    the last RECENT_EVENTS live events, newest first, for the toolbar popup
//   abandoned       registrations given up at Send, until the server deletes them (background/abandoned.js)
//   dontTrack       the don't-track list: canonical addresses and domains (common/dont-track.js)
//   optoutFooter    the account's optout_footer setting as the options page last read it, or null
//                   when not known: what the compose's Opt-out footer switch shows first
// chrome.storage.session (gone when the browser closes):
//   senderViews          {messageId: epoch ms} of the sender looking at their own message
//   notificationTargets  {notification id: message id}: what a click on a notification opens

const SETTINGS = Object.freeze({
  serverUrl: "",
  token: "",
  trackByDefault: true,
  notify: true,
  detectForwards: false,
  lastEventId: null,
  recentEvents: Object.freeze([]),
  dontTrack: Object.freeze([]),
  optoutFooter: null,
});
// What the user switches on or off in the options page.
export const CHOICES = Object.freeze(["trackByDefault", "notify", "detectForwards"]);
export const RECENT_EVENTS = 50;

// The settings named by `keys` (all of them by default), each as stored or as its default.
export async function readSettings(keys = Object.keys(SETTINGS)) {
  const stored = await chrome.storage.local.get(keys);
  return Object.fromEntries(keys.map((key) => [key, key in stored ? stored[key] : SETTINGS[key]]));
}

// The defaults of `keys`, for a caller that needs settings before it may wait for storage.
export function defaultSettings(keys) {
  return Object.fromEntries(keys.map((key) => [key, SETTINGS[key]]));
}

// Call `listener({key: newValue})` whenever some of `keys` change, a removed key as its default.
// Registers at once, so a service worker may call it at its top level.
export function onSettingsChange(keys, listener) {
  chrome.storage.onChanged.addListener((changes, area) => {
    if (area !== "local") return;
    const changed = keys.filter((key) => key in changes);
    if (changed.length === 0) return;
    listener(Object.fromEntries(changed.map((key) => [key, changes[key].newValue ?? SETTINGS[key]])));
  });
}

export function isPaired(settings) {
  return Boolean(settings.serverUrl && settings.token);
}

// What belongs to one account on one server, forgotten with its token.
const ACCOUNT_STATE = Object.freeze({ token: SETTINGS.token, lastEventId: SETTINGS.lastEventId, optoutFooter: SETTINGS.optoutFooter });

// A token belongs to the server that issued it, and so does the id of the last event seen there:
// both are forgotten when the server changes. Answers the settings as they were before.
export async function saveServerUrl(serverUrl) {
  const before = await readSettings();
  const moved = before.serverUrl !== serverUrl;
  await chrome.storage.local.set(moved ? { serverUrl, ...ACCOUNT_STATE } : { serverUrl });
  return before;
}

// A new token may be another account's: its events start from now, not from the old account's
// last id, and the old account's events leave the toolbar popup.
export function savePairing(token) {
  return chrome.storage.local.set({ ...ACCOUNT_STATE, token, recentEvents: [] });
}

export function forgetPairing() {
  return chrome.storage.local.set(ACCOUNT_STATE);
}

export function saveChoice(key, value) {
  if (!CHOICES.includes(key)) throw new Error(`${key} is not one of the options' choices`);
  return chrome.storage.local.set({ [key]: Boolean(value) });
}

export function saveDontTrack(entries) {
  return chrome.storage.local.set({ dontTrack: [...entries] });
}

export function saveOptoutFooter(on) {
  return chrome.storage.local.set({ optoutFooter: typeof on === "boolean" ? on : null });
}

export function saveLastEventId(eventId) {
  return chrome.storage.local.set({ lastEventId: eventId });
}

// Move lastEventId to `event` and put it first among the recent events (once, by its id).
export async function recordEvent(event) {
  const { recentEvents } = await readSettings(["recentEvents"]);
  const recent = [event, ...recentEvents.filter((old) => old.id !== event.id)].slice(0, RECENT_EVENTS);
  await chrome.storage.local.set({ lastEventId: event.id, recentEvents: recent });
}

export async function readAbandoned() {
  const { abandoned = [] } = await chrome.storage.local.get("abandoned");
  return abandoned;
}

export async function addAbandoned(entry) {
  await chrome.storage.local.set({ abandoned: [...(await readAbandoned()), entry] });
}

// After handling the first `handled` entries, keep `left` of them and every entry added since.
export async function settleAbandoned(handled, left) {
  const now = await readAbandoned();
  await chrome.storage.local.set({ abandoned: [...left, ...now.slice(handled)] });
}

export async function readSenderViews() {
  const { senderViews = {} } = await chrome.storage.session.get("senderViews");
  return senderViews;
}

export function saveSenderViews(views) {
  return chrome.storage.session.set({ senderViews: views });
}

export async function readNotificationTargets() {
  const { notificationTargets = {} } = await chrome.storage.session.get("notificationTargets");
  return notificationTargets;
}

export function saveNotificationTargets(targets) {
  return chrome.storage.session.set({ notificationTargets: targets });
}
