// Outlook on the web's compose and Sent Items, read through OUTLOOK's selectors.
import { all, first } from "./find.js";
import { OUTLOOK } from "./outlook-selectors.js";
import { ref } from "./refs.js";

// Outlook has no element that is "one compose": the compose is the smallest ancestor of an
// editor that also holds a Send button.
function composeOf(element) {
  let node = element;
  while (node && node !== node.ownerDocument.body) {
    if (first(node, OUTLOOK.composeSendButton) && first(node, OUTLOOK.composeBody)) return node;
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

  composeRoots: (document) => all(document, OUTLOOK.composeBody).map(composeOf).filter(Boolean),
  composeRootOf: composeOf,
  body: (root) => first(root, OUTLOOK.composeBody),
  subject: (root) => first(root, OUTLOOK.composeSubject)?.value || "",

  recipients(root) {
    const fields = [OUTLOOK.composeToField, OUTLOOK.composeCcField, OUTLOOK.composeBccField].map((c) => first(root, c));
    return fields.flatMap(addresses).map((address) => (address || "").trim()).filter((address) => address.includes("@"));
  },

  sendButtons: (root) => all(root, OUTLOOK.composeSendButton).slice(0, 1),

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
