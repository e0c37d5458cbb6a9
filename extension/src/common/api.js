// The backend's REST API (README "API"), as the extension calls it. Only extension pages and the
// service worker use this: content scripts run under the webmail's origin, where CORS would refuse
// these requests, so they ask the service worker (see protocol.js). Every Api is made here:
// pairedApi() for everything done as this browser, pairWith() for the one call made before.
import { isPaired, readSettings } from "./storage.js";

export class ApiError extends Error {
  // status 0: no answer at all. field: the request field the server named, if any. code: the
  // server's name for the error ("provider_not_configured"), if it answered one.
  constructor(message, status = 0, field = null, code = null) {
    super(message);
    this.status = status;
    this.field = field;
    this.code = code;
  }
}

export class Api {
  constructor(serverUrl, token = "", fetchImpl = (...args) => fetch(...args)) {
    this.serverUrl = serverUrl;
    this.token = token;
    this.fetch = fetchImpl;
  }

  async call(method, path, options = {}) {
    const response = await this.request(method, path, options);
    if (response.status === 204) return null;
    return response.json().catch(() => null);
  }

  // The server's answer to one request, once it is a success; throws an ApiError otherwise. The
  // deadline covers the wait for the answer to start, not the reading of its body.
  async request(method, path, { body, deadlineMs = 10_000 } = {}) {
    const controller = new AbortController();
    const timer = setTimeout(() => controller.abort(), deadlineMs);
    const headers = {};
    if (this.token) headers.Authorization = `Bearer ${this.token}`;
    if (body !== undefined) headers["Content-Type"] = "application/json";
    let response;
    try {
      response = await this.fetch(`${this.serverUrl}/api/v1${path}`, {
        method,
        headers,
        body: body === undefined ? undefined : JSON.stringify(body),
        signal: controller.signal,
        credentials: "omit",
      });
    } catch (error) {
      if (error?.name === "AbortError") throw new ApiError(`the server did not answer within ${deadlineMs / 1000} s`);
      throw new ApiError(`the server could not be reached (${error?.message || error})`);
    } finally {
      clearTimeout(timer);
    }
    if (response.ok) return response;
    const payload = await response.json().catch(() => null);
    const reason = payload?.error?.message || `the server answered ${response.status}`;
    throw new ApiError(reason, response.status, payload?.error?.field ?? null, payload?.error?.code ?? null);
  }

  pair(code, label) {
    return this.call("POST", "/pair", { body: label ? { code: code.trim(), label } : { code: code.trim() } });
  }

  register(message, deadlineMs) {
    return this.call("POST", "/messages", { body: message, deadlineMs });
  }

  registerProtected(message, deadlineMs) {
    return this.call("POST", "/messages/protected", { body: message, deadlineMs });
  }

  // Withdraw a protected message for good: its stored body is deleted and its page says so.
  withdraw(messageId) {
    return this.call("POST", `/messages/${messageId}/withdraw`);
  }

  change(messageId, fields) {
    return this.call("PATCH", `/messages/${messageId}`, { body: fields });
  }

  senderViewed(messageId, at) {
    return this.call("POST", `/messages/${messageId}/sender-views`, { body: { at } });
  }

  messages({ limit = 50, before } = {}) {
    const query = new URLSearchParams({ limit: String(limit) });
    if (before) query.set("before", String(before));
    return this.call("GET", `/messages?${query}`);
  }

  // A one-time link that signs this user in to the web dashboard: opened in a tab, spent by a button there.
  dashboardLink() {
    return this.call("POST", "/dashboard/link");
  }

  deleteMessage(messageId) {
    return this.call("DELETE", `/messages/${messageId}`);
  }

  message(messageId) {
    return this.call("GET", `/messages/${messageId}`);
  }

  settings() {
    return this.call("GET", "/settings");
  }

  changeSettings(fields) {
    return this.call("PATCH", "/settings", { body: fields });
  }

  // The mailboxes linked for replies, and which providers the server owner configured.
  accounts() {
    return this.call("GET", "/accounts");
  }

  // A one-time address ({url}) where the user grants the server access to a mailbox of `provider`.
  linkAccount(provider) {
    return this.call("POST", "/accounts/link", { body: { provider } });
  }

  unlinkAccount(accountId) {
    return this.call("DELETE", `/accounts/${accountId}`);
  }

  tokens() {
    return this.call("GET", "/tokens");
  }

  revokeToken(tokenId) {
    return this.call("DELETE", `/tokens/${tokenId}`);
  }

  // Everything the server keeps for this account, as {blob, filename}: the one answer that is a
  // file. The server streams it, so only the wait for its start has a deadline.
  async exportData() {
    const response = await this.request("GET", "/export", { deadlineMs: 60_000 });
    const named = /filename="?([^";]+)"?/i.exec(response.headers.get("Content-Disposition") || "");
    return { blob: await response.blob(), filename: named?.[1] || "telltale-export.json" };
  }

  // Delete the account and everything kept for it; `confirm` is its email, typed by the user.
  deleteAccount(confirm) {
    return this.call("DELETE", "/account", { body: { confirm } });
  }

  // Unpair: the token this Api was made with stops working.
  revokeCurrentToken() {
    return this.call("DELETE", "/tokens/current");
  }
}

// The API with this browser's token, or null when it is not paired.
export async function pairedApi() {
  const settings = await readSettings(["serverUrl", "token"]);
  return isPaired(settings) ? new Api(settings.serverUrl, settings.token) : null;
}

// Exchange a pairing code for a token ({token}) with the server at `serverUrl`.
export function pairWith(serverUrl, code, label) {
  return new Api(serverUrl).pair(code, label);
}
