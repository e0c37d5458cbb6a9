// The one module that keeps the extension's state, against an in-memory chrome.storage.
import assert from "node:assert/strict";
import { beforeEach, test } from "node:test";

import {
  RECENT_EVENTS, addAbandoned, defaultSettings, onSettingsChange, readAbandoned, readSettings, recordEvent,
  saveChoice, saveServerUrl, settleAbandoned,
} from "../../extension/src/common/storage.js";

// chrome.storage as the extension uses it: get(keys), set(changes), and onChanged for "local".
function fakeStorage() {
  const listeners = [];
  const area = (name) => {
    const stored = {};
    return {
      stored,
      get: async (keys) => Object.fromEntries([keys].flat().filter((key) => key in stored).map((key) => [key, stored[key]])),
      set: async (changes) => {
        const diff = Object.fromEntries(Object.entries(changes).map(([key, value]) => [key, { oldValue: stored[key], newValue: value }]));
        Object.assign(stored, changes);
        for (const listener of listeners) listener(diff, name);
      },
    };
  };
  return { local: area("local"), session: area("session"), onChanged: { addListener: (listener) => listeners.push(listener) } };
}

beforeEach(() => {
  globalThis.chrome = { storage: fakeStorage() };
});

test("a setting never stored reads as its default", async () => {
  chrome.storage.local.stored.serverUrl = "https://t.example.org";
  const settings = await readSettings();
  assert.equal(settings.serverUrl, "https://t.example.org");
  assert.equal(settings.trackByDefault, true);
  assert.deepEqual(settings.recentEvents, []);
  assert.deepEqual(await readSettings(["token", "notify"]), { token: "", notify: true });
  assert.deepEqual(defaultSettings(["detectForwards"]), { detectForwards: false });
});

test("moving to another server forgets the token and the last event seen there", async () => {
  Object.assign(chrome.storage.local.stored, { serverUrl: "https://a.example.org", token: "tt_a", lastEventId: "9-0" });
  await saveServerUrl("https://a.example.org");
  assert.equal(chrome.storage.local.stored.token, "tt_a");
  const before = await saveServerUrl("https://b.example.org");
  assert.equal(before.token, "tt_a");
  assert.deepEqual(await readSettings(["serverUrl", "token", "lastEventId"]),
    { serverUrl: "https://b.example.org", token: "", lastEventId: null });
});

test("an event handled moves the last event id and leads the recent events, once, up to the limit", async () => {
  for (let i = 0; i < RECENT_EVENTS + 5; i += 1) await recordEvent({ id: `${i}-0` });
  await recordEvent({ id: "3-0", again: true });
  const { recentEvents, lastEventId } = await readSettings(["recentEvents", "lastEventId"]);
  assert.equal(lastEventId, "3-0");
  assert.equal(recentEvents.length, RECENT_EVENTS);
  assert.deepEqual(recentEvents.slice(0, 2), [{ id: "3-0", again: true }, { id: `${RECENT_EVENTS + 4}-0` }]);
  assert.equal(recentEvents.filter((event) => event.id === "3-0").length, 1);
});

test("abandoned registrations added while the list was being handled are kept", async () => {
  await addAbandoned({ subject: "a" });
  await addAbandoned({ subject: "b" });
  const handled = await readAbandoned();
  await addAbandoned({ subject: "c" });
  await settleAbandoned(handled.length, [handled[1]]);
  assert.deepEqual(await readAbandoned(), [{ subject: "b" }, { subject: "c" }]);
});

test("a listener hears only its keys, a removed one as its default, and only from local storage", async () => {
  const heard = [];
  onSettingsChange(["token", "trackByDefault"], (changed) => heard.push(changed));
  await chrome.storage.local.set({ token: "tt_x", notify: false });
  await chrome.storage.local.set({ notify: true });
  await chrome.storage.session.set({ token: "elsewhere" });
  await chrome.storage.local.set({ trackByDefault: undefined });
  assert.deepEqual(heard, [{ token: "tt_x" }, { trackByDefault: true }]);
});

test("only the options' choices can be saved as choices", async () => {
  await saveChoice("detectForwards", true);
  assert.equal(chrome.storage.local.stored.detectForwards, true);
  assert.throws(() => saveChoice("token", "tt_forged"), /not one of the options' choices/);
});
