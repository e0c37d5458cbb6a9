import assert from "node:assert/strict";
import { createServer } from "node:http";
import { after, before, test } from "node:test";

import { Api, ApiError } from "../../extension/src/common/api.js";

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
        : { error: { code: "invalid_field", message: "links.0: bad", field: "links.0" } };
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
  const result = await new Api(base, "tt_x").register({ recipients: ["a@b.c"], links: [] }, 1500);
  assert.equal(result.pixel_url, "https://t/p/1.s.gif");
  assert.equal(result.auth, "Bearer tt_x");
  assert.deepEqual(result.echo.recipients, ["a@b.c"]);
});

test("a server slower than the deadline means untracked, quickly", async () => {
  Object.assign(behaviour, { delayMs: 2000, status: 201 });
  const started = Date.now();
  await assert.rejects(
    new Api(base, "t").register({}, 200),
    (error) => error instanceof ApiError && /did not answer within 0.2 s/.test(error.message),
  );
  assert.ok(Date.now() - started < 1000);
});

test("a refusal says why", async () => {
  Object.assign(behaviour, { delayMs: 0, status: 422 });
  await assert.rejects(
    new Api(base, "t").register({}, 1500),
    (error) => error.status === 422 && /links\.0: bad/.test(error.message) && error.field === "links.0",
  );
});

test("an unreachable server means untracked", async () => {
  await assert.rejects(new Api("http://127.0.0.1:9", "t").register({}, 1500), /could not be reached/);
});
