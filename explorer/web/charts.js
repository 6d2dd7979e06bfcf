// uPlot charts, served from node_modules/uplot/dist by the Explorer server (no CDN).
import uPlot from "/vendor/uplot/uPlot.esm.js";

import { h } from "./dom.js";

// uPlot's stylesheet, linked here rather than in index.html so it never holds up the first paint of a view without
// charts; the module resolves once it is loaded, so charts are never drawn unstyled.
await new Promise((resolve) => {
  const link = Object.assign(document.createElement("link"), {
    rel: "stylesheet",
    href: "/vendor/uplot/uPlot.min.css",
  });
  link.addEventListener("load", resolve);
  link.addEventListener("error", resolve);
  document.head.append(link);
});

const HEIGHT = 220;

function frame(title, testid) {
  const box = h("div", { class: "chart", "data-testid": testid }, h("h3", {}, title));
  return box;
}

function emptyNote(box, text) {
  box.append(h("p", { class: "muted" }, text));
  return box;
}

/** Draws once the box is in the document (app.js calls drawCharts after rendering) so it can size itself. */
function mount(box, opts, data) {
  box.draw = () => {
    const plot = h("div", { class: "plot" });
    box.append(plot);
    const width = Math.max(300, Math.min(1100, box.clientWidth - 22));
    new uPlot({ ...opts, width, height: HEIGHT }, data, plot);
  };
  return box;
}

export function drawCharts(root) {
  for (const box of root.querySelectorAll(".chart")) {
    if (typeof box.draw === "function") {
      box.draw();
      delete box.draw;
    }
  }
}

/** Requests per minute: [{ t, count }]. */
export function requestsPerMinuteChart(perMinute) {
  const box = frame("Requests per minute", "chart-requests-per-minute");
  if (perMinute.length === 0) return emptyNote(box, "No requests yet.");
  const xs = perMinute.map((p) => Number(p.t));
  const ys = perMinute.map((p) => Number(p.count));
  // At least ten minutes wide, so a burst within one minute shows as a bar, not as a dot on a years-long axis.
  const span = Math.max(600, xs[xs.length - 1] - xs[0]);
  const mid = (xs[0] + xs[xs.length - 1]) / 2;
  return mount(
    box,
    {
      scales: {
        x: { time: true, range: () => [mid - span / 2 - 60, mid + span / 2 + 60] },
        y: { range: (_u, _min, max) => [0, Math.max(1, max) * 1.1] },
      },
      series: [
        {},
        {
          label: "requests",
          stroke: "#3454d1",
          fill: "rgba(52,84,209,0.35)",
          paths: uPlot.paths.bars({ size: [0.9, 40], align: 0 }),
          points: { show: false },
        },
      ],
      axes: [{}, { label: "requests / min" }],
    },
    [xs, ys],
  );
}

/** Latency distribution: [{ leSec, count }] as bars over bucket bounds. */
export function latencyChart(buckets) {
  const box = frame("Latency request → fulfil (seconds, bucket upper bound)", "chart-latency");
  if (buckets.length === 0 || buckets.every((b) => Number(b.count) === 0)) {
    return emptyNote(box, "No fulfilled requests yet.");
  }
  const labels = buckets.map((b) => (b.leSec === null || b.leSec === "+Inf" ? "more" : `≤${b.leSec}`));
  const xs = buckets.map((_, i) => i);
  const ys = buckets.map((b) => Number(b.count));
  return mount(
    box,
    {
      scales: { x: { time: false, range: [-0.6, xs.length - 0.4] } },
      series: [
        { label: "bucket", value: (_u, i) => (i === null ? "—" : (labels[Math.round(i)] ?? "")) },
        {
          label: "requests",
          stroke: "#1f8a4c",
          fill: "rgba(31,138,76,0.35)",
          paths: uPlot.paths.bars({ size: [0.7, 60] }),
          points: { show: false },
        },
      ],
      axes: [{ splits: () => xs, values: (_u, splits) => splits.map((i) => labels[i] ?? "") }, { label: "requests" }],
    },
    [xs, ys],
  );
}

/** Cumulative revenue of a model over time: [{ t, cumulativeWei }] → ether. */
export function revenueChart(points, toEther) {
  const box = frame("Revenue over time (ETH, cumulative)", "chart-revenue");
  if (points.length === 0) return emptyNote(box, "No revenue yet.");
  const xs = points.map((p) => Number(p.t));
  const ys = points.map((p) => toEther(p.cumulativeWei));
  return mount(
    box,
    {
      series: [
        {},
        {
          label: "revenue (ETH)",
          stroke: "#b7791f",
          fill: "rgba(183,121,31,0.12)",
          width: 2,
          paths: uPlot.paths.stepped({ align: 1 }),
        },
      ],
      axes: [{}, { label: "ETH" }],
    },
    [xs, ys],
  );
}
