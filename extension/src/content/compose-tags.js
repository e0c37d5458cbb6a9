// The Tags field beside the Track switch: tags typed at compose time go with the registration, so
// a message is filed (say "q3, board") before it is even sent.
import { parseTags } from "../common/tags.js";

export function createTagsField(document, { onChange }) {
  const input = document.createElement("input");
  input.type = "text";
  input.setAttribute("data-telltale-tags", "");
  input.setAttribute("aria-label", "Telltale tags for this message, separated by commas");
  input.placeholder = "Tags";
  input.setAttribute(
    "style",
    "width:110px;margin:0 4px;padding:3px 8px;border:1px solid #dadce0;border-radius:14px;" +
      "background:transparent;color:inherit;font:13px/18px system-ui,sans-serif",
  );
  // Keys typed here are not the webmail's shortcuts, and Enter does not send; the send shortcut
  // still does (compose.js hears it first, in the capture phase).
  for (const type of ["keydown", "keypress", "keyup"]) {
    input.addEventListener(type, (event) => {
      if (event.key === "Enter" && (event.ctrlKey || event.metaKey)) return;
      event.stopPropagation();
      if (event.key === "Enter") event.preventDefault();
    });
  }
  input.addEventListener("input", () => onChange(parseTags(input.value)));
  return input;
}
