// The controls Telltale puts next to Send in each compose window it can track: the Track switch,
// the Opt-out footer switch, the Protected switch (with its teaser and expiry, shown while it is
// on) and the Tags field. Tags typed at compose time go with the registration, so a message is
// filed (say "q3, board") before it is even sent. Plain DOM code.
import { parseTags } from "../common/tags.js";

const ON = "#1a73e8";
const OFF = "#80868b";

// Hours after the first view by a person that a protected message may still be read; 0: no expiry.
export const EXPIRY_CHOICES = Object.freeze([[0, "Never expires"], [24, "Expires 1 day after read"],
  [24 * 7, "Expires 7 days after read"]]);

// {element, setSwitch(on), setProtect(on)}: for when Telltale itself changes what the next Send does.
// onProtectChange({protected, teaser, expiresAfterViewHours}) is told every change of the three.
// `optout`: whether the Opt-out footer switch starts on; onOptoutChange(on) hears the user flip it.
export function createControls(document, {
  on, enabled, onTrackChange, onTagsChange, onProtectChange = () => {}, optout = false, onOptoutChange = () => {},
}) {
  const { button, render } = trackSwitch(document, { on, enabled, onChange: onTrackChange });
  const controls = document.createElement("span");
  controls.setAttribute("data-telltale-controls", "");
  controls.setAttribute("style", "display:inline-flex;align-items:center;flex-wrap:wrap");
  const protect = protectControls(document, enabled, onProtectChange);
  const footer = optoutSwitch(document, { on: optout, enabled, onChange: onOptoutChange });
  controls.append(button, footer, ...protect.elements, tagsField(document, onTagsChange));
  return { element: controls, switchElement: button, setSwitch: render, setProtect: protect.set };
}

// The Protected switch: the body stays on the server and the mail carries a teaser with a link.
// Its teaser field and expiry choice show only while it is on.
function protectControls(document, enabled, onChange) {
  const choice = { protected: false, teaser: "", expiresAfterViewHours: 0 };
  const button = pill(document, "data-telltale-protect");
  const teaser = textField(document, "data-telltale-teaser", "Teaser (optional)", "220px",
    "The short text the mail carries instead of your message; {link} marks where the link goes");
  const expiry = document.createElement("select");
  expiry.setAttribute("data-telltale-expiry", "");
  expiry.setAttribute("aria-label", "When the protected message expires");
  expiry.setAttribute("style", FIELD_STYLE);
  for (const [hours, label] of EXPIRY_CHOICES) {
    const option = document.createElement("option");
    option.value = String(hours);
    option.textContent = label;
    expiry.append(option);
  }
  const render = () => {
    button.setAttribute("aria-checked", String(choice.protected));
    button.textContent = choice.protected ? "● Protected" : "○ Protected";
    button.style.color = choice.protected ? ON : OFF;
    button.title = enabled
      ? "Protected: your message stays on your Telltale server, the mail carries a teaser and a link, and you can withdraw it"
      : "Set up Telltale in its options to protect messages";
    teaser.hidden = expiry.hidden = !choice.protected;
  };
  button.disabled = !enabled;
  render();
  button.addEventListener("click", (event) => {
    event.stopPropagation();
    event.preventDefault();
    choice.protected = !choice.protected;
    render();
    onChange({ ...choice });
  });
  teaser.addEventListener("input", () => {
    choice.teaser = teaser.value;
    onChange({ ...choice });
  });
  expiry.addEventListener("change", () => {
    choice.expiresAfterViewHours = Number(expiry.value);
    onChange({ ...choice });
  });
  for (const type of ["click", "mousedown", "keydown", "keypress", "keyup"]) {
    expiry.addEventListener(type, (event) => event.stopPropagation());
  }
  const set = (value) => {
    choice.protected = value;
    render();
  };
  return { elements: [button, teaser, expiry], set };
}

const FIELD_STYLE = "margin:0 4px;padding:3px 8px;border:1px solid #dadce0;border-radius:14px;" +
  "background:transparent;color:inherit;font:13px/18px system-ui,sans-serif";

function pill(document, attribute) {
  const button = document.createElement("button");
  button.type = "button";
  button.setAttribute("role", "switch");
  button.setAttribute(attribute, "");
  button.setAttribute(
    "style",
    "margin:0 8px;padding:4px 10px;border:1px solid currentColor;border-radius:14px;background:transparent;" +
      "font:500 13px/18px system-ui,sans-serif;cursor:pointer;white-space:nowrap",
  );
  return button;
}

function trackSwitch(document, { on, enabled, onChange }) {
  const button = pill(document, "data-telltale-switch");
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

// Whether a tracked message ends with a line telling its recipients how to opt out of tracking
// (the account's default is set in the options page).
function optoutSwitch(document, { on, enabled, onChange }) {
  const button = pill(document, "data-telltale-optout");
  let value = Boolean(on);
  const render = () => {
    button.setAttribute("aria-checked", String(value));
    button.textContent = value ? "● Opt-out footer" : "○ Opt-out footer";
    button.style.color = value ? ON : OFF;
    button.title = value
      ? "A tracked message ends with a short line where its recipients can opt out of tracking: click to leave it out"
      : "Click to end a tracked message with a short line where its recipients can opt out of tracking";
  };
  button.disabled = !enabled;
  render();
  button.addEventListener("click", (event) => {
    event.stopPropagation();
    event.preventDefault();
    value = !value;
    render();
    onChange(value);
  });
  return button;
}

function tagsField(document, onChange) {
  const input = textField(document, "data-telltale-tags", "Tags", "110px",
    "Telltale tags for this message, separated by commas");
  input.addEventListener("input", () => onChange(parseTags(input.value)));
  return input;
}

function textField(document, attribute, placeholder, width, label) {
  const input = document.createElement("input");
  input.type = "text";
  input.setAttribute(attribute, "");
  input.setAttribute("aria-label", label);
  input.placeholder = placeholder;
  input.setAttribute("style", `width:${width};${FIELD_STYLE}`);
  // Keys typed here are not the webmail's shortcuts, and Enter does not send; the send shortcut
  // still does (send.js hears it first, in the capture phase).
  for (const type of ["keydown", "keypress", "keyup"]) {
    input.addEventListener(type, (event) => {
      if (event.key === "Enter" && (event.ctrlKey || event.metaKey)) return;
      event.stopPropagation();
      if (event.key === "Enter") event.preventDefault();
    });
  }
  return input;
}
