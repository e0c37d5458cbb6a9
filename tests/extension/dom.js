// linkedom lives with the extension's other npm packages; the tests reach it from here.
import { parseHTML } from "../../extension/node_modules/linkedom/esm/index.js";

export function composeBody(html) {
  const { document } = parseHTML(`<!doctype html><html><body><div id="body" contenteditable="true">${html}</div></body></html>`);
  return document.getElementById("body");
}
