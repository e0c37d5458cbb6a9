// The words for linked mailboxes (GET /api/v1/accounts): what the options page's "Mailboxes
// (replies)" section says of each, and of a provider the server cannot link yet. No DOM here
// (tests/extension/mailboxes.test.js).
import { relativeTime } from "../common/format.js";

// What the server owner sets for each provider (the backend's config); until then, linking one is
// refused with provider_not_configured.
export const PROVIDERS = Object.freeze({
  google: Object.freeze({
    name: "Google",
    service: "the Gmail API",
    settings: "TELLTALE_GOOGLE_CLIENT_ID and TELLTALE_GOOGLE_CLIENT_SECRET",
  }),
  microsoft: Object.freeze({
    name: "Microsoft",
    service: "Microsoft Graph",
    settings: "TELLTALE_MICROSOFT_CLIENT_ID and TELLTALE_MICROSOFT_CLIENT_SECRET, and TELLTALE_MICROSOFT_TENANT "
      + "for an app registered in one organisation only",
  }),
});

export const providerName = (provider) => PROVIDERS[provider]?.name ?? provider;

// Why a provider's Link button is disabled, naming what the server owner must set.
export function notConfigured(provider) {
  const known = PROVIDERS[provider];
  if (!known) return `Your server cannot link ${provider} accounts.`;
  return `Linking ${known.name} accounts is not set up on your server: its owner sets ${known.settings}, then restarts it.`;
}

// The status as the list shows it; "relink" is the one that asks something of the user. The
// server also says "waiting" of a mailbox it was told to read more slowly, or cannot read until its
// owner sets the provider's app: its problem then says why (describeAccount).
const STATUS = Object.freeze({
  ok: "Working",
  relink: "Needs linking again",
  waiting: "Checking again later",
});

export function statusLabel(account) {
  if (account.status === "waiting" && !account.checked_at && !account.problem) return "Waiting for its first check";
  return STATUS[account.status] ?? account.status;
}

// "Google · linked 3 days ago · checked 5 min ago", and the server's problem when it has one.
export function describeAccount(account, now = Date.now()) {
  const checked = account.checked_at ? `checked ${relativeTime(account.checked_at, now)}` : "not checked yet";
  const parts = [providerName(account.provider), `linked ${relativeTime(account.linked_at, now)}`, checked];
  if (account.problem) parts.push(account.problem);
  return parts.join(" · ");
}

// What the page says once an account is unlinked: the server's own words, which say whether the
// grant was revoked or the user must remove the app themselves (Microsoft's, when revoked is false).
export function unlinkedMessage(account, answer) {
  const said = answer?.message?.trim();
  if (said) return said;
  const done = `Unlinked ${account.address}: replies are no longer looked for there.`;
  return answer?.revoked === false
    ? `${done} Its access could not be revoked by the server: remove Telltale from the account's apps yourself.`
    : done;
}

// The question asked before unlinking.
export function unlinkQuestion(account) {
  return `Unlink ${account.address} (${providerName(account.provider)})? Replies to your messages will no longer `
    + "be looked for in it.";
}
