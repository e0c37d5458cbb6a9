// Outlook on the web's compose and Sent Items, read through OUTLOOK's selectors.
import { all, first } from "./find.js";
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

function addresses(field) {
  if (!field) return [];
  const chips = all(field, OUTLOOK.composeRecipientChip).map((chip) => chip.getAttribute(OUTLOOK.attr.recipientAddress));
  const typed = all(field, OUTLOOK.composeRecipientInput).flatMap((input) => input.textContent.split(/[,;\s]+/));
  return [...chips, ...typed];
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
  subject: (root) => first(root, OUTLOOK.composeSubject)?.value || "",

  recipients(root) {
    const fields = [OUTLOOK.composeToField, OUTLOOK.composeCcField, OUTLOOK.composeBccField].map((c) => first(root, c));
    return fields.flatMap(addresses).map((address) => (address || "").trim()).filter((address) => address.includes("@"));
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

  refs(root) {
    // A reply in the reading pane belongs to the selected conversation.
    const selected = first(root.ownerDocument, OUTLOOK.selectedRow);
    return { client_ref: null, thread_ref: ref("outlook", selected?.getAttribute(OUTLOOK.attr.conversationId)) };
  },

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
