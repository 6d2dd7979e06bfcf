// Axon Explorer front end: hash routes, one view per route, everything read from the JSON API (docs/explorer.md).
import { api, ApiError } from "./api.js";
import {
  ADDRESS_RE,
  UINT_RE,
  addr,
  badge,
  card,
  errorBox,
  fields,
  formatInt,
  formatSeconds,
  formatTime,
  formatUnits,
  formatWei,
  h,
  table,
  weiToEther,
  yesNo,
} from "./dom.js";

const main = document.getElementById("main");
// uPlot is loaded only by the views that draw a chart, so the tables paint without waiting for it.
const loadCharts = () => import("./charts.js");
const STATES = ["open", "provisional", "challenged", "fulfilled", "failed", "refunded"];
const PAGE = 50;

class BadInput extends Error {}

function requireUint(value, what) {
  if (!UINT_RE.test(value))
    throw new BadInput(`“${value}” is not a valid ${what}: it must be a whole number (0, 1, 2, …).`);
  return value;
}

function requireAddress(value, what) {
  if (!ADDRESS_RE.test(value)) {
    throw new BadInput(`“${value}” is not a valid ${what} address: it must be 0x followed by 40 hexadecimal digits.`);
  }
  return value;
}

const requestLink = (id) => h("a", { href: `#/requests/${id}`, "data-request": id }, `#${id}`);
const modelLink = (id, label) => h("a", { href: `#/models/${id}`, "data-model": id }, label ?? `model ${id}`);
const nodeLink = (address) => addr(address, address ? `#/requests?node=${address}` : undefined);

function txCell(hash) {
  return hash ? h("span", { class: "mono", title: hash }, `${hash.slice(0, 10)}…`) : "—";
}

// ---------------------------------------------------------------------------------------------- views

async function overview() {
  const [data, latency, { latencyChart, requestsPerMinuteChart }] = await Promise.all([
    api("/api/overview"),
    api("/api/stats/latency"),
    loadCharts(),
  ]);
  const t = data.totals;
  return [
    h("h1", {}, `Protocol overview — ${data.network} (chain ${data.chainId})`),
    h(
      "div",
      { class: "cards", "data-testid": "totals" },
      card("Requests", formatInt(t.requests), "requests"),
      card("Fulfilled", formatInt(t.fulfilled), "fulfilled"),
      card("Models", formatInt(t.models), "models"),
      card("Datasets", formatInt(t.datasets), "datasets"),
      card("Compute jobs", formatInt(t.jobs), "jobs"),
      card("Operators", formatInt(t.operators), "operators"),
      card("Fees to treasury", formatWei(t.feesToTreasuryWei), "feesToTreasuryWei"),
      card("TVL", formatWei(t.tvlWei), "tvlWei"),
    ),
    h("h2", {}, "Activity"),
    h("div", { class: "charts" }, requestsPerMinuteChart(latency.perMinute ?? []), latencyChart(latency.buckets ?? [])),
    h(
      "p",
      { class: "muted", "data-testid": "latency-percentiles" },
      `Latency p50 ${formatSeconds(latency.p50)}, p95 ${formatSeconds(latency.p95)}.`,
    ),
    h("h2", {}, "Contracts"),
    table(
      [
        { label: "Contract", key: "name", cell: (c) => c.name },
        { label: "Address", key: "address", cell: (c) => h("span", { class: "mono" }, c.address) },
        { label: "Balance", key: "balanceWei", num: true, cell: (c) => formatWei(c.balanceWei) },
        { label: "TVL", key: "tvlWei", num: true, cell: (c) => formatWei(c.tvlWei) },
      ],
      data.contracts,
      { testid: "contracts", rowTestid: "contract-row" },
    ),
  ];
}

const requestColumns = [
  { label: "Request", key: "id", cell: (r) => requestLink(r.id) },
  { label: "Model", key: "model", cell: (r) => modelLink(r.model, r.model) },
  { label: "State", key: "state", cell: (r) => badge(r.state) },
  { label: "Mode", key: "mode", cell: (r) => r.mode },
  { label: "Node", key: "node", cell: (r) => nodeLink(r.node) },
  { label: "Fee", key: "feeWei", num: true, cell: (r) => formatWei(r.feeWei) },
  { label: "Latency", key: "latencySec", num: true, cell: (r) => formatSeconds(r.latencySec) },
  { label: "Callback", key: "callbackOk", cell: (r) => yesNo(r.callbackOk) },
  { label: "Fulfil gas", key: "fulfilGas", num: true, cell: (r) => formatInt(r.fulfilGas) },
  { label: "Requested", key: "requestTime", cell: (r) => formatTime(r.requestTime) },
];

// Cursors of the pages before the current one, per filter, so "Previous" works without a server-side offset.
const cursorTrail = new Map();

