// Outlook on the web's page as Telltale sees it: when Outlook changes its markup, this file changes.
//
// Outlook's class names are generated and change with its deploys (Freemindtronic/evicypher-webmail
// src/content-scripts/outlook.ts went through several sets), and its labels follow the user's
// language. So candidates go structure and roles first, English labels last. Each key lists them
// in order of preference, tried one at a time, never joined with a comma. Every candidate is
// checked against tests/e2e/fixtures/outlook/; the comment above it names its public source.
// "Index excerpt" marks code the search index showed without naming its repository.

const candidates = (...selectors) => Object.freeze(selectors);

export const OUTLOOK = Object.freeze({
  // Where compose windows live: the reading pane holds both replies and new messages. A popped-out
  // compose is a window of its own, whose document is the scope.
  composeScope: candidates(
    // CH3COOOH/OutlookSendingSafety chrome-extension/content.js (ID_READING_PANEL)
    "#ReadingPaneContainerId",
    // gabeosx/outlook-web-skill references/outlook-ui.md (main "Reading Pane", recorded live)
    "[role=main][aria-label='Reading Pane']",
  ),
  // The editable body; a RoosterJS editor whose paragraphs carry class elementToProof.
  composeBody: candidates(
    // Index excerpt of an Outlook web extension ("editorParent_ ... [contenteditable][role=textbox]")
    "[id^=editorParent_] [role=textbox][contenteditable=true]",
    // Outlook on the web's body, by its label (seen in public Outlook add-in and extension code); the label is "Message body, press Alt+F10 to exit"
    "div[role=textbox][contenteditable=true][aria-label^='Message body']",
  ),
  // No language-independent subject selector was found; the subject is optional for the API.
  // toggl/track-extension src/content/outlook.js
  composeSubject: candidates("input[aria-label='Add a subject']"),
  // The To, Cc and Bcc fields: role=group with an id ending _TO/_CC/_BCC after a per-compose
  // random prefix such as MSG_15127c3b5a0, independent of the UI language (index excerpt of an
  // Outlook web extension, "verified live on outlook.live.com" by its author).
  composeToField: candidates("[role=group][id$=_TO]"),
  composeCcField: candidates("[role=group][id$=_CC]"),
  composeBccField: candidates("[role=group][id$=_BCC]"),
  // A resolved recipient chip; its aria-label is the address even when it shows a name (same excerpt).
  composeRecipientChip: candidates("._EType_RECIPIENT_ENTITY[aria-label]"),
  // The editable part of a recipient field: an address typed but not yet resolved is plain text here.
  composeRecipientInput: candidates(
    // Index excerpt of an Outlook web extension (toWell '[aria-label="To"][contenteditable="true"]')
    "[role=group] [role=textbox][contenteditable=true]",
  ),
  composeSendButton: candidates(
    // CH3COOOH/OutlookSendingSafety chrome-extension/content.js (CLASS_BTN_SEND, a Fluent UI component class)
    "button.fui-SplitButton__primaryActionButton",
    // Index excerpt of an Outlook web extension ("splitButton-r3a__primaryActionButton", any language)
    "button[id$=__primaryActionButton]",
    // lucasjellema/outlook-addin ManyMail/outlook-newmail-window-chrome-extension/content.js
    "button[aria-label='Send']",
    // Goudaneha/Cucumber_Framework src/test/java/pageobjects/Outlook.java
    "button[title='Send (Ctrl+Enter)']",
  ),

  // The message list of a folder such as Sent Items.
  // gabeosx/outlook-web-skill references/outlook-ui.md (listbox "Message list", recorded live)
  messageList: candidates("[role=listbox][aria-label^='Message list']"),
  // A conversation row; carries attr.conversationId, and its id is the Exchange item id.
  messageRow: candidates(
    // gabeosx/outlook-web-skill references/outlook-ui.md (option rows with data-convid, recorded live)
    "[role=listbox] [role=option][data-convid]",
    // fperezdev/wd-extension-poc src/lib/consts.ts (OUTLOOK_ACTIVE_LIST_ITEM_THREAD_ID_ATTR)
    "[data-convid]",
  ),
  // No public source shows a row's inner structure: a status tick is appended to the row itself.
  // gabeosx/outlook-web-skill references/outlook-ui.md
  rowStatusSlot: candidates("[role=option][data-convid]"),
  // The open conversation's row, to tie the reading pane to a conversation id.
  // gabeosx/outlook-web-skill references/outlook-ui.md (aria-selected on the selected option)
  selectedRow: candidates("[role=option][data-convid][aria-selected=true]"),
  // The body of the message open in the reading pane, where our pixel shows as an <img>.
  messageBody: candidates(
    // Index excerpts of Outlook web extensions (READ_BODY 'div[id^="UniqueMessageBody_"][role="document"]')
    "div[id^=UniqueMessageBody][role=document]",
    // gabeosx/outlook-web-skill references/outlook-ui.md (document "Message body", recorded live)
    "[role=document][aria-label='Message body']",
  ),

  // Attribute names, not selectors.
  attr: Object.freeze({
    // fperezdev/wd-extension-poc src/lib/consts.ts; gabeosx/outlook-web-skill references/outlook-ui.md
    conversationId: "data-convid",
    // The row's own id is the base64 Exchange item id (gabeosx/outlook-web-skill references/outlook-ui.md).
    itemId: "id",
    // The address of a recipient chip.
    recipientAddress: "aria-label",
  }),

  // Outlook sends on Ctrl+Enter (the Send button's title says so); capture keydown on the compose.
  // CH3COOOH/OutlookSendingSafety chrome-extension/content.js (blocks Ctrl+Enter in the capture phase)
  sendShortcut: Object.freeze({ key: "Enter", modifiers: Object.freeze(["ctrlKey", "metaKey"]) }),
});
