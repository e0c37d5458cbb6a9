// A message's tags under the server's rules (1 to 64 printable characters, no space at either
// end, 20 at most): checked here so the user reads why at once. No DOM here.
//   parseTags  what the compose window's Tags field holds: "q3, board,  q3" -> ["q3", "board"]
//   withTag    the popup adding one tag, refused with a reason fit for the user
export const MAX_TAGS = 20;
export const MAX_TAG_LENGTH = 64;
// Control characters, which the server refuses anywhere in a tag.
const CONTROL = /[\u0000-\u001f\u007f]/g;

// Lenient, as typing is: what the server would refuse is cleaned up or dropped, not an error.
export function parseTags(text) {
  const tags = [];
  for (const part of String(text).split(",")) {
    // The server counts characters, not UTF-16 units.
    const tag = [...part.replace(CONTROL, "").trim()].slice(0, MAX_TAG_LENGTH).join("").trim();
    if (tag && !tags.includes(tag)) tags.push(tag);
  }
  return tags.slice(0, MAX_TAGS);
}

// The tags after adding `text`; throws an Error whose message is fit for the user.
export function withTag(tags, text) {
  const tag = String(text).trim();
  if (!tag) throw new Error("Write the tag first.");
  if (new RegExp(CONTROL.source).test(tag)) throw new Error("A tag cannot contain line breaks or other control characters.");
  if ([...tag].length > MAX_TAG_LENGTH) throw new Error(`A tag has at most ${MAX_TAG_LENGTH} characters.`);
  if (tags.includes(tag)) throw new Error(`“${tag}” is already a tag of this message.`);
  if (tags.length >= MAX_TAGS) throw new Error(`A message has at most ${MAX_TAGS} tags: remove one first.`);
  return [...tags, tag];
}

export function withoutTag(tags, tag) {
  return tags.filter((other) => other !== tag);
}