async function requests(_params, query) {
  const state = query.get("state") ?? "";
  const model = query.get("model") ?? "";
  const node = query.get("node") ?? "";
  const cursor = query.get("cursor") ?? "";
  if (state && !STATES.includes(state)) throw new BadInput(`“${state}” is not a request state (${STATES.join(", ")}).`);
  if (model) requireUint(model, "model id");
  if (node) requireAddress(node, "node");
  const filterKey = JSON.stringify([state, model, node]);
  const page = await api("/api/requests", { state, model, node, cursor, limit: PAGE });

  const go = (next) => {
    const q = new URLSearchParams();
    for (const [k, v] of Object.entries({ state, model, node, ...next })) if (v) q.set(k, v);
    const qs = q.toString();
    location.hash = `#/requests${qs ? `?${qs}` : ""}`;
  };
  const trail = cursorTrail.get(filterKey) ?? [];
  const form = h(
    "form",
    {
      class: "filters",
      "data-testid": "request-filters",
      onsubmit: (event) => {
        event.preventDefault();
        const f = new FormData(event.target);
        cursorTrail.delete(filterKey);
        go({ state: f.get("state"), model: f.get("model").trim(), node: f.get("node").trim(), cursor: "" });
      },
    },
    h(
      "label",
      {},
      "State",
      h(
        "select",
        { name: "state" },
        h("option", { value: "" }, "any"),
        STATES.map((s) => h("option", { value: s, selected: s === state }, s)),
      ),
    ),
    h("label", {}, "Model id", h("input", { name: "model", value: model, size: 8, placeholder: "any" })),
    h("label", {}, "Node address", h("input", { name: "node", value: node, size: 44, placeholder: "0x…" })),
    h("button", { type: "submit" }, "Filter"),
  );
  const pager = h(
    "div",
    { class: "pager" },
    h(
      "button",
      {
        type: "button",
        "data-testid": "prev-page",
        disabled: !cursor,
        onclick: () => {
          const back = trail.slice(0, -1);
          cursorTrail.set(filterKey, back);
          go({ cursor: trail[trail.length - 1] ?? "" });
        },
      },
      "← Previous",
    ),
    h(
      "button",
      {
        type: "button",
        "data-testid": "next-page",
        disabled: !page.nextCursor,
        onclick: () => {
          cursorTrail.set(filterKey, [...trail, cursor]);
          go({ cursor: page.nextCursor });
        },
      },
      "Next →",
    ),
    h("span", { class: "muted" }, `${page.items.length} shown, ${PAGE} per page`),
  );
  return [
    h("h1", {}, "Requests"),
    form,
    table(requestColumns, page.items, {
      testid: "requests",
      rowTestid: "request-row",
      empty: "No request matches these filters.",
    }),
    pager,
  ];
}

async function requestDetail([id]) {
  requireUint(id, "request id");
  const r = await api(`/api/requests/${id}`);
  return [
    h("h1", {}, `Request #${r.id} `, badge(r.state)),
    fields([
      ["Model", modelLink(r.model, `model ${r.model}`), "model"],
      ["Requester", h("span", { class: "mono" }, r.requester), "requester"],
      ["State", badge(r.state), "state"],
      ["Verification mode", r.mode, "mode"],
      ["Node", r.node ? nodeLink(r.node) : h("span", { class: "muted" }, "not fulfilled"), "node"],
      ["Fee", formatWei(r.feeWei), "feeWei"],
      ["Requested", `block ${r.requestBlock} · ${formatTime(r.requestTime)}`, "requestBlock"],
      [
        "Fulfilled",
        r.fulfilBlock === null ? "—" : `block ${r.fulfilBlock} · ${formatTime(r.fulfilTime)}`,
        "fulfilBlock",
      ],
      ["Latency", formatSeconds(r.latencySec), "latencySec"],
      ["Callback", yesNo(r.callbackOk), "callbackOk"],
      ["Fulfil gas", formatInt(r.fulfilGas), "fulfilGas"],
      ["Transaction", h("span", { class: "mono" }, r.txHash), "txHash"],
    ]),
    h("h2", {}, "Events"),
    table(
      [
        { label: "Event", key: "name", cell: (e) => e.name },
        { label: "Block", key: "block", num: true, cell: (e) => formatInt(e.block) },
        { label: "Transaction", key: "txHash", cell: (e) => txCell(e.txHash) },
        { label: "Arguments", key: "args", cell: (e) => h("code", {}, JSON.stringify(e.args)) },
      ],
      r.events ?? [],
      { testid: "request-events", rowTestid: "event-row" },
    ),
  ];
}

