// What the options page's parts share: finding elements, status lines that tests can wait on,
// and how a refusal of the API reads.

export const element = (id) => document.getElementById(id);

// `state` goes to data-state, which the end-to-end tests wait on; `text` is what the user reads.
export function setStatus(node, state, text) {
  node.dataset.state = state;
  node.textContent = text;
}

// A refusal of the token itself means it was revoked, perhaps from another browser.
export function explain(error) {
  if (error?.status === 401) return "the server no longer accepts this browser's token: unpair, then pair again";
  return error?.message || String(error);
}

// Disable `buttons` while `work` runs; return what it returns.
export async function whileBusy(buttons, work) {
  for (const button of buttons) button.disabled = true;
  try {
    return await work();
  } finally {
    for (const button of buttons) button.disabled = false;
  }
}
