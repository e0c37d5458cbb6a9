// What tracking does to a compose body, as plain DOM code: no chrome.* APIs, so the same code
// runs in the webmail page and under `node --test`.
//
// The user's text is never touched: only `href` attributes of the user's own links change, and
// one <img> is inserted. Links inside a quoted reply or forward are someone else's and stay as
// they are; so do mailto:, tel: and in-page anchors.

// Where a quoted reply or forward starts, in Gmail, Outlook on the web, Apple Mail and Thunderbird.
const QUOTE_STARTS = [
  ".gmail_quote",
  ".gmail_quote_container",
  "#appendonsend",
  "#divRplyFwdMsg",
  "blockquote[type='cite']",
  ".moz-cite-prefix",
];
const QUOTE_SELECTOR = QUOTE_STARTS.join(", ");
const MAX_URL_LENGTH = 2048;

export function isTrackable(href) {
  if (typeof href !== "string" || href.length === 0 || href.length > MAX_URL_LENGTH) return false;
  if (/[\u0000-\u0020\u007f]/.test(href)) return false;
  return /^https?:\/\/[^/?#]+/i.test(href);
}

function quoteStart(body) {
  return body.querySelector(QUOTE_SELECTOR);
}

// The anchors whose targets Telltale should track, in document order.
export function trackableAnchors(body, ownOrigin = null) {
  const anchors = [];
  // querySelectorAll answers in document order, and a quote's descendants follow it: every
  // anchor met before the first quote start is the user's own.
  for (const element of body.querySelectorAll(`a[href], ${QUOTE_SELECTOR}`)) {
    if (element.matches(QUOTE_SELECTOR)) break;
    const href = element.getAttribute("href");
    if (!isTrackable(href)) continue;
    if (ownOrigin && href.startsWith(`${ownOrigin}/`)) continue;
    anchors.push(element);
  }
  return anchors;
}

// Whether `body` already holds a pixel of the server at `pixelUrl`: a message re-sent after an
// Undo, or a second Send, must not get two. Known by its address alone: the pixel carries no
// attribute of ours, which would tell every recipient that the mail is tracked, and by what.
export function hasPixel(body, pixelUrl) {
  const prefix = `${new URL(pixelUrl).origin}/p/`;
  return [...body.querySelectorAll("img[src]")].some((img) => img.getAttribute("src").startsWith(prefix));
}

// Apply a registration ({pixel_url, links: [{url, tracked_url}]}) to `body`. The registration was
// made from `anchors` (trackableAnchors of this body at Send); an anchor whose href changed since
// keeps its href rather than point somewhere the user did not write.
export function applyTracking(body, anchors, registration) {
  const document = body.ownerDocument;
  let rewritten = 0;
  anchors.forEach((anchor, index) => {
    const link = registration.links[index];
    if (link && anchor.getAttribute("href") === link.url && isTrackable(link.tracked_url)) {
      anchor.setAttribute("href", link.tracked_url);
      rewritten += 1;
    }
  });
  if (!hasPixel(body, registration.pixel_url)) {
    const pixel = document.createElement("img");
    pixel.setAttribute("src", registration.pixel_url);
    pixel.setAttribute("alt", "");
    pixel.setAttribute("width", "1");
    pixel.setAttribute("height", "1");
    pixel.setAttribute("style", "width:1px;height:1px;border:0");
    // Before the quoted part: Gmail folds quoted text away, and an image inside the fold
    // would load late or never.
    const quote = quoteStart(body);
    const holder = quote ? topLevelAncestor(quote, body) : null;
    if (holder) body.insertBefore(pixel, holder);
    else body.appendChild(pixel);
    if (isTrackable(registration.decoy_url)) pixel.after(decoy(document, registration.decoy_url));
  }
  return rewritten;
}

// A link no person sees or can reach (no text, no size, out of the tab order) beside the pixel:
// security scanners follow every href, so a click on it is a machine's.
function decoy(document, url) {
  const anchor = document.createElement("a");
  anchor.setAttribute("href", url);
  anchor.setAttribute("tabindex", "-1");
  anchor.setAttribute("aria-hidden", "true");
  anchor.setAttribute("style", "font-size:0;line-height:0;color:transparent;text-decoration:none");
  anchor.textContent = "\u200b";
  return anchor;
}

function topLevelAncestor(node, body) {
  let current = node;
  while (current.parentNode && current.parentNode !== body) current = current.parentNode;
  return current.parentNode === body ? current : null;
}