async function models() {
  const { items } = await api("/api/models");
  return [
    h("h1", {}, "Models"),
    table(
      [
        { label: "Model", key: "id", cell: (m) => modelLink(m.id, `#${m.id}`) },
        { label: "Name", key: "name", cell: (m) => m.name ?? h("span", { class: "muted" }, "—") },
        { label: "Fee", key: "feeWei", num: true, cell: (m) => formatWei(m.feeWei) },
        { label: "Mode", key: "mode", cell: (m) => m.mode },
        { label: "Token", key: "token", cell: (m) => addr(m.token) },
        { label: "Requests", key: "requests", num: true, cell: (m) => formatInt(m.requests) },
        { label: "Revenue", key: "revenueWei", num: true, cell: (m) => formatWei(m.revenueWei) },
      ],
      items,
      { testid: "models", rowTestid: "model-row", empty: "No model registered yet." },
    ),
  ];
}

async function modelDetail([id, section]) {
  requireUint(id, "model id");
  if (section !== undefined && section !== "holders") throw new BadInput(`Unknown model page section “${section}”.`);
  const [m, { revenueChart }] = await Promise.all([api(`/api/models/${id}`), loadCharts()]);
  const holders = m.holders ?? [];
  const holdersSection = h(
    "section",
    { id: "holders", "data-testid": "holders-section" },
    h("h2", {}, `Token holders and claimable revenue (${holders.length})`),
    m.token
      ? table(
          [
            {
              label: "Holder",
              key: "address",
              cell: (x) => h("span", { class: "mono", "data-address": x.address }, x.address),
            },
            { label: "Balance", key: "balance", num: true, cell: (x) => formatUnits(x.balance) },
            { label: "Claimable", key: "claimableWei", num: true, cell: (x) => formatWei(x.claimableWei) },
          ],
          holders,
          { testid: "holders", rowTestid: "holder-row", empty: "No holder yet." },
        )
      : h("div", { class: "empty", "data-testid": "holders" }, "This model has no revenue token (no IMO)."),
  );
  const view = [
    h("h1", {}, `Model #${m.id}${m.name ? ` — ${m.name}` : ""}`),
    fields([
      ["Weights hash", h("span", { class: "mono" }, m.weightsHash), "weightsHash"],
      ["Fee per request", formatWei(m.feeWei), "feeWei"],
      ["Verification mode", m.mode, "mode"],
      [
        "Revenue token",
        m.token
          ? h(
              "span",
              {},
              h("span", { class: "mono" }, m.token),
              " · ",
              h("a", { href: `#/models/${m.id}/holders`, "data-testid": "holders-link" }, "token holders"),
            )
          : h("span", { class: "muted" }, "none"),
        "token",
      ],
      ["Requests", h("a", { href: `#/requests?model=${m.id}` }, formatInt(m.requests)), "requests"],
      ["Revenue", formatWei(m.revenueWei), "revenueWei"],
    ]),
    h("h2", {}, `Nodes (${(m.nodes ?? []).length})`),
    (m.nodes ?? []).length === 0
      ? h("div", { class: "empty", "data-testid": "nodes" }, "No node serves this model yet.")
      : h(
          "ul",
          { "data-testid": "nodes" },
          m.nodes.map((n) => h("li", {}, h("a", { class: "mono", href: `#/requests?node=${n}` }, n))),
        ),
    h("h2", {}, "Revenue"),
    h("div", { class: "charts" }, revenueChart(m.revenue ?? [], weiToEther)),
    holdersSection,
  ];
  if (section === "holders") queueMicrotask(() => holdersSection.scrollIntoView());
  return view;
}

async function datasets() {
  const { items } = await api("/api/datasets");
  return [
    h("h1", {}, "Datasets"),
    table(
      [
        { label: "Dataset", key: "id", cell: (d) => `#${d.id}` },
        { label: "Owner", key: "owner", cell: (d) => addr(d.owner) },
        { label: "Price", key: "priceWei", num: true, cell: (d) => formatWei(d.priceWei) },
        { label: "Sales", key: "sales", num: true, cell: (d) => formatInt(d.sales) },
        { label: "Revenue", key: "revenueWei", num: true, cell: (d) => formatWei(d.revenueWei) },
        {
          label: "Royalty splits",
          key: "royalties",
          cell: (d) =>
            (d.royalties ?? []).length === 0
              ? h("span", { class: "muted" }, "none")
              : h(
                  "ul",
                  {},
                  d.royalties.map((r) => h("li", {}, addr(r.to), ` ${(Number(r.bps) / 100).toFixed(2)}%`)),
                ),
        },
        {
          label: "Provenance",
          key: "provenance",
          cell: (d) =>
            d.provenance
              ? h("span", { class: "mono", title: String(d.provenance) }, String(d.provenance).slice(0, 18) + "…")
              : h("span", { class: "muted" }, "—"),
        },
      ],
      items,
      { testid: "datasets", rowTestid: "dataset-row", empty: "No dataset listed yet." },
    ),
  ];
}

