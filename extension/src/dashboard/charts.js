// The dashboard's report charts. uPlot, not Chart.js: about 50 kB minified against Chart.js's 200,
// it draws lines and bars (paths.bars) on a canvas quickly, and it builds its legend with the DOM,
// never with inline style attributes or eval, so it runs under the pages' strict CSP
// (script-src 'self', style-src 'self'). The numbers come from a JSON element the server writes;
// every chart's figures are also in a table on the page, which stays the accessible form.
import uPlot from "uplot";
import "uplot/dist/uPlot.min.css";

const ACCENT = "#0969da";
const HEIGHT = 220;

function draw(box, chart) {
  const { kind, labels, values, name, xName } = chart;
  const xs = labels.map((_, i) => i);
  const bars = kind === "bars";
  const options = {
    width: Math.max(box.clientWidth, 280),
    height: HEIGHT,
    scales: {
      x: { time: false, range: bars ? [-0.5, labels.length - 0.5] : undefined },
      // Counts start at zero: a bar that starts anywhere else exaggerates the difference.
      y: { range: (_, __, max) => [0, max > 0 ? Math.ceil(max * 1.1) : 1] },
    },
    axes: [
      { values: (_, ticks) => ticks.map((t) => labels[t] ?? ""), space: bars ? 30 : 60, incrs: [1, 2, 7, 14, 30] },
      { label: name },
    ],
    series: [
      { label: xName, value: (_, i) => (i == null ? "" : labels[i] ?? "") },
      {
        label: name,
        stroke: ACCENT,
        width: 2,
        fill: bars ? "rgba(9, 105, 218, 0.35)" : "rgba(9, 105, 218, 0.08)",
        paths: bars ? uPlot.paths.bars({ size: [0.7, 60] }) : undefined,
        points: { show: !bars && labels.length <= 62 },
      },
    ],
    legend: { show: true },
  };
  const plot = new uPlot(options, [xs, values], box);
  window.addEventListener("resize", () => plot.setSize({ width: Math.max(box.clientWidth, 280), height: HEIGHT }));
}

function start() {
  const source = document.getElementById("chart-data");
  if (!source) return;
  const charts = JSON.parse(source.textContent);
  for (const box of document.querySelectorAll("[data-chart]")) {
    const chart = charts[box.dataset.chart];
    if (chart) {
      draw(box, chart);
      box.dataset.drawn = "true";
    }
  }
}

if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
else start();
