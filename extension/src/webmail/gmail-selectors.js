// Gmail's page as Telltale sees it: when Gmail changes its markup, this file changes.
//
// Each key lists candidates in order of preference, tried one at a time; never join them with a
// comma, which picks by document order instead (the rule of InboxSDK's own registry,
// InboxSDK/InboxSDK src/platform-implementation-js/dom-driver/gmail/selectors.ts).
// Every candidate is checked against tests/e2e/fixtures/gmail/; the comment above a candidate
// names the public code it comes from.

const candidates = (...selectors) => Object.freeze(selectors);

export const GMAIL = Object.freeze({
  // One compose window: pop-up, full screen or inline reply. Scope every compose query to it;
  // the second candidate is the window around the first, holding its title bar too.
  composeRoot: candidates(
    // KartikTalwar/gmail.js src/gmail.js (dom.composes)
    "div.M9",
    // InboxSDK/InboxSDK src/platform-implementation-js/dom-driver/gmail/gmail-driver/setup-compose-view-driver-stream.ts
    "div.AD [role=dialog]",
  ),
  // The editable body; Gmail reads it when the message goes out.
  composeBody: candidates(
    // InboxSDK/InboxSDK src/platform-implementation-js/dom-driver/gmail/views/gmail-compose-view.ts (getMaybeBodyElement)
    ".Ap [g_editable=true]",
    // KartikTalwar/gmail.js src/gmail.js (dom.compose body)
    "div[contenteditable=true]:not([id=subject])",
  ),
  // InboxSDK/InboxSDK src/platform-implementation-js/dom-driver/gmail/views/gmail-compose-view.ts (getSubjectInput)
  composeSubject: candidates("input[name=subjectbox]"),
  // A resolved recipient; address in attr.recipientAddress, field in the nearest [name].
  composeRecipientChip: candidates(
    // InboxSDK/InboxSDK src/platform-implementation-js/dom-driver/gmail/views/gmail-compose-view/page-parser.ts
    ".GS .anm[name] [role=listbox] [role=option][data-name]",
    // KartikTalwar/gmail.js src/gmail.js (dom.compose recipients, peoplekit)
    "tr.bzf div[name] div[data-hovercard-id]",
  ),
  // The text box of a recipient field: an address typed but not yet turned into a chip.
  composeRecipientInput: candidates(
    // InboxSDK/InboxSDK src/platform-implementation-js/dom-driver/gmail/views/gmail-compose-view/set-recipients.ts
    ".anm[name] input[role=combobox][aria-autocomplete=list]",
    // KartikTalwar/gmail.js src/gmail.js (api.check.is_peoplekit_compose)
    "div[name] input[peoplekit-id]",
  ),
  composeSendButton: candidates(
    // InboxSDK/InboxSDK src/platform-implementation-js/dom-driver/gmail/views/gmail-compose-view.ts (getSendButton)
    ".IZ .Up div > div[role=button]:not(.Uo):not([aria-haspopup=true])",
    // KartikTalwar/gmail.js src/gmail.js (send_button), narrowed: it also matched the send-options arrow
    "div.T-I.T-I-atl:not(.Uo):not([aria-haspopup])",
  ),
  // The arrow beside Send that opens "Schedule send": the one button of Send's group with a menu,
  // which the Send candidates above leave out for that reason.
  composeSendOptions: candidates(".IZ .Up div > div[role=button][aria-haspopup=true]"),
  // Only in replies, and only with Gmail's "Send & Archive" setting on; also sends.
  // InboxSDK/InboxSDK src/platform-implementation-js/dom-driver/gmail/views/gmail-compose-view.ts (getSendAndArchiveButton)
  composeSendAndArchiveButton: candidates(".IZ .Up div > div[role=button].Uo:not([aria-haspopup=true])"),
  // The toolbar cell holding Send; a compose control such as the Track switch goes after it.
  // KartikTalwar/gmail.js src/gmail.js (tools.add_compose_button)
  composeSendCell: candidates("tr.btC td.gU.Up"),
  // Hidden inputs carrying the compose's ids; values keep Gmail's leading "#".
  // InboxSDK/InboxSDK src/platform-implementation-js/dom-driver/gmail/views/gmail-compose-view.ts (#messageIDElement)
  composeDraftId: candidates("input[name=draft]"),
  // KartikTalwar/gmail.js src/gmail.js (dom.compose thread)
  composeThreadId: candidates("input[name=rt]"),
  // A reply's legacy thread id, empty in a new message.
  // InboxSDK/InboxSDK src/platform-implementation-js/dom-driver/gmail/views/gmail-compose-view.ts (#setupIDs)
  composeLegacyThreadId: candidates("input[name=lts]"),
  // The "Message sent" notice shown after a send.
  // mkhan004/GmailFrameWork src/com/framework/pages/EmailComposePage.java (cofirmationMessage)
  sentNotice: candidates("div.vh"),

  // A conversation row in a thread list such as Sent.
  threadRow: candidates(
    // KartikTalwar/gmail.js src/gmail.js (dom.visible_messages)
    "tbody > tr.zA[role=row]",
    // InboxSDK/InboxSDK src/platform-implementation-js/dom-driver/gmail/views/gmail-thread-row-view.ts
    "tr.zA",
  ),
  // The element of a row that carries the thread ids (see attr).
  rowIdElement: candidates(
    // InboxSDK/InboxSDK src/platform-implementation-js/dom-driver/gmail/views/gmail-thread-row-view.ts (_getThreadID)
    "[data-thread-id][data-legacy-thread-id]",
    // KartikTalwar/gmail.js src/gmail.js (dom.visible_messages)
    "span[data-thread-id]",
  ),
  // InboxSDK/InboxSDK src/platform-implementation-js/dom-driver/gmail/views/gmail-thread-row-view.ts (_getSubjectSelector)
  rowSubject: candidates("td.a4W div.xS div.xT div.y6 > span[id]"),
  // Where a status tick goes: InboxSDK puts row icons here, before the subject's div.y6.
  // InboxSDK/InboxSDK src/platform-implementation-js/dom-driver/gmail/views/gmail-thread-row-view.ts (_getLabelParent, addImage)
  rowStatusSlot: candidates("td.a4W div.xS div.xT"),
  // InboxSDK/InboxSDK src/platform-implementation-js/dom-driver/gmail/views/gmail-thread-row-view.ts (getContacts)
  rowPeople: candidates("td div.yW [email]"),

  // The open conversation. List rows carry thread ids too: scope id lookups to this.
  // InboxSDK/InboxSDK src/platform-implementation-js/dom-driver/gmail/selectors.ts (threadView.container)
  threadView: candidates("[role=main] .g.id .a98.iY"),
  threadSubject: candidates(
    // KartikTalwar/gmail.js src/gmail.js (dom.thread subject)
    "h2.hP",
    // InboxSDK/InboxSDK src/platform-implementation-js/dom-driver/gmail/selectors.ts (threadView.subject)
    ".ha h2",
  ),
  threadIdElement: candidates(
    // InboxSDK/InboxSDK src/platform-implementation-js/dom-driver/gmail/selectors.ts (threadView.idElement)
    "[data-legacy-thread-id]",
    // KartikTalwar/gmail.js src/gmail.js (new.get.thread_id)
    "[data-thread-perm-id]",
  ),
  // One message of the open conversation.
  openMessage: candidates(
    // KartikTalwar/gmail.js src/gmail.js (dom.email)
    "div.adn[data-legacy-message-id]",
    // KartikTalwar/gmail.js src/gmail.js (new.get.email_id)
    ".adn[data-message-id]",
  ),
  // The body of an open message, where our pixel shows as a proxied <img> (the second
  // candidate sits inside the first).
  messageBody: candidates(
    // InboxSDK/InboxSDK src/platform-implementation-js/dom-driver/gmail/selectors.ts (messageView.body)
    "div.ii.gt",
    // KartikTalwar/gmail.js src/gmail.js (dom.email body)
    "div.a3s",
  ),

  // Attribute names, not selectors.
  attr: Object.freeze({
    // InboxSDK/InboxSDK src/platform-implementation-js/dom-driver/gmail/views/gmail-compose-view/get-recipients.ts
    recipientAddress: "data-hovercard-id",
    recipientName: "data-name",
    // "#thread-f:1654009536642772396" (received) or "#thread-a:r-7681922771531347793" (started by you);
    // InboxSDK/InboxSDK src/platform-implementation-js/dom-driver/gmail/views/gmail-thread-row-view.ts
    rowThreadId: "data-thread-id",
    rowLegacyThreadId: "data-legacy-thread-id",
    rowLastMessageId: "data-legacy-last-message-id",
    // KartikTalwar/gmail.js src/gmail.js (dom.email, new.get.email_id)
    messageId: "data-message-id",
    legacyMessageId: "data-legacy-message-id",
    // KartikTalwar/gmail.js src/gmail.js (new.get.thread_id)
    threadPermId: "data-thread-perm-id",
  }),

  // Gmail sends on Ctrl+Enter (Cmd+Enter on macOS) anywhere in the compose, and on Enter or Space
  // on a focused Send button; InboxSDK listens for these in the capture phase on composeRoot.
  // InboxSDK/InboxSDK src/platform-implementation-js/driver-common/compose/getPresendingStream.ts
  sendShortcut: Object.freeze({ key: "Enter", modifiers: Object.freeze(["ctrlKey", "metaKey"]) }),
});
