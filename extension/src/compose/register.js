// Register a message with the backend before Send, giving up after a deadline: a slow or dead
// backend must never hold a user's mail.

export const REGISTER_DEADLINE_MS = 1500;

export class Untracked extends Error {}

export async function registerMessage({ serverUrl, token, message, deadlineMs = REGISTER_DEADLINE_MS, fetchImpl = fetch }) {
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(), deadlineMs);
  try {
    const response = await fetchImpl(`${serverUrl}/api/v1/messages`, {
      method: "POST",
      headers: { "Content-Type": "application/json", Authorization: `Bearer ${token}` },
      body: JSON.stringify(message),
      signal: controller.signal,
    });
    if (response.status !== 201) {
      const detail = await response.json().catch(() => ({}));
      throw new Untracked(detail?.error?.message || `the server answered ${response.status}`);
    }
    return await response.json();
  } catch (error) {
    if (error instanceof Untracked) throw error;
    if (error?.name === "AbortError") throw new Untracked(`the server did not answer within ${deadlineMs / 1000} s`);
    throw new Untracked(`the server could not be reached (${error?.message || error})`);
  } finally {
    clearTimeout(timer);
  }
}
