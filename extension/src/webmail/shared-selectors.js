// What Telltale reads that is the same whatever the webmail: the markup mail clients write into a
// message (where a quote starts, a forward's header) and the ARIA roles every page uses alike.
// What each key finds and where each candidate was seen: extension/docs/webmail.md, "Every client".
//
// Unlike the keys of gmail-selectors.js and outlook-selectors.js, whose candidates are tried one
// at a time, each key here is used joined with commas: any of its selectors will do, and for
// quoteStart the one that comes first in the document is what counts.

const selectors = (...list) => Object.freeze(list);

export const SHARED = Object.freeze({
  // Where a quoted reply or forward starts, as Gmail, Outlook, Apple Mail and Thunderbird write it
  // into the body. Links after it are someone else's; the pixel goes before it. (docs: Every client)
  quoteStart: selectors(
    ".gmail_quote",
    ".gmail_quote_container",
    "#appendonsend",
    "#divRplyFwdMsg",
    "blockquote[type='cite']",
    ".moz-cite-prefix",
  ),
  // The header block desktop clients write into a forward: Outlook's and Thunderbird's. Styled with
  // our forward image, it loads only when the message is read forwarded. (docs: Forwards)
  forwardHeader: selectors("div.OutlookMessageHeader", "table.moz-email-headers-table"),
  // An editable element: a compose body, in either webmail, is the user's own text.
  editable: selectors("[contenteditable=true]"),
  // Menus and dialogs the webmail opens, as while the user picks a time in Gmail's Schedule send.
  picker: selectors("[role=menu]", "[role=dialog]"),
  // Landmarks of the mail app around its compose windows. Roles do not change with the user's
  // language, and a compose window never holds one. (docs: Every client)
  appLandmark: selectors(
    "[role=navigation]",
    "[role=tree]",
    "[role=banner]",
    "[role=main]",
    "[role=search]",
    "[role=complementary]",
  ),
});
