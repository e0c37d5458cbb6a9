// The privacy settings the server keeps for the account (GET and PATCH /api/v1/settings): the
// opt-out footer's default, language and wording, and how long the account's data is kept. Plain
// values in, one PATCH body out; no DOM (tests/extension/privacy-options.test.js).
import { FormProblem } from "./preferences.js";

// The languages the server writes the footer in, by the API's code.
export const LANGUAGES = Object.freeze({ en: "English", es: "Español", de: "Deutsch" });
export const MAX_WORDING = 300;

export const PRIVACY_LABELS = Object.freeze({
  optout_footer: "Opt-out footer",
  optout_language: "Footer language",
  optout_wording: "Your own wording",
  retention_days: "Keep my data for",
});

// The form's values, with `footerKnown` and `retentionKnown` false for a server from before these
// settings, which would refuse them in a PATCH.
export function formFromPrivacy(settings) {
  return {
    footerKnown: typeof settings.optout_footer === "boolean",
    footer: settings.optout_footer === true,
    language: settings.optout_language in LANGUAGES ? settings.optout_language : "en",
    wording: settings.optout_wording ?? "",
    retentionKnown: Number.isInteger(settings.retention_days_max),
    retentionDays: settings.retention_days == null ? "" : String(settings.retention_days),
    retentionMax: settings.retention_days_max ?? null,
  };
}

// The PATCH body for `form`: only the settings the server has. Empty wording and empty days are
// null, the language's sentence and the server's limit. Throws a FormProblem naming the field.
export function patchFromPrivacy(form) {
  const patch = {};
  if (form.footerKnown) {
    const wording = form.wording.trim();
    if (wording.length > MAX_WORDING) {
      throw new FormProblem("optout_wording", `Your own wording is ${wording.length} characters long: keep it to ${MAX_WORDING}.`);
    }
    if (!(form.language in LANGUAGES)) throw new FormProblem("optout_language", "Choose the footer's language.");
    Object.assign(patch, { optout_footer: form.footer, optout_language: form.language, optout_wording: wording || null });
  }
  if (form.retentionKnown) patch.retention_days = retentionDays(form.retentionDays.trim(), form.retentionMax);
  return patch;
}

function retentionDays(typed, max) {
  if (!typed) return null;
  const limit = max ? `from 1 to ${max}` : "of 1 or more";
  if (!/^\d+$/.test(typed) || Number(typed) < 1) {
    throw new FormProblem("retention_days", `Keep your data for a whole number of days ${limit}, or leave it empty.`);
  }
  if (max && Number(typed) > max) {
    throw new FormProblem("retention_days", `Your server keeps data for at most ${max} days: choose ${max} or fewer, or leave it empty.`);
  }
  return Number(typed);
}
