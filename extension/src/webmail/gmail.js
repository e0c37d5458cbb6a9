// Gmail's compose windows and Sent list, read through GMAIL's selectors.
import { accountOf, gmailTitleAccount } from "./account.js";
import { addresses } from "./addresses.js";
import { all, closest, first } from "./find.js";
import { GMAIL } from "./gmail-selectors.js";
import { ref } from "./refs.js";

const value = (root, candidates) => first(root, candidates)?.value || "";

// The legacy id of the conversation an inline reply is written in, for when the compose's own
// input is still empty (see extension/docs/webmail.md, Gmail: inline replies).
function openThreadOf(root) {
  const thread = closest(root, GMAIL.threadView);
  const ids = thread && first(thread, GMAIL.threadIdElement);
  return (ids && (ids.getAttribute(GMAIL.attr.rowLegacyThreadId) || ids.getAttribute(GMAIL.attr.threadPermId))) || "";
}

export const gmail = Object.freeze({
  name: "gmail",
  selectors: GMAIL,

  // The editable bodies on the page, and the compose window around one (see compose/window.js
  // for what makes a compose trackable).
  bodies: (document) => all(document, GMAIL.composeBody),
  container: (body) => closest(body, GMAIL.composeRoot),
  composeRoots: (document) => all(document, GMAIL.composeBody).map((body) => closest(body, GMAIL.composeRoot)).filter(Boolean),
  body: (root) => first(root, GMAIL.composeBody),
  subject: (root) => value(root, GMAIL.composeSubject),

  recipients(root) {
    const chips = all(root, GMAIL.composeRecipientChip).map((chip) => chip.getAttribute(GMAIL.attr.recipientAddress));
    // An address typed but not yet a chip still goes out with the message.
    const typed = all(root, GMAIL.composeRecipientInput).map((input) => input.value);
    return addresses([...chips, ...typed]);
  },

  sendButtons: (root) => [...all(root, GMAIL.composeSendButton), ...all(root, GMAIL.composeSendAndArchiveButton)],
  // The buttons that send, Send's first: Send & Archive sends too.
  sendLists: [GMAIL.composeSendButton, GMAIL.composeSendAndArchiveButton],
  // The message also leaves from this button's menu, once the user picks a time in "Schedule send".
  sendOptions: GMAIL.composeSendOptions,

  // The Track switch goes in a cell of its own right after Send's.
  placeSwitch(root, element) {
    const cell = first(root, GMAIL.composeSendCell);
    if (!cell) return false;
    const holder = cell.ownerDocument.createElement("td");
    holder.className = "telltale-switch-cell";
    holder.append(element);
    cell.after(holder);
    return true;
  },

  refs(root) {
    const thread = value(root, GMAIL.composeLegacyThreadId) || openThreadOf(root) || value(root, GMAIL.composeThreadId);
    return { client_ref: ref("gmail", value(root, GMAIL.composeDraftId)), thread_ref: ref("gmail", thread) };
  },

  // The signed-in mailbox: the account button's label, else the page's title (see
  // extension/docs/webmail.md, Gmail: account).
  account: (document) => accountOf(document, GMAIL.account) || gmailTitleAccount(document.title),

  // Sent list rows with the references that tie them to a tracked message.
  sentRows(document) {
    return all(document, GMAIL.threadRow).map((row) => {
      const ids = first(row, GMAIL.rowIdElement);
      return {
        row,
        slot: first(row, GMAIL.rowStatusSlot),
        threadRefs: ids
          ? [ref("gmail", ids.getAttribute(GMAIL.attr.rowLegacyThreadId)), ref("gmail", ids.getAttribute(GMAIL.attr.rowThreadId))]
          : [],
        subject: first(row, GMAIL.rowSubject)?.textContent.trim() || "",
      };
    });
  },

  // The body of a message shown in the mailbox (not a compose).
  isMessageBody: (element) => Boolean(closest(element, GMAIL.messageBody)),
});
