// Recognising Telltale's own pixel in a mailbox, whatever the webmail did to its URL.
//
// Gmail shows remote images through its proxy, keeping the original URL after "#":
//   https://ci3.googleusercontent.com/meips/<signature>=s0-d-e1-ft#https://t.example/p/12.sig.gif
//   https://ci5.googleusercontent.com/proxy/<signature>=s0-d-e1-ft#https://t.example/p/12.sig.gif
// Outlook on the web keeps the URL as it is.

// The message id in a pixel token "<id>[_<recipient>].<signature>" (backend/telltale/tokens.py).
const PIXEL_PATH = /^\/p\/(\d+)(?:_\d+)?\.[^/]+\.gif$/;

export function originalUrl(src) {
  if (typeof src !== "string") return null;
  const hash = src.indexOf("#");
  if (hash >= 0 && /^https:\/\/[a-z0-9-]+\.googleusercontent\.com\//i.test(src)) return src.slice(hash + 1);
  return src;
}

// The message id if `src` is one of our pixels, else null.
export function ownPixelMessage(src, serverUrl) {
  const url = originalUrl(src);
  if (!serverUrl || !url || !url.startsWith(`${serverUrl}/p/`)) return null;
  let path;
  try {
    path = new URL(url).pathname;
  } catch {
    return null;
  }
  const match = PIXEL_PATH.exec(path);
  return match ? Number(match[1]) : null;
}
