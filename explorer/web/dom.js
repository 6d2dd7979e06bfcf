// DOM and formatting helpers. Everything the API returns is set as text, never as HTML.

/** h("a", { href: "#/" }, "text", child) → element; attributes starting with "on" become listeners. */
export function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs ?? {})) {
    if (value === undefined || value === null || value === false) continue;
    if (key.startsWith("on") && typeof value === "function") el.addEventListener(key.slice(2), value);
    else if (key === "class") el.className = value;
    else el.setAttribute(key, value === true ? "" : String(value));
  }
  for (const child of children.flat(Infinity)) {
    if (child === undefined || child === null || child === false) continue;
    el.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return el;
}

const WEI_PER_ETH = 10n ** 18n;

/** "1234500000000000000" → "1.2345 ETH"; up to 6 decimals, trailing zeros dropped. */
export function formatWei(wei, unit = "ETH") {
  if (wei === null || wei === undefined) return "—";
  let value;
  try {
    value = BigInt(wei);
  } catch {
    return String(wei);
  }
  const negative = value < 0n;
  if (negative) value = -value;
  const whole = value / WEI_PER_ETH;
  const frac = (value % WEI_PER_ETH).toString().padStart(18, "0").slice(0, 6).replace(/0+$/, "");
  const small = value > 0n && whole === 0n && frac === "";
  const text = small ? "<0.000001" : frac ? `${whole}.${frac}` : `${whole}`;
  return `${negative ? "-" : ""}${text} ${unit}`;
}

/** A wei amount as text, with the exact value kept in `data-wei` (and the title) for tests and copy-paste. */
export function weiEl(wei) {
  if (wei === null || wei === undefined) return h("span", { class: "muted" }, "—");
  return h("span", { "data-wei": String(wei), title: `${wei} wei` }, formatWei(wei));
}

/** A token amount (18 decimals) with the exact base units in `data-amount`. */
export function unitsEl(amount) {
  return h("span", { "data-amount": String(amount), title: `${amount} base units` }, formatUnits(amount));
}

/** Wei string → float ether, for charts only (loses precision past 2^53 wei, which a chart cannot show anyway). */
export function weiToEther(wei) {
  const value = BigInt(wei);
  return Number(value / 10n ** 12n) / 1e6;
}

/** A plain token/share amount (18 decimals) shown like wei but without the unit. */
export function formatUnits(amount) {
  return formatWei(amount, "").trim();
}

export function formatInt(n) {
  if (n === null || n === undefined) return "—";
  try {
    return BigInt(n).toLocaleString("en-US");
  } catch {
    return String(n);
  }
}

export function formatTime(unixSec) {
  if (unixSec === null || unixSec === undefined) return "—";
  return new Date(Number(unixSec) * 1000)
    .toISOString()
    .replace("T", " ")
    .replace(/\.\d+Z$/, " UTC");
}

export function formatSeconds(sec) {
  if (sec === null || sec === undefined) return "—";
  const s = Number(sec);
  if (s < 120) return `${s} s`;
  if (s < 7200) return `${(s / 60).toFixed(1)} min`;
  return `${(s / 3600).toFixed(1)} h`;
}

export const ADDRESS_RE = /^0x[0-9a-fA-F]{40}$/;
export const UINT_RE = /^[0-9]{1,78}$/;

/** Short address with the full one in the title; monospace. */
export function addr(address, href) {
  if (!address) return h("span", { class: "muted" }, "—");
  const text = `${address.slice(0, 8)}…${address.slice(-6)}`;
  return href
    ? h("a", { class: "mono", href, title: address, "data-address": address }, text)
    : h("span", { class: "mono", title: address, "data-address": address }, text);
}

export function badge(text) {
  if (text === null || text === undefined) return h("span", { class: "muted" }, "—");
  const value = String(text);
  return h("span", { class: `badge ${value.toLowerCase()}` }, value);
}

export function yesNo(value) {
  if (value === null || value === undefined) return h("span", { class: "muted" }, "—");
  return badge(value ? "ok" : "failed");
}

/** table([{ label, num?, cell(row) }], rows, { testid, rowTestid }) */
export function table(columns, rows, { testid, rowTestid, empty = "Nothing here yet." } = {}) {
  if (rows.length === 0) return h("div", { class: "empty", "data-testid": testid }, empty);
  return h(
    "table",
    { "data-testid": testid },
    h(
      "thead",
      {},
      h(
        "tr",
        {},
        columns.map((c) => h("th", { class: c.num ? "num" : undefined }, c.label)),
      ),
    ),
    h(
      "tbody",
      {},
      rows.map((row) =>
        h(
          "tr",
          { "data-testid": rowTestid },
          columns.map((c) => h("td", { class: c.num ? "num" : undefined, "data-col": c.key }, c.cell(row))),
        ),
      ),
    ),
  );
}

export function fields(pairs) {
  return h(
    "dl",
    { class: "fields" },
    pairs.map(([label, value, key]) => [h("dt", {}, label), h("dd", { "data-field": key }, value)]),
  );
}

export function card(label, value, key) {
  return h(
    "div",
    { class: "card" },
    h("div", { class: "label" }, label),
    h("div", { class: "value", "data-total": key }, value),
  );
}

export function errorBox(title, message) {
  return h("div", { class: "error", role: "alert", "data-testid": "error" }, h("strong", {}, title), message);
}
