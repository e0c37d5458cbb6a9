// Recognising Telltale's own pixel in a mailbox, whatever the webmail did to its URL (the URL
// shapes themselves are in common/server-urls.js).
//
// Gmail shows remote images through its proxy, keeping the original URL after "#":
//   https://ci3.googleusercontent.com/meips/<signature>=s0-d-e1-ft#https://t.example/p/12.sig.gif
//   https://ci5.googleusercontent.com/proxy/<signature>=s0-d-e1-ft#https://t.example/p/12.sig.gif
// Outlook on the web keeps the URL as it is.
import { pixelMessageId } from "../common/server-urls.js";

// The domain of Gmail's image proxy (background/network-rules.js blocks our images behind it too).
export const GMAIL_IMAGE_PROXY = "googleusercontent.com";
const PROXIED = new RegExp(`^https://[a-z0-9-]+\\.${GMAIL_IMAGE_PROXY.replaceAll(".", "\\.")}/`, "i");

export function originalUrl(src) {
  if (typeof src !== "string") return null;
  const hash = src.indexOf("#");
  if (hash >= 0 && PROXIED.test(src)) return src.slice(hash + 1);
  return src;
}

// The message id if `src` is one of our pixels, else null.
export function ownPixelMessage(src, serverUrl) {
  return pixelMessageId(originalUrl(src), serverUrl);
}
