// A mid-range phone on a mobile network loading /login: Lighthouse's
// mobile profile (4x CPU slowdown, 150 ms round trips, 1.6 Mbit/s down,
// 750 kbit/s up) applied through the DevTools protocol in Debian's
// Chromium, with the cache disabled. Five cold loads with JavaScript on and
// five with it off; prints the medians as a Markdown table. It measures,
// it never fails on a figure: scripts/bench.sh runs it (through
// server/examples/bench.rs) against a release server.
//
//   node end2end/bench/phone-load.mjs http://127.0.0.1:PORT [path] [runs]
//
// With LEPTOS_SITE_ROOT set it also gives the page's WASM modules'
// gzipped size, read from the built files.

import { chromium } from "@playwright/test";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { gzipSync } from "node:zlib";

const base = process.argv[2];
const path = process.argv[3] ?? "/login";
const runs = Number(process.argv[4] ?? 5);
if (!base) {
  console.error("usage: node phone-load.mjs BASE_URL [path] [runs]");
  process.exit(2);
}

const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM_PATH ?? "/usr/bin/chromium",
  args: ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run"],
});

// Records when the page says it is interactive (the body gets
// data-hydrated once the WASM has run), on the page's own clock.
const watchHydration = () => {
  new MutationObserver((_, observer) => {
    if (document.body?.hasAttribute("data-hydrated")) {
      window.__interactiveAt = performance.now();
      observer.disconnect();
    }
  }).observe(document, { attributes: true, subtree: true, attributeFilter: ["data-hydrated"] });
};

async function load(javaScriptEnabled) {
  const context = await browser.newContext({
    javaScriptEnabled,
    viewport: { width: 412, height: 823 },
    deviceScaleFactor: 1.75,
    isMobile: true,
  });
  await context.addInitScript(watchHydration);
  const page = await context.newPage();
  const cdp = await context.newCDPSession(page);
  await cdp.send("Network.enable");
  await cdp.send("Network.setCacheDisabled", { cacheDisabled: true });
  await cdp.send("Network.emulateNetworkConditions", {
    offline: false,
    latency: 150,
    downloadThroughput: (1.6 * 1024 * 1024) / 8,
    uploadThroughput: (750 * 1024) / 8,
  });
  await cdp.send("Emulation.setCPUThrottlingRate", { rate: 4 });
  let bytes = 0;
  cdp.on("Network.loadingFinished", (e) => (bytes += e.encodedDataLength));
  page.on("response", (r) => {
    const url = new URL(r.url());
    if (url.pathname.endsWith(".wasm")) wasmModules.add(url.pathname);
  });

  await page.goto(base + path, { waitUntil: "load" });
  if (javaScriptEnabled) {
    await page.waitForFunction(() => window.__interactiveAt !== undefined, null, { timeout: 60_000 });
  }
  await page.waitForLoadState("networkidle");
  const figures = await page.evaluate(() => {
    const nav = performance.getEntriesByType("navigation")[0];
    const fcp = performance.getEntriesByName("first-contentful-paint")[0];
    return { load: nav.loadEventEnd, fcp: fcp ? fcp.startTime : NaN, interactive: window.__interactiveAt ?? NaN };
  }).catch(() => null);
  await context.close();
  // With JavaScript off page.evaluate still works (it is the test's own
  // script), but the init script did not run: interactive stays NaN.
  return { bytes, ...(figures ?? { load: NaN, fcp: NaN, interactive: NaN }) };
}

const median = (values) => {
  const sorted = values.filter((v) => !Number.isNaN(v)).sort((a, b) => a - b);
  if (sorted.length === 0) return NaN;
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
};

// Every WASM module the page fetched in any load, by path.
const wasmModules = new Set();
const results = {};
for (const js of [true, false]) {
  const loads = [];
  for (let i = 0; i < runs; i++) loads.push(await load(js));
  results[js ? "on" : "off"] = {
    bytes: median(loads.map((l) => l.bytes)),
    fcp: median(loads.map((l) => l.fcp)),
    load: median(loads.map((l) => l.load)),
    interactive: median(loads.map((l) => l.interactive)),
  };
}
await browser.close();

const s = (ms) => (Number.isNaN(ms) ? "–" : `${(ms / 1000).toFixed(2)} s`);
const kb = (b) => `${(b / 1000).toFixed(0)} kB`;
const { on, off } = results;
console.log(`Phone load of ${path} (4x CPU, 150 ms RTT, 1.6 Mbit/s, cache off), median of ${runs} cold loads:\n`);
console.log("| JavaScript | bytes over the wire | first contentful paint | load event | interactive (hydrated) |");
console.log("|---|---:|---:|---:|---:|");
console.log(`| on | ${kb(on.bytes)} | ${s(on.fcp)} | ${s(on.load)} | ${s(on.interactive)} |`);
console.log(`| off | ${kb(off.bytes)} | ${s(off.fcp)} | ${s(off.load)} | – |`);
const ratio = on.interactive / off.load;
console.log(`\nTarget: interactive within 1.5x of the load event with JavaScript off: ${ratio.toFixed(2)}x (${ratio <= 1.5 ? "met" : "MISSED"})`);
console.log(`Target: bytes over the wire at most a third of 283 kB (94 kB): ${kb(on.bytes)} (${on.bytes <= 94_333 ? "met" : "MISSED"})`);

const siteRoot = process.env.LEPTOS_SITE_ROOT;
if (siteRoot) {
  const gz = [...wasmModules].map((path) => gzipSync(readFileSync(join(siteRoot, path)), { level: 9 }).length);
  const total = gz.reduce((a, b) => a + b, 0);
  console.log(
    `Target: ${path}'s WASM (${wasmModules.size} module${wasmModules.size === 1 ? "" : "s"} it loads) at most 50 kB gzipped: ${kb(total)} (${total <= 50_000 ? "met" : "MISSED"})`,
  );
}
