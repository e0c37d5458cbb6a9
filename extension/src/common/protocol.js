// Requests from content scripts and extension pages to the service worker, which alone talks to
// the backend (content scripts run under the webmail's origin, where CORS would refuse them).
//
// Each request is {type, ...fields}; each answer is {ok: true, ...result} or {ok: false, error}.
//   register      {message}                     -> {registration}  POST /messages; message.account,
//                                                                    the mailbox it is sent from, is
//                                                                    dropped if the server refuses it
//   register-protected {message}                -> {registration}  POST /messages/protected (message.protected
//                                                                    holds the body), as register
//   withdraw      {messageId}                   -> {protection}    POST /messages/<id>/withdraw
//   abandon       {message}                     -> {}              a registration given up at Send
//   discard       {messageId, message}          -> {}              DELETE /messages/<id>, or abandon
//   report-refs   {messageId, client_ref?, thread_ref?} -> {}     PATCH /messages/<id>
//   sender-view   {messageId, at}               -> {}              POST /messages/<id>/sender-views
//   change        {messageId, fields}           -> {message}       PATCH /messages/<id>
//   messages      {limit?}                      -> {items}         GET /messages
//   message       {messageId}                   -> {message}       GET /messages/<id>
//   reconnect     {}                            -> {}              reopen the websocket (after pairing)
//   live-status   {}                            -> {connected, lastEventId}

export const REQUESTS = Object.freeze([
  "register", "register-protected", "withdraw", "abandon", "discard", "report-refs", "sender-view", "change", "messages", "message", "reconnect",
  "live-status",
]);

// The longest a Send waits for "register" to be answered, waking the service worker included.
export const REGISTER_DEADLINE_MS = 1500;
// The service worker's own deadline for the backend's answer to "register": shorter, so that its
// answer, even a refusal, still reaches the compose within REGISTER_DEADLINE_MS.
export const BACKEND_REGISTER_DEADLINE_MS = REGISTER_DEADLINE_MS - 200;
// A protected message carries its whole body, images included: it may take longer to upload, and
// the user asked for it to stay off the mail, so it is given more time before going out as written.
export const PROTECT_DEADLINE_MS = 5000;
export const BACKEND_PROTECT_DEADLINE_MS = PROTECT_DEADLINE_MS - 300;

export class NoAnswer extends Error {}

// Ask the service worker; give up after `deadlineMs` (waking a stopped worker counts against it).
export async function ask(type, fields = {}, deadlineMs = 10_000) {
  let timer;
  const deadline = new Promise((_, reject) => {
    timer = setTimeout(() => reject(new NoAnswer(`the extension did not answer within ${deadlineMs / 1000} s`)), deadlineMs);
  });
  try {
    const answer = await Promise.race([chrome.runtime.sendMessage({ type, ...fields }), deadline]);
    if (!answer) throw new NoAnswer("the extension did not answer");
    if (!answer.ok) throw new Error(answer.error || "the request failed");
    return answer;
  } finally {
    clearTimeout(timer);
  }
}
