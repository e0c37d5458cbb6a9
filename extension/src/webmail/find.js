// Finding webmail elements from candidate lists (the *-selectors.js files). Candidates are tried
// one at a time, in order of preference; a list that finds nothing answers null or [] and the
// caller degrades (no tracking, a logged reason) rather than breaking the page.

export function first(scope, candidates) {
  for (const selector of candidates) {
    const found = scope.querySelector(selector);
    if (found) return found;
  }
  return null;
}

export function all(scope, candidates) {
  for (const selector of candidates) {
    const found = scope.querySelectorAll(selector);
    if (found.length) return [...found];
  }
  return [];
}

export function closest(element, candidates) {
  for (const selector of candidates) {
    const found = element.closest(selector);
    if (found) return found;
  }
  return null;
}

const reported = new Set();

// Say once per page why something was not done: the console of a webmail tab is where a user or
// a bug report finds it.
export function failSoft(reason) {
  if (reported.has(reason)) return;
  reported.add(reason);
  console.info(`[Telltale] ${reason}`);
}

// Every element any candidate finds, each once, in document order: for checks that must see all
// that the candidates could mean, not just the preferred one (compose/window.js).
export function every(scope, candidates) {
  const found = new Set();
  for (const selector of candidates) for (const element of scope.querySelectorAll(selector)) found.add(element);
  return [...found].sort((a, b) => (a.compareDocumentPosition(b) & 4 ? -1 : 1));
}
