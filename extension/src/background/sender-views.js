// The moments the sender looked at their own tracked message, kept for the browser session.
// A hit in that window is the sender's (the backend reclassifies it too); remembering it here
// keeps its notification from showing even when the hit beats the report to the backend.
import { readSenderViews, saveSenderViews } from "../common/storage.js";

// The backend's window (backend/telltale/counting.py SENDER_VIEW_WINDOW).
export const WINDOW_MS = 60_000;

export async function noteSenderView(messageId, at) {
  const views = await readSenderViews();
  const now = Date.parse(at) || Date.now();
  for (const [id, when] of Object.entries(views)) if (now - when > WINDOW_MS) delete views[id];
  views[messageId] = now;
  await saveSenderViews(views);
}

export async function isSenderView(event) {
  const when = (await readSenderViews())[event.message_id];
  return when !== undefined && Math.abs((Date.parse(event.at) || Date.now()) - when) <= WINDOW_MS;
}
