// Recipient addresses as a compose shows them: resolved chips and text typed but not yet resolved.

// Webmail editors pad typed text with no-break and zero-width spaces; "Name <address>" is split too.
const SEPARATORS = /[\s,;<>\u200b]+/;

// The addresses among `values` (chip addresses, typed text), once each, in page order.
export function addresses(values) {
  const seen = new Set();
  const found = [];
  for (const value of values) {
    for (const word of String(value || "").split(SEPARATORS)) {
      const key = word.toLowerCase();
      if (!word.includes("@") || seen.has(key)) continue;
      seen.add(key);
      found.push(word);
    }
  }
  return found;
}
