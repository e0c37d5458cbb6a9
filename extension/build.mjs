// Build the unpacked extension into dist/: bundle each entry point with esbuild (content scripts
// cannot be ES modules, so each becomes one self-contained file), copy the manifest and pages,
// and draw the icons (no binary files in the repository). Then bundle the dashboard's charts
// (uPlot and its stylesheet) and the installable dashboard's icons into the backend's static
// files, where /app/static/dist/ serves them.
// `node build.mjs --dashboard-out DIR` builds only the charts, into DIR: the tests use it.
import { copyFileSync, mkdirSync, rmSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { deflateSync } from "node:zlib";

import { build } from "esbuild";

const root = dirname(fileURLToPath(import.meta.url));
const dist = join(root, "dist");
const dashboardFlag = process.argv.indexOf("--dashboard-out");
const dashboardDist = dashboardFlag > 0 ? process.argv[dashboardFlag + 1]
  : join(root, "..", "backend", "telltale", "dashboard", "static", "dist");

const ENTRIES = {
  background: "src/background/service-worker.js",
  gmail: "src/content/gmail.js",
  outlook: "src/content/outlook.js",
  options: "src/options/options.js",
  popup: "src/popup/popup.js",
};
const PAGES = ["src/options/options.html", "src/popup/popup.html", "src/common/pages.css"];

rmSync(dashboardDist, { recursive: true, force: true });
await build({
  entryPoints: { charts: join(root, "src/dashboard/charts.js") },
  outdir: dashboardDist,
  bundle: true,
  minify: true,
  format: "iife",
  target: "es2020",
  logLevel: "warning",
});
// The installable dashboard's icons (its manifest and its notifications name them).
for (const size of [192, 512]) writeFileSync(join(dashboardDist, `icon-${size}.png`), icon(size));
if (dashboardFlag > 0) process.exit(0);

rmSync(dist, { recursive: true, force: true });
mkdirSync(join(dist, "icons"), { recursive: true });

await build({
  entryPoints: Object.fromEntries(Object.entries(ENTRIES).map(([name, path]) => [name, join(root, path)])),
  outdir: dist,
  bundle: true,
  format: "iife",
  target: "chrome116",
  sourcemap: "linked",
  logLevel: "warning",
});
copyFileSync(join(root, "manifest.json"), join(dist, "manifest.json"));
for (const page of PAGES) copyFileSync(join(root, page), join(dist, page.split("/").pop()));
for (const size of [16, 48, 128]) writeFileSync(join(dist, "icons", `${size}.png`), icon(size));

// A filled circle in Telltale's colour with a white dot: an eye, roughly.
function icon(size) {
  const rows = [];
  const centre = (size - 1) / 2;
  for (let y = 0; y < size; y += 1) {
    const row = [0];
    for (let x = 0; x < size; x += 1) {
      const d = Math.hypot(x - centre, y - centre) / (size / 2);
      const pixel = d > 1 ? [0, 0, 0, 0] : d < 0.35 ? [255, 255, 255, 255] : [26, 115, 232, 255];
      row.push(...pixel);
    }
    rows.push(Buffer.from(row));
  }
  const header = Buffer.alloc(13);
  header.writeUInt32BE(size, 0);
  header.writeUInt32BE(size, 4);
  header.set([8, 6, 0, 0, 0], 8);
  return Buffer.concat([
    Buffer.from([137, 80, 78, 71, 13, 10, 26, 10]),
    chunk("IHDR", header),
    chunk("IDAT", deflateSync(Buffer.concat(rows))),
    chunk("IEND", Buffer.alloc(0)),
  ]);
}

function chunk(type, data) {
  const length = Buffer.alloc(4);
  length.writeUInt32BE(data.length);
  const body = Buffer.concat([Buffer.from(type, "ascii"), data]);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(body));
  return Buffer.concat([length, body, crc]);
}

function crc32(bytes) {
  let crc = ~0;
  for (const byte of bytes) {
    crc ^= byte;
    for (let k = 0; k < 8; k += 1) crc = (crc >>> 1) ^ (0xedb88320 & -(crc & 1));
  }
  return ~crc >>> 0;
}
