// Every address of the Telltale server that the extension writes or recognises: the origin the
// user gives, the permission and websocket made from it, and the tracking URLs a message carries.
//
// Tracking URLs, by their first path segment (backend/telltale/tracking/hotpath.py):
//   /p/<token>.gif  the open pixel; the token is "<message id>[_<recipient>].<signature>"
//                   (backend/telltale/url_tokens.py)
//   /r/<token>.gif  the reading chain, and /f/<token>.gif the forward image, with the pixel's token
//   /l/<token>      a tracked link, and the decoy link beside the pixel
export const TRACKING_PATHS = Object.freeze({ pixel: "p", reading: "r", forward: "f", link: "l" });
// Every image of ours a message carries; links are not among them, so they stay clickable.
export const IMAGE_PATHS = Object.freeze([TRACKING_PATHS.pixel, TRACKING_PATHS.reading, TRACKING_PATHS.forward]);

const PIXEL_PATH = new RegExp(`^/${TRACKING_PATHS.pixel}/(\\d+)(?:_\\d+)?\\.[^/]+\\.gif$`);

// "https://Telltale.example.org:8443/anything" -> "https://telltale.example.org:8443"; throws a
// message fit for the user on anything that is not an http(s) URL.
export function normaliseServerUrl(text) {
  let url;
  try {
    url = new URL(String(text).trim());
  } catch {
    throw new Error("That is not a URL: write it as https://telltale.example.org");
  }
  if (url.protocol !== "https:" && url.protocol !== "http:") {
    throw new Error("The server URL must start with https:// (or http:// on your own machine)");
  }
  return url.origin;
}

// The match pattern chrome.permissions wants for the server's origin.
export function originPattern(serverUrl) {
  const url = new URL(serverUrl);
  return `${url.protocol}//${url.hostname}/*`;
}

export function socketUrl(serverUrl) {
  const url = new URL("/ws", serverUrl);
  url.protocol = url.protocol === "https:" ? "wss:" : "ws:";
  return url.href;
}

// What every tracking URL under `path` (one of TRACKING_PATHS) starts with: "https://t.example/p/".
export function trackingPrefix(serverUrl, path) {
  return `${serverUrl}/${path}/`;
}

// The message id if `url` is a pixel of the server at `serverUrl`, else null.
export function pixelMessageId(url, serverUrl) {
  if (!serverUrl || typeof url !== "string" || !url.startsWith(trackingPrefix(serverUrl, TRACKING_PATHS.pixel))) return null;
  let path;
  try {
    path = new URL(url).pathname;
  } catch {
    return null;
  }
  const match = PIXEL_PATH.exec(path);
  return match ? Number(match[1]) : null;
}
