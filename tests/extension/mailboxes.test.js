// The options page's linked mailboxes: what each row says, what the page says of a provider the
// server cannot link, and of an unlink.
import assert from "node:assert/strict";
import { test } from "node:test";

import {
  describeAccount, notConfigured, providerName, statusLabel, unlinkQuestion, unlinkedMessage,
} from "../../extension/src/options/mailboxes.js";

const NOW = Date.parse("2026-12-04T12:00:00+00:00");

// An item of GET /api/v1/accounts as the server answers it.
const ACCOUNT = {
  id: 1, provider: "google", address: "ana@gmail.com", linked_at: "2026-12-01T12:00:00+00:00", status: "ok",
  checked_at: "2026-12-04T11:55:00+00:00", problem: null,
};

test("a linked mailbox reads as its provider, when it was linked and when it was last checked", () => {
  assert.equal(describeAccount(ACCOUNT, NOW), "Google · linked 3 days ago · checked 5 min ago");
  assert.equal(describeAccount({ ...ACCOUNT, provider: "microsoft", checked_at: null, status: "waiting" }, NOW),
    "Microsoft · linked 3 days ago · not checked yet");
});

test("a mailbox that must be linked again says so, with the server's reason", () => {
  const stale = { ...ACCOUNT, status: "relink", problem: "Google no longer accepts the grant" };
  assert.equal(statusLabel(stale), "Needs linking again");
  assert.equal(describeAccount(stale, NOW), "Google · linked 3 days ago · checked 5 min ago · Google no longer accepts the grant");
  assert.equal(statusLabel({ status: "ok" }), "Working");
  assert.equal(statusLabel({ status: "waiting", checked_at: null, problem: null }), "Waiting for its first check");
  const slowed = { ...ACCOUNT, status: "waiting", problem: "Google asked us to slow down: quota" };
  assert.equal(statusLabel(slowed), "Checking again later");
  assert.match(describeAccount(slowed, NOW), /· Google asked us to slow down: quota$/);
  assert.equal(statusLabel({ status: "paused" }), "paused", "a status from a newer server shows as it is");
});

test("a provider the server cannot link names the settings its owner must set", () => {
  assert.match(notConfigured("google"), /TELLTALE_GOOGLE_CLIENT_ID and TELLTALE_GOOGLE_CLIENT_SECRET/);
  const microsoft = notConfigured("microsoft");
  for (const name of ["TELLTALE_MICROSOFT_CLIENT_ID", "TELLTALE_MICROSOFT_CLIENT_SECRET", "TELLTALE_MICROSOFT_TENANT"]) {
    assert.ok(microsoft.includes(name), name);
  }
  assert.equal(providerName("yahoo"), "yahoo");
  assert.equal(notConfigured("yahoo"), "Your server cannot link yahoo accounts.");
});

test("an unlink shows the server's message, which says when the user must remove the app", () => {
  const microsoft = { ...ACCOUNT, provider: "microsoft", address: "bo@contoso.com" };
  const said = "bo@contoso.com is unlinked and its token deleted here; Microsoft does not let Telltale revoke it itself: "
    + "remove Telltale from your Microsoft account's apps to end its access there too";
  assert.equal(unlinkedMessage(microsoft, { revoked: false, message: said }), said);
  assert.match(unlinkedMessage(microsoft, { revoked: false, message: "" }), /remove Telltale from the account's apps yourself/);
  assert.equal(unlinkedMessage(ACCOUNT, { revoked: true }), "Unlinked ana@gmail.com: replies are no longer looked for there.");
  assert.equal(unlinkedMessage(ACCOUNT, undefined), "Unlinked ana@gmail.com: replies are no longer looked for there.",
    "already unlinked elsewhere (404)");
  assert.match(unlinkQuestion(ACCOUNT), /^Unlink ana@gmail\.com \(Google\)\?/);
});
