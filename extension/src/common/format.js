// The words the toolbar popup shows for live events and messages. The verbs, ordinals and "who"
// follow the backend's popup text (backend/telltale/notify/text.py) so that a line in the popup
// reads like the desktop notification it came with.

const VERBS = { open: "opened", click: "clicked a link in", reply: "replied to", forward: "forwarded", view: "viewed the protected message" };
const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

export function ordinal(n) {
  const suffix = n % 100 >= 10 && n % 100 <= 20 ? "th" : { 1: "st", 2: "nd", 3: "rd" }[n % 10] ?? "th";
  return `${n}${suffix}`;
}

export function plural(count, singular, many = `${singular}s`) {
  return `${count} ${count === 1 ? singular : many}`;
}

// A shared pixel cannot tell recipients apart: name one only when there is only one.
function who(recipients = []) {
  return recipients.length === 1 ? recipients[0] : "A recipient";
}

// "5 min ago"; "just now" also for times slightly ahead, as the server's clock may be.
export function relativeTime(iso, now = Date.now()) {
  const then = Date.parse(iso);
  if (Number.isNaN(then)) return "";
  const elapsed = Number(now) - then;
  if (elapsed < MINUTE) return "just now";
  if (elapsed < HOUR) return `${Math.floor(elapsed / MINUTE)} min ago`;
  if (elapsed < DAY) return `${Math.floor(elapsed / HOUR)} h ago`;
  if (elapsed < 2 * DAY) return "yesterday";
  if (elapsed < 30 * DAY) return `${Math.floor(elapsed / DAY)} days ago`;
  return `on ${new Date(then).toLocaleDateString(undefined, { year: "numeric", month: "short", day: "numeric" })}`;
}

// One line per live event: "ana@example.com opened “Q3 quote” · 2nd open · 5 min ago".
export function describeEvent(event, now = Date.now()) {
  return [...eventWords(event), relativeTime(event.at, now)].filter(Boolean).join(" · ");
}

// Reply events that are not a person replying: the server reports them, never as a reply and
// without a popup, and the toolbar popup lists them set apart.
const ASIDES = Object.freeze({ auto: "auto-reply", bounce: "bounce", sender: "your own message" });

// What sets `event` apart from the events it looks like ("auto-reply"), or null.
export function eventAside(event) {
  return event.type === "reply" ? ASIDES[event.source] ?? null : null;
}

function eventWords(event) {
  const aside = eventAside(event);
  if (aside) return asideWords(event, aside);
  const verb = VERBS[event.type];
  if (!verb) {
    // A "summary" (popups held in quiet hours) has no message: its popup says what it sums up.
    const popup = event.popup;
    return popup ? [[popup.title, popup.body].filter(Boolean).join(": ")] : [event.type];
  }
  // A reply names who wrote it; a pixel's hit can only guess from the recipients.
  const title = `${(event.type === "reply" && event.from) || who(event.recipients)} ${verb} “${event.subject || "(no subject)"}”`;
  const details = event.type === "open" && event.open_number ? [`${ordinal(event.open_number)} open`] : [];
  if (event.type === "click" && event.url) details.push(event.url);
  for (const field of ["device", "client", "place"]) if (event[field]) details.push(event[field]);
  if (event.forwarded && event.type === "open") details.push("likely forwarded");
  return [title, ...details];
}

// "Auto-reply to “Q3 quote” from ana@example.com": what came back, not what a person did.
function asideWords(event, aside) {
  const subject = `“${event.subject || "(no subject)"}”`;
  const from = event.from ? [`from ${event.from}`] : [];
  if (aside === "bounce") return [`Bounce: ${subject} was not delivered`, ...from];
  if (aside === "your own message") return [`Your own message in ${subject}`];
  return [`Auto-reply to ${subject}`, ...from];
}

// One tick when sent, two once opened (a click implies an open the pixel may have missed), a
// return arrow once someone replied (auto-replies and bounces do not count).
export function stateLabel(message) {
  if (message.tracking === false || message.state === "untracked") return "Tracking stopped";
  if (message.state === "replied") {
    const clicks = message.clicks ? `, ${plural(message.clicks, "click")}` : "";
    return `↩ Replied (${plural(message.replies || 1, "reply", "replies")}${clicks})`;
  }
  if (message.state === "clicked") return `✓✓ Clicked (${plural(message.clicks, "click")})`;
  if (message.state === "opened") return "✓✓ Opened";
  return "✓ Sent";
}

// "3 opens by 2 readers, last 5 min ago · forwarded", or "" before the first (stateLabel carries
// the clicks). Readers only when more than one: a single reader is what "opened" already says.
export function opensLabel(message, now = Date.now()) {
  if (!message.opens) return message.forwarded ? "forwarded" : "";
  const readers = message.readers > 1 ? ` by ${message.readers} readers` : "";
  const last = message.last_open_at ? `, last ${relativeTime(message.last_open_at, now)}` : "";
  return plural(message.opens, "open") + readers + last + (message.forwarded ? " · forwarded" : "");
}
