// The options page's "Privacy" section, shown while paired: the opt-out footer's default, language
// and wording, and how long the account's data is kept, loaded and saved with one PATCH; then the
// account's data itself (account-data-section.js). #privacy-status's data-state ("loading",
// "ready", "saving", "saved", "error") is what the end-to-end tests wait on.
import { ApiError, pairedApi } from "../common/api.js";
import { saveOptoutFooter } from "../common/storage.js";
import { hideAccountData, initAccountData, showAccountData } from "./account-data-section.js";
import { FormProblem, describeRefusal } from "./preferences.js";
import { LANGUAGES, PRIVACY_LABELS, formFromPrivacy, patchFromPrivacy } from "./privacy.js";
import { element, explain, setStatus, whileBusy } from "./ui.js";

// Form fields by the API field a refusal names.
const INPUTS = {
  optout_footer: "optout-footer",
  optout_language: "optout-language",
  optout_wording: "optout-wording",
  retention_days: "retention-days",
};
// What the page last showed: which settings this server has, and the limit it keeps data to.
let shown = formFromPrivacy({});

const status = () => element("privacy-status");

// `onDeleted(serverUrl)`: the account is gone; options.js forgets the pairing.
export function initPrivacy({ onDeleted }) {
  element("optout-language").replaceChildren(...Object.entries(LANGUAGES).map(([code, name]) => option(code, name)));
  element("privacy").addEventListener("submit", (event) => {
    event.preventDefault();
    whileBusy([element("save-privacy")], save).catch((error) => setStatus(status(), "error", `Not saved: ${error.message}`));
  });
  initAccountData({ onDeleted });
}

export function hidePrivacy() {
  element("privacy-section").hidden = true;
  setStatus(status(), "idle", "");
  hideAccountData();
}

export async function loadPrivacy() {
  const api = await pairedApi();
  if (!api) return hidePrivacy();
  element("privacy-section").hidden = false;
  setStatus(status(), "loading", "Loading your privacy settings…");
  let settings;
  try {
    settings = await api.settings();
  } catch (error) {
    if (!(error instanceof ApiError)) throw error;
    return setStatus(status(), "error", `Could not load your privacy settings: ${explain(error)}.`);
  }
  await show(settings);
  showAccountData(settings.email);
  return setStatus(status(), "ready", "");
}

async function show(settings) {
  shown = formFromPrivacy(settings);
  element("optout-footer").checked = shown.footer;
  element("optout-language").value = shown.language;
  element("optout-wording").value = shown.wording;
  element("retention-days").value = shown.retentionDays;
  element("retention-days").max = shown.retentionMax ?? "";
  element("retention-max").textContent = String(shown.retentionMax ?? "");
  // A server from before these settings would refuse them: they are neither shown nor sent.
  for (const part of document.querySelectorAll(".footer-part")) part.hidden = !shown.footerKnown;
  for (const part of document.querySelectorAll(".retention-part")) part.hidden = !shown.retentionKnown;
  element("privacy").hidden = !shown.footerKnown && !shown.retentionKnown;
  // The compose's Opt-out footer switch starts as the account's default (compose/feature.js).
  await saveOptoutFooter(shown.footerKnown ? shown.footer : null);
}

async function save() {
  markInvalid(null);
  let patch;
  try {
    patch = patchFromPrivacy({
      ...shown,
      footer: element("optout-footer").checked,
      language: element("optout-language").value,
      wording: element("optout-wording").value,
      retentionDays: element("retention-days").value,
    });
  } catch (error) {
    if (!(error instanceof FormProblem)) throw error;
    return refuse(error.field, error.message);
  }
  const api = await pairedApi();
  if (!api) return setStatus(status(), "error", "This browser is not paired any more: pair it to save these settings.");
  setStatus(status(), "saving", "Saving…");
  try {
    await show(await api.changeSettings(patch));
  } catch (error) {
    if (!(error instanceof ApiError)) throw error;
    if (error.field) return refuse(error.field, `Not saved. ${describeRefusal(error.message, error.field, PRIVACY_LABELS)}`);
    return setStatus(status(), "error", `Not saved: ${explain(error)}.`);
  }
  return setStatus(status(), "saved", "Saved on your server.");
}

function refuse(field, message) {
  markInvalid(field);
  setStatus(status(), "error", message);
  element(INPUTS[field] ?? "save-privacy").focus();
}

// aria-invalid on the refused input only: a screen reader says which one is wrong.
function markInvalid(field) {
  for (const id of Object.values(INPUTS)) element(id).removeAttribute("aria-invalid");
  if (INPUTS[field]) element(INPUTS[field]).setAttribute("aria-invalid", "true");
}

function option(value, text) {
  const choice = document.createElement("option");
  choice.value = value;
  choice.textContent = text;
  return choice;
}
