// Which compose windows Telltale may track, decided from the page alone (plain DOM code, run by
// node --test too).
//
// Tracking cancels the user's Send, edits the body and clicks Send again. If the button clicked
// again is not this compose's Send (a webmail in another language, a redesign, a ribbon's
// "New mail" that looks like a Send), the mail stays unsent with our markup in it. So a compose is
// tracked only when all of this holds, and is otherwise left alone, untracked, with a notice:
//   - the body has a compose window of its own (the adapter finds it without looking for Send);
//   - that window holds this one editable body and none of the mail app's landmarks: a window
//     that holds the navigation or a second body is the app, not a compose;
//   - inside it, every selector for Send that finds anything finds the same single button, and so
//     for each other button that sends (Gmail's Send & Archive): two candidates that disagree
//     mean the markup is not the one the selectors were written for.
import { every } from "../webmail/find.js";
import { SHARED } from "../webmail/shared-selectors.js";

// A compose being built is incomplete for a moment: judge it only once it has stood this long.
export const SETTLE_MS = 1500;
const APP_LANDMARKS = SHARED.appLandmark.join(", ");

// `adapter` provides container(body), selectors.composeBody and sendLists (candidate lists, Send's
// first). Answers {root, body, send, buttons} for a compose that can be tracked, or {refused}
// with the reason in words a user can act on.
export function composeWindow(adapter, body) {
  const root = adapter.container(body);
  if (!root) return refused("its compose window was not recognised");
  if (root.querySelector(APP_LANDMARKS)) return refused("what looked like its compose window is the whole mail page");
  const bodies = every(root, adapter.selectors.composeBody);
  if (bodies.length !== 1 || bodies[0] !== body) return refused("its compose window holds more than one message body");
  const found = adapter.sendLists.map((candidates) => single(root, candidates));
  if (found.includes(AMBIGUOUS)) return refused("more than one button in it looks like Send");
  const [send, ...others] = found;
  if (!send) return refused("its Send button was not recognised");
  return { root, body, send, buttons: [send, ...others.filter(Boolean)] };
}

// Every compose body on the page with its verdict.
export function composeWindows(adapter, document) {
  return adapter.bodies(document).map((body) => ({ body, ...composeWindow(adapter, body) }));
}

const AMBIGUOUS = Symbol("ambiguous");

function single(root, candidates) {
  const matches = every(root, candidates);
  if (matches.length > 1) return AMBIGUOUS;
  return matches[0] || null;
}

function refused(reason) {
  return { refused: reason };
}
