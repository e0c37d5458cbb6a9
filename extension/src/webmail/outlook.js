// Outlook on the web's compose and Sent Items, read through OUTLOOK's selectors.
import { accountOf } from "./account.js";
import { addresses } from "./addresses.js";
import { all, closest, first } from "./find.js";
import { OUTLOOK } from "./outlook-selectors.js";
import { ref } from "./refs.js";

// Outlook has no element that is "one compose": the compose is the smallest ancestor of an
// editor that also holds a recipient field (whose id does not depend on the language). Not the
// smallest that holds a Send button: when Send is not recognised, that ancestor is the whole app,
// whose ribbon has a "New mail" split button with the same classes as Send.
function composeOf(body) {
  let node = body.parentElement;
  while (node && node !== node.ownerDocument.body) {
    if (first(node, OUTLOOK.composeToField)) return node;
    node = node.parentElement;
  }
  return null;
}

// What a recipient field holds: its chips' addresses, then the text typed outside the chips.
function fieldValues(field) {
  if (!field) return [];
  const chips = all(field, OUTLOOK.composeRecipientChip);
  const typed = all(field, OUTLOOK.composeRecipientInput).map((input) => {
    const text = input.cloneNode(true);
    for (const chip of all(text, OUTLOOK.composeRecipientChip)) chip.remove();
    return text.textContent;
  });
  return [...chips.map((chip) => chip.getAttribute(OUTLOOK.attr.recipientAddress)), ...typed];
}

// A compose belongs to a conversation only as a reply or forward: written inside the open
// conversation, or carrying Outlook's reply header. A new message written while a conversation is
// selected in the list belongs to none (see extension/docs/webmail.md, Outlook: replies and new messages).
function conversationOf(root) {
  const inline = closest(root, OUTLOOK.conversationView);
  const body = first(root, OUTLOOK.composeBody);
  if (!inline && !(body && first(body, OUTLOOK.composeReplyHeader))) return null;
  const own = inline?.getAttribute(OUTLOOK.attr.conversationId);
  return own || first(root.ownerDocument, OUTLOOK.selectedRow)?.getAttribute(OUTLOOK.attr.conversationId) || null;
}

export const outlook = Object.freeze({
  name: "outlook",
  selectors: OUTLOOK,

  // The editable bodies on the page, and the compose window around one (see compose/window.js
  // for what makes a compose trackable).
  bodies: (document) => all(document, OUTLOOK.composeBody),
  container: composeOf,
  composeRoots: (document) => all(document, OUTLOOK.composeBody).map(composeOf).filter(Boolean),
  body: (root) => first(root, OUTLOOK.composeBody),
  subject(root) {
    const input = first(root, OUTLOOK.composeSubject);
    if (input) return input.value;
    // An inline reply may show no subject field: it goes out under the conversation's.
    const conversation = closest(root, OUTLOOK.conversationView);
    return (conversation && first(conversation, OUTLOOK.conversationSubject)?.textContent.trim()) || "";
  },

  recipients(root) {
    const fields = [OUTLOOK.composeToField, OUTLOOK.composeCcField, OUTLOOK.composeBccField].map((c) => first(root, c));
    return addresses(fields.flatMap(fieldValues));
  },

  sendButtons: (root) => all(root, OUTLOOK.composeSendButton).slice(0, 1),
  sendLists: [OUTLOOK.composeSendButton],

  placeSwitch(root, element) {
    const send = first(root, OUTLOOK.composeSendButton);
    if (!send) return false;
    // After the whole split button (Send and its arrow), not inside it.
    const group = send.parentElement?.matches("[class*=SplitButton], [role=group]") ? send.parentElement : send;
    group.after(element);
    return true;
  },

  refs: (root) => ({ client_ref: null, thread_ref: ref("outlook", conversationOf(root)) }),

  // The signed-in mailbox (see extension/docs/webmail.md, Outlook: account).
  account: (document) => accountOf(document, OUTLOOK.account),

  sentRows(document) {
    return all(document, OUTLOOK.messageRow).map((row) => ({
      row,
      slot: row,
      threadRefs: [ref("outlook", row.getAttribute(OUTLOOK.attr.conversationId))],
      itemRef: ref("outlook", row.getAttribute(OUTLOOK.attr.itemId)),
      subject: row.getAttribute("aria-label") || row.textContent.trim().split("\n")[0] || "",
    }));
  },

  isMessageBody: (element) => Boolean(closest(element, OUTLOOK.messageBody)),
});