async function jobs() {
  const { items } = await api("/api/jobs");
  return [
    h("h1", {}, "Compute jobs"),
    table(
      [
        { label: "Job", key: "id", cell: (j) => `#${j.id}` },
        { label: "Requester", key: "requester", cell: (j) => addr(j.requester) },
        { label: "Provider", key: "provider", cell: (j) => addr(j.provider) },
        { label: "State", key: "state", cell: (j) => badge(j.state) },
        { label: "Price", key: "priceWei", num: true, cell: (j) => formatWei(j.priceWei) },
        { label: "Disputed", key: "disputed", cell: (j) => (j.disputed ? badge("disputed") : "no") },
        { label: "Slashed", key: "slashedWei", num: true, cell: (j) => formatWei(j.slashedWei) },
      ],
      items,
      { testid: "jobs", rowTestid: "job-row", empty: "No compute job yet." },
    ),
  ];
}

async function operators() {
  const { items } = await api("/api/operators");
  return [
    h("h1", {}, "Operators"),
    table(
      [
        {
          label: "Operator",
          key: "address",
          cell: (o) =>
            h("a", { class: "mono", href: `#/requests?node=${o.address}`, "data-address": o.address }, o.address),
        },
        { label: "Stake", key: "stakeWei", num: true, cell: (o) => formatWei(o.stakeWei) },
        { label: "Locked", key: "lockedWei", num: true, cell: (o) => formatWei(o.lockedWei) },
        { label: "Slashed", key: "slashedWei", num: true, cell: (o) => formatWei(o.slashedWei) },
        { label: "Served", key: "served", num: true, cell: (o) => formatInt(o.served) },
        { label: "Jailed", key: "jailed", cell: (o) => (o.jailed ? badge("jailed") : "no") },
      ],
      items,
      { testid: "operators", rowTestid: "operator-row", empty: "No operator staked yet." },
    ),
  ];
}

// ---------------------------------------------------------------------------------------------- router

const routes = [
  [/^\/?$/, "overview", overview],
  [/^\/requests\/?$/, "requests", requests],
  [/^\/requests\/([^/]+)$/, "requests", requestDetail],
  [/^\/models\/?$/, "models", models],
  [/^\/models\/([^/]+)(?:\/([^/]+))?$/, "models", modelDetail],
  [/^\/datasets\/?$/, "datasets", datasets],
  [/^\/jobs\/?$/, "jobs", jobs],
  [/^\/operators\/?$/, "operators", operators],
];

let renderSeq = 0;

function describeError(err) {
  if (err instanceof BadInput) return errorBox("Bad input", err.message);
  if (err instanceof ApiError) {
    const title =
      err.status === 404
        ? "Not found"
        : err.status === 400
          ? "Bad input"
          : err.code === "NO_MANIFEST"
            ? "No deployment manifest"
            : "The Explorer API failed";
    return errorBox(title, `${err.message} (${err.code}${err.status ? `, HTTP ${err.status}` : ""})`);
  }
  return errorBox("The page failed to render", err?.message ?? String(err));
}

async function render() {
  const seq = ++renderSeq;
  const raw = location.hash.replace(/^#/, "") || "/";
  const cut = raw.indexOf("?");
  const path = decodeURIComponent(cut < 0 ? raw : raw.slice(0, cut));
  const qs = cut < 0 ? "" : raw.slice(cut + 1);
  const query = new URLSearchParams(qs);
  const match = routes.map(([re, name, view]) => [path.match(re), name, view]).find(([m]) => m);
  for (const a of document.querySelectorAll("header nav a")) {
    a.classList.toggle("active", match !== undefined && a.dataset.route === match[1]);
  }
  main.setAttribute("aria-busy", "true");
  let content;
  if (!match) {
    content = errorBox("Page not found", `There is no Explorer page at “#${path}”. Use the links above.`);
  } else {
    try {
      content = await match[2](match[0].slice(1), query);
    } catch (err) {
      content = describeError(err);
    }
  }
  if (seq !== renderSeq) return; // a newer navigation superseded this one
  main.replaceChildren(...[content].flat());
  if (main.querySelector(".chart")) (await loadCharts()).drawCharts(main);
  main.removeAttribute("aria-busy");
  main.dataset.view = match ? match[1] : "none";
  performance.mark(`view:${main.dataset.view}`);
  document.title = `Axon Explorer — ${match ? match[1] : "not found"}`;
}

async function health() {
  const el = document.getElementById("health");
  try {
    const s = await api("/api/health");
    el.textContent = `${s.network} · chain ${s.chainId} · indexed ${s.indexedBlock} / head ${s.headBlock} (lag ${s.lagBlocks})`;
  } catch (err) {
    el.textContent = `API: ${err.message}`;
  }
}

window.addEventListener("hashchange", render);
render();
health();
setInterval(health, 10_000);
