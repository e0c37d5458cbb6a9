// The options page's "Mailboxes (replies)" section: the mailboxes the server reads replies from,
// each with its status and an Unlink button, and a Link button per provider. Linking happens on
// the server's own page, in a tab of its own; the list is loaded again when this page gets the
// focus back, which is when the user returns from that tab.
// #mailboxes-status's data-state ("ready", "linking", "linked", "unlinked", "error") is what the
// end-to-end tests wait on.
import { ApiError, pairedApi } from "../common/api.js";
import {
  PROVIDERS, describeAccount, notConfigured, providerName, statusLabel, unlinkQuestion, unlinkedMessage,
} from "./mailboxes.js";
import { element, explain, setStatus, whileBusy } from "./ui.js";

const section = element("mailboxes-section");
const list = element("mailboxes");
const status = element("mailboxes-status");
const linkButtons = Object.fromEntries(Object.keys(PROVIDERS).map((provider) => [provider, element(`link-${provider}`)]));

// The load under way, if any: loads run one after the other, and a refresh while one is under
// way is that load (focus and visibility changes come in pairs).
let loading = null;
// The ids listed by the last load, to name a mailbox that appears while a link is under way.
let shown = new Set();

export function initMailboxes() {
  for (const [provider, button] of Object.entries(linkButtons)) {
    button.addEventListener("click", () => {
      button.disabled = true;
      link(provider)
        .catch((error) => setStatus(status, "error", error.message))
        // Enabled again only if the server can link this provider (showProviders).
        .finally(() => {
          button.disabled = button.dataset.configured !== "true";
        });
    });
  }
  const again = () => {
    if (!section.hidden && document.visibilityState === "visible") refreshMailboxes();
  };
  window.addEventListener("focus", again);
  document.addEventListener("visibilitychange", again);
}

export function hideMailboxes() {
  section.hidden = true;
  shown = new Set();
  list.replaceChildren();
  setStatus(status, "idle", "");
}

// Load the list again, keeping what the status line says.
export function refreshMailboxes() {
  if (loading) return loading;
  return loadMailboxes(status.dataset.state, status.textContent).catch((error) => setStatus(status, "error", error.message));
}

// Load the list, then show `state` and `text` on the status line; after any load under way, so
// that what an action says (an unlink) is not lost to a refresh.
export function loadMailboxes(state = "ready", text = "") {
  const run = (loading ?? Promise.resolve()).then(() => load(state, text));
  const done = run.catch(() => {}).finally(() => {
    if (loading === done) loading = null;
  });
  loading = done;
  return run;
}

async function load(state, text) {
  const api = await pairedApi();
  if (!api) return hideMailboxes();
  section.hidden = false;
  list.setAttribute("aria-busy", "true");
  let answer;
  try {
    answer = await api.accounts();
  } catch (error) {
    if (!(error instanceof ApiError)) throw error;
    return setStatus(status, "error", `Could not list your linked mailboxes: ${explain(error)}.`);
  } finally {
    list.setAttribute("aria-busy", "false");
  }
  const now = Date.now();
  const items = answer.items.map((account) => row(account, now));
  if (!items.length) items.push(empty());
  list.replaceChildren(...items);
  showProviders(answer.providers ?? {});
  const added = answer.items.filter((account) => !shown.has(account.id));
  shown = new Set(answer.items.map((account) => account.id));
  // Back from the linking tab with a new mailbox: say so, instead of "finish linking".
  if (state === "linking" && added.length) {
    return setStatus(status, "linked", `Linked ${added.map((account) => account.address).join(", ")}: replies to `
      + "messages sent from it will be found.");
  }
  return setStatus(status, state, text);
}

function empty() {
  const item = document.createElement("li");
  item.className = "empty";
  item.textContent = "No mailbox linked yet: replies are not looked for.";
  return item;
}

// A provider the server owner has not configured cannot be linked: say which settings are missing.
function showProviders(providers) {
  for (const [provider, button] of Object.entries(linkButtons)) {
    const ready = Boolean(providers[provider]);
    button.disabled = !ready;
    button.dataset.configured = String(ready);
    const why = element(`${provider}-setup`);
    why.hidden = ready;
    why.textContent = ready ? "" : notConfigured(provider);
  }
}

function row(account, now) {
  const item = document.createElement("li");
  item.dataset.accountId = String(account.id);
  item.dataset.status = account.status;
  const name = document.createElement("span");
  name.className = "name";
  name.id = `mailbox-${account.id}`;
  name.textContent = account.address;
  const state = document.createElement("span");
  state.className = `mailbox-status status-${account.status}`;
  state.textContent = statusLabel(account);
  const details = document.createElement("span");
  details.className = "details";
  details.textContent = describeAccount(account, now);
  item.append(name, state, details);
  if (account.status === "relink") item.append(button("relink", "Link again", account, () => link(account.provider)));
  item.append(button("unlink", "Unlink", account, () => unlink(account)));
  return item;
}

function button(className, label, account, work) {
  const control = document.createElement("button");
  control.type = "button";
  control.className = className;
  control.textContent = label;
  // "Unlink" alone does not say which mailbox, for someone not seeing the row.
  control.setAttribute("aria-describedby", `mailbox-${account.id}`);
  control.addEventListener("click", () => {
    whileBusy([control], work).catch((error) => setStatus(status, "error", error.message));
  });
  return control;
}

async function link(provider) {
  const api = await pairedApi();
  if (!api) return hideMailboxes();
  let url;
  try {
    ({ url } = await api.linkAccount(provider));
  } catch (error) {
    if (!(error instanceof ApiError)) throw error;
    if (error.code === "provider_not_configured") {
      showProviders({ ...currentProviders(), [provider]: false });
      return setStatus(status, "error", notConfigured(provider));
    }
    return setStatus(status, "error", `Could not start linking a ${providerName(provider)} account: ${explain(error)}.`);
  }
  await chrome.tabs.create({ url });
  return setStatus(status, "linking",
    `Finish linking your ${providerName(provider)} account in the tab that opened; this list follows when you come back.`);
}

function currentProviders() {
  return Object.fromEntries(Object.entries(linkButtons).map(([provider, b]) => [provider, b.dataset.configured === "true"]));
}

async function unlink(account) {
  if (!window.confirm(unlinkQuestion(account))) return undefined;
  const api = await pairedApi();
  if (!api) return hideMailboxes();
  let answer;
  try {
    answer = await api.unlinkAccount(account.id);
  } catch (error) {
    if (!(error instanceof ApiError)) throw error;
    // 404: unlinked meanwhile, from elsewhere; the list was only out of date.
    if (error.status !== 404) return setStatus(status, "error", `${account.address} was not unlinked: ${explain(error)}.`);
  }
  return loadMailboxes("unlinked", unlinkedMessage(account, answer));
}
