// The sender's own views are not opens. When the sender's mailbox shows a message carrying our
// pixel, the image element is neutralised before it loads (Gmail proxies images through
// googleusercontent.com, so blocking our host name alone would miss them; the service worker's
// declarativeNetRequest rule covers direct loads), and the backend is told, so that a hit that
// slipped through in that moment is counted as the sender's, not as an open.
import { ask } from "../common/protocol.js";
import { ownPixelMessage } from "../webmail/pixels.js";
import { SHARED } from "../webmail/shared-selectors.js";

const BLANK = "data:image/gif;base64,R0lGODlhAQABAIAAAAAAAP///yH5BAEAAAAALAAAAAABAAEAAAIBRAA7";
// One report per message per this many ms: Gmail re-renders a conversation often.
const REPORT_EVERY_MS = 30_000;
const EDITABLE = SHARED.editable.join(", ");

// The feature (content/page-watch.js): every image the page gains is checked as it comes; the
// whole page is checked again only when the server changes, as then other images are ours.
export function start(adapter, settings) {
  const document = globalThis.document;
  const check = checker(settings, reporter());
  const scan = (node) => {
    if (node.nodeType !== 1) return;
    if (node.tagName === "IMG") check(node);
    else if (node.firstElementChild) node.querySelectorAll("img[src]").forEach(check);
  };
  let scannedFor = null;
  return {
    mutated(records) {
      if (!settings.serverUrl) return;
      for (const record of records) {
        if (record.type === "attributes") scan(record.target);
        else record.addedNodes.forEach(scan);
      }
    },
    refresh() {
      if (settings.serverUrl === scannedFor) return;
      scannedFor = settings.serverUrl;
      if (scannedFor) scan(document.documentElement);
    },
  };
}

function checker(settings, report) {
  return (img) => {
    const src = img.getAttribute("src");
    const messageId = ownPixelMessage(src, settings.serverUrl);
    if (messageId === null) return;
    // A compose body is the user's text: never change it. Our pixel there was just put in at
    // Send and is kept from loading by the service worker's network rule.
    if (img.closest(EDITABLE)) return;
    img.setAttribute("data-telltale-blocked", src);
    img.setAttribute("src", BLANK);
    img.removeAttribute("srcset");
    report(messageId);
  };
}

function reporter() {
  const reported = new Map();
  return (messageId) => {
    const now = Date.now();
    if (now - (reported.get(messageId) || 0) < REPORT_EVERY_MS) return;
    reported.set(messageId, now);
    ask("sender-view", { messageId, at: new Date(now).toISOString() }).catch((error) =>
      console.info(`[Telltale] could not report your own view of message ${messageId}: ${error.message}`),
    );
  };
}
