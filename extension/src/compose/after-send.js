// Whether the compose left after Telltale clicked Send again. If it did not, the webmail did not
// take the click as a Send (or refused it): the tracking comes out again, so the user's next Send
// sends what they wrote. Plain DOM code, apart from unregister() (registration.js).
import { SHARED } from "../webmail/shared-selectors.js";
import { unregister } from "./registration.js";
import { showNotice } from "./notice.js";
import { SETTLE_MS } from "./window.js";

// How long a compose may stay on screen after our click on Send before we conclude it did not go.
export const SENT_DEADLINE_MS = 4000;
// While the user picks a time to schedule the message, how long we keep its tracking in place.
const SCHEDULE_PICK_MS = 10 * 60 * 1000;
const POLL_MS = 100;
const PICKERS = SHARED.picker.join(", ");

// The Send went out if the compose went away.
export async function confirmSent(compose, state, registered) {
  if (await until(() => gone(compose), SENT_DEADLINE_MS)) return;
  untrack(compose, state, registered);
  showNotice(compose.root.ownerDocument,
    "Telltale could not see this message leave, so it took its tracking out: the message is as you wrote it, and Send now sends it untracked.");
}

// After a click on the menu beside Send, the message leaves when the user picks a time. While a
// menu or dialog of the webmail is open, they are still picking; once none is, the compose must
// be gone. If the user closed the menu instead, tracking comes out and the next Send tracks anew.
export async function confirmScheduled(compose, state, registered) {
  const document = compose.root.ownerDocument;
  const picking = () => pickerOpen(document, compose.root);
  const deadline = performance.now() + SCHEDULE_PICK_MS;
  await sleep(SETTLE_MS);
  while (!gone(compose) && performance.now() < deadline) {
    // One menu may close a moment before the next opens: closed means closed for SETTLE_MS.
    if (!picking() && !(await until(() => gone(compose) || picking(), SETTLE_MS))) break;
    await sleep(POLL_MS);
  }
  if (gone(compose)) return;
  untrack(compose, state, registered, { tracking: true });
  state.phase = "idle";
}

// `tracking`: what the switch says afterwards, which is what the next Send does.
// A protected message is protected again only when the user picks it again.
function untrack(compose, state, registered, { tracking = false } = {}) {
  unregister(compose, registered);
  state.tracking = tracking;
  const wasProtected = Boolean(registered.original);
  if (wasProtected) state.protection = { ...state.protection, protected: tracking };
  if (state.switch?.isConnected) {
    state.setSwitch(tracking);
    if (wasProtected) state.setProtect?.(tracking);
  }
}

function gone(compose) {
  return !compose.body.isConnected || !compose.root.isConnected || compose.root.getClientRects().length === 0;
}

// A menu or dialog shown outside this compose (the compose may itself sit in a dialog).
function pickerOpen(document, root) {
  return [...document.querySelectorAll(PICKERS)]
    .some((element) => !element.contains(root) && !root.contains(element) && element.getClientRects().length > 0);
}

// Whether `condition` became true within `timeout` ms, checked every POLL_MS.
async function until(condition, timeout) {
  const deadline = performance.now() + timeout;
  while (!condition()) {
    if (performance.now() >= deadline) return false;
    await sleep(POLL_MS);
  }
  return true;
}

function sleep(ms) {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
