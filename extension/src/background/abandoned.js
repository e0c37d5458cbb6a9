// Registrations the compose gave up on. When the backend answers after the Send's deadline
// (common/protocol.js), the mail has already gone out untracked, but the server may still have
// stored the registration: a message that would show as "sent, never opened" forever. Each one is
// remembered (common/storage.js) by its subject and its sent_at (set by the extension to the
// millisecond), and deleted once the server answers again.
import { pairedApi } from "../common/api.js";
import { addAbandoned, readAbandoned, settleAbandoned } from "../common/storage.js";

const GIVE_UP_MS = 60 * 60 * 1000;
const RETRY_MS = [2_000, 5_000, 15_000];

export async function abandon(message) {
  await addAbandoned({ subject: message.subject || "", sent_at: message.sent_at, at: Date.now() });
  for (const delay of RETRY_MS) setTimeout(() => forgetAbandoned().catch(() => {}), delay);
}

// Delete what the server stored of abandoned registrations; keep trying those not yet seen.
export async function forgetAbandoned() {
  const list = await readAbandoned();
  if (list.length === 0) return;
  const api = await pairedApi();
  if (!api) return;
  const { items } = await api.messages({ limit: 100 });
  const left = [];
  for (const entry of list) {
    const stored = items.find((item) => item.subject === entry.subject && Date.parse(item.sent_at) === Date.parse(entry.sent_at));
    if (stored) await api.deleteMessage(stored.id);
    else if (Date.now() - entry.at < GIVE_UP_MS) left.push(entry);
  }
  await settleAbandoned(list.length, left);
}
