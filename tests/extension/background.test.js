// The service worker's pure parts: where the websocket goes, and which requests its rules block.
import assert from "node:assert/strict";
import { test } from "node:test";

import { WEBMAIL_DOMAINS, blockRules } from "../../extension/src/background/network-rules.js";
import { normaliseServerUrl, originPattern, socketUrl } from "../../extension/src/common/server-urls.js";

test("the websocket follows the server's scheme, host and port", () => {
  assert.equal(socketUrl("https://t.example.org"), "wss://t.example.org/ws");
  assert.equal(socketUrl("http://127.0.0.1:8000"), "ws://127.0.0.1:8000/ws");
});

test("our images are blocked in webmail pages, directly and behind Gmail's proxy, and nothing else", () => {
  const rules = blockRules("https://t.example.org");
  assert.equal(new Set(rules.map((rule) => rule.id)).size, rules.length);
  for (const path of ["p", "r", "f"]) {
    const direct = rules.find((rule) => rule.condition.urlFilter === `|https://t.example.org/${path}/`);
    const proxied = rules.find((rule) => rule.condition.urlFilter === `#https://t.example.org/${path}/`);
    assert.ok(direct && proxied, path);
    assert.deepEqual(proxied.condition.requestDomains, ["googleusercontent.com"]);
    for (const rule of [direct, proxied]) {
      assert.deepEqual(rule.condition.initiatorDomains, [...WEBMAIL_DOMAINS]);
      assert.deepEqual(rule.condition.resourceTypes, ["image"]);
      assert.equal(rule.action.type, "block");
    }
  }
  assert.equal(rules.length, 6);
  // Links stay clickable: images are blocked, never /l/.
  assert.ok(!JSON.stringify(rules).includes("/l/"));
});

test("a server URL is reduced to its origin, and only http(s) is accepted", () => {
  assert.equal(normaliseServerUrl(" https://T.example.org:8443/settings "), "https://t.example.org:8443");
  assert.equal(originPattern("https://t.example.org:8443"), "https://t.example.org/*");
  assert.throws(() => normaliseServerUrl("ftp://t.example.org"), /must start with https/);
  assert.throws(() => normaliseServerUrl("t.example.org"), /not a URL/);
});

test("an auth message the server refuses as malformed is not sent again: the last event id is dropped", async () => {
  const stored = { serverUrl: "https://t.example.org", token: "tt_x", lastEventId: "1-0" };
  globalThis.chrome = { storage: { local: {
    get: async (keys) => Object.fromEntries(keys.filter((key) => key in stored).map((key) => [key, stored[key]])),
    set: async (changes) => Object.assign(stored, changes),
  } } };
  const sockets = [];
  globalThis.WebSocket = class { constructor() { sockets.push(this); } send() {} close() {} };
  const live = await import("../../extension/src/background/live.js");
  live.ensure();
  await new Promise((resolve) => setTimeout(resolve, 10));
  sockets[0].onclose({ code: 4400, reason: "last_event_id is not an event id" });
  await new Promise((resolve) => setTimeout(resolve, 10));
  assert.equal(stored.lastEventId, null);
  // The retry then opens one more (stub) socket and stops: the stubs stay for it.
});

test("a server that refuses the account registers the message without it; other refusals stand", async () => {
  const { registerMessage } = await import("../../extension/src/background/requests.js");
  const { ApiError } = await import("../../extension/src/common/api.js");
  const sent = [];
  const api = (refuse) => ({
    async register(message, deadlineMs) {
      sent.push([message, deadlineMs]);
      if (refuse(message)) throw new ApiError(`${refuse(message)}: extra inputs are not permitted`, 422, refuse(message));
      return { id: 7 };
    },
  });
  const message = { subject: "Q3", recipients: ["bo@example.test"], account: "ana@gmail.com" };
  assert.deepEqual(await registerMessage(api((m) => m.account && "account"), message), { id: 7 });
  assert.equal(sent.length, 2);
  assert.deepEqual(sent[1][0], { subject: "Q3", recipients: ["bo@example.test"] });
  assert.ok(sent[1][1] > 0 && sent[1][1] <= sent[0][1], "the second try keeps to what is left of the deadline");

  sent.length = 0;
  await assert.rejects(registerMessage(api(() => "recipients"), message), /recipients/);
  assert.equal(sent.length, 1, "a refusal of another field is not retried");
});
