// The account's data, in the options page's "Privacy" section: "Download my data" saves what the
// server keeps (GET /api/v1/export) as a file, and "Delete my account and all my data" deletes it
// (DELETE /api/v1/account) after two steps, the second one typing the account's email.
// #account-data-status's data-state ("exporting", "exported", "deleting", "error") is what the
// end-to-end tests wait on; a deleted account ends in the page's own #status, unpaired.
import { ApiError, pairedApi } from "../common/api.js";
import { element, explain, setStatus, whileBusy } from "./ui.js";

// How long a downloaded file's blob: URL outlives the click: the browser reads it after the click returns.
const REVOKE_AFTER_MS = 60_000;
let onDeletedHook = () => {};

const status = () => element("account-data-status");

export function initAccountData({ onDeleted }) {
  onDeletedHook = onDeleted;
  element("export-data").addEventListener("click", () => {
    whileBusy([element("export-data")], exportData).catch((error) => setStatus(status(), "error", error.message));
  });
  element("delete-account").addEventListener("click", () => askToConfirm(true));
  element("delete-cancel").addEventListener("click", () => askToConfirm(false));
  element("delete-confirm-email").addEventListener("input", (event) => {
    element("delete-for-good").disabled = !event.target.value.trim();
  });
  element("delete-confirm").addEventListener("submit", (event) => {
    event.preventDefault();
    const buttons = [element("delete-for-good"), element("delete-cancel")];
    whileBusy(buttons, deleteAccount).catch((error) => setStatus(status(), "error", error.message));
  });
}

// `email`: what the user types to confirm a deletion.
export function showAccountData(email) {
  element("delete-email").textContent = email;
  askToConfirm(false);
}

export function hideAccountData() {
  askToConfirm(false);
  setStatus(status(), "idle", "");
}

// The second step, shown or put away; put away, it forgets what was typed.
function askToConfirm(open) {
  element("delete-confirm").hidden = !open;
  element("delete-account").setAttribute("aria-expanded", String(open));
  element("delete-confirm-email").value = "";
  element("delete-confirm-email").removeAttribute("aria-invalid");
  element("delete-for-good").disabled = true;
  if (open) element("delete-confirm-email").focus();
}

async function exportData() {
  const api = await pairedApi();
  if (!api) return setStatus(status(), "error", "This browser is not paired any more: pair it to download your data.");
  setStatus(status(), "exporting", "Preparing your data…");
  let file;
  try {
    file = await api.exportData();
  } catch (error) {
    if (!(error instanceof ApiError)) throw error;
    return setStatus(status(), "error", `Your data could not be downloaded: ${explain(error)}.`);
  }
  save(file);
  return setStatus(status(), "exported", `Saved as ${file.filename} in your downloads.`);
}

// Through an <a download>, as the extension has no "downloads" permission: asking for one would
// warn every user at install for a button few press.
function save({ blob, filename }) {
  const url = URL.createObjectURL(blob);
  const anchor = document.createElement("a");
  anchor.href = url;
  anchor.download = filename;
  anchor.hidden = true;
  document.body.append(anchor);
  anchor.click();
  anchor.remove();
  setTimeout(() => URL.revokeObjectURL(url), REVOKE_AFTER_MS);
}

async function deleteAccount() {
  const input = element("delete-confirm-email");
  const api = await pairedApi();
  if (!api) return setStatus(status(), "error", "This browser is not paired any more.");
  setStatus(status(), "deleting", "Deleting your account…");
  try {
    await api.deleteAccount(input.value.trim());
  } catch (error) {
    if (!(error instanceof ApiError)) throw error;
    // 400: what was typed is not the account's email (the server's message names its API field).
    if (error.status === 400) {
      input.setAttribute("aria-invalid", "true");
      input.focus();
      const why = error.field === "confirm" ? `“${input.value.trim()}” is not this account's email` : error.message;
      return setStatus(status(), "error", `Nothing was deleted: ${why}.`);
    }
    // No answer at all may still have been a deletion: the next try will say.
    if (!error.status) return setStatus(status(), "error", `The deletion was not confirmed: ${error.message}. Try again.`);
    return setStatus(status(), "error", `Nothing was deleted: ${explain(error)}.`);
  }
  hideAccountData();
  return onDeletedHook(api.serverUrl);
}
