// What protecting does to a compose body, as plain DOM code (runs under `node --test` too): the
// body is read out as HTML with its inline images, then replaced by the teaser the server wrote,
// and put back exactly as it was if the mail does not leave.
//
// The body is never parsed from a string here: Gmail enforces Trusted Types, and the teaser is
// built from its text with DOM calls, so no HTML string ever reaches an HTML sink.
import { isTrackable } from "./tracking.js";

const DATA_IMAGE = /^data:(image\/(?:png|jpeg|gif|webp));base64,([A-Za-z0-9+/]+={0,2})$/;
const MAX_IMAGES = 50;

// {html, images} for the server: images the body holds as data: or blob: URLs become parts named
// by cid:, as mail clients name inline images. Any other image is remote; the server drops those,
// since the reading page loads nothing from elsewhere.
export async function bodyForServer(body, readBlob = readBlobUrl) {
  const copy = body.cloneNode(true);
  const images = [];
  for (const img of copy.querySelectorAll("img[src]")) {
    if (images.length >= MAX_IMAGES) break;
    const src = img.getAttribute("src");
    let part = DATA_IMAGE.exec(src);
    if (!part && src.startsWith("blob:")) part = DATA_IMAGE.exec(await readBlob(src).catch(() => ""));
    if (!part) continue;
    const cid = `telltale-image-${images.length + 1}`;
    images.push({ cid, content_type: part[1], data: part[2] });
    img.setAttribute("src", `cid:${cid}`);
  }
  return { html: copy.innerHTML, images };
}

// A pasted image in the compose is often a blob: URL of the page; read it as a data: URL.
async function readBlobUrl(url) {
  const blob = await (await fetch(url)).blob();
  return new Promise((resolve, reject) => {
    const reader = new FileReader();
    reader.onload = () => resolve(String(reader.result));
    reader.onerror = () => reject(reader.error);
    reader.readAsDataURL(blob);
  });
}

// Put the teaser in the body's place; answers what restoreBody needs to undo it. `created` is the
// registration's `protected` ({url, teaser_text}). Throws, with the body untouched, if the answer
// is not one a body can be made of: never half a protected message.
export function replaceWithTeaser(body, created) {
  const { url, teaser_text: text } = created || {};
  if (!isTrackable(url) || typeof text !== "string" || !text.includes(url)) {
    throw new Error("the server's answer held no reading link");
  }
  const teaser = teaserNodes(body.ownerDocument, text, url);
  const original = body.ownerDocument.createDocumentFragment();
  original.append(...body.childNodes);
  body.append(teaser);
  return original;
}

// Put back what the user wrote (replaceWithTeaser's answer), the same nodes.
export function restoreBody(body, original) {
  body.replaceChildren(original);
}

// The teaser as one paragraph: its lines with <br>, the reading URL as a link wherever it stands.
function teaserNodes(document, text, url) {
  const paragraph = document.createElement("p");
  text.split(url).forEach((part, index) => {
    if (index > 0) {
      const link = document.createElement("a");
      link.setAttribute("href", url);
      link.textContent = url;
      paragraph.append(link);
    }
    part.split("\n").forEach((line, lineIndex) => {
      if (lineIndex > 0) paragraph.append(document.createElement("br"));
      if (line) paragraph.append(document.createTextNode(line));
    });
  });
  return paragraph;
}
