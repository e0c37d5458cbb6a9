// The references Telltale keeps for a sent message, so that replies can be matched later (Gmail
// API, Microsoft Graph) and a popup can open the right conversation. Stored as
// "<client>:<id>" strings in the backend's opaque client_ref and thread_ref.
//
//   gmail   client_ref  gmail:msg-a:r-5521078342196584330  the compose's draft id, kept by the
//                       sent message as its data-message-id
//           thread_ref  gmail:18b364492e242086   the legacy (hex) thread id, which is the Gmail
//                       API's thread id; until it is known (a new message), the compose's
//                       gmail:thread-a:r-7681922771531347793, upgraded when the Sent list shows it
//   outlook client_ref  outlook:<Exchange item id>   from the Sent list row, once it shows
//           thread_ref  outlook:<conversation id>    data-convid of the conversation a reply or
//                       forward belongs to; none for a new message until the Sent list shows it
//
// Where each id is read and why: extension/docs/webmail.md, "Gmail: compose ids" and
// "Outlook: replies and new messages".

export function ref(client, id) {
  return id ? `${client}:${String(id).replace(/^#/, "")}` : null;
}

export function parseRef(value) {
  const colon = typeof value === "string" ? value.indexOf(":") : -1;
  return colon > 0 ? { client: value.slice(0, colon), id: value.slice(colon + 1) } : null;
}

const HEX_THREAD = /^[0-9a-f]{12,20}$/;

// Where a popup's click takes the user: the conversation when its id is known, else the Sent folder.
export function conversationUrl({ client_ref: clientRef, thread_ref: threadRef }) {
  const thread = parseRef(threadRef);
  const item = parseRef(clientRef);
  if (thread?.client === "gmail" || item?.client === "gmail") {
    return thread && HEX_THREAD.test(thread.id)
      ? `https://mail.google.com/mail/u/0/#sent/${thread.id}`
      : "https://mail.google.com/mail/u/0/#sent";
  }
  if (thread?.client === "outlook" || item?.client === "outlook") {
    return item?.client === "outlook"
      ? `https://outlook.office.com/mail/deeplink/read/${encodeURIComponent(item.id)}`
      : "https://outlook.office.com/mail/sentitems";
  }
  return null;
}
