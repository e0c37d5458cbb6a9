// Gmail's page as Telltale sees it: when Gmail changes its markup, this file changes.
//
// Each key lists candidates in order of preference, tried one at a time; never join them with a
// comma, which picks by document order instead (the rule InboxSDK's own selector registry keeps).
// Gmail's short class names are the same in every language, and public libraries have read them
// for years; its labels are localised, so none is read here. Every candidate is checked against
// tests/e2e/fixtures/gmail/. What each key finds and the public source of each candidate:
// extension/docs/webmail.md, "Gmail".

const candidates = (...selectors) => Object.freeze(selectors);

export const GMAIL = Object.freeze({
  // One compose window: pop-up, full screen or inline reply. Scope every compose query to it; the
  // second candidate is the window around the first, holding its title bar too. (docs: Gmail: compose)
  composeRoot: candidates("div.M9", "div.AD [role=dialog]"),
  // The editable body; Gmail reads it when the message goes out. (docs: Gmail: compose)
  composeBody: candidates(".Ap [g_editable=true]", "div[contenteditable=true]:not([id=subject])"),
  composeSubject: candidates("input[name=subjectbox]"),
  // A resolved recipient; address in attr.recipientAddress, field in the nearest [name]. The last
  // candidate takes any element carrying the address in a recipient field, whatever its role.
  // (docs: Gmail: recipients)
  composeRecipientChip: candidates(
    ".GS .anm[name] [role=listbox] [role=option][data-name]",
    "tr.bzf div[name] div[data-hovercard-id]",
    ".anm[name] [data-hovercard-id]",
  ),
  // The text box of a recipient field: an address typed but not yet turned into a chip.
  composeRecipientInput: candidates(
    ".anm[name] input[role=combobox][aria-autocomplete=list]",
    "div[name] input[peoplekit-id]",
  ),
  // Send, not the send-options arrow beside it. (docs: Gmail: compose)
  composeSendButton: candidates(
    ".IZ .Up div > div[role=button]:not(.Uo):not([aria-haspopup=true])",
    // Narrower than its source's: that one also matched the send-options arrow.
    "div.T-I.T-I-atl:not(.Uo):not([aria-haspopup])",
  ),
  // The arrow beside Send that opens "Schedule send": the one button of Send's group with a menu,
  // which the Send candidates above leave out for that reason.
  composeSendOptions: candidates(".IZ .Up div > div[role=button][aria-haspopup=true]"),
  // Only in replies, and only with Gmail's "Send & Archive" setting on; also sends.
  composeSendAndArchiveButton: candidates(".IZ .Up div > div[role=button].Uo:not([aria-haspopup=true])"),
  // The toolbar cell holding Send; a compose control such as the Track switch goes after it.
  composeSendCell: candidates("tr.btC td.gU.Up"),
  // Hidden inputs carrying the compose's ids; values keep Gmail's leading "#". The legacy thread
  // id is empty in a new message. (docs: Gmail: compose ids)
  composeDraftId: candidates("input[name=draft]"),
  composeThreadId: candidates("input[name=rt]"),
  composeLegacyThreadId: candidates("input[name=lts]"),
  // The "Message sent" notice shown after a send.
  sentNotice: candidates("div.vh"),
  // The signed-in account's button in the page header, whose aria-label ends with the address,
  // "Google Account: Name (address)" in English; only the "@" is matched, which no language
  // changes. The mailbox a compose is sent from, for replies read through the Gmail API.
  // (docs: Gmail: account)
  account: candidates("a[href*='accounts.google.com/SignOutOptions'][aria-label*='@']"),

  // A conversation row in a thread list such as Sent. (docs: Gmail: Sent list)
  threadRow: candidates("tbody > tr.zA[role=row]", "tr.zA"),
  // The element of a row that carries the thread ids (see attr).
  rowIdElement: candidates("[data-thread-id][data-legacy-thread-id]", "span[data-thread-id]"),
  rowSubject: candidates("td.a4W div.xS div.xT div.y6 > span[id]"),
  // Where a status tick goes: where InboxSDK puts row icons, before the subject's div.y6.
  rowStatusSlot: candidates("td.a4W div.xS div.xT"),
  rowPeople: candidates("td div.yW [email]"),

  // The open conversation. List rows carry thread ids too: scope id lookups to this; an inline
  // reply is written inside it. (docs: Gmail: conversations)
  threadView: candidates("[role=main] .g.id .a98.iY"),
  threadSubject: candidates("h2.hP", ".ha h2"),
  threadIdElement: candidates("[data-legacy-thread-id]", "[data-thread-perm-id]"),
  // One message of the open conversation.
  openMessage: candidates("div.adn[data-legacy-message-id]", ".adn[data-message-id]"),
  // The body of an open message, where our pixel shows as a proxied <img> (the second candidate
  // sits inside the first).
  messageBody: candidates("div.ii.gt", "div.a3s"),

  // Attribute names, not selectors. (docs: Gmail: Sent list)
  attr: Object.freeze({
    recipientAddress: "data-hovercard-id",
    recipientName: "data-name",
    // "#thread-f:1654009536642772396" (received) or "#thread-a:r-7681922771531347793" (started by you).
    rowThreadId: "data-thread-id",
    rowLegacyThreadId: "data-legacy-thread-id",
    rowLastMessageId: "data-legacy-last-message-id",
    messageId: "data-message-id",
    legacyMessageId: "data-legacy-message-id",
    threadPermId: "data-thread-perm-id",
  }),

  // Gmail sends on Ctrl+Enter (Cmd+Enter on macOS) anywhere in the compose, and on Enter or Space
  // on a focused Send button; InboxSDK listens for these in the capture phase on composeRoot.
  // (docs: Gmail: compose)
  sendShortcut: Object.freeze({ key: "Enter", modifiers: Object.freeze(["ctrlKey", "metaKey"]) }),
});
