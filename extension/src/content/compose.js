// Tracking at Send, for any webmail described by an adapter (webmail/gmail.js, webmail/outlook.js).
//
// How the body gets our pixel and links, and why this way: at a capture-phase Send (click,
// Enter/Space on the button, Ctrl/Cmd+Enter) we cancel the event, register the message with the
// backend, rewrite the user's own links and insert one pixel, then click Send again; Gmail and
// Outlook both accept the synthetic click. Rewriting the outgoing request instead would need a
// hook in the page's own world, where Gmail enforces Trusted Types, and depends on private request
// formats that have changed twice; it cannot wait for our server either. The reasoning and its
// sources are in extension/docs/webmail.md.
//
// A Send is never lost, whatever the markup:
//   - only a compose that compose/window.js accepts is tracked; any other is left alone, and the
//     user is told once that it goes out untracked;
//   - an event is cancelled only when the button clicked again is that compose's own Send;
//   - without an answer from the backend within REGISTER_DEADLINE_MS, or on any error, the message
//     goes out untracked, with a notice;
//   - if the compose is still there SENT_DEADLINE_MS after the click, tracking is taken out of the
//     body again, the registration is dropped, and the user's next Send goes through untouched.
import { applyTracking, removeTracking, trackableAnchors } from "../compose/tracking.js";
import { composeWindow, composeWindows } from "../compose/window.js";
import { failSoft, every } from "../webmail/find.js";
import { ask } from "../common/protocol.js";
import { showNotice } from "./notice.js";
import { createTagsField } from "./compose-tags.js";
import { createSwitch } from "./track-switch.js";

// The longest a Send waits for the backend, waking the service worker included.
export const REGISTER_DEADLINE_MS = 1500;
// How long a compose may stay on screen after our click on Send before we conclude it did not go.
export const SENT_DEADLINE_MS = 4000;
// A compose being built is incomplete for a moment: judge it only once it has stood this long.
const SETTLE_MS = 1500;
// While the user picks a time to schedule the message, how long we keep its tracking in place.
const SCHEDULE_PICK_MS = 10 * 60 * 1000;
const POLL_MS = 100;

// Per compose window: {tracking, tags, phase, switch}. phase "idle" until Send; "preparing" while we
// register (further Send events are swallowed); "ready" once prepared, when Send events pass
// untouched, so our own click and any later retry go straight to the webmail.
const composes = new WeakMap();
// Composes that cannot be tracked (their window, or their body when no window was found), once
// the user has been told.
const announced = new WeakSet();

export function startCompose(adapter, settings) {
  const document = globalThis.document;
  const onSend = (event) => interceptSend(adapter, settings, event);
  document.addEventListener("click", onSend, true);
  document.addEventListener("keydown", onSend, true);
  const attach = () => attachSwitches(adapter, settings, document);
  let pending = false;
  new MutationObserver(() => {
    if (pending) return;
    pending = true;
    // Webmail pages mutate constantly: look for new compose windows once per frame, not per change.
    requestAnimationFrame(() => {
      pending = false;
      attach();
    });
  }).observe(document, { childList: true, subtree: true });
  attach();
  return { refresh: attach };
}

function stateOf(root, settings) {
  let state = composes.get(root);
  if (!state) {
    state = { tracking: settings.trackByDefault, tags: [], phase: "idle", switch: null };
    composes.set(root, state);
  }
  return state;
}

function paired(settings) {
  return Boolean(settings.serverUrl && settings.token);
}

function attachSwitches(adapter, settings, document) {
  for (const compose of composeWindows(adapter, document)) {
    if (compose.refused) {
      announceLater(adapter, settings, compose.body);
      continue;
    }
    const state = stateOf(compose.root, settings);
    if (state.switch?.isConnected) {
      state.switch.disabled = !paired(settings);
      continue;
    }
    const { element, set } = createSwitch(document, {
      on: state.tracking,
      enabled: paired(settings),
      onChange: (value) => {
        state.tracking = value;
        // A choice made after a Send that did not leave applies to the next Send.
        if (state.phase === "ready") state.phase = "idle";
      },
    });
    const controls = document.createElement("span");
    controls.setAttribute("style", "display:inline-flex;align-items:center");
    controls.append(element, createTagsField(document, { onChange: (tags) => { state.tags = tags; } }));
    if (adapter.placeSwitch(compose.root, controls)) Object.assign(state, { switch: element, setSwitch: set });
    else failSoft(`${adapter.name}: no place for the Track switch was found; Send still tracks by default`);
  }
}

