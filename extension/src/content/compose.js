// Tracking at Send, for any webmail described by an adapter (webmail/gmail.js, webmail/outlook.js).
//
// How the body gets our pixel and links, and why this way: we edit the compose body in the DOM
// from this isolated content script, at a capture-phase Send (click, Enter/Space on the button,
// Ctrl/Cmd+Enter), as InboxSDK's "presending" does: cancel the event, register the message with
// the backend, rewrite the user's own links and insert one pixel, then click Send again (Gmail
// accepts the synthetic click; InboxSDK's send() relies on it). The alternative, rewriting the
// outgoing request as gmail.js does, needs a page-world XMLHttpRequest hook (where Gmail enforces
// Trusted Types), depends on Gmail's private request format (which changed in 2022 and 2025), and
// its synchronous hook cannot wait for our server. DOM editing works the same in Outlook, whose
// editor we cannot hook at all. Research and sources: tests/e2e/fixtures/README.md.
//
// Never block a send: without an answer from the backend within REGISTER_DEADLINE_MS, or on any
// error, the message goes out untracked and a notice says so.
import { applyTracking, trackableAnchors } from "../compose/tracking.js";
import { failSoft } from "../webmail/find.js";
import { ask } from "../common/protocol.js";
import { showNotice } from "./notice.js";
import { createSwitch } from "./track-switch.js";

// The longest a Send waits for the backend, waking the service worker included.
export const REGISTER_DEADLINE_MS = 1500;

// Per compose window: {tracking, phase}. phase "idle" until Send; "preparing" while we register
// (further Send events are swallowed); "ready" once prepared, when Send events pass untouched, so
// our own re-sent click and any later retry go straight to the webmail.
const composes = new WeakMap();

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
    state = { tracking: settings.trackByDefault, phase: "idle", switch: null };
    composes.set(root, state);
  }
  return state;
}

function paired(settings) {
  return Boolean(settings.serverUrl && settings.token);
}

function attachSwitches(adapter, settings, document) {
  for (const root of adapter.composeRoots(document)) {
    const state = stateOf(root, settings);
    if (state.switch?.isConnected) {
      state.switch.disabled = !paired(settings);
      continue;
    }
    if (!adapter.body(root) || adapter.sendButtons(root).length === 0) {
      failSoft(`${adapter.name}: a compose window without a body or Send button was found; it is left untracked`);
      continue;
    }
    const element = createSwitch(document, {
      on: state.tracking,
      enabled: paired(settings),
      onChange: (value) => {
        state.tracking = value;
      },
    });
    if (adapter.placeSwitch(root, element)) state.switch = element;
    else failSoft(`${adapter.name}: no place for the Track switch was found; Send still tracks by default`);
  }
}

// The send button a Send event is aimed at, or null if the event is not a Send. Cheap checks
// first: this runs for every click and key press on the page.
function sendTarget(adapter, event) {
  const target = event.target;
  if (!(target instanceof Element)) return null;
  const { sendShortcut } = adapter.selectors;
  const shortcut = event.type === "keydown" && event.key === sendShortcut.key
    && sendShortcut.modifiers.some((modifier) => event[modifier]);
  const onButton = event.type === "click" || (event.type === "keydown" && (event.key === "Enter" || event.key === " "));
  if (!shortcut && !onButton) return null;
  if (!shortcut && !target.closest("button, [role=button]")) return null;
  const root = adapter.composeRootOf(target);
  if (!root) return null;
  const buttons = adapter.sendButtons(root);
  if (shortcut) return buttons.length ? { root, button: buttons[0] } : null;
  const button = buttons.find((candidate) => candidate.contains(target));
  return button ? { root, button } : null;
}

function interceptSend(adapter, settings, event) {
  const aimed = sendTarget(adapter, event);
  if (!aimed) return;
  const state = stateOf(aimed.root, settings);
  if (state.phase === "ready") return;
  if (state.phase === "preparing") {
    cancel(event);
    return;
  }
  if (!state.tracking || !paired(settings)) return;
  cancel(event);
  state.phase = "preparing";
  const started = performance.now();
  prepare(adapter, settings, aimed.root)
    .catch((error) => showNotice(document, `Sent untracked: ${error.message}`))
    .finally(() => {
      state.phase = "ready";
      sendAgain(aimed.button);
      // Kept for the browser measurement of Send's delay (closing note of issue 4).
      aimed.root.ownerDocument.documentElement.dataset.telltaleSendDelayMs = String(Math.round(performance.now() - started));
    });
}

function cancel(event) {
  event.preventDefault();
  event.stopImmediatePropagation();
}

async function prepare(adapter, settings, root) {
  const body = adapter.body(root);
  if (!body) throw new Error("the message body was not found");
  const anchors = trackableAnchors(body, settings.serverUrl);
  const message = {
    subject: adapter.subject(root),
    recipients: adapter.recipients(root),
    links: anchors.map((anchor) => anchor.getAttribute("href")),
    sent_at: new Date().toISOString(),
    decoy: true,
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
  // Editors keep their own model of the text; tell them the DOM changed, as typing would.
  body.dispatchEvent(new InputEvent("input", { bubbles: true, inputType: "insertReplacementText" }));
}

function withoutEmpty(refs) {
  return Object.fromEntries(Object.entries(refs).filter(([, value]) => value));
}

// Gmail reacts to the mousedown/mouseup pair on its buttons as well as the click (InboxSDK's
// simulateClick sends all three).
function sendAgain(button) {
  const view = button.ownerDocument.defaultView;
  for (const type of ["mousedown", "mouseup", "click"]) {
    button.dispatchEvent(new MouseEvent(type, { bubbles: true, cancelable: true, view, button: 0 }));
  }
}
