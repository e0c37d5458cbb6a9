// The Track switch shown next to Send in each compose window: {element, set(on)}, `set` for when
// Telltale itself changes what the next Send does.

const ON = "#1a73e8";
const OFF = "#80868b";

export function createSwitch(document, { on, enabled, onChange }) {
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
  return { element: button, set: render };
}
