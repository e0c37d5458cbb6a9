// What a Sent list row shows for a tracked message: one tick when sent, two once opened, two and a
// return arrow once someone replied, and the clicks. No DOM here (tests/extension/ticks.test.js).

const times = (n) => (n === 1 ? "once" : `${n} times`);
const clicksOf = (message) => (message.clicks ? ` · ${message.clicks} click${message.clicks === 1 ? "" : "s"}` : "");

// Each state's mark differs by its shape, not only by its colour; `words` is what a screen reader
// says. A reply's mark is the return arrow mail clients put on a message that was replied to.
const LOOKS = Object.freeze({
  sent: { mark: () => "✓", color: "#80868b", words: () => "Sent, not opened yet" },
  opened: { mark: () => "✓✓", color: "#1a73e8", words: (m) => `Opened ${m.opens} times` },
  replied: {
    mark: (m) => (m.replies > 1 ? `✓✓ ↩ ${m.replies}` : "✓✓ ↩"),
    color: "#188038",
    words: (m) => `Replied${m.replies > 1 ? ` ${times(m.replies)}` : ""}${m.opens ? `, opened ${times(m.opens)}` : ""}`,
  },
});

// Replied outranks opened, as in the server's state (replied > clicked > opened > sent): a reply
// says more than any open. Auto-replies and bounces are not counted in `replies` by the server.
export function tickState(message) {
  if (!message.tracking) return "untracked";
  if (message.state === "replied" || message.replies > 0) return "replied";
  return message.opens > 0 ? "opened" : "sent";
}

// {state, mark, color, label} for `message` as GET /api/v1/messages gives it. A message no longer
// tracked keeps the look of what it saw before tracking stopped.
export function tickFor(message) {
  const state = tickState(message);
  const looks = LOOKS[state === "untracked" ? tickState({ ...message, tracking: true }) : state];
  const clicks = clicksOf(message);
  return { state, mark: `${looks.mark(message)}${clicks}`, color: looks.color, label: `${looks.words(message)}${clicks}` };
}
