import assert from "node:assert/strict";
import { createServer } from "node:http";
import { after, before, test } from "node:test";

import { registerMessage, Untracked } from "../../extension/src/compose/register.js";

let server;
let base;
const behaviour = { delayMs: 0, status: 201 };

before(async () => {
  server = createServer((request, response) => {
    let body = "";
    request.on("data", (chunk) => { body += chunk; });
    request.on("end", () => setTimeout(() => {
      response.writeHead(behaviour.status, { "Content-Type": "application/json" });
      const payload = behaviour.status === 201
        ? { id: 1, pixel_url: "https://t/p/1.s.gif", links: [], echo: JSON.parse(body), auth: request.headers.authorization }
        : { error: { code: "invalid_field", message: "links.0: bad" } };
      response.end(JSON.stringify(payload));
    }, behaviour.delayMs));
  });
  await new Promise((resolve) => server.listen(0, "127.0.0.1", resolve));
  base = `http://127.0.0.1:${server.address().port}`;
});

after(() => {
  server.closeAllConnections();
  server.close();
});

test("a registration that answers in time returns the signed URLs", async () => {
  Object.assign(behaviour, { delayMs: 0, status: 201 });
  const result = await registerMessage({ serverUrl: base, token: "tt_x", message: { recipients: ["a@b.c"], links: [] } });
  assert.equal(result.pixel_url, "https://t/p/1.s.gif");
  assert.equal(result.auth, "Bearer tt_x");
  assert.deepEqual(result.echo.recipients, ["a@b.c"]);
});

test("a server slower than the deadline means untracked, quickly", async () => {
  Object.assign(behaviour, { delayMs: 2000, status: 201 });
  const started = Date.now();
  await assert.rejects(
    registerMessage({ serverUrl: base, token: "t", message: {}, deadlineMs: 200 }),
    (error) => error instanceof Untracked && /did not answer within 0.2 s/.test(error.message),
  );
  assert.ok(Date.now() - started < 1000);
});

test("a refusal says why", async () => {
  Object.assign(behaviour, { delayMs: 0, status: 422 });
  await assert.rejects(registerMessage({ serverUrl: base, token: "t", message: {} }), /links\.0: bad/);
});

test("an unreachable server means untracked", async () => {
  await assert.rejects(registerMessage({ serverUrl: "http://127.0.0.1:9", token: "t", message: {} }), Untracked);
});
