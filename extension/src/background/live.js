// The websocket to the backend's /ws (protocol: README "Live events"). One per browser, opened by
// the service worker whenever it runs and kept open: traffic at least every 30 s keeps a worker
// with an open websocket alive (Chrome 116+), so a keepalive goes out every KEEPALIVE_MS.
// Each event handled moves lastEventId in storage; a reconnect, after a backend restart or after
// the worker itself was stopped, resumes from there and gets exactly what it missed.
import { socketUrl } from "../common/server-urls.js";
import { isPaired, readSettings, recordEvent, saveLastEventId } from "../common/storage.js";
import { showNotification } from "./notifications.js";
import { isSenderView } from "./sender-views.js";

const KEEPALIVE_MS = 20_000;
// Seconds between attempts after a failure, with jitter so a restarted server is not stormed.
const BACKOFF_MS = [1_000, 2_000, 4_000, 8_000, 15_000, 30_000, 60_000];
const UNAUTHORISED = 4401;
// The server could not use the auth message: sending it again would fail again. The only part the
// extension does not write afresh is lastEventId, so start from now without it.
const MALFORMED = 4400;

let socket = null;
let ready = false;
let attempts = 0;
let retryTimer = null;
let keepaliveTimer = null;
// Events are handled one at a time, in order, so lastEventId only ever moves forward.
let queue = Promise.resolve();

export function status() {
  return { connected: ready };
}

export function ensure() {
  if (socket || retryTimer) return;
  open().catch((error) => {
    console.warn("Telltale: could not open the live connection", error);
    retry();
  });
}

export function restart() {
  clearTimeout(retryTimer);
  retryTimer = null;
  attempts = 0;
  if (socket) {
    const old = socket;
    socket = null;
    old.close(1000, "settings changed");
  }
  stopKeepalive();
  ready = false;
  ensure();
}

async function open() {
  const settings = await readSettings(["serverUrl", "token", "lastEventId"]);
  if (!isPaired(settings) || socket) return;
  const ws = new WebSocket(socketUrl(settings.serverUrl));
  socket = ws;
  ws.onopen = () => {
    ws.send(JSON.stringify({ type: "auth", token: settings.token, last_event_id: settings.lastEventId || null }));
  };
  ws.onmessage = (message) => {
    if (socket === ws) received(ws, settings, message.data);
  };
  ws.onclose = (close) => {
    if (socket === ws) closed(close);
  };
}

function received(ws, settings, text) {
  let data;
  try {
    data = JSON.parse(text);
  } catch {
    return;
  }
  if (data.type === "ready") {
    ready = true;
    attempts = 0;
    startKeepalive(ws);
    if (!settings.lastEventId && data.last_event_id) queue = queue.then(() => saveLastEventId(data.last_event_id));
    return;
  }
  queue = queue.then(() => handle(data)).catch((error) => console.warn("Telltale: an event was not handled", error));
}

function closed(close) {
  socket = null;
  ready = false;
  stopKeepalive();
  if (close.code === UNAUTHORISED) {
    console.warn("Telltale: the server refused this extension's token; pair it again in the options");
    return;
  }
  if (close.code === MALFORMED) {
    console.warn("Telltale: the server refused the last event id; resuming from now", close.reason);
    saveLastEventId(null).then(retry, retry);
    return;
  }
  retry();
}

// A reply's popup shows like an open's or a click's; its title and body are the server's. Only a
// hit (open, click, forward) can be the sender's own view: a reply arriving while the sender looks
// at the conversation is still news. Auto-replies, bounces and the sender's own messages come with
// no popup and are only recorded.
async function handle(event) {
  const { notify } = await readSettings(["notify"]);
  const ownView = event.type !== "reply" && (await isSenderView(event));
  if (event.popup && notify && !ownView) await showNotification(event);
  await recordEvent(event);
}

function retry() {
  if (retryTimer) return;
  const base = BACKOFF_MS[Math.min(attempts, BACKOFF_MS.length - 1)];
  attempts += 1;
  retryTimer = setTimeout(() => {
    retryTimer = null;
    ensure();
  }, base / 2 + Math.random() * (base / 2));
}

function startKeepalive(ws) {
  stopKeepalive();
  keepaliveTimer = setInterval(() => {
    if (ws.readyState === WebSocket.OPEN) ws.send('{"type":"keepalive"}');
  }, KEEPALIVE_MS);
}

function stopKeepalive() {
  clearInterval(keepaliveTimer);
  keepaliveTimer = null;
}
