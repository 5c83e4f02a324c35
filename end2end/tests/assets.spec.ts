import { expect, test } from "@playwright/test";
import { jsEnabled, visit } from "./helpers";

// What a page load downloads: without JavaScript, no WASM and no JS glue
// (the WASM's preload is inert until the loader script switches it on);
// with it, each exactly once, and the page hydrates.

for (const path of ["/login", "/signup", "/"]) {
  test(`${path} downloads the WASM only when it can run it`, async ({ page }, testInfo) => {
    const fetched: string[] = [];
    page.on("requestfinished", (r) => {
      const url = new URL(r.url());
      if (/\.(wasm|js)$/.test(url.pathname)) fetched.push(url.pathname.replace(/\.[^./]+\.(wasm|js)$/, ".$1"));
    });
    await visit(page, path, testInfo);
    await page.waitForLoadState("networkidle");
    if (jsEnabled(testInfo)) {
      expect(fetched.sort()).toEqual(["/pkg/gatehouse.js", "/pkg/gatehouse.wasm"]);
    } else {
      expect(fetched).toEqual([]);
    }
  });
}
