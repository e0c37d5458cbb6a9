// Answers to content scripts and extension pages (the protocol is in common/protocol.js).
import { pairedApi } from "../common/api.js";
import { BACKEND_REGISTER_DEADLINE_MS } from "../common/protocol.js";
import { readSettings } from "../common/storage.js";
import { abandon } from "./abandoned.js";
import * as live from "./live.js";
import { noteSenderView } from "./sender-views.js";

async function api() {
  const paired = await pairedApi();
  if (!paired) throw new Error("Telltale is not set up: pair it with your server in its options");
  return paired;
}

const HANDLERS = {
  register: async ({ message }) => ({ registration: await (await api()).register(message, BACKEND_REGISTER_DEADLINE_MS) }),
  abandon: async ({ message }) => {
    await abandon(message);
    return {};
  },
  // A registration whose mail did not go out: deleted now, or remembered until the server answers.
  discard: async ({ messageId, message }) => {
    try {
      await (await api()).deleteMessage(messageId);
    } catch {
      await abandon(message);
    }
    return {};
  },
  "report-refs": async ({ messageId, client_ref: clientRef, thread_ref: threadRef }) => {
    const fields = Object.fromEntries(Object.entries({ client_ref: clientRef, thread_ref: threadRef }).filter(([, v]) => v));
    return { message: await (await api()).change(messageId, fields) };
  },
  "sender-view": async ({ messageId, at }) => {
    // Noted locally first: a notification for a hit already on its way is then held back (live.js).
    await noteSenderView(messageId, at);
    await (await api()).senderViewed(messageId, at);
    return {};
  },
  change: async ({ messageId, fields }) => ({ message: await (await api()).change(messageId, fields) }),
  messages: async ({ limit }) => ({ items: (await (await api()).messages({ limit })).items }),
  message: async ({ messageId }) => ({ message: await (await api()).message(messageId) }),
  reconnect: async () => {
    live.restart();
    return {};
  },
  "live-status": async () => ({ ...live.status(), lastEventId: (await readSettings(["lastEventId"])).lastEventId }),
};

export async function handleRequest(request) {
  const handler = HANDLERS[request?.type];
  if (!handler) return { ok: false, error: `unknown request ${JSON.stringify(request?.type)}` };
  return { ok: true, ...(await handler(request)) };
}
