// A message's tags as the popup edits them: the server's rules (api/schemas.py Tag, Tags), checked
// before asking so the user reads why at once. No DOM here (tests/extension/tags.test.js).

export const MAX_TAGS = 20;
export const MAX_TAG_LENGTH = 64;
// Control characters, which the server refuses anywhere in a tag.
const CONTROL = /[\u0000-\u001f\u007f]/;

// The tags after adding `text`; throws an Error whose message is fit for the user.
export function withTag(tags, text) {
  const tag = String(text).trim();
  if (!tag) throw new Error("Write the tag first.");
  if (CONTROL.test(tag)) throw new Error("A tag cannot contain line breaks or other control characters.");
  if ([...tag].length > MAX_TAG_LENGTH) throw new Error(`A tag has at most ${MAX_TAG_LENGTH} characters.`);
  if (tags.includes(tag)) throw new Error(`“${tag}” is already a tag of this message.`);
  if (tags.length >= MAX_TAGS) throw new Error(`A message has at most ${MAX_TAGS} tags: remove one first.`);
  return [...tags, tag];
}

export function withoutTag(tags, tag) {
  return tags.filter((other) => other !== tag);
}
