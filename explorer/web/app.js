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
  h,
  table,
  unitsEl,
  weiEl,
  weiToEther,
  yesNo,
} from "./dom.js";

const main = document.getElementById("main");
// uPlot is loaded only by the views that draw a chart, so the tables paint without waiting for it.
const loadCharts = () => import("./charts.js");
const STATES = ["open", "provisional", "challenged", "fulfilled", "failed", "refunded", "expired"];
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
      card("Fees to treasury", weiEl(t.feesToTreasuryWei), "feesToTreasuryWei"),
      card("Oracle fees not yet swept", weiEl(t.pendingOracleFeesWei), "pendingOracleFeesWei"),
      card("TVL", weiEl(t.tvlWei), "tvlWei"),
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
        { label: "Balance", key: "balanceWei", num: true, cell: (c) => weiEl(c.balanceWei) },
        { label: "TVL", key: "tvlWei", num: true, cell: (c) => weiEl(c.tvlWei) },
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
  { label: "Fee", key: "feeWei", num: true, cell: (r) => weiEl(r.feeWei) },
  { label: "Latency", key: "latencySec", num: true, cell: (r) => formatSeconds(r.latencySec) },
  { label: "Callback", key: "callbackOk", cell: (r) => yesNo(r.callbackOk) },
  { label: "Fulfil gas", key: "fulfilGas", num: true, cell: (r) => formatInt(r.fulfilGas) },
  { label: "Requested", key: "requestTime", cell: (r) => formatTime(r.requestTime) },
];

// Cursors of the pages before the current one, per route and filter, so "Previous" works without an offset.
const cursorTrail = new Map();

/** Previous/next buttons over the API's opaque cursors; `filters` stay in the hash with the cursor. */
function pager(route, filters, cursor, page) {
  const key = JSON.stringify([route, filters]);
  const trail = cursorTrail.get(key) ?? [];
  const go = (next) => {
    const q = new URLSearchParams();
    for (const [k, v] of Object.entries({ ...filters, cursor: next })) if (v) q.set(k, v);
    const qs = q.toString();
    location.hash = `#${route}${qs ? `?${qs}` : ""}`;
  };
  return h(
    "div",
    { class: "pager" },
    h(
      "button",
      {
        type: "button",
        "data-testid": "prev-page",
        disabled: !cursor,
        onclick: () => {
          cursorTrail.set(key, trail.slice(0, -1));
          go(trail[trail.length - 1] ?? "");
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
          cursorTrail.set(key, [...trail, cursor]);
          go(page.nextCursor);
        },
      },
      "Next →",
    ),
    h(
      "span",
      { class: "muted", "data-testid": "page-size" },
      `${page.items.length} shown, up to ${filters.limit ?? PAGE} per page`,
    ),
  );
}

/** One page of a list route: `{ items, nextCursor }` from the API plus its pager. */
async function listPage(apiPath, route, query, filters = {}) {
  const cursor = query.get("cursor") ?? "";
  const limit = query.get("limit") ?? "";
  if (limit) filters = { ...filters, limit };
  const page = await api(apiPath, { limit: PAGE, ...filters, cursor });
  return { page, pagerEl: pager(route, filters, cursor, page) };
}

