// The options page's list of paired browsers and tokens, each but this browser's own with a
// Revoke button (this browser leaves with Unpair, which also forgets the token here).
// #devices-status's data-state ("loading", "ready", "revoked", "error") is what tests wait on.
import { ApiError, pairedApi } from "../common/api.js";
import { describeToken, tokenName } from "./devices.js";
import { element, explain, setStatus, whileBusy } from "./ui.js";

const section = element("devices-section");
const list = element("devices");
const status = element("devices-status");

export function hideDevices() {
  section.hidden = true;
  list.replaceChildren();
  setStatus(status, "idle", "");
}

export async function loadDevices(state = "ready", text = "") {
  const api = await pairedApi();
  if (!api) return hideDevices();
  section.hidden = false;
  list.setAttribute("aria-busy", "true");
  let items;
  try {
    ({ items } = await api.tokens());
  } catch (error) {
    if (!(error instanceof ApiError)) throw error;
    return setStatus(status, "error", `Could not list your paired browsers: ${explain(error)}.`);
  } finally {
    list.setAttribute("aria-busy", "false");
  }
  const now = Date.now();
  list.replaceChildren(...items.map((token) => row(token, now)));
  return setStatus(status, state, text);
}

function row(token, now) {
  const item = document.createElement("li");
  item.dataset.tokenId = String(token.id);
  item.dataset.current = String(token.current);
  const name = document.createElement("span");
  name.className = "name";
  name.id = `token-${token.id}`;
  name.textContent = tokenName(token) + (token.current ? " (this browser)" : "");
  const details = document.createElement("span");
  details.className = "details";
  details.textContent = describeToken(token, now);
  item.append(name, details);
  if (!token.current) item.append(revokeButton(token));
  return item;
}

function revokeButton(token) {
  const button = document.createElement("button");
  button.type = "button";
  button.className = "revoke";
  button.textContent = "Revoke";
  // "Revoke" alone does not say what, for someone not seeing the row.
  button.setAttribute("aria-describedby", `token-${token.id}`);
  button.addEventListener("click", () => {
    whileBusy([button], () => revoke(token)).catch((error) => setStatus(status, "error", error.message));
  });
  return button;
}

async function revoke(token) {
  const api = await pairedApi();
  if (!api) return hideDevices();
  try {
    await api.revokeToken(token.id);
  } catch (error) {
    if (!(error instanceof ApiError)) throw error;
    // 404: revoked meanwhile, from elsewhere; the list was only out of date.
    if (error.status !== 404) return setStatus(status, "error", `“${tokenName(token)}” was not revoked: ${explain(error)}.`);
  }
  return loadDevices("revoked", `Revoked “${tokenName(token)}”: it can no longer use your Telltale.`);
}
