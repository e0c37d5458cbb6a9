// Ticks in the Sent list: one tick for a tracked message sent, two once opened, a return arrow
// once someone replied, and its clicks; hovering shows its last events. Rows are matched to messages by the references reported at
// Send (webmail/refs.js); a match also completes references the compose could not know yet.
import { ask } from "../common/protocol.js";
import { isPaired } from "../common/storage.js";
import { tickFor } from "./ticks.js";

const REFRESH_MS = 15_000;
const RENDER_DELAY_MS = 300;
const HOVER_EVENTS = 5;
const HOVER_VERBS = Object.freeze({ open: "Opened", click: "Clicked", reply: "Replied" });

// The feature (content/page-watch.js): refresh() renders the ticks RENDER_DELAY_MS after it is
// first called, however often it is called meanwhile; the messages are fetched again every REFRESH_MS.
export function start(adapter, settings) {
  const document = globalThis.document;
  const load = loader();
  let pending = false;
  const refresh = () => {
    if (pending) return;
    pending = true;
    setTimeout(() => {
      pending = false;
      render(adapter, settings, document, load);
    }, RENDER_DELAY_MS);
  };
  setInterval(() => {
    load.expire();
    refresh();
  }, REFRESH_MS);
  return { refresh };
}

async function render(adapter, settings, document, load) {
  if (!isPaired(settings)) return;
  const rows = adapter.sentRows(document);
  if (rows.length === 0) return;
  let known;
  try {
    known = await load();
  } catch (error) {
    console.info(`[Telltale] the Sent list shows no ticks: ${error.message}`);
    return;
  }
  for (const row of rows) {
    const message = match(row, known);
    if (message) {
      completeRefs(row, message);
      mark(document, row, message);
    }
  }
}

// The latest tracked messages, fetched at most once per REFRESH_MS unless expired.
function loader() {
  let messages = [];
  let fetchedAt = 0;
  let fetching = null;
  const load = async () => {
    if (Date.now() - fetchedAt < REFRESH_MS) return messages;
    fetching ||= ask("messages", { limit: 100 })
      .then((answer) => {
        messages = answer.items;
        fetchedAt = Date.now();
        return messages;
      })
      .finally(() => {
        fetching = null;
      });
    return fetching;
  };
  load.expire = () => {
    fetchedAt = 0;
  };
  return load;
}

function match(row, messages) {
  const refs = new Set(row.threadRefs.filter(Boolean));
  // Newest first (the API's order): a thread's latest tracked message speaks for its row.
  return messages.find((message) => refs.has(message.thread_ref) || (row.itemRef && message.client_ref === row.itemRef))
    // Outlook cannot name a new message's conversation at Send: a recent tracked message with the
    // row's subject and no conversation yet is this row's.
    || (row.itemRef && messages.find((message) => !message.thread_ref && message.subject && row.subject.includes(message.subject)));
}

function completeRefs(row, message) {
  const fields = {};
  const best = row.threadRefs.find(Boolean);
  if (best && message.thread_ref !== best) fields.thread_ref = best;
  if (row.itemRef && !message.client_ref) fields.client_ref = row.itemRef;
  if (Object.keys(fields).length === 0) return;
  Object.assign(message, fields);
  ask("report-refs", { messageId: message.id, ...fields }).catch(() => {});
}

function mark(document, row, message) {
  const slot = row.slot || row.row;
  let ticks = slot.querySelector(":scope > [data-telltale-ticks]");
  if (!ticks) {
    ticks = document.createElement("span");
    ticks.setAttribute("data-telltale-ticks", "");
    ticks.setAttribute("style", "margin:0 6px 0 0;font:600 12px system-ui,sans-serif;white-space:nowrap");
    ticks.addEventListener("mouseenter", () => showEvents(document, ticks));
    ticks.addEventListener("mouseleave", () => ticks.querySelector("[data-telltale-hover]")?.remove());
    slot.prepend(ticks);
  }
  const tick = tickFor(message);
  ticks.dataset.messageId = String(message.id);
  ticks.dataset.state = tick.state;
  // The label is the first child; a hover card, when shown, follows it.
  const label = ticks.firstChild?.nodeType === Node.TEXT_NODE ? ticks.firstChild : ticks.insertBefore(document.createTextNode(""), ticks.firstChild);
  label.data = tick.mark;
  ticks.style.color = tick.color;
  ticks.setAttribute("aria-label", tick.label);
}

async function showEvents(document, ticks) {
  let detail;
  try {
    ({ message: detail } = await ask("message", { messageId: Number(ticks.dataset.messageId) }));
  } catch {
    return;
  }
  ticks.querySelector("[data-telltale-hover]")?.remove();
  const card = document.createElement("span");
  card.setAttribute("data-telltale-hover", "");
  card.setAttribute("role", "tooltip");
  card.setAttribute(
    "style",
    "position:absolute;z-index:2147483647;margin:18px 0 0 -8px;padding:8px 10px;background:#fff;color:#202124;" +
      "border:1px solid #dadce0;border-radius:6px;box-shadow:0 2px 6px rgba(0,0,0,.2);font:12px/1.5 system-ui,sans-serif",
  );
  // Auto-replies, bounces and the sender's own messages have sources of their own and stay out.
  const events = detail.events.filter((event) => ["person", "proxy", "unknown"].includes(event.source)).slice(-HOVER_EVENTS).reverse();
  if (events.length === 0) card.append("No opens yet");
  for (const event of events) {
    const line = document.createElement("div");
    const when = new Date(event.at).toLocaleString();
    line.textContent = `${HOVER_VERBS[event.kind] ?? "Opened"} ${when}${event.url ? ` · ${event.url}` : ""}`;
    card.append(line);
  }
  ticks.append(card);
}