async function requests(_params, query) {
  const state = query.get("state") ?? "";
  const model = query.get("model") ?? "";
  const node = query.get("node") ?? "";
  if (state && !STATES.includes(state)) throw new BadInput(`“${state}” is not a request state (${STATES.join(", ")}).`);
  if (model) requireUint(model, "model id");
  if (node) requireAddress(node, "node");
  const { page, pagerEl } = await listPage("/api/requests", "/requests", query, { state, model, node });
  const form = h(
    "form",
    {
      class: "filters",
      "data-testid": "request-filters",
      onsubmit: (event) => {
        event.preventDefault();
        const f = new FormData(event.target);
        const q = new URLSearchParams();
        for (const k of ["state", "model", "node"]) if (String(f.get(k)).trim()) q.set(k, String(f.get(k)).trim());
        const qs = q.toString();
        location.hash = `#/requests${qs ? `?${qs}` : ""}`;
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
  return [
    h("h1", {}, "Requests"),
    form,
    table(requestColumns, page.items, {
      testid: "requests",
      rowTestid: "request-row",
      empty: "No request matches these filters.",
    }),
    pagerEl,
  ];
}

/** Long byte strings (inputs, callback data) are cut in the events table; the cell's title keeps them whole. */
const shortenLongHex = (_key, value) =>
  typeof value === "string" && /^0x[0-9a-fA-F]{80,}$/.test(value)
    ? `${value.slice(0, 42)}… (${(value.length - 2) / 2} bytes)`
    : value;

const muted = (text) => h("span", { class: "muted" }, text);
const mono = (text) => h("span", { class: "mono" }, text);

async function requestDetail([id]) {
  requireUint(id, "request id");
  const r = await api(`/api/requests/${id}`);
  return [
    h("h1", {}, `Request #${r.id} `, badge(r.state)),
    fields([
      ["Model", modelLink(r.model, `model ${r.model}`), "model"],
      ["Requester", mono(r.requester), "requester"],
      ["State", badge(r.state), "state"],
      ["Verification mode", r.mode, "mode"],
      [
        "Assigned nodes",
        r.assignedNodes.length === 0 ? muted("any node of the model") : r.assignedNodes.map((n) => [nodeLink(n), " "]),
        "assignedNodes",
      ],
      ["Answered by", r.node ? nodeLink(r.node) : muted("nobody yet"), "node"],
      ["Fee paid", weiEl(r.feeWei), "feeWei"],
      ["Model fee", weiEl(r.modelFeeWei), "modelFeeWei"],
      ["Requested", `block ${r.requestBlock} · ${formatTime(r.requestTime)}`, "requestBlock"],
      ["Deadline", formatTime(r.deadline), "deadline"],
      [
        "Fulfilled",
        r.fulfilBlock === null ? "—" : `block ${r.fulfilBlock} · ${formatTime(r.fulfilTime)}`,
        "fulfilBlock",
      ],
      ["Latency", formatSeconds(r.latencySec), "latencySec"],
      ["Callback", yesNo(r.callbackOk), "callbackOk"],
      ["Error code", r.errorCode === null ? "—" : String(r.errorCode), "errorCode"],
      ["Fulfil gas (its share of the batch)", formatInt(r.fulfilGas), "fulfilGas"],
      ["Refunded", weiEl(r.refundWei), "refundWei"],
      ["Request transaction", mono(r.txHash), "txHash"],
      ["Fulfil transaction", r.fulfilTxHash ? mono(r.fulfilTxHash) : "—", "fulfilTxHash"],
    ]),
    h("h2", {}, "Events"),
    table(
      [
        { label: "Event", key: "name", cell: (e) => `${e.contract}.${e.name}` },
        { label: "Block", key: "block", num: true, cell: (e) => formatInt(e.block) },
        { label: "Time", key: "time", cell: (e) => formatTime(e.time) },
        { label: "Transaction", key: "txHash", cell: (e) => txCell(e.txHash) },
        {
          label: "Arguments",
          key: "args",
          cell: (e) => h("code", { title: JSON.stringify(e.args) }, JSON.stringify(e.args, shortenLongHex)),
        },
      ],
      r.events ?? [],
      { testid: "request-events", rowTestid: "event-row" },
    ),
  ];
}

async function models(_params, query) {
  const { page, pagerEl } = await listPage("/api/models", "/models", query);
  return [
    h("h1", {}, "Models"),
    table(
      [
        { label: "Model", key: "id", cell: (m) => modelLink(m.id, `#${m.id}`) },
        {
          label: "Name",
          key: "name",
          cell: (m) => (m.name ? `${m.name}${m.symbol ? ` (${m.symbol})` : ""}` : muted("—")),
        },
        { label: "Owner", key: "owner", cell: (m) => addr(m.owner) },
        { label: "Fee", key: "feeWei", num: true, cell: (m) => weiEl(m.feeWei) },
        { label: "Mode", key: "mode", cell: (m) => m.mode },
        { label: "Active", key: "active", cell: (m) => (m.active ? "yes" : badge("inactive")) },
        { label: "Token", key: "token", cell: (m) => addr(m.token) },
        { label: "Requests", key: "requests", num: true, cell: (m) => formatInt(m.requests) },
        { label: "Revenue", key: "revenueWei", num: true, cell: (m) => weiEl(m.revenueWei) },
      ],
      page.items,
      { testid: "models", rowTestid: "model-row", empty: "No model registered yet." },
    ),
    pagerEl,
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
            { label: "Holder", key: "address", cell: (x) => mono(x.address) },
            { label: "Balance", key: "balance", num: true, cell: (x) => unitsEl(x.balance) },
            { label: "Claimable", key: "claimableWei", num: true, cell: (x) => weiEl(x.claimableWei) },
          ],
          holders,
          { testid: "holders", rowTestid: "holder-row", empty: "No holder yet." },
        )
      : h("div", { class: "empty", "data-testid": "holders" }, "This model has no revenue token (no IMO)."),
  );
  const nodes = m.nodes ?? [];
  const view = [
    h("h1", {}, `Model #${m.id}${m.name ? ` — ${m.name}` : ""}`),
    fields([
      ["Weights hash", mono(m.weightsHash), "weightsHash"],
      ["Owner", mono(m.owner), "owner"],
      ["Metadata", m.metadataURI || "—", "metadataURI"],
      ["Fee per request", weiEl(m.feeWei), "feeWei"],
      ["Verification mode", m.mode, "mode"],
      ["Active", m.active ? "yes" : badge("inactive"), "active"],
      [
        "Revenue token",
        m.token
          ? h(
              "span",
              {},
              mono(m.token),
              m.symbol ? ` (${m.symbol}) · ` : " · ",
              h("a", { href: `#/models/${m.id}/holders`, "data-testid": "holders-link" }, "token holders"),
            )
          : muted("none"),
        "token",
      ],
      ["Revenue receiver", m.revenueReceiver ? mono(m.revenueReceiver) : "—", "revenueReceiver"],
      ["Requests", h("a", { href: `#/requests?model=${m.id}` }, formatInt(m.requests)), "requests"],
      ["Revenue", weiEl(m.revenueWei), "revenueWei"],
    ]),
    h("h2", {}, `Nodes (${nodes.length})`),
    nodes.length === 0
      ? h("div", { class: "empty", "data-testid": "nodes" }, "No node serves this model yet.")
      : h(
          "ul",
          { "data-testid": "nodes" },
          nodes.map((n) => h("li", {}, h("a", { class: "mono", href: `#/requests?node=${n}`, "data-address": n }, n))),
        ),
    h("h2", {}, "Revenue"),
    h("div", { class: "charts" }, revenueChart(m.revenue ?? [], weiToEther)),
    holdersSection,
  ];
  if (section === "holders") queueMicrotask(() => holdersSection.scrollIntoView());
  return view;
}

/** A dataset's provenance record (synthetic data: generator model, run, inputs…) as short key: value lines. */
function provenanceCell(provenance) {
  if (!provenance) return muted("—");
  return h(
    "ul",
    { class: "kv" },
    Object.entries(provenance).map(([k, v]) => {
      const text = typeof v === "string" ? v : JSON.stringify(v);
      return h(
        "li",
        {},
        h("span", { class: "muted" }, `${k}: `),
        h("span", { class: "mono", title: text }, text.length > 22 ? `${text.slice(0, 20)}…` : text),
      );
    }),
  );
}

async function datasets(_params, query) {
  const { page, pagerEl } = await listPage("/api/datasets", "/datasets", query);
  return [
    h("h1", {}, "Datasets"),
    table(
      [
        { label: "Dataset", key: "id", cell: (d) => `#${d.id}` },
        { label: "Seller", key: "seller", cell: (d) => addr(d.seller) },
        { label: "Price", key: "priceWei", num: true, cell: (d) => weiEl(d.priceWei) },
        { label: "Listed", key: "listed", cell: (d) => (d.listed ? "yes" : badge("delisted")) },
        { label: "Sales", key: "sales", num: true, cell: (d) => formatInt(d.sales) },
        { label: "Revenue", key: "revenueWei", num: true, cell: (d) => weiEl(d.revenueWei) },
        {
          label: "Royalty splits",
          key: "royalties",
          cell: (d) =>
            d.royalties.length === 0
              ? muted("none")
              : h(
                  "ul",
                  { class: "kv" },
                  d.royalties.map((r) => h("li", {}, addr(r.to), ` ${(r.bps / 100).toFixed(2)}%`)),
                ),
        },
        { label: "Provenance", key: "provenance", cell: (d) => provenanceCell(d.provenance) },
        { label: "License", key: "licenseURI", cell: (d) => d.licenseURI || muted("—") },
      ],
      page.items,
      { testid: "datasets", rowTestid: "dataset-row", empty: "No dataset listed yet." },
    ),
    pagerEl,
  ];
}

async function jobs(_params, query) {
  const { page, pagerEl } = await listPage("/api/jobs", "/jobs", query);
  return [
    h("h1", {}, "Compute jobs"),
    table(
      [
        { label: "Job", key: "id", cell: (j) => `#${j.id}` },
        { label: "Requester", key: "requester", cell: (j) => addr(j.requester) },
        { label: "Provider", key: "provider", cell: (j) => addr(j.provider) },
        { label: "State", key: "state", cell: (j) => badge(j.state) },
        { label: "Price", key: "priceWei", num: true, cell: (j) => weiEl(j.priceWei) },
        { label: "Disputed", key: "disputed", cell: (j) => (j.disputed ? badge("disputed") : "no") },
        { label: "Slashed", key: "slashedWei", num: true, cell: (j) => weiEl(j.slashedWei) },
        { label: "Spec", key: "specURI", cell: (j) => j.specURI || muted("—") },
        { label: "Result", key: "resultHash", cell: (j) => (j.resultHash ? txCell(j.resultHash) : muted("—")) },
      ],
      page.items,
      { testid: "jobs", rowTestid: "job-row", empty: "No compute job yet." },
    ),
    pagerEl,
  ];
}

async function operators(_params, query) {
  const { page, pagerEl } = await listPage("/api/operators", "/operators", query);
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
        { label: "Service", key: "service", cell: (o) => o.service },
        { label: "Stake", key: "stakeWei", num: true, cell: (o) => weiEl(o.stakeWei) },
        { label: "Unbonding", key: "unbondingWei", num: true, cell: (o) => weiEl(o.unbondingWei) },
        { label: "Locked", key: "lockedWei", num: true, cell: (o) => weiEl(o.lockedWei) },
        { label: "Slashed", key: "slashedWei", num: true, cell: (o) => [weiEl(o.slashedWei), ` (${o.slashes}×)`] },
        { label: "Served", key: "served", num: true, cell: (o) => formatInt(o.served) },
        {
          label: "Jailed",
          key: "jailed",
          cell: (o) => (o.jailed ? h("span", {}, badge("jailed"), ` until ${formatTime(o.jailedUntil)}`) : "no"),
        },
      ],
      page.items,
      { testid: "operators", rowTestid: "operator-row", empty: "No operator staked yet." },
    ),
    pagerEl,
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
  const rawPath = cut < 0 ? raw : raw.slice(0, cut);
  let path = rawPath;
  try {
    path = decodeURIComponent(rawPath);
  } catch {
    // a malformed %-escape: matched as typed, so it ends as "Page not found" or "Bad input"
  }
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
    const reorgs = s.reorgs ? ` · ${s.reorgs} reorg${s.reorgs === 1 ? "" : "s"}` : "";
    el.textContent = `${s.network} · chain ${s.chainId} · indexed ${s.indexedBlock} / head ${s.headBlock} (lag ${s.lagBlocks})${reorgs}`;
    el.title = s.lastError ? `last indexer error: ${s.lastError}` : "";
  } catch (err) {
    el.textContent = `API: ${err.message}`;
  }
}

window.addEventListener("hashchange", render);
render();
health();
setInterval(health, 10_000);
