// Telltale's service worker: shows each Web Push the server sends (notify/webpush.py) as a
// notification, and opens the dashboard when one is tapped.
//
// Every push is shown, never dropped, even one that cannot be read: browsers revoke the
// subscription of a site whose pushes show nothing (iOS after a few).
'use strict';

const FALLBACK_TITLE = 'Telltale';
const FALLBACK_BODY = 'Something happened to one of your tracked messages';

self.addEventListener('install', () => self.skipWaiting());
self.addEventListener('activate', (event) => event.waitUntil(self.clients.claim()));

self.addEventListener('push', (event) => {
  const shown = readPush(event);
  // The popup's id as the tag: an update of a coalesced popup replaces the notification on
  // screen instead of adding another, as the desktop popup is updated in place.
  event.waitUntil(self.registration.showNotification(shown.title, {
    body: shown.body,
    tag: shown.tag,
    icon: '/app/static/dist/icon-192.png',
    data: { url: shown.url },
  }));
});

self.addEventListener('notificationclick', (event) => {
  event.notification.close();
  const url = (event.notification.data && event.notification.data.url) || '/app/messages';
  event.waitUntil(focusOrOpen(new URL(url, self.location.origin).href));
});

function readPush(event) {
  let data = {};
  try {
    data = event.data ? event.data.json() : {};
  } catch (error) {
    data = {};
  }
  return {
    title: text(data.title) || FALLBACK_TITLE,
    body: text(data.body) || FALLBACK_BODY,
    tag: text(data.tag) || undefined,
    url: pageOf(data.message_id),
  };
}

function text(value) {
  return typeof value === 'string' ? value.trim() : '';
}

// Only ever a dashboard page on this site, built here: the payload names a message, not a URL.
function pageOf(messageId) {
  return Number.isSafeInteger(messageId) && messageId > 0 ? `/app/messages/${messageId}` : '/app/messages';
}

async function focusOrOpen(href) {
  const windows = await self.clients.matchAll({ type: 'window', includeUncontrolled: true });
  const open = windows.find((client) => client.url === href);
  if (open) {
    return open.focus();
  }
  return self.clients.openWindow(href);
}
