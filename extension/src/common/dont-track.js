// The don't-track list: addresses and domains whose mail Telltale leaves untracked. The options
// page checks what the user types with parseEntry; the compose checks recipients at Send with
// listedRecipients. No DOM, no chrome.* (tests/extension/privacy-dont-track.test.js).
//
// Written here rather than with an address-parsing library: the rule is ours (a domain covers its
// subdomains, an address only itself), and an entry needs no more than the shape of a host name.

// One DNS label: letters (any script, for internationalised domains), digits and inner hyphens.
const LABEL = /^[\p{L}\p{N}](?:[\p{L}\p{N}-]{0,61}[\p{L}\p{N}])?$/u;
// What comes before the @ of an address: anything but spaces, @ and the separators of a list.
const LOCAL = /^[^\s@,;<>"]{1,64}$/;

// The canonical entry for what the user typed ("Ana@Example.com" -> "ana@example.com",
// "@Example.com" or "example.com." -> "example.com"); throws an Error saying what is wrong.
export function parseEntry(text) {
  const typed = String(text ?? "").trim().toLowerCase();
  if (!typed) throw new Error("Type an address (ana@example.com) or a domain (example.com).");
  const at = typed.lastIndexOf("@");
  const local = at > 0 ? typed.slice(0, at) : "";
  const domain = typed.slice(at + 1).replace(/\.$/, "");
  if (at > 0 && !LOCAL.test(local)) throw new Error(`“${text.trim()}” is not an email address.`);
  if (!isDomain(domain)) {
    throw new Error(`“${text.trim()}” has no domain Telltale can match: write it as example.com or ana@example.com.`);
  }
  return local ? `${local}@${domain}` : domain;
}

// The canonical entry, or null for one that could not be parsed: what is stored may predate a rule.
export function tryEntry(text) {
  try {
    return parseEntry(text);
  } catch {
    return null;
  }
}

// The recipients `entries` leave untracked, in the order given. An address entry matches that
// address alone; a domain entry matches the domain and every subdomain of it. Case never matters.
export function listedRecipients(recipients, entries) {
  const rules = (Array.isArray(entries) ? entries : []).map(tryEntry).filter(Boolean);
  if (rules.length === 0) return [];
  return recipients.filter((recipient) => {
    const address = String(recipient).trim().toLowerCase();
    const domain = address.slice(address.lastIndexOf("@") + 1).replace(/\.$/, "");
    return rules.some((rule) => (rule.includes("@") ? rule === address : domain === rule || domain.endsWith(`.${rule}`)));
  });
}

// The entry of `entries` that already covers the canonical `entry` (itself, or a domain above it),
// or undefined: a second entry for the same mail would only make the list longer.
export function coveredBy(entry, entries) {
  const probe = entry.includes("@") ? entry : `@${entry}`;
  return entries.find((rule) => rule === entry || (!rule.includes("@") && listedRecipients([probe], [rule]).length > 0));
}

// "ana@example.com" or "anyone at example.com or its subdomains": how the options page lists an entry.
export function describeEntry(entry) {
  return entry.includes("@") ? entry : `anyone at ${entry} or its subdomains`;
}

// A host name of two labels or more: a single label ("com", "localhost") would match far more
// mail than anyone means to list.
function isDomain(domain) {
  if (domain.length > 253) return false;
  const labels = domain.split(".");
  return labels.length >= 2 && labels.every((label) => LABEL.test(label));
}
