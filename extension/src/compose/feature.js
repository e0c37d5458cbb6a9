// The compose feature of a webmail tab, for any webmail described by an adapter (webmail/gmail.js,
// webmail/outlook.js): the Track switch and Tags field in each compose window Telltale may track,
// a notice in each it may not, and tracking at Send (send.js).
//
// How the body gets our pixel and links, and why this way: at a capture-phase Send we cancel the
// event, register the message with the backend, rewrite the user's own links and insert one pixel,
// then click Send again; Gmail and Outlook both accept the synthetic click. Rewriting the outgoing
// request instead would need a hook in the page's own world, where Gmail enforces Trusted Types,
// and depends on private request formats that have changed twice; it cannot wait for our server
// either. The reasoning and its sources are in extension/docs/webmail.md.
//
// A Send is never lost, whatever the markup:
//   - only a compose that window.js accepts is tracked; any other is left alone, and the user is
//     told once that it goes out untracked;
//   - an event is cancelled only when the button clicked again is that compose's own Send (send.js);
//   - without an answer from the backend within REGISTER_DEADLINE_MS (common/protocol.js), or on
//     any error, the message goes out untracked, with a notice;
//   - if the compose is still there SENT_DEADLINE_MS after the click (after-send.js), tracking is
//     taken out of the body again, the registration is dropped, and the user's next Send goes
//     through untouched.
import { isPaired } from "../common/storage.js";
import { failSoft } from "../webmail/find.js";
import { createControls } from "./controls.js";
import { showNotice } from "./notice.js";
import { sendListener } from "./send.js";
import { SETTLE_MS, composeWindow, composeWindows } from "./window.js";

// The feature (content/page-watch.js): Send is heard from the start; refresh() puts the controls
// into compose windows that have none yet.
export function start(adapter, settings) {
  const document = globalThis.document;
  // Per compose window: {tracking, protection, tags, optout, phase, switch, setSwitch}; phase: see
  // send.js; protection: {protected, teaser, expiresAfterViewHours} (controls.js); optout: the
  // Opt-out footer switch once the user flipped it, null until then (the account's default);
  // declinedAt: when a Send last went out untracked for the don't-track list (send.js).
  const states = new WeakMap();
  const stateOf = (root) => {
    if (!states.has(root)) {
      states.set(root, {
        tracking: settings.trackByDefault, protection: { protected: false }, tags: [], optout: null, phase: "idle", switch: null,
      });
    }
    return states.get(root);
  };
  const onSend = sendListener(adapter, settings, stateOf);
  document.addEventListener("click", onSend, true);
  document.addEventListener("keydown", onSend, true);
  // Composes that cannot be tracked (their window, or their body when no window was found), once
  // the user has been told.
  const announced = new WeakSet();
  return {
    refresh() {
      for (const compose of composeWindows(adapter, document)) {
        if (compose.refused) announceLater(adapter, settings, compose.body, announced);
        else attachControls(adapter, settings, compose.root, stateOf(compose.root));
      }
    },
  };
}

function attachControls(adapter, settings, root, state) {
  if (state.switch?.isConnected) {
    state.switch.disabled = !isPaired(settings);
    return;
  }
  const controls = createControls(root.ownerDocument, {
    on: state.tracking,
    enabled: isPaired(settings),
    onTrackChange: (value) => {
      state.tracking = value;
      // A choice made after a Send that did not leave applies to the next Send.
      if (state.phase === "ready") state.phase = "idle";
    },
    onTagsChange: (tags) => {
      state.tags = tags;
    },
    onProtectChange: (protection) => {
      state.protection = protection;
      if (state.phase === "ready") state.phase = "idle";
    },
    // Shown as the account's default as the options page last read it; the server applies its own
    // unless the user flips the switch (registration.js).
    optout: state.optout ?? settings.optoutFooter === true,
    onOptoutChange: (on) => {
      state.optout = on;
      if (state.phase === "ready") state.phase = "idle";
    },
  });
  if (adapter.placeSwitch(root, controls.element)) {
    Object.assign(state, { switch: controls.switchElement, setSwitch: controls.setSwitch, setProtect: controls.setProtect });
  } else failSoft(`${adapter.name}: no place for the Track switch was found; Send still tracks by default`);
}

// Tell the user, once per compose, that it will go out untracked: silently untracked mail is a
// tracker that lies. Judged again after SETTLE_MS, as a compose still being built looks refused.
function announceLater(adapter, settings, body, announced) {
  const key = adapter.container(body) || body;
  if (announced.has(key)) return;
  announced.add(key);
  setTimeout(() => {
    const verdict = composeWindow(adapter, body);
    if (!body.isConnected || !isPaired(settings) || !settings.trackByDefault || !verdict.refused) {
      announced.delete(key);
      return;
    }
    failSoft(`${adapter.name}: a compose window is left untracked: ${verdict.refused}`);
    showNotice(body.ownerDocument, `Telltale cannot track this message (${verdict.refused}): it will be sent untracked.`);
  }, SETTLE_MS);
}
