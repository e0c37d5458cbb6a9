// What tracking does to a compose body, as plain DOM code: no chrome.* APIs, so the same code
// runs in the webmail page and under `node --test`.
//
// The user's text is never touched: only `href` attributes of the user's own links change, and
// one <img> is inserted, with the opt-out footer's line before it when the server sends one. Links
// inside a quoted reply or forward are someone else's and stay as they are; so do mailto:, tel:
// and in-page anchors.
import { TRACKING_PATHS, trackingPrefix } from "../common/server-urls.js";
import { SHARED } from "../webmail/shared-selectors.js";

const QUOTE_SELECTOR = SHARED.quoteStart.join(", ");
const MAX_URL_LENGTH = 2048;
const MUTED = "#80868b";

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
  const prefix = trackingPrefix(new URL(pixelUrl).origin, TRACKING_PATHS.pixel);
  return [...body.querySelectorAll("img[src]")].some((img) => img.getAttribute("src").startsWith(prefix));
}

// Apply a registration ({pixel_url, reading_url, forward_url, optout, links: [{url, tracked_url}]})
// to `body`. `options.forwards` adds the forward markup style (an opt-in: it is a <style> element
// in the body). The registration was made from `anchors` (trackableAnchors of this body at Send);
// an anchor whose href changed since keeps its href rather than point somewhere the user did not
// write. Throws, having changed nothing, when the registration's opt-out footer cannot be built.
export function applyTracking(body, anchors, registration, options = {}) {
  const document = body.ownerDocument;
  const footer = registration.optout ? footerLine(document, registration.optout) : null;
  let rewritten = 0;
  anchors.forEach((anchor, index) => {
    const link = registration.links[index];
    if (link && anchor.getAttribute("href") === link.url && isTrackable(link.tracked_url)) {
      anchor.setAttribute("href", link.tracked_url);
      rewritten += 1;
    }
  });
  if (!hasPixel(body, registration.pixel_url)) {
    const pixel = image(document, registration.pixel_url);
    // Before the quoted part: Gmail folds quoted text away, and an image inside the fold
    // would load late or never. The footer goes there too, after the user's own text.
    const quote = quoteStart(body);
    const holder = quote ? topLevelAncestor(quote, body) : null;
    const first = footer || pixel;
    if (holder) body.insertBefore(first, holder);
    else body.appendChild(first);
    let last = footer ? placeAfter(footer, pixel) : pixel;
    // The reading image: the server holds it and redirects it on while the message stays open.
    if (isTrackable(registration.reading_url)) last = placeAfter(last, image(document, registration.reading_url));
    if (isTrackable(registration.decoy_url)) last = placeAfter(last, decoy(document, registration.decoy_url));
    if (options.forwards && isCssSafe(registration.forward_url)) {
      placeAfter(last, forwardStyle(document, registration.forward_url));
    }
  }
  return rewritten;
}

// Take every trace of `registration` out of `body`, leaving what the user wrote: for a Send that
// did not go out (registration.js). Found by our URLs, not by the nodes applyTracking made,
// because an editor may have rebuilt those nodes since. A link the user edited since keeps what
// they wrote.
export function removeTracking(body, registration) {
  const images = new Set([registration.pixel_url, registration.reading_url].filter(Boolean));
  for (const img of body.querySelectorAll("img[src]")) if (images.has(img.getAttribute("src"))) img.remove();
  const targets = new Map(registration.links.map((link) => [link.tracked_url, link.url]));
  for (const anchor of body.querySelectorAll("a[href]")) {
    const href = anchor.getAttribute("href");
    if (href === registration.decoy_url) anchor.remove();
    else if (targets.has(href)) anchor.setAttribute("href", targets.get(href));
  }
  if (registration.forward_url) {
    for (const style of body.querySelectorAll("style")) if (style.textContent.includes(registration.forward_url)) style.remove();
  }
  if (registration.optout?.url) removeFooter(body, registration.optout);
}

// The opt-out footer's line for `optout` ({text, link_text, url}): small grey text and a link
// where the recipient can ask not to be tracked, in the words the server wrote (the user's
// language, or their own wording). Throws if the answer is not one a line can be made of.
function footerLine(document, optout) {
  const { text, link_text: linkText, url } = optout;
  if (!isTrackable(url) || typeof text !== "string" || typeof linkText !== "string" || !linkText.trim()) {
    throw new Error("the server's opt-out footer held no link");
  }
  const line = document.createElement("div");
  // Set apart from the user's last line, as a signature's separator would be.
  line.setAttribute("style", `margin-top:12px;font-size:11px;line-height:1.4;color:${MUTED}`);
  const link = document.createElement("a");
  link.setAttribute("href", url);
  link.setAttribute("style", `color:${MUTED}`);
  link.textContent = linkText.trim();
  if (text.trim()) line.append(document.createTextNode(`${text.trim()} `));
  line.append(link);
  return line;
}

// Take the footer's line out again, found by its link as an editor may have rebuilt it; its
// holder goes only when it holds nothing but the footer's words, so nothing the user wrote goes.
function removeFooter(body, optout) {
  const words = `${optout.text?.trim() ?? ""} ${optout.link_text?.trim() ?? ""}`.trim();
  for (const anchor of body.querySelectorAll("a[href]")) {
    if (anchor.getAttribute("href") !== optout.url) continue;
    const holder = anchor.parentElement;
    if (holder && holder !== body && holder.textContent.trim() === words) holder.remove();
    else anchor.remove();
  }
}

function image(document, url) {
  const img = document.createElement("img");
  img.setAttribute("src", url);
  img.setAttribute("alt", "");
  img.setAttribute("width", "1");
  img.setAttribute("height", "1");
  img.setAttribute("style", "width:1px;height:1px;border:0");
  return img;
}

function placeAfter(node, added) {
  node.after(added);
  return added;
}

// The URL goes into CSS as url("..."): it must be one of ours, with nothing that could end it.
function isCssSafe(url) {
  return isTrackable(url) && !/["'()\\]/.test(url);
}

function forwardStyle(document, url) {
  const style = document.createElement("style");
  // The forward headers only desktop clients write (extension/docs/webmail.md, "Forwards"): webmail
  // strips <style> from what it shows.
  style.textContent = `${SHARED.forwardHeader.join(",")}{background-image:url("${url}")}`;
  return style;
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
