// Answers to content scripts and extension pages (the protocol is in common/protocol.js).
import { ApiError, pairedApi } from "../common/api.js";
import { BACKEND_PROTECT_DEADLINE_MS, BACKEND_REGISTER_DEADLINE_MS } from "../common/protocol.js";
import { readSettings } from "../common/storage.js";
import { abandon } from "./abandoned.js";
import * as live from "./live.js";
import { noteSenderView } from "./sender-views.js";

async function api() {
  const paired = await pairedApi();
  if (!paired) throw new Error("Telltale is not set up: pair it with your server in its options");
  return paired;
}

// The account is a help for finding replies, never a reason to send untracked: a server that
// refuses it (one older than the field, or an address it will not take) is asked again without it,
// within what is left of the deadline.
export async function registerMessage(paired, message, { protect = false } = {}) {
  const started = Date.now();
  const deadline = protect ? BACKEND_PROTECT_DEADLINE_MS : BACKEND_REGISTER_DEADLINE_MS;
  const send = (body, ms) => (protect ? paired.registerProtected(body, ms) : paired.register(body, ms));
  try {
    return await send(message, deadline);
  } catch (error) {
    if (!(error instanceof ApiError && error.status === 422 && error.field === "account" && message.account)) throw error;
    const { account, ...without } = message;
    console.info(`Telltale: the server refused the account ${account} (${error.message}); registered without it`);
    return send(without, Math.max(1, deadline - (Date.now() - started)));
  }
}

const HANDLERS = {
  register: async ({ message }) => ({ registration: await registerMessage(await api(), message) }),
  "register-protected": async ({ message }) => ({
    registration: await registerMessage(await api(), message, { protect: true }),
  }),
  withdraw: async ({ messageId }) => ({ protection: await (await api()).withdraw(messageId) }),
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
  "open-dashboard": async () => {
    const { url } = await (await api()).dashboardLink();
    await chrome.tabs.create({ url });
    return {};
  },
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
