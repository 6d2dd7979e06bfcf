import { existsSync } from "node:fs";
import { type Browser, type Page, chromium } from "playwright-core";

/**
 * Headless Chromium for the Explorer's browser tests, screenshots and page bench: Debian's `chromium` driven by
 * playwright-core (no browser download). `AXON_CHROMIUM` points at another binary.
 */
export const CHROMIUM_CANDIDATES = [process.env.AXON_CHROMIUM, "/usr/bin/chromium", "/usr/bin/chromium-browser"];

/** The browser binary to drive, or null where none is installed (the caller skips and says why). */
export function findChromium(): string | null {
  for (const candidate of CHROMIUM_CANDIDATES) if (candidate && existsSync(candidate)) return candidate;
  return null;
}

export const NO_BROWSER_MESSAGE =
  "no Chromium found (looked for $AXON_CHROMIUM, /usr/bin/chromium, /usr/bin/chromium-browser): " +
  "install Debian's chromium (`apt-get install -y chromium`, as .ci/run does) to run the Explorer browser tests";

export async function launchChromium(executablePath: string): Promise<Browser> {
  return chromium.launch({ executablePath, args: ["--headless", "--no-sandbox", "--disable-gpu"] });
}

/** The hash route of every view, detail views filled with ids that exist on the chain under test. */
export function viewRoutes(ids: { request: string; model: string }): { view: string; hash: string }[] {
  return [
    { view: "overview", hash: "#/" },
    { view: "requests", hash: "#/requests" },
    { view: "request", hash: `#/requests/${ids.request}` },
    { view: "models", hash: "#/models" },
    { view: "model", hash: `#/models/${ids.model}` },
    { view: "datasets", hash: "#/datasets" },
    { view: "jobs", hash: "#/jobs" },
    { view: "operators", hash: "#/operators" },
  ];
}

/** Waits until the page has rendered the current route (app.js drops aria-busy once the view is in place). */
export async function settled(page: Page): Promise<void> {
  await page.waitForSelector("main[data-view]:not([aria-busy])", { timeout: 15_000 });
}

/** Opens `base` + `hash` in `page` and waits for the view to render. */
export async function openView(page: Page, base: string, hash: string): Promise<void> {
  const url = `${base.replace(/\/$/, "")}/${hash}`;
  if (page.url().split("#")[0] === url.split("#")[0]) {
    // Mark the view busy before the route changes so `settled` waits for the new view, not the old one.
    await page.evaluate(
      `document.querySelector("main").setAttribute("aria-busy", "true"); location.hash = ${JSON.stringify(hash)};`,
    );
  } else {
    await page.goto(url);
  }
  await settled(page);
}

export interface PageTimings {
  /** first-contentful-paint: the first text or image painted (the page's frame). */
  fcpMs: number;
  /** largest-contentful-paint: the largest text block painted, i.e. the view's data once it is on screen. */
  lcpMs: number;
  /** app.js's `view:<name>` mark: the view's data is in the document. */
  renderedMs: number;
}

/** Paint timings of a fresh load of `url` (cold cache, own context), in milliseconds since navigation start. */
export async function pageTimings(browser: Browser, url: string, view: string): Promise<PageTimings> {
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  try {
    const page = await context.newPage();
    await page.goto(url);
    await settled(page);
    const timings = await page.evaluate(`(async () => {
      const lcp = await new Promise((resolve) => {
        new PerformanceObserver((list) => {
          const entries = list.getEntries();
          resolve(entries[entries.length - 1].startTime);
        }).observe({ type: "largest-contentful-paint", buffered: true });
        setTimeout(() => resolve(null), 2000);
      });
      for (let i = 0; i < 100 && performance.getEntriesByName("first-contentful-paint").length === 0; i++) {
        await new Promise((r) => setTimeout(r, 20));
      }
      const fcp = performance.getEntriesByName("first-contentful-paint")[0];
      const rendered = performance.getEntriesByName(${JSON.stringify(`view:${view}`)})[0];
      return { fcpMs: fcp ? fcp.startTime : null, lcpMs: lcp, renderedMs: rendered ? rendered.startTime : null };
    })()`);
    const t = timings as { fcpMs: number | null; lcpMs: number | null; renderedMs: number | null };
    if (t.fcpMs === null || t.lcpMs === null || t.renderedMs === null) {
      throw new Error(`missing paint timings for ${url}: ${JSON.stringify(t)}`);
    }
    return { fcpMs: t.fcpMs, lcpMs: t.lcpMs, renderedMs: t.renderedMs };
  } finally {
    await context.close();
  }
}
