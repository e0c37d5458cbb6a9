// The don't-track list: what an entry may be, which recipients it leaves untracked, and what the
// compose says when a Send goes out untracked because of it.
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { test } from "node:test";

import { parseHTML } from "../../extension/node_modules/linkedom/esm/index.js";
import { coveredBy, describeEntry, listedRecipients, parseEntry, tryEntry } from "../../extension/src/common/dont-track.js";
import { dontTrackReason, notTrackedNotice } from "../../extension/src/compose/dont-track.js";
import { sendListener } from "../../extension/src/compose/send.js";
import { composeWindows } from "../../extension/src/compose/window.js";
import { gmail } from "../../extension/src/webmail/gmail.js";

const RECIPIENTS = ["dana@example.net", "Ravi@Example.com", "kim@mail.example.net", "jo@example.network"];

test("an entry is an address or a domain, kept in lower case, with or without its leading @", () => {
  assert.equal(parseEntry("  Ana@Example.COM "), "ana@example.com");
  assert.equal(parseEntry("@Example.com"), "example.com");
  assert.equal(parseEntry("example.com"), "example.com");
  assert.equal(parseEntry("example.com."), "example.com", "a fully qualified name's final dot");
  assert.equal(parseEntry("first.last+news@mail.example.co.uk"), "first.last+news@mail.example.co.uk");
  assert.equal(parseEntry("bücher.example"), "bücher.example", "an internationalised domain");
});

test("malformed entries are refused, saying what is wrong", () => {
  assert.throws(() => parseEntry("   "), /Type an address \(ana@example\.com\) or a domain/);
  for (const typed of ["ana@", "@", "com", "@localhost", "example..com", "-example.com", "exa mple.com", "example.com/x",
    "https://example.com", "ana@example"]) {
    assert.throws(() => parseEntry(typed), /has no domain Telltale can match/, typed);
  }
  for (const typed of ["a b@example.com", "a@b@example.com", "<ana>@example.com", "a,b@example.com"]) {
    assert.throws(() => parseEntry(typed), /is not an email address/, typed);
  }
  assert.equal(tryEntry("not a domain"), null);
});

test("an address entry matches that address alone, in any case", () => {
  assert.deepEqual(listedRecipients(RECIPIENTS, ["ravi@example.com"]), ["Ravi@Example.com"]);
  assert.deepEqual(listedRecipients(RECIPIENTS, ["RAVI@EXAMPLE.COM"]), ["Ravi@Example.com"], "stored before it was canonical");
  assert.deepEqual(listedRecipients(["ravi@sub.example.com", "ravi@example.comx"], ["ravi@example.com"]), []);
});

test("a domain entry matches the domain and its subdomains, never a domain that only ends alike", () => {
  assert.deepEqual(listedRecipients(RECIPIENTS, ["example.net"]), ["dana@example.net", "kim@mail.example.net"]);
  assert.deepEqual(listedRecipients(RECIPIENTS, ["mail.example.net"]), ["kim@mail.example.net"]);
  assert.deepEqual(listedRecipients(["x@badexample.net", "y@example.net.evil.test"], ["example.net"]), []);
  assert.deepEqual(listedRecipients(["Y@EXAMPLE.NET."], ["@Example.Net"]), ["Y@EXAMPLE.NET."]);
});

test("malformed stored entries match nothing, and the others still apply", () => {
  assert.deepEqual(listedRecipients(RECIPIENTS, ["", "com", 42, null, "network", "example.network"]), ["jo@example.network"]);
  assert.deepEqual(listedRecipients(RECIPIENTS, "example.net"), [], "a list that is not a list");
  assert.deepEqual(listedRecipients(RECIPIENTS, []), []);
});

test("an entry already covered by the list is known, as is the domain above it", () => {
  const list = ["example.com", "ana@example.org"];
  assert.equal(coveredBy("example.com", list), "example.com");
  assert.equal(coveredBy("ravi@example.com", list), "example.com");
  assert.equal(coveredBy("mail.example.com", list), "example.com");
  assert.equal(coveredBy("ana@example.org", list), "ana@example.org");
  assert.equal(coveredBy("example.org", list), undefined, "an address does not cover its domain");
  assert.equal(coveredBy("bo@example.org", list), undefined);
});

