// The phone page's one job that needs a script: subscribe this browser to Web Push and hand the
// subscription to the server. Everything else on the page is a form.
//
// The subscription is posted again on every visit: a browser may renew it without telling anyone,
// and a page that is opened now and then is the simplest way to keep the server's copy current.
'use strict';

(function () {
  const box = document.getElementById('push');
  const state = document.getElementById('push-state');
  const on = document.getElementById('push-on');
  const off = document.getElementById('push-off');
  if (!box) return;

  const say = (text) => { state.textContent = text; };

  if (!('serviceWorker' in navigator) || !('PushManager' in window) || !('Notification' in window)) {
    say(isAppleMobile()
      ? 'Safari on an iPhone or iPad can receive notifications only from a web app on the Home Screen: see below.'
      : 'This browser cannot receive web notifications. Use another browser, or your own push service below.');
    return;
  }

  main().catch((error) => say(`Notifications could not be set up here: ${error.message}`));

  async function main() {
    const registration = await navigator.serviceWorker.register(box.dataset.worker, { scope: box.dataset.scope });
    await navigator.serviceWorker.ready;
    const current = await registration.pushManager.getSubscription();
    if (current && Notification.permission === 'granted') {
      await keep(current);
      showSubscribed();
    } else {
      showUnsubscribed();
    }
    on.addEventListener('click', () => subscribe(registration).catch(failed));
    off.addEventListener('click', () => unsubscribe(registration).catch(failed));
  }

  async function subscribe(registration) {
    on.disabled = true;
    const permission = await Notification.requestPermission();
    if (permission !== 'granted') {
      on.disabled = false;
      say(permission === 'denied'
        ? 'Notifications are blocked for this site: allow them in the browser\'s site settings, then try again.'
        : 'Notifications were not allowed. Press the button again to be asked again.');
      return;
    }
    const subscription = await registration.pushManager.subscribe({
      // Every push is shown: the only kind of subscription browsers offer a web page, and iOS
      // revokes one whose pushes show nothing.
      userVisibleOnly: true,
      applicationServerKey: box.dataset.key,
    });
    await keep(subscription);
    // Reload so that the device list, a server-rendered table, shows this device.
    window.location.reload();
  }

  async function unsubscribe(registration) {
    const subscription = await registration.pushManager.getSubscription();
    if (subscription) {
      const row = [...document.querySelectorAll('tr[data-endpoint]')]
        .find((tr) => tr.dataset.endpoint === subscription.endpoint);
      await subscription.unsubscribe();
      if (row) {
        // The row's own Remove form, so the server forgets it the same way as a click would.
        row.querySelector('form').submit();
        return;
      }
    }
    showUnsubscribed();
  }

  async function keep(subscription) {
    const response = await fetch(box.dataset.add, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', 'X-CSRFToken': box.dataset.csrf },
      body: JSON.stringify(subscription.toJSON()),
      credentials: 'same-origin',
    });
    if (!response.ok) {
      let problem = `the server answered ${response.status}`;
      try {
        problem = (await response.json()).problem || problem;
      } catch (error) {
        // Not JSON (a proxy's error page, say): the status says enough.
      }
      throw new Error(problem);
    }
  }

  function showSubscribed() {
    say('This device receives your notifications.');
    on.hidden = true;
    off.hidden = false;
  }

  function showUnsubscribed() {
    say('This device does not receive notifications yet.');
    on.hidden = false;
    on.disabled = false;
    off.hidden = true;
  }

  function failed(error) {
    on.disabled = false;
    say(`Notifications could not be set up here: ${error.message}`);
  }

  function isAppleMobile() {
    return /iPhone|iPad|iPod/.test(navigator.userAgent)
      || (navigator.platform === 'MacIntel' && navigator.maxTouchPoints > 1);
  }
}());
