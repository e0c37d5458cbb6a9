// The one part of compose that talks to the service worker (common/protocol.js): a message is
// registered at Send and its body tracked, and a registration whose mail did not leave is given
// up and taken out of the body again. What tracking does to the body is tracking.js, plain DOM.
import { REGISTER_DEADLINE_MS, ask } from "../common/protocol.js";
import { failSoft } from "../webmail/find.js";
import { applyTracking, removeTracking, trackableAnchors } from "./tracking.js";

// Register the message `compose` holds and apply the registration to its body; answers
// {message, registration}. Throws, with the mail to go out untracked, when the service worker or
// the backend does not answer within REGISTER_DEADLINE_MS.
export async function register(adapter, settings, compose, tags) {
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
    ...withoutEmpty({ account: accountOf(adapter, root) }),
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

// Take what register() answered out of the body again, leaving what the user wrote, and have the
// server forget the registration.
export function unregister(compose, { message, registration }) {
  removeTracking(compose.body, registration);
  edited(compose.body);
  ask("discard", { messageId: registration.id, message }).catch(() => {});
}

// Editors keep their own model of the text; tell them the DOM changed, as typing would.
function edited(body) {
  body.dispatchEvent(new InputEvent("input", { bubbles: true, inputType: "insertReplacementText" }));
}

// The mailbox the compose is sent from, or null: reading it must never stop a Send.
function accountOf(adapter, root) {
  try {
    const account = adapter.account(root.ownerDocument);
    if (!account) failSoft(`${adapter.name}: no signed-in account was found on the page; messages are registered without one`);
    return account;
  } catch (error) {
    failSoft(`${adapter.name}: the signed-in account could not be read (${error.message}); replies are not matched to it`);
    return null;
  }
}

function withoutEmpty(refs) {
  return Object.fromEntries(Object.entries(refs).filter(([, value]) => value));
}
