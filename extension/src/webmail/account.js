// Which mailbox a compose is sent from: the signed-in account the webmail page names. The backend
// reads replies through that mailbox (Gmail API, Microsoft Graph), so each registration carries
// it as `account`. The page is read, not a setting: one browser may have several accounts open,
// one per tab. Never a reason not to send: a page that names none registers without it.
import { first } from "./find.js";

// Between the separators of labels such as "Google Account: Name (ana@example.com)" or
// "Account manager for Ana ana@example.com"; the part after "@" must have a dot.
const ADDRESS = /[^\s<>()[\]"',;:]+@[^\s<>()[\]"',;:]+\.[^\s<>()[\]"',;:]+/;
// The backend keeps at most this many characters (RFC 5321's limit for a path).
const MAX_LENGTH = 320;

// The first address in `text`, lower-cased, or null.
export function addressIn(text) {
  const found = String(text ?? "").match(ADDRESS)?.[0].toLowerCase();
  return found && found.length <= MAX_LENGTH ? found : null;
}

// The address an element shows: in its accessible name first (a button's picture has no text),
// then its title, then its text.
export function addressOf(element) {
  if (!element) return null;
  for (const text of [element.getAttribute("aria-label"), element.getAttribute("title"), element.textContent]) {
    const address = addressIn(text);
    if (address) return address;
  }
  return null;
}

// The account named by the first of `candidates` that finds an element with an address in it.
export function accountOf(document, candidates) {
  for (const selector of candidates) {
    const address = addressOf(first(document, [selector]));
    if (address) return address;
  }
  return null;
}

// Gmail's title is "<view> - <address> - Gmail" ("Inbox (3) - ana@gmail.com - Gmail"); the view
// may be a subject holding " - " or an address of its own, so the address is the part before the
// last separator.
export function gmailTitleAccount(title) {
  const parts = String(title ?? "").split(" - ");
  if (parts.length < 3 || parts.at(-1).trim() !== "Gmail") return null;
  const address = addressIn(parts.at(-2));
  return address && address === parts.at(-2).trim().toLowerCase() ? address : null;
}
