// The tags of one message in the popup: each with a Remove button, and a small form to add one.
// Changes go through `change(control, fields, done)` (popup.js), which replaces the whole row.
import { withTag, withoutTag } from "../common/tags.js";

function make(tag, className = "", text = "") {
  const node = document.createElement(tag);
  node.className = className;
  node.textContent = text;
  return node;
}

export function tagEditor(message, change, showStatus) {
  const box = make("div", "tag-editor");
  const list = make("ul", "tags");
  list.setAttribute("aria-label", "Tags");
  for (const tag of message.tags) list.append(tagItem(message, tag, change));
  if (!message.tags.length) list.append(make("li", "empty", "No tags"));
  box.append(list, addForm(message, change, showStatus));
  return box;
}

function tagItem(message, tag, change) {
  const item = make("li", "tag");
  item.dataset.tag = tag;
  const remove = make("button", "remove-tag", "×");
  remove.type = "button";
  // The button shows only "×": its name says what it removes, and from which message.
  remove.setAttribute("aria-label", `Remove tag ${tag}`);
  remove.setAttribute("aria-describedby", `subject-${message.id}`);
  remove.addEventListener("click", () => {
    change(remove, { tags: withoutTag(message.tags, tag) }, `Removed tag “${tag}” from`);
  });
  item.append(make("span", "tag-name", tag), remove);
  return item;
}

function addForm(message, change, showStatus) {
  const form = make("form", "add-tag");
  const input = make("input", "new-tag");
  input.type = "text";
  input.id = `new-tag-${message.id}`;
  input.autocomplete = "off";
  input.placeholder = "New tag";
  input.setAttribute("aria-describedby", `subject-${message.id}`);
  const label = make("label", "visually-hidden", "New tag");
  label.htmlFor = input.id;
  const add = make("button", "add-tag-button", "Add tag");
  add.type = "submit";
  form.append(label, input, add);
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    let tags;
    try {
      tags = withTag(message.tags, input.value);
    } catch (error) {
      input.setAttribute("aria-invalid", "true");
      input.focus();
      showStatus(error.message);
      return;
    }
    change(add, { tags }, `Added tag “${tags.at(-1)}” to`);
  });
  return form;
}
