// A small notice at the bottom of the webmail page ("Sent untracked: ..."), in a shadow root so
// the webmail's styles and ours never meet.

const SHOW_MS = 8000;

export function showNotice(document, text) {
  const host = document.createElement("div");
  host.setAttribute("data-telltale-notice", "");
  host.setAttribute("role", "status");
  const shadow = host.attachShadow({ mode: "open" });
  const box = document.createElement("div");
  box.textContent = text;
  box.setAttribute(
    "style",
    "position:fixed;left:24px;bottom:24px;z-index:2147483647;max-width:420px;padding:10px 14px;" +
      "border-radius:6px;background:#323232;color:#fff;font:14px/1.4 system-ui,sans-serif;" +
      "box-shadow:0 2px 8px rgba(0,0,0,.3)",
  );
  shadow.append(box);
  // Screen readers announce role=status from the host's text, not the shadow content.
  host.setAttribute("aria-label", text);
  document.documentElement.append(host);
  setTimeout(() => host.remove(), SHOW_MS);
  return host;
}
