// Tags as the user types them ("q3, board,  q3") and as the server takes them (["q3", "board"]):
// the server's rules are 1 to 64 printable characters with no space at either end, 20 at most.
export const MAX_TAGS = 20;
export const MAX_TAG_LENGTH = 64;

export function parseTags(text) {
  const tags = [];
  for (const part of String(text).split(",")) {
    const tag = part.replace(/[\u0000-\u001f\u007f]/g, "").trim().slice(0, MAX_TAG_LENGTH).trim();
    if (tag && !tags.includes(tag)) tags.push(tag);
  }
  return tags.slice(0, MAX_TAGS);
}