// Tell the user, once per compose, that it will go out untracked: silently untracked mail is a
// tracker that lies. Judged again after SETTLE_MS, as a compose still being built looks refused.
function announceLater(adapter, settings, body) {
  const key = adapter.container(body) || body;
  if (announced.has(key)) return;
  announced.add(key);
  setTimeout(() => {
    const verdict = composeWindow(adapter, body);
    if (!body.isConnected || !paired(settings) || !settings.trackByDefault || !verdict.refused) {
      announced.delete(key);
      return;
    }
    failSoft(`${adapter.name}: a compose window is left untracked: ${verdict.refused}`);
    showNotice(body.ownerDocument, `Telltale cannot track this message (${verdict.refused}): it will be sent untracked.`);
  }, SETTLE_MS);
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

function interceptSend(adapter, settings, event) {
  const aimed = sendTarget(adapter, event);
  if (!aimed) return;
  const state = stateOf(aimed.compose.root, settings);
  if (state.phase === "ready") return;
  if (state.phase === "preparing") {
    cancel(event);
    return;
  }
  if (!state.tracking || !paired(settings)) return;
  cancel(event);
  state.phase = "preparing";
  const started = performance.now();
  const { compose } = aimed;
  prepare(adapter, settings, compose, state.tags)
    .then((prepared) => {
      state.phase = "ready";
      clickAgain(aimed.button);
      const watch = aimed.kind === "schedule" ? confirmScheduled : confirmSent;
      return watch(compose, state, prepared);
    }, (error) => {
      state.phase = "ready";
      showNotice(document, `Sent untracked: ${error.message}`);
      clickAgain(aimed.button);
    })
    .catch((error) => failSoft(`${adapter.name}: ${error.message}`))
    .finally(() => {
      // Kept for the browser measurement of Send's delay (closing note of issue 4).
      compose.root.ownerDocument.documentElement.dataset.telltaleSendDelayMs = String(Math.round(performance.now() - started));
    });
}

function cancel(event) {
  event.preventDefault();
  event.stopImmediatePropagation();
}

async function prepare(adapter, settings, compose, tags) {
  const { body, root } = compose;
  const anchors = trackableAnchors(body, settings.serverUrl);
  const message = {
    subject: adapter.subject(root),
    recipients: adapter.recipients(root),
    links: anchors.map((anchor) => anchor.getAttribute("href")),
    sent_at: new Date().toISOString(),
    decoy: true,
    ...(tags.length ? { tags } : {}),
    ...withoutEmpty(adapter.refs(root)),
  };
  let registration;
  try {
    ({ registration } = await ask("register", { message }, REGISTER_DEADLINE_MS));
  } catch (error) {
    // The server may yet store it: have it deleted, the mail goes out untracked.
    ask("abandon", { message }).catch(() => {});
    throw error;
  }
  applyTracking(body, anchors, registration, { forwards: settings.detectForwards });
  edited(body);
  return { message, registration };
}

// Editors keep their own model of the text; tell them the DOM changed, as typing would.
function edited(body) {
  body.dispatchEvent(new InputEvent("input", { bubbles: true, inputType: "insertReplacementText" }));
}

// The Send went out if the compose went away. If not, the webmail did not take our click as a
// Send (or refused it): take the tracking out, so the user's next Send sends what they wrote.
async function confirmSent(compose, state, prepared) {
  if (await until(() => gone(compose), SENT_DEADLINE_MS)) return;
  untrack(compose, state, prepared);
  showNotice(compose.root.ownerDocument,
    "Telltale could not see this message leave, so it took its tracking out: the message is as you wrote it, and Send now sends it untracked.");
}

// After a click on the menu beside Send, the message leaves when the user picks a time. While a
// menu or dialog of the webmail is open, they are still picking; once none is, the compose must
// be gone. If the user closed the menu instead, tracking comes out and the next Send tracks anew.
async function confirmScheduled(compose, state, prepared) {
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
  untrack(compose, state, prepared, { tracking: true });
  state.phase = "idle";
}

// `tracking`: what the switch says afterwards, which is what the next Send does.
function untrack(compose, state, { message, registration }, { tracking = false } = {}) {
  removeTracking(compose.body, registration);
  edited(compose.body);
  ask("discard", { messageId: registration.id, message }).catch(() => {});
  state.tracking = tracking;
  if (state.switch?.isConnected) state.setSwitch(tracking);
}

function gone(compose) {
  return !compose.body.isConnected || !compose.root.isConnected || compose.root.getClientRects().length === 0;
}

// A menu or dialog shown outside this compose (the compose may itself sit in a dialog).
function pickerOpen(document, root) {
  return [...document.querySelectorAll("[role=menu], [role=dialog]")]
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

function withoutEmpty(refs) {
  return Object.fromEntries(Object.entries(refs).filter(([, value]) => value));
}

// Gmail reacts to the mousedown/mouseup pair on its buttons as well as the click, as a person's
// click gives all three.
function clickAgain(button) {
  const view = button.ownerDocument.defaultView;
  for (const type of ["mousedown", "mouseup", "click"]) {
    button.dispatchEvent(new MouseEvent(type, { bubbles: true, cancelable: true, view, button: 0 }));
  }
}
