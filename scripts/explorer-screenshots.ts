import { mkdirSync, statSync } from "node:fs";
import path from "node:path";
import hre from "hardhat";
import { scratchExplorer } from "../explorer/dev/busy-chain";
import { runMain } from "../explorer/dev/stats";
import { NO_BROWSER_MESSAGE, findChromium, launchChromium, openView, viewRoutes } from "../test/explorer/browser";
import { demoChain } from "../test/explorer/chain";

// `npm run explorer:screenshots`: the demo's chain in-process, the Explorer over it, and a PNG of every view in
// docs/img/explorer-<view>.png (committed; README.md and docs/explorer.md show them).
const OUT = path.join(__dirname, "..", "docs", "img");
const WIDTH = 1280;
/** Long lists are cut here: the top of the view is what a reader needs to see. */
const MAX_HEIGHT = 1500;

async function main() {
  const chromium = findChromium();
  if (!chromium) throw new Error(NO_BROWSER_MESSAGE);
  console.log("running the demo's parts on the in-process chain…");
  const chain = await demoChain(hre);
  const explorer = await scratchExplorer(hre, chain.deployment, "explorer-shots");
  const browser = await launchChromium(chromium);
  try {
    await explorer.indexer!.syncToHead();
    const page = await browser.newPage({ viewport: { width: WIDTH, height: 900 } });
    // A fulfilled request shows the whole lifecycle (request, fulfilment, callback, gas).
    const fulfilled = (await (await fetch(new URL("/api/requests?state=fulfilled&limit=1", explorer.url))).json()) as {
      items: { id: string }[];
    };
    const ids = { request: fulfilled.items[0]?.id ?? "1", model: chain.ctx.shared.modelId!.toString() };
    mkdirSync(OUT, { recursive: true });
    for (const { view, hash } of viewRoutes(ids)) {
      await openView(page, explorer.url, hash);
      if (await page.$("[data-testid=error]")) throw new Error(`${hash}: ${await page.textContent("main")}`);
      await page.waitForTimeout(150); // charts draw on the frame after the view
      const height = await page.evaluate("document.documentElement.scrollHeight");
      const file = path.join(OUT, `explorer-${view}.png`);
      await page.screenshot({
        path: file,
        clip: { x: 0, y: 0, width: WIDTH, height: Math.min(Number(height), MAX_HEIGHT) },
        fullPage: true,
      });
      console.log(`${path.relative(process.cwd(), file)}  ${hash}  ${(statSync(file).size / 1024).toFixed(0)} KiB`);
    }
  } finally {
    await browser.close();
    await explorer.close();
  }
}

runMain(main);
