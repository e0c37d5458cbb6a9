// The options page's notification settings: the form to a PATCH body, refusals in the form's words,
// and the time zone offered when pairing.
import assert from "node:assert/strict";
import { test } from "node:test";

import { ApiError } from "../../extension/src/common/api.js";
import {
  browserZone, describeRefusal, formFromSettings, offerBrowserZone, patchFromForm,
} from "../../extension/src/options/preferences.js";

// GET /api/v1/settings as the server answers it.
const SETTINGS = {
  email: "ana@example.test", timezone: "Europe/Madrid", timezone_set: true, reopen_quiet_minutes: 60,
  quiet_hours: { start: "22:30", end: "07:00" }, digest: "daily", popups_after_reply: true,
};

test("settings read back as the form shows them, and the form saves them unchanged", () => {
  const form = formFromSettings(SETTINGS);
  assert.deepEqual(form, {
    timezone: "Europe/Madrid", quietOn: true, quietStart: "22:30", quietEnd: "07:00", reopenMinutes: "60", digest: "daily",
    popupsAfterReply: true,
  });
  assert.deepEqual(patchFromForm(form), {
    timezone: "Europe/Madrid", quiet_hours: { start: "22:30", end: "07:00" }, reopen_quiet_minutes: 60, digest: "daily",
    popups_after_reply: true,
  });
  assert.equal(patchFromForm({ ...form, popupsAfterReply: false }).popups_after_reply, false);
});

test("a server without popups_after_reply is never sent it", () => {
  const { popups_after_reply: _, ...older } = SETTINGS;
  const form = formFromSettings(older);
  assert.equal(form.popupsAfterReply, null);
  assert.ok(!("popups_after_reply" in patchFromForm(form)));
});

test("quiet hours switched off are sent as null, and offered as a night when switched on again", () => {
  const form = formFromSettings({ ...SETTINGS, quiet_hours: null });
  assert.equal(form.quietOn, false);
  assert.deepEqual([form.quietStart, form.quietEnd], ["22:00", "07:00"]);
  assert.equal(patchFromForm(form).quiet_hours, null);
});

test("what the server would take but the user cannot mean is refused, naming the field", () => {
  const form = formFromSettings(SETTINGS);
  const refused = (changes) => {
    try {
      patchFromForm({ ...form, ...changes });
    } catch (error) {
      return [error.field, error.message];
    }
    return null;
  };
  assert.deepEqual(refused({ quietEnd: "22:30" }),
    ["quiet_hours", "Quiet hours start and end at the same time: change one, or switch them off."]);
  assert.equal(refused({ quietStart: "" })[0], "quiet_hours");
  assert.equal(refused({ quietOn: false, quietStart: "" }), null, "times do not matter while switched off");
  assert.equal(refused({ reopenMinutes: "1.5" })[0], "reopen_quiet_minutes");
  assert.equal(refused({ reopenMinutes: "" })[0], "reopen_quiet_minutes");
  assert.equal(refused({ timezone: "  " })[0], "timezone");
  assert.equal(refused({ reopenMinutes: "100000" }), null, "the range is the server's to judge");
});

test("a refusal from the server reads with the form's label for the field", () => {
  assert.equal(
    describeRefusal("timezone: unknown time zone 'Mars/Olympus'; use an IANA name such as 'Europe/Madrid'", "timezone"),
    "Time zone: unknown time zone 'Mars/Olympus'; use an IANA name such as 'Europe/Madrid'",
  );
  assert.equal(describeRefusal("quiet_hours.start: String should match pattern", "quiet_hours.start"),
    "Quiet hours start: String should match pattern");
  assert.equal(describeRefusal("something else", "unknown_field"), "something else");
});

test("the browser's zone is Intl's", () => {
  const intl = { DateTimeFormat: () => ({ resolvedOptions: () => ({ timeZone: "Asia/Kolkata" }) }) };
  assert.equal(browserZone(intl), "Asia/Kolkata");
  assert.equal(typeof browserZone(), "string");
});

// An Api stand-in that records what the page asked of it.
function fakeApi(settings, refusal = null) {
  const calls = [];
  return {
    calls,
    async settings() {
      calls.push(["GET"]);
      return settings;
    },
    async changeSettings(fields) {
      calls.push(["PATCH", fields]);
      if (refusal) throw refusal;
      return { ...settings, ...fields, timezone_set: true };
    },
  };
}

test("pairing offers the browser's zone when nobody chose one", async () => {
  const api = fakeApi({ ...SETTINGS, timezone: "UTC", timezone_set: false });
  assert.equal(await offerBrowserZone(api, "Asia/Kolkata"), " Time zone set to Asia/Kolkata, this browser's.");
  assert.deepEqual(api.calls, [["GET"], ["PATCH", { timezone: "Asia/Kolkata" }]]);
});

test("pairing leaves a zone someone chose alone", async () => {
  const api = fakeApi(SETTINGS);
  assert.equal(await offerBrowserZone(api, "Asia/Kolkata"), "");
  assert.deepEqual(api.calls, [["GET"]]);
});

test("a zone the server refuses is reported, and the pairing stands", async () => {
  const refusal = new ApiError("timezone: unknown time zone 'Etc/Nowhere'", 422, "timezone");
  const api = fakeApi({ ...SETTINGS, timezone_set: false }, refusal);
  assert.equal(await offerBrowserZone(api, "Etc/Nowhere"),
    " This browser's time zone (Etc/Nowhere) was not sent: timezone: unknown time zone 'Etc/Nowhere'. Choose one under Notifications.");
});
