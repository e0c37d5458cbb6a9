// The options page's "Don't track" section: addresses and domains whose mail goes out untracked,
// kept in this browser (common/storage.js) and applied at Send (compose/dont-track.js). Shown
// paired or not: the list is this browser's. #dont-track-status's data-state ("added", "removed",
// "error") is what the tests wait on.
import { coveredBy, describeEntry, parseEntry } from "../common/dont-track.js";
import { readSettings, saveDontTrack } from "../common/storage.js";
import { element, setStatus } from "./ui.js";

export async function initDontTrack() {
  element("dont-track").addEventListener("submit", (event) => {
    event.preventDefault();
    add().catch((error) => setStatus(element("dont-track-status"), "error", `Not added: ${error.message}`));
  });
  await showList();
}

async function add() {
  const input = element("dont-track-entry");
  const status = element("dont-track-status");
  let entry;
  try {
    entry = parseEntry(input.value);
  } catch (error) {
    return refuse(input, error.message);
  }
  const { dontTrack } = await readSettings(["dontTrack"]);
  const covering = coveredBy(entry, dontTrack);
  if (covering) {
    return refuse(input, covering === entry ? `${entry} is already on the list.` : `${entry} is already covered by ${covering}.`);
  }
  input.removeAttribute("aria-invalid");
  await saveDontTrack([...dontTrack, entry]);
  input.value = "";
  await showList();
  return setStatus(status, "added", `Added: mail to ${describeEntry(entry)} goes out untracked.`);
}

async function remove(entry) {
  const { dontTrack } = await readSettings(["dontTrack"]);
  await saveDontTrack(dontTrack.filter((kept) => kept !== entry));
  await showList();
  // The button that had focus is gone: give it to where the user may type the next entry.
  element("dont-track-entry").focus();
  setStatus(element("dont-track-status"), "removed", `Removed ${entry}: mail to ${describeEntry(entry)} is tracked again.`);
}

function refuse(input, message) {
  input.setAttribute("aria-invalid", "true");
  input.focus();
  setStatus(element("dont-track-status"), "error", message);
}

async function showList() {
  const { dontTrack } = await readSettings(["dontTrack"]);
  element("dont-track-list").replaceChildren(...dontTrack.map(row));
}

function row(entry, index) {
  const item = document.createElement("li");
  item.dataset.entry = entry;
  const name = document.createElement("span");
  name.className = "name";
  name.id = `dont-track-${index}`;
  name.textContent = describeEntry(entry);
  const button = document.createElement("button");
  button.type = "button";
  button.className = "remove";
  button.textContent = "Remove";
  // "Remove" alone does not say what, for someone not seeing the row.
  button.setAttribute("aria-describedby", name.id);
  button.addEventListener("click", () => {
    remove(entry).catch((error) => setStatus(element("dont-track-status"), "error", `Not removed: ${error.message}`));
  });
  item.append(name, button);
  return item;
}
