// The notification settings the server keeps for the account (GET and PATCH /api/v1/settings), as
// the options page's form shows them: plain values in, one PATCH body out. No DOM here, so the
// rules are tested under node (tests/extension/preferences.test.js).
import { ApiError } from "../common/api.js";

export const DIGESTS = Object.freeze({ off: "No digest", hourly: "Every hour", daily: "Every day" });

// The form's words for the API's field names, so that a refusal names what the user sees.
export const FIELD_LABELS = Object.freeze({
  timezone: "Time zone",
  quiet_hours: "Quiet hours",
  "quiet_hours.start": "Quiet hours start",
  "quiet_hours.end": "Quiet hours end",
  reopen_quiet_minutes: "Re-open quiet period",
  digest: "Email digest",
  popups_after_reply: "Popups for re-opens after a reply",
});

// The zone this browser runs in: what pairing offers the server when nobody chose one.
export function browserZone(intl = Intl) {
  return intl.DateTimeFormat().resolvedOptions().timeZone || "";
}

// Every zone the browser knows, for suggestions; the server's list has the final word.
export function knownZones(intl = Intl) {
  return typeof intl.supportedValuesOf === "function" ? intl.supportedValuesOf("timeZone") : [];
}

export function formFromSettings(settings) {
  return {
    timezone: settings.timezone,
    quietOn: Boolean(settings.quiet_hours),
    // Switched off, quiet hours keep nothing on the server: offer the usual night.
    quietStart: settings.quiet_hours?.start ?? "22:00",
    quietEnd: settings.quiet_hours?.end ?? "07:00",
    reopenMinutes: String(settings.reopen_quiet_minutes),
    digest: settings.digest,
    // null: a server from before the setting, which would refuse it in a PATCH.
    popupsAfterReply: typeof settings.popups_after_reply === "boolean" ? settings.popups_after_reply : null,
  };
}

export class FormProblem extends Error {
  constructor(field, message) {
    super(message);
    this.field = field;
  }
}

// The PATCH body for `form`; throws a FormProblem naming the field for what the server would
// accept but the user cannot mean: equal start and end switch quiet hours off without a word.
export function patchFromForm(form) {
  const timezone = form.timezone.trim();
  if (!timezone) throw new FormProblem("timezone", "Choose a time zone, such as Europe/Madrid.");
  const minutes = form.reopenMinutes.trim();
  if (!/^\d+$/.test(minutes)) {
    throw new FormProblem("reopen_quiet_minutes", "The re-open quiet period is a whole number of minutes.");
  }
  let quietHours = null;
  if (form.quietOn) {
    if (!form.quietStart || !form.quietEnd) {
      throw new FormProblem("quiet_hours", "Give quiet hours both a start and an end time.");
    }
    if (form.quietStart === form.quietEnd) {
      throw new FormProblem("quiet_hours", "Quiet hours start and end at the same time: change one, or switch them off.");
    }
    quietHours = { start: form.quietStart, end: form.quietEnd };
  }
  const patch = { timezone, quiet_hours: quietHours, reopen_quiet_minutes: Number(minutes), digest: form.digest };
  if (typeof form.popupsAfterReply === "boolean") patch.popups_after_reply = form.popupsAfterReply;
  return patch;
}

// "Time zone: unknown time zone 'Mars/Olympus'; …" from the API's "timezone: unknown …"; `labels`:
// another section's words for its fields.
export function describeRefusal(message, field, labels = FIELD_LABELS) {
  const label = labels[field];
  if (!label) return message;
  const reason = message.startsWith(`${field}: `) ? message.slice(field.length + 2) : message;
  return `${label}: ${reason}`;
}

// Right after pairing: give the server this browser's zone unless someone already chose one (on
// another browser, or through the API). Returns a sentence for the status line; never throws for
// the server's sake, since the pairing itself worked.
export async function offerBrowserZone(api, zone) {
  if (!zone) return "";
  try {
    if ((await api.settings()).timezone_set) return "";
    await api.changeSettings({ timezone: zone });
  } catch (error) {
    if (!(error instanceof ApiError)) throw error;
    return ` This browser's time zone (${zone}) was not sent: ${error.message}. Choose one under Notifications.`;
  }
  return ` Time zone set to ${zone}, this browser's.`;
}
