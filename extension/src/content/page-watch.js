// The one MutationObserver of a webmail tab, shared by every content feature (main.js).
//
// A feature is what its start(adapter, settings) returns: {refresh(), mutated?(records)}.
//   refresh   look at the page again. Called when the feature is added, when the settings change,
//             and at most once per frame after the webmail changed the page: webmail pages mutate
//             constantly, and one look per frame sees all of it. Changes to Telltale's own
//             elements (OURS) do not count, or a feature would wake itself.
//   mutated   optional: every batch of records as it comes, for what cannot wait for the frame
//             (own-pixels.js must blank a pixel before it loads).
// The observer also reports changes of an image's src, which only `mutated` sees.
const OBSERVED = { childList: true, subtree: true, attributes: true, attributeFilter: ["src"] };
// Every element Telltale puts into a webmail page (compose/controls.js, compose/notice.js,
// sent-list.js, and the cell webmail/gmail.js makes for the controls).
const OURS = "[data-telltale-controls], [data-telltale-notice], [data-telltale-ticks], [data-telltale-hover], .telltale-switch-cell";

export function watchPage(document) {
  const features = [];
  let scheduled = false;
  const refreshAll = () => {
    for (const feature of features) feature.refresh();
  };
  new MutationObserver((records) => {
    for (const feature of features) feature.mutated?.(records);
    if (scheduled || !records.some(byWebmail)) return;
    scheduled = true;
    requestAnimationFrame(() => {
      scheduled = false;
      refreshAll();
    });
  }).observe(document, OBSERVED);
  return {
    add(feature) {
      features.push(feature);
      feature.refresh();
    },
    refreshAll,
  };
}

// A node added or removed by the webmail, not inside one of our own elements.
function byWebmail(record) {
  if (record.type !== "childList" || ours(record.target)) return false;
  return [...record.addedNodes, ...record.removedNodes].some((node) => !ours(node));
}

function ours(node) {
  const element = node.nodeType === Node.ELEMENT_NODE ? node : node.parentElement;
  return Boolean(element?.closest(OURS));
}
