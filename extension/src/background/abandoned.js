// Registrations the compose gave up on. When the backend answers after the 1.5 s deadline, the
// mail has already gone out untracked, but the server may still have stored the registration: a
// message that would show as "sent, never opened" forever. Each one is remembered here by its
// subject and its sent_at (set by the extension to the millisecond), and deleted once the server
// answers again.
import { Api } from "../common/api.js";
import { isPaired, readSettings } from "../common/settings.js";

const KEY = "abandoned";
const GIVE_UP_MS = 60 * 60 * 1000;
const RETRY_MS = [2_000, 5_000, 15_000];

export async function abandon(message) {
  const { [KEY]: list = [] } = await chrome.storage.local.get(KEY);
  list.push({ subject: message.subject || "", sent_at: message.sent_at, at: Date.now() });
  await chrome.storage.local.set({ [KEY]: list });
  for (const delay of RETRY_MS) setTimeout(() => forgetAbandoned().catch(() => {}), delay);
}

// Delete what the server stored of abandoned registrations; keep trying those not yet seen.
export async function forgetAbandoned() {
  const { [KEY]: list = [] } = await chrome.storage.local.get(KEY);
  if (list.length === 0) return;
  const settings = await readSettings();
  if (!isPaired(settings)) return;
  const api = new Api(settings.serverUrl, settings.token);
  const { items } = await api.messages({ limit: 100 });
  const left = [];
  for (const entry of list) {
    const stored = items.find((item) => item.subject === entry.subject && Date.parse(item.sent_at) === Date.parse(entry.sent_at));
    if (stored) await api.call("DELETE", `/messages/${stored.id}`);
    else if (Date.now() - entry.at < GIVE_UP_MS) left.push(entry);
  }
  // Entries added while this ran are kept: re-read before writing.
  const { [KEY]: now = [] } = await chrome.storage.local.get(KEY);
  const added = now.slice(list.length);
  await chrome.storage.local.set({ [KEY]: [...left, ...added] });
}
