// The don't-track list at Send (the list itself: common/dont-track.js). Gmail and Outlook on the
// web send one body to every recipient, To, Cc and Bcc alike: a pixel in it is seen by all of
// them, so a message is tracked for everyone or for no one. When any recipient is on the list it
// goes out untracked, exactly as written, and the notice names who is listed. Plain DOM code.
import { listedRecipients } from "../common/dont-track.js";
import { failSoft } from "../webmail/find.js";

// Why the message in `root` must go out untracked, as a notice, or "" when the list allows
// tracking. Recipients that cannot be read cannot be checked: with a list, that is untracked too.
export function dontTrackReason(adapter, settings, root, { protecting = false } = {}) {
  if (!settings.dontTrack?.length) return "";
  let recipients;
  try {
    recipients = adapter.recipients(root);
  } catch (error) {
    failSoft(`${adapter.name}: the recipients could not be read (${error.message}); sent untracked`);
    return `${lead(protecting)}: Telltale could not read the recipients to check them against your don't-track list.`;
  }
  const listed = listedRecipients(recipients, settings.dontTrack);
  return listed.length ? notTrackedNotice(listed, recipients.length, { protecting }) : "";
}

// "Not tracked: ana@example.com is on your don't-track list." `total`: how many recipients the
// message has, as the others lose their tracking too and should know why.
export function notTrackedNotice(listed, total, { protecting = false } = {}) {
  const names = listed.length > 1 ? `${listed.slice(0, -1).join(", ")} and ${listed.at(-1)} are` : `${listed[0]} is`;
  const others = total > listed.length
    ? " Every recipient gets the same copy of the message, so it is not tracked for the others either."
    : "";
  return `${lead(protecting)}: ${names} on your don't-track list.${others}`;
}

// A protected message keeps its body on the server, whose reading page records views: that is
// tracking too, so it goes out as written.
function lead(protecting) {
  return protecting ? "Sent as written, not protected and not tracked" : "Not tracked";
}
