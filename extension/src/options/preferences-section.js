// The options page's "Notifications" section: the settings the server keeps for the account,
// loaded when paired and saved with one PATCH. #preferences-status's data-state ("loading",
// "ready", "saving", "saved", "error") is what the end-to-end tests wait on.
import { ApiError, pairedApi } from "../common/api.js";
import {
  DIGESTS, FormProblem, browserZone, describeRefusal, formFromSettings, knownZones, patchFromForm,
} from "./preferences.js";
import { element, explain, setStatus, whileBusy } from "./ui.js";

// Form fields by the API field a refusal names ("quiet_hours.start" marks the start).
const INPUTS = {
  timezone: "timezone",
  quiet_hours: "quiet-start",
  "quiet_hours.start": "quiet-start",
  "quiet_hours.end": "quiet-end",
  reopen_quiet_minutes: "reopen-minutes",
  digest: "digest",
  popups_after_reply: "popups-after-reply",
};

const section = element("preferences-section");
const status = element("preferences-status");
const saveButton = element("save-preferences");
// Whether the server has popups_after_reply: one from before it would refuse it in a PATCH.
let afterReplyKnown = false;

export function initPreferences() {
  element("digest").replaceChildren(...Object.entries(DIGESTS).map(([value, text]) => new Option(text, value)));
  element("zones").replaceChildren(...knownZones().map((zone) => new Option(zone)));
  element("browser-zone").textContent = browserZone() || "a time zone it does not name";
  element("use-browser-zone").addEventListener("click", () => {
    element("timezone").value = browserZone();
  });
  element("quiet-on").addEventListener("change", syncQuietHours);
  element("preferences").addEventListener("submit", (event) => {
    event.preventDefault();
    whileBusy([saveButton], save).catch((error) => setStatus(status, "error", `Not saved: ${error.message}`));
  });
}

export function hidePreferences() {
  section.hidden = true;
  setStatus(status, "idle", "");
}

export async function loadPreferences() {
  const api = await pairedApi();
  if (!api) return hidePreferences();
  section.hidden = false;
  setStatus(status, "loading", "Loading your notification settings…");
  let settings;
  try {
    settings = await api.settings();
  } catch (error) {
    if (!(error instanceof ApiError)) throw error;
    return setStatus(status, "error", `Could not load your notification settings: ${explain(error)}.`);
  }
  show(settings);
  return setStatus(status, "ready", "");
}

function show(settings) {
  const form = formFromSettings(settings);
  element("timezone").value = form.timezone;
  element("quiet-on").checked = form.quietOn;
  element("quiet-start").value = form.quietStart;
  element("quiet-end").value = form.quietEnd;
  element("reopen-minutes").value = form.reopenMinutes;
  element("digest").value = form.digest;
  // Shown, and saved, only when the server has the setting (formFromSettings).
  afterReplyKnown = form.popupsAfterReply !== null;
  element("popups-after-reply").checked = Boolean(form.popupsAfterReply);
  for (const part of replyParts()) part.hidden = !afterReplyKnown;
  element("account-email").textContent = settings.email;
  syncQuietHours();
}

// The checkbox's row in the form's grid: its label cell, the box and its help line.
function replyParts() {
  const box = element("popups-after-reply").closest(".check");
  return [box.previousElementSibling, box, element("after-reply-help")];
}

function syncQuietHours() {
  const on = element("quiet-on").checked;
  element("quiet-start").disabled = !on;
  element("quiet-end").disabled = !on;
}

async function save() {
  markInvalid(null);
  let patch;
  try {
    patch = patchFromForm({
      timezone: element("timezone").value,
      quietOn: element("quiet-on").checked,
      quietStart: element("quiet-start").value,
      quietEnd: element("quiet-end").value,
      reopenMinutes: element("reopen-minutes").value,
      digest: element("digest").value,
      popupsAfterReply: afterReplyKnown ? element("popups-after-reply").checked : null,
    });
  } catch (error) {
    if (!(error instanceof FormProblem)) throw error;
    return refuse(error.field, error.message);
  }
  const api = await pairedApi();
  if (!api) return setStatus(status, "error", "This browser is not paired any more: pair it to save these settings.");
  setStatus(status, "saving", "Saving…");
  try {
    show(await api.changeSettings(patch));
  } catch (error) {
    if (!(error instanceof ApiError)) throw error;
    if (error.field) return refuse(error.field, `Not saved. ${describeRefusal(error.message, error.field)}`);
    return setStatus(status, "error", `Not saved: ${explain(error)}.`);
  }
  return setStatus(status, "saved", "Saved on your server.");
}

function refuse(field, message) {
  markInvalid(field);
  setStatus(status, "error", message);
  element(INPUTS[field] ?? "save-preferences").focus();
}

// aria-invalid on the refused input only: a screen reader says which one is wrong.
function markInvalid(field) {
  for (const id of new Set(Object.values(INPUTS))) element(id).removeAttribute("aria-invalid");
  if (INPUTS[field]) element(INPUTS[field]).setAttribute("aria-invalid", "true");
}
