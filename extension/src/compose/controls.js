// The controls Telltale puts next to Send in each compose window it can track: the Track switch
// and the Tags field. Tags typed at compose time go with the registration, so a message is filed
// (say "q3, board") before it is even sent. Plain DOM code.
import { parseTags } from "../common/tags.js";

const ON = "#1a73e8";
const OFF = "#80868b";

// {element, setSwitch(on)}: `setSwitch` for when Telltale itself changes what the next Send does.
export function createControls(document, { on, enabled, onTrackChange, onTagsChange }) {
  const { button, render } = trackSwitch(document, { on, enabled, onChange: onTrackChange });
  const controls = document.createElement("span");
  controls.setAttribute("data-telltale-controls", "");
  controls.setAttribute("style", "display:inline-flex;align-items:center");
  controls.append(button, tagsField(document, onTagsChange));
  return { element: controls, switchElement: button, setSwitch: render };
}

function trackSwitch(document, { on, enabled, onChange }) {
  const button = document.createElement("button");
  button.type = "button";
  button.setAttribute("role", "switch");
  button.setAttribute("data-telltale-switch", "");
  button.setAttribute(
    "style",
    "margin:0 8px;padding:4px 10px;border:1px solid currentColor;border-radius:14px;background:transparent;" +
      "font:500 13px/18px system-ui,sans-serif;cursor:pointer;white-space:nowrap",
  );
  const render = (value) => {
    button.setAttribute("aria-checked", String(value));
    button.textContent = value ? "● Track" : "○ Track";
    button.style.color = value ? ON : OFF;
    button.title = enabled
      ? value ? "Telltale tracks this message: click to send it untracked" : "This message goes out untracked: click to track it"
      : "Set up Telltale in its options to track messages";
  };
  button.disabled = !enabled;
  render(on && enabled);
  button.addEventListener("click", (event) => {
    // The webmail must not see this click as one of its own (it would move focus or close menus).
    event.stopPropagation();
    event.preventDefault();
    const value = button.getAttribute("aria-checked") !== "true";
    render(value);
    onChange(value);
  });
  return { button, render };
}

function tagsField(document, onChange) {
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
  // still does (send.js hears it first, in the capture phase).
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
