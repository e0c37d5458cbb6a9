// Tracking at Send. At a capture-phase Send (click, Enter/Space on the button, Ctrl/Cmd+Enter) of
// a compose that window.js accepts, the event is cancelled, the message registered and its body
// tracked (registration.js), and Send clicked again; after-send.js then checks that it left. A
// message to someone on the don't-track list (dont-track.js) is not stopped at all.
import { isPaired } from "../common/storage.js";
import { every, failSoft } from "../webmail/find.js";
import { confirmScheduled, confirmSent } from "./after-send.js";
import { dontTrackReason } from "./dont-track.js";
import { showNotice } from "./notice.js";
import { register, registerProtected } from "./registration.js";
import { composeWindow } from "./window.js";

// Send events closer together than this are one Send, as far as the user's notices go.
const ONE_SEND_MS = 1000;

// The capture-phase listener for clicks and key presses. A compose's state (feature.js) has a
// phase: "idle" until Send; "preparing" while we register (further Send events are swallowed);
// "ready" once prepared, when Send events pass untouched, so our own click and any later retry go
// straight to the webmail.
export function sendListener(adapter, settings, stateOf) {
  return (event) => {
    const aimed = sendTarget(adapter, event);
    if (!aimed) return;
    const state = stateOf(aimed.compose.root);
    if (state.phase === "ready") return;
    if (state.phase === "preparing") {
      cancel(event);
      return;
    }
    if (!(state.tracking || state.protection.protected) || !isPaired(settings)) return;
    const declined = dontTrackReason(adapter, settings, aimed.compose.root, { protecting: state.protection.protected });
    if (declined) {
      // Left to the webmail untouched: nothing to register means nothing to wait for. One Send can
      // reach us twice (Enter on a button, then the click it makes): the user is told once.
      const now = performance.now();
      if (now - (state.declinedAt ?? -Infinity) >= ONE_SEND_MS) showNotice(aimed.compose.root.ownerDocument, declined);
      state.declinedAt = now;
      return;
    }
    cancel(event);
    state.phase = "preparing";
    trackThenSend(adapter, settings, aimed, state);
  };
}

function trackThenSend(adapter, settings, { compose, button, kind }, state) {
  const started = performance.now();
  const protecting = state.protection.protected;
  (protecting ? registerProtected(adapter, settings, compose, state) : register(adapter, settings, compose, state))
    .then((registered) => {
      state.phase = "ready";
      clickAgain(button);
      const watch = kind === "schedule" ? confirmScheduled : confirmSent;
      return watch(compose, state, registered);
    }, (error) => {
      state.phase = "ready";
      // Sending is never held back: a protected message the server could not take goes out as written.
      showNotice(document, protecting ? `Sent as written, not protected and untracked: ${error.message}`
        : `Sent untracked: ${error.message}`);
      clickAgain(button);
    })
    .catch((error) => failSoft(`${adapter.name}: ${error.message}`))
    .finally(() => {
      // Kept for the browser measurement of Send's delay (closing note of issue 4).
      compose.root.ownerDocument.documentElement.dataset.telltaleSendDelayMs = String(Math.round(performance.now() - started));
    });
}

// What a Send event is aimed at, or null if it is not a Send of a compose we may track. Cheap
// checks first: this runs for every click and key press on the page.
function sendTarget(adapter, event) {
  const target = event.target;
  if (!(target instanceof Element)) return null;
  const { sendShortcut } = adapter.selectors;
  const shortcut = event.type === "keydown" && event.key === sendShortcut.key
    && sendShortcut.modifiers.some((modifier) => event[modifier]);
  const onButton = event.type === "click" || (event.type === "keydown" && (event.key === "Enter" || event.key === " "));
  if (!shortcut && !onButton) return null;
  if (!shortcut && !target.closest("button, [role=button]")) return null;
  const compose = composeHolding(adapter, target);
  if (!compose) return null;
  if (shortcut) return { compose, button: compose.send, kind: "send" };
  const button = compose.buttons.find((candidate) => candidate.contains(target));
  if (button) return { compose, button, kind: "send" };
  // The menu beside Send (Gmail's "Schedule send"): the message leaves after a pick in it.
  const options = event.type === "click" && adapter.sendOptions
    ? every(compose.root, adapter.sendOptions).find((candidate) => candidate.contains(target))
    : null;
  return options ? { compose, button: options, kind: "schedule" } : null;
}

// The trackable compose that holds `target`, judged now: the markup may have changed since the
// switch was placed.
function composeHolding(adapter, target) {
  for (const body of adapter.bodies(target.ownerDocument)) {
    const root = adapter.container(body);
    if (!root?.contains(target)) continue;
    const compose = composeWindow(adapter, body);
    return compose.refused ? null : compose;
  }
  return null;
}

function cancel(event) {
  event.preventDefault();
  event.stopImmediatePropagation();
}

// Gmail reacts to the mousedown/mouseup pair on its buttons as well as the click, as a person's
// click gives all three.
function clickAgain(button) {
  const view = button.ownerDocument.defaultView;
  for (const type of ["mousedown", "mouseup", "click"]) {
    button.dispatchEvent(new MouseEvent(type, { bubbles: true, cancelable: true, view, button: 0 }));
  }
}
