// Outlook on the web's page as Telltale sees it: when Outlook changes its markup, this file changes.
//
// Outlook's class names are generated and change with its deploys, and its labels follow the
// user's language: candidates go ids, roles and component classes first, English labels last.
// Each key lists them in order of preference, tried one at a time, never joined with a comma.
// Every candidate is checked against tests/e2e/fixtures/outlook/. What each key finds and the
// public source of each candidate: extension/docs/webmail.md, "Outlook".

const candidates = (...selectors) => Object.freeze(selectors);

export const OUTLOOK = Object.freeze({
  // Where compose windows live: the reading pane holds both replies and new messages. A popped-out
  // compose is a window of its own, whose document is the scope. (docs: Outlook: compose)
  composeScope: candidates("#ReadingPaneContainerId", "[role=main][aria-label='Reading Pane']"),
  // The editable body, a RoosterJS editor. (docs: Outlook: compose)
  composeBody: candidates(
    "[id^=editorParent_] [role=textbox][contenteditable=true]",
    "div[role=textbox][contenteditable=true][aria-label^='Message body']",
  ),
  // The subject's id is per compose, MSG_<id>_SUBJECT like the recipient groups', in any language;
  // the English placeholder is the last resort. (docs: Outlook: compose)
  composeSubject: candidates("input[id^=MSG_][id$=_SUBJECT]", "input[aria-label='Add a subject']"),
  // The To, Cc and Bcc fields, by the suffix of their per-compose id. (docs: Outlook: recipients)
  composeToField: candidates("[role=group][id$=_TO]"),
  composeCcField: candidates("[role=group][id$=_CC]"),
  composeBccField: candidates("[role=group][id$=_BCC]"),
  // A resolved recipient (persona chip); attr.recipientAddress is its address even when it shows a
  // name. (docs: Outlook: recipients)
  composeRecipientChip: candidates("._EType_RECIPIENT_ENTITY[aria-label]"),
  // The editable well of a recipient field: text outside the chips is typed but not yet resolved.
  composeRecipientInput: candidates("[role=group] [role=textbox][contenteditable=true]"),
  // Fluent UI's component class first: it is the same in every language. (docs: Outlook: compose)
  composeSendButton: candidates(
    "button.fui-SplitButton__primaryActionButton",
    "button[id$=__primaryActionButton]",
    "button[aria-label='Send']",
    "button[title='Send (Ctrl+Enter)']",
  ),
  // Outlook's header above the quoted message of a reply or forward; never in a new message.
  // (docs: Outlook: replies and new messages)
  composeReplyHeader: candidates("#divRplyFwdMsg", "#appendonsend"),

  // The conversation open in the reading pane. A compose inside it is an inline reply or forward.
  // (docs: Outlook: replies and new messages)
  conversationView: candidates("#ConversationReadingPaneContainer", "[data-app-section=ConversationContainer]"),
  // The open conversation's subject, for an inline reply that shows no subject field of its own.
  conversationSubject: candidates("[role=heading][id^=CONV_][id$=_SUBJECT]"),
  // A conversation row of a message list such as Sent Items; carries attr.conversationId, and its
  // id is the Exchange item id. No label is read: the list's name is localised. (docs: Outlook: Sent Items)
  messageRow: candidates("[role=listbox] [role=option][data-convid]", "[data-convid]"),
  // No public source shows a row's inner structure: a status tick is appended to the row itself.
  rowStatusSlot: candidates("[role=option][data-convid]"),
  // The list's selected row: the conversation a reply in the reading pane belongs to.
  selectedRow: candidates("[role=option][data-convid][aria-selected=true]"),
  // The body of the message open in the reading pane, where our pixel shows as an <img>.
  // (docs: Outlook: Sent Items)
  messageBody: candidates("div[id^=UniqueMessageBody][role=document]", "[role=document][aria-label='Message body']"),

  // The signed-in account, for replies read through Microsoft Graph: the account manager button
  // of the suite header, whose aria-label names the user and the address; the account manager's
  // card, once opened, which shows the address as its text; the folder pane's root, which is the
  // mailbox's address on outlook.live.com. Only the "@" is matched, which no language changes.
  // (docs: Outlook: account)
  account: candidates(
    "#O365_MainLink_Me[aria-label*='@']",
    "#mectrl_currentAccount_secondary",
    "[role=tree] [role=treeitem][title*='@']",
  ),

  // Attribute names, not selectors. (docs: Outlook: Sent Items)
  attr: Object.freeze({
    conversationId: "data-convid",
    // The row's own id is the base64 Exchange item id.
    itemId: "id",
    recipientAddress: "aria-label",
  }),

  // Outlook sends on Ctrl+Enter (the Send button's title says so); capture keydown on the compose.
  // (docs: Outlook: compose)
  sendShortcut: Object.freeze({ key: "Enter", modifiers: Object.freeze(["ctrlKey", "metaKey"]) }),
});