test("the options page lists a domain as everyone at it", () => {
  assert.equal(describeEntry("ana@example.com"), "ana@example.com");
  assert.equal(describeEntry("example.com"), "anyone at example.com or its subdomains");
});

test("the notice names the listed recipients, and tells why the others are not tracked either", () => {
  assert.equal(notTrackedNotice(["ana@example.com"], 1), "Not tracked: ana@example.com is on your don't-track list.");
  assert.equal(notTrackedNotice(["ana@example.com", "bo@example.com", "cy@example.org"], 3),
    "Not tracked: ana@example.com, bo@example.com and cy@example.org are on your don't-track list.");
  assert.equal(notTrackedNotice(["ana@example.com"], 4),
    "Not tracked: ana@example.com is on your don't-track list. Every recipient gets the same copy of the message, so it " +
      "is not tracked for the others either.");
  assert.match(notTrackedNotice(["ana@example.com"], 1, { protecting: true }),
    /^Sent as written, not protected and not tracked: ana@example\.com is on/);
});

// An adapter stand-in with the compose's recipients (To, Cc and Bcc together, as the real ones read them).
function adapter(recipients) {
  return {
    name: "test",
    recipients() {
      if (recipients instanceof Error) throw recipients;
      return recipients;
    },
  };
}

test("at Send, a listed recipient in any field means untracked for all, and an empty list reads nothing", () => {
  const settings = { dontTrack: ["example.org"] };
  assert.equal(dontTrackReason(adapter(["dana@example.net"]), settings, null), "");
  assert.match(dontTrackReason(adapter(["dana@example.net", "audit@mail.example.org"]), settings, null),
    /^Not tracked: audit@mail\.example\.org is on your don't-track list\. Every recipient/);
  assert.equal(dontTrackReason(adapter(new Error("no recipients field")), { dontTrack: [] }, null), "");
  assert.equal(dontTrackReason(adapter(new Error("no recipients field")), {}, null), "");
});

test("recipients that cannot be read cannot be checked: with a list, the message goes out untracked", () => {
  assert.equal(dontTrackReason(adapter(new Error("markup changed")), { dontTrack: ["example.org"] }, null),
    "Not tracked: Telltale could not read the recipients to check them against your don't-track list.");
});

// --- at Send, on the recorded Gmail compose --------------------------------------------------------

test("a Send to a listed recipient goes to the webmail uncancelled, and Enter then its click tell the user once", (t) => {
  // The notice goes away after a while: not this test's wait.
  t.mock.timers.enable({ apis: ["setTimeout"] });
  const window = parseHTML(readFileSync(new URL("../e2e/fixtures/gmail/compose.html", import.meta.url), "utf8"));
  globalThis.Element = window.Element;
  try {
    const state = { tracking: true, protection: { protected: false }, tags: [], phase: "idle" };
    const settings = { serverUrl: "https://t.example.test", token: "tt_x", dontTrack: ["audit@example.com"] };
    const listener = sendListener(gmail, settings, () => state);
    window.document.addEventListener("keydown", listener, true);
    window.document.addEventListener("click", listener, true);
    const [compose] = composeWindows(gmail, window.document);
    for (const event of [new window.Event("keydown", { bubbles: true, cancelable: true }),
      new window.Event("click", { bubbles: true, cancelable: true })]) {
      if (event.type === "keydown") event.key = "Enter";
      compose.send.dispatchEvent(event);
      assert.equal(event.defaultPrevented, false, `${event.type} reaches the webmail`);
    }
    assert.equal(state.phase, "idle", "nothing registered, nothing to wait for");
    const notices = [...window.document.querySelectorAll("[data-telltale-notice]")].map((notice) => notice.getAttribute("aria-label"));
    assert.deepEqual(notices, [notTrackedNotice(["audit@example.com"], 9)]);
  } finally {
    delete globalThis.Element;
  }
});
