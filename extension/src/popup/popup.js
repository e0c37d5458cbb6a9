// The toolbar popup: what just happened (the live events the service worker keeps in storage) and
// the latest messages, each with tracking on or off, notifications on or off, and its tags.
// Everything shown is set as text: subjects, addresses and tags come from other people or the user.
import { describeEvent, eventAside, opensLabel, stateLabel } from "../common/format.js";
import { ask } from "../common/protocol.js";
import { isPaired, onSettingsChange, readSettings } from "../common/storage.js";
import { tagEditor } from "./tag-editor.js";

const ACTIVITY_SHOWN = 10;
const MESSAGES_SHOWN = 20;

const element = (id) => document.getElementById(id);

function make(tag, className = "", text = "") {
  const node = document.createElement(tag);
  node.className = className;
  node.textContent = text;
  return node;
}

function showStatus(text) {
  element("popup-status").textContent = text;
}

const subjectOf = (message) => message.subject || "(no subject)";

function showActivity(events) {
  const now = Date.now();
  const items = events.slice(0, ACTIVITY_SHOWN).map((event) => {
    const item = make("li", "event", describeEvent(event, now));
    item.dataset.eventId = event.id ?? "";
    // An auto-reply, a bounce or the sender's own message is not a reply: set apart. Its words
    // start with what it is (describeEvent), for a screen reader, which does not see the styling.
    const aside = eventAside(event);
    if (aside) {
      item.classList.add("aside");
      item.dataset.kind = aside;
    }
    return item;
  });
  if (!items.length) items.push(make("li", "empty", "Nothing yet: opens, clicks and replies will show here."));
  element("activity").replaceChildren(...items);
}

async function showMessages() {
  const list = element("messages");
  try {
    const { items } = await ask("messages", { limit: MESSAGES_SHOWN });
    list.replaceChildren(...(items.length ? items.map(messageRow) : [make("li", "empty", "No messages yet.")]));
  } catch (error) {
    showStatus(`Could not load your messages: ${error.message}`);
  } finally {
    list.setAttribute("aria-busy", "false");
  }
}

function messageRow(message) {
  const row = make("li", "message");
  row.dataset.messageId = String(message.id);
  const subject = make("p", "subject", subjectOf(message));
  subject.id = `subject-${message.id}`;
  row.append(
    subject,
    make("p", "recipients", message.recipients.join(", ")),
    make("p", "state", [stateLabel(message), opensLabel(message), PROTECTED_LABELS[message.protected],
      message.tracking_declined && DECLINED_LABEL].filter(Boolean).join(" · ")),
    tagEditor(message, (control, fields, done) => change(control, message, fields, done), showStatus),
    actions(message),
  );
  return row;
}

// Instead of zeroes that would read as unread: a recipient said no on the opt-out page.
const DECLINED_LABEL = "Tracking declined by the recipient";
const PROTECTED_LABELS = { available: "Protected", withdrawn: "Withdrawn", expired: "Protected, expired" };

function actions(message) {
  const box = make("p", "actions");
  if (message.protected === "available") box.append(withdrawButton(message));
  box.append(message.tracking
    ? actionButton(message, "stop-tracking", "Stop tracking", { tracking: false }, "Tracking stopped for")
    : actionButton(message, "resume-tracking", "Resume tracking", { tracking: true }, "Tracking resumed for"));
  box.append(message.notify
    ? actionButton(message, "mute", "Mute notifications", { notify: false }, "Notifications muted for")
    : actionButton(message, "unmute", "Unmute notifications", { notify: true }, "Notifications back on for"));
  return box;
}

// The button that undoes each one: focus moves there once the row is redrawn.
const COUNTERPART = { "stop-tracking": "resume-tracking", "resume-tracking": "stop-tracking", mute: "unmute", unmute: "mute" };

function actionButton(message, className, label, fields, done) {
  const button = make("button", className, label);
  button.type = "button";
  // "Mute notifications" alone does not say which message, for someone not seeing the row.
  button.setAttribute("aria-describedby", `subject-${message.id}`);
  button.addEventListener("click", () => change(button, message, fields, done));
  return button;
}

// Withdrawing cannot be undone: the first press asks, the second withdraws.
function withdrawButton(message) {
  const button = make("button", "withdraw", "Withdraw");
  button.type = "button";
  button.setAttribute("aria-describedby", `subject-${message.id}`);
  button.addEventListener("click", async () => {
    if (!button.dataset.armed) {
      button.dataset.armed = "true";
      button.textContent = "Withdraw for good?";
      showStatus(`Press again to withdraw “${subjectOf(message)}”: its recipients will see only that you withdrew it.`);
      return;
    }
    button.disabled = true;
    let updated;
    try {
      await ask("withdraw", { messageId: message.id });
      ({ message: updated } = await ask("message", { messageId: message.id }));
    } catch (error) {
      button.disabled = false;
      showStatus(`Could not withdraw “${subjectOf(message)}”: ${error.message}`);
      return;
    }
    const row = messageRow(updated);
    button.closest("li.message").replaceWith(row);
    row.querySelector("button")?.focus();
    showStatus(`Withdrawn “${subjectOf(updated)}”: its stored text is deleted.`);
  });
  return button;
}

async function change(control, message, fields, done) {
  control.disabled = true;
  let updated;
  try {
    ({ message: updated } = await ask("change", { messageId: message.id, fields }));
  } catch (error) {
    control.disabled = false;
    showStatus(`Could not change “${subjectOf(message)}”: ${error.message}`);
    return;
  }
  const row = messageRow(updated);
  control.closest("li.message").replaceWith(row);
  // The clicked control left with the old row: keep keyboard focus in the same place.
  const again = COUNTERPART[control.className] ?? "new-tag";
  (row.querySelector(`.${again}`) ?? row.querySelector("button")).focus();
  showStatus(`${done} “${subjectOf(updated)}”.`);
}

async function start() {
  const settings = await readSettings();
  const paired = isPaired(settings);
  element("unpaired").hidden = paired;
  element("paired").hidden = !paired;
  if (!paired) return;
  showActivity(settings.recentEvents);
  await showMessages();
}

element("open-options").addEventListener("click", () => chrome.runtime.openOptionsPage());
element("open-dashboard").addEventListener("click", async () => {
  try {
    await ask("open-dashboard");
  } catch (error) {
    showStatus(`Could not open the dashboard: ${error.message}`);
  }
});
onSettingsChange(["recentEvents"], ({ recentEvents }) => showActivity(recentEvents));
start().catch((error) => showStatus(error.message));
