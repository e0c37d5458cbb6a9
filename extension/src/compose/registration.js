// The one part of compose that talks to the service worker (common/protocol.js): a message is
// registered at Send and its body tracked, and a registration whose mail did not leave is given
// up and taken out of the body again. What tracking does to the body is tracking.js, plain DOM.
import { PROTECT_DEADLINE_MS, REGISTER_DEADLINE_MS, ask } from "../common/protocol.js";
import { failSoft } from "../webmail/find.js";
import { bodyForServer, replaceWithTeaser, restoreBody } from "./protection.js";
import { applyTracking, removeTracking, trackableAnchors } from "./tracking.js";

// Register the message `compose` holds and apply the registration to its body; answers
// {message, registration}. Throws, with the mail to go out untracked, when the service worker or
// the backend does not answer within REGISTER_DEADLINE_MS, or answers what the body cannot take.
// `optout`: the Opt-out footer switch, sent only once the user has flipped it (feature.js), so a
// server from before the footer is never sent a field it would refuse.
export async function register(adapter, settings, compose, { tags, optout = null }) {
  const { body, root } = compose;
  const anchors = trackableAnchors(body, settings.serverUrl);
  const message = {
    ...describe(adapter, root, tags),
    links: anchors.map((anchor) => anchor.getAttribute("href")),
    decoy: true,
    ...(typeof optout === "boolean" ? { optout } : {}),
  };
  let registration;
  try {
    ({ registration } = await ask("register", { message }, REGISTER_DEADLINE_MS));
  } catch (error) {
    // The server may yet store it: have it deleted, the mail goes out untracked.
    ask("abandon", { message }).catch(() => {});
    throw error;
  }
  try {
    applyTracking(body, anchors, registration, { forwards: settings.detectForwards });
  } catch (error) {
    // applyTracking changes nothing before it throws: the registration has no mail to follow.
    ask("discard", { messageId: registration.id, message }).catch(() => {});
    throw error;
  }
  edited(body);
  return { message, registration };
}

// Register a protected message: its body goes to the server, and the compose body becomes the
// teaser with the reading link (protection.js), plus the pixel (and the opt-out footer the
// server answers with) when Track is on. Throws, the body
// as the user wrote it, if the server does not take it within PROTECT_DEADLINE_MS: the mail then
// goes out as written (send.js), never with half of either.
export async function registerProtected(adapter, settings, compose, { tracking, tags, protection, optout = null }) {
  const { body, root } = compose;
  const { html, images } = await bodyForServer(body);
  const message = {
    ...describe(adapter, root, tags),
    links: [],
    tracking,
    ...(typeof optout === "boolean" ? { optout } : {}),
    protected: {
      html,
      images,
      ...(protection.teaser?.trim() ? { teaser: protection.teaser.trim() } : {}),
      ...(protection.expiresAfterViewHours ? { expires_after_view_hours: protection.expiresAfterViewHours } : {}),
    },
  };
  // What finds the registration again if it must be dropped: not the body, which may be large.
  const brief = { subject: message.subject, sent_at: message.sent_at };
  let registration;
  try {
    ({ registration } = await ask("register-protected", { message }, PROTECT_DEADLINE_MS));
  } catch (error) {
    ask("abandon", { message: brief }).catch(() => {});
    throw error;
  }
  let original;
  try {
    original = replaceWithTeaser(body, registration.protected);
    if (tracking) applyTracking(body, [], { ...registration, links: [] });
  } catch (error) {
    if (original) restoreBody(body, original);
    ask("discard", { messageId: registration.id, message: brief }).catch(() => {});
    throw error;
  }
  edited(body);
  return { message: brief, registration, original };
}

// Take what register() or registerProtected() answered out of the body again, leaving what the
// user wrote, and have the server forget the registration (a protected body is deleted with it).
export function unregister(compose, { message, registration, original }) {
  if (original) restoreBody(compose.body, original);
  else removeTracking(compose.body, registration);
  edited(compose.body);
  ask("discard", { messageId: registration.id, message }).catch(() => {});
}

// What every registration says of the message: who it goes to, about what, from which mailbox.
function describe(adapter, root, tags) {
  return {
    subject: adapter.subject(root),
    recipients: adapter.recipients(root),
    sent_at: new Date().toISOString(),
    ...(tags.length ? { tags } : {}),
    ...withoutEmpty(adapter.refs(root)),
    ...withoutEmpty({ account: accountOf(adapter, root) }),
  };
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
