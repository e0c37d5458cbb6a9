// Which account a compose is sent from: read from the webmail page, in any language, and never a
// reason to fail.
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { test } from "node:test";

import { parseHTML } from "../../extension/node_modules/linkedom/esm/index.js";
import { accountOf, addressIn, addressOf, gmailTitleAccount } from "../../extension/src/webmail/account.js";
import { gmail } from "../../extension/src/webmail/gmail.js";
import { outlook } from "../../extension/src/webmail/outlook.js";

const page = (path) => parseHTML(readFileSync(new URL(`../e2e/fixtures/${path}`, import.meta.url), "utf8")).document;
const html = (body, title = "") => parseHTML(`<!doctype html><html><head><title>${title}</title></head><body>${body}</body></html>`).document;

test("an address is found inside a label, lower-cased, in any language", () => {
  assert.equal(addressIn("Google Account: Sam Tester\n  (Sam.Tester@Example.com)"), "sam.tester@example.com");
  assert.equal(addressIn("Konto-Manager für Ada ada@example.com"), "ada@example.com");
  assert.equal(addressIn("Ada <ada@example.com>"), "ada@example.com");
  assert.equal(addressIn("Sam Tester"), null);
  assert.equal(addressIn("someone@localhost"), null, "a mailbox address has a domain with a dot");
  assert.equal(addressIn(null), null);
  assert.equal(addressIn(`${"a".repeat(320)}@example.com`), null, "longer than the server keeps");
});

test("an element's address comes from its label, else its title, else its text", () => {
  const { document } = parseHTML('<div><button id="a" aria-label="Account manager for Ada ada@example.com">AE</button>'
    + '<div id="b" title="bo@example.org">bo@exampl…</div><div id="c">cy@example.net</div><div id="d">Sam</div></div>');
  assert.deepEqual(["a", "b", "c", "d"].map((id) => addressOf(document.getElementById(id))),
    ["ada@example.com", "bo@example.org", "cy@example.net", null]);
  assert.equal(addressOf(null), null);
});

test("candidates are tried in order, skipping one that finds an element without an address", () => {
  const document = html('<button id="O365_MainLink_Me" aria-label="Account manager for Ada">AE</button>'
    + '<div id="mectrl_currentAccount_secondary">ada@example.com</div>');
  assert.equal(accountOf(document, ["#O365_MainLink_Me", "#mectrl_currentAccount_secondary"]), "ada@example.com");
  assert.equal(accountOf(document, ["#nothing"]), null);
});

test("gmail: the account button names the account; without it, the title does", () => {
  assert.equal(gmail.account(page("gmail/compose.html")), "sam.tester@example.com");
  assert.equal(gmail.account(page("gmail/sent.html")), "sam.tester@example.com");
  // The thread fixture's header link is not the account button: the title speaks.
  assert.equal(gmail.account(page("gmail/thread.html")), "sam.tester@example.com");
  assert.equal(gmail.account(html("<header></header>", "Inbox - Gmail")), null);
});

test("gmail's title gives the address before its last separator, whatever the subject holds", () => {
  assert.equal(gmailTitleAccount("Inbox (3) - ana@gmail.com - Gmail"), "ana@gmail.com");
  assert.equal(gmailTitleAccount("Re: bo@example.org - the - plan - ana@gmail.com - Gmail"), "ana@gmail.com");
  assert.equal(gmailTitleAccount("ana@gmail.com - Gmail"), null);
  assert.equal(gmailTitleAccount("Inbox - Ana Example - Gmail"), null);
  assert.equal(gmailTitleAccount("Inbox - ana@gmail.com - Google Docs"), null);
  assert.equal(gmailTitleAccount(undefined), null);
});

test("outlook: the account manager button, its card and the folder tree's root name the account", () => {
  assert.equal(outlook.account(page("outlook/compose.html")), "sam.tester@example.com");
  const sent = page("outlook/sent.html");
  assert.equal(outlook.account(sent), "sam.tester@example.com");
  sent.getElementById("O365_MainLink_Me").remove();
  assert.equal(outlook.account(sent), "sam.tester@example.com", "the card");
  sent.getElementById("mectrl_main_body").remove();
  assert.equal(outlook.account(sent), "sam.tester@example.com", "the folder tree's root");
  sent.querySelector("[role=treeitem][title]").remove();
  assert.equal(outlook.account(sent), null);
});
