import AxeBuilder from "@axe-core/playwright";
import { APIRequestContext, expect, request, test } from "@playwright/test";
import { grantAdmin, jsEnabled, me, otherDevice, PASSWORD, signUp, uniqueEmail, visit } from "./helpers";

// Administration with JavaScript on and off (both projects): find an
// account, open it, lock it with a reason, unlock it, and read the
// administrators' log; anyone else finds no such page; axe on each page.

async function signedUpElsewhere(baseURL: string, email: string): Promise<APIRequestContext> {
  const context = await request.newContext({ baseURL });
  const res = await context.post("/api/signup", {
    form: { email, password: PASSWORD },
    headers: { Accept: "application/json" },
  });
  expect(res.status()).toBe(200);
  return context;
}

const login = async (baseURL: string, email: string) => {
  const context = await request.newContext({ baseURL });
  const res = await context.post("/api/login", {
    form: { email, password: PASSWORD },
    headers: { Accept: "application/json" },
  });
  const body = await res.json();
  await context.dispose();
  return { status: res.status(), code: body.code as string | undefined };
};

test("an administrator finds an account, locks it with a reason, and unlocks it", async ({ page, baseURL }, testInfo) => {
  const victim = uniqueEmail(testInfo);
  await (await signedUpElsewhere(baseURL!, victim)).dispose();
  const device = await otherDevice(baseURL!, victim);
  const admin = await signUp(page, testInfo);
  grantAdmin(admin);

  await visit(page, "/profile", testInfo);
  await page.getByTestId("admin-link").click();
  await expect(page).toHaveURL(/\/admin$/);
  await expect(page.getByRole("heading", { level: 1 })).toHaveText("Accounts");
  await page.getByLabel("Find accounts by part of the address").fill(victim);
  await page.getByRole("button", { name: "Search" }).click();
  await expect(page).toHaveURL(/\/admin\?q=/);
  await expect(page.getByTestId("accounts-summary")).toHaveText("Accounts 1 to 1 of 1");
  // The list before had the administrator too (and every account of the
  // run): the patched-in page has the one row.
  await expect(page.getByTestId("account-row")).toHaveCount(1);
  await expect(page.getByTestId("account-locked")).toHaveText("No");
  await page.getByRole("link", { name: victim }).click();
  await expect(page.getByTestId("account-email")).toHaveText(victim);
  // Its sign-up's session, and the other device's.
  await expect(page.getByTestId("admin-sessions").getByTestId("session")).toHaveCount(2);

  // A lock needs a reason: said next to the field, nothing locked.
  await page.getByRole("button", { name: "Lock the account" }).click();
  await expect(page.locator("#reason-error")).toHaveText("Say why the account is locked.");
  await expect(page.getByLabel(/Why lock it/)).toBeFocused();
  expect(await me(device)).toBe(200);

  await page.getByLabel(/Why lock it/).fill("Reported stolen in ticket 42");
  await page.getByRole("button", { name: "Lock the account" }).click();
  await expect(page.getByTestId("flash")).toHaveText("The account is locked, and its sessions have ended.");
  await expect(page.getByTestId("lock-reason")).toHaveText("Reported stolen in ticket 42");
  await expect(page.getByTestId("no-sessions")).toBeVisible();
  // Its session ended at once; the right password is refused in words.
  expect(await me(device)).toBe(401);
  expect(await login(baseURL!, victim)).toEqual({ status: 403, code: "account_locked" });

  await page.getByRole("button", { name: "Unlock the account" }).click();
  await expect(page.getByTestId("flash")).toHaveText("The account is unlocked: it can sign in again.");
  await expect(page.getByTestId("account-status")).toHaveText("Not locked: the account can sign in.");
  expect((await login(baseURL!, victim)).status).toBe(200);

  // The administrators' log has both, newest first.
  await page.getByRole("link", { name: "Administrators' log" }).click();
  await expect(page).toHaveURL(/\/admin\/log$/);
  const rows = page.getByTestId("log-row").filter({ hasText: victim });
  await expect(rows).toHaveCount(2);
  await expect(rows.nth(0)).toHaveAttribute("data-type", "account_unlocked");
  await expect(rows.nth(1)).toHaveAttribute("data-type", "account_locked");
  await expect(rows.nth(1)).toContainText("Reported stolen in ticket 42");
  await expect(rows.nth(1)).toContainText(admin);
  await device.dispose();
});

test("the administration pages are a 404 to anyone else", async ({ page }, testInfo) => {
  for (const path of ["/admin", "/admin/log", "/admin/users/1"]) {
    const signedOut = await page.goto(path);
    expect(signedOut?.status(), path).toBe(404);
  }
  await signUp(page, testInfo);
  for (const path of ["/admin", "/admin/log", "/admin/users/1"]) {
    const res = await page.goto(path);
    expect(res?.status(), path).toBe(404);
    await expect(page.getByRole("heading", { level: 1 })).toHaveText("Page not found");
  }
  await expect(page.getByTestId("admin-link")).toHaveCount(0);
});

test("the administration pages read in Korean", async ({ page, context, baseURL }, testInfo) => {
  const admin = await signUp(page, testInfo);
  grantAdmin(admin);
  await context.addCookies([{ name: "lang", value: "ko", url: baseURL! }]);
  await visit(page, "/admin", testInfo);
  await expect(page.locator("html")).toHaveAttribute("lang", "ko");
  await expect(page.getByRole("heading", { level: 1 })).toHaveText("계정");
  await expect(page.getByLabel("주소의 일부로 계정 찾기")).toBeVisible();
});

for (const colorScheme of ["light", "dark"] as const) {
  test(`the administration pages pass axe (${colorScheme})`, async ({ browser, baseURL }, testInfo) => {
    // axe is JavaScript: without it, the page's own scripts are blocked
    // instead, so axe reads what a browser without JavaScript shows.
    const context = await browser.newContext({ baseURL, colorScheme, javaScriptEnabled: true });
    if (!jsEnabled(testInfo)) {
      await context.route(/\/pkg\/.*\.(js|wasm)$/, (route) => route.abort());
    }
    const page = await context.newPage();
    const victim = uniqueEmail(testInfo);
    await (await signedUpElsewhere(baseURL!, victim)).dispose();
    const admin = await signUp(page, testInfo);
    grantAdmin(admin);
    await visit(page, `/admin?q=${encodeURIComponent(victim)}`, testInfo);
    await page.getByRole("link", { name: victim }).click();
    await expect(page.getByTestId("account-email")).toHaveText(victim);
    const account = new URL(page.url()).pathname;
    const paths = ["/admin", account, "/admin/log"];
    for (const path of paths) {
      await visit(page, path, testInfo);
      const results = await new AxeBuilder({ page })
        .withTags(["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa", "best-practice"])
        .analyze();
      const found = results.violations.map(
        (v) => `${v.id} (${v.impact}): ${v.help} at ${v.nodes.map((n) => n.target.join(" ")).join(", ")}`,
      );
      expect(found, `axe on ${path}`).toEqual([]);
    }
    await context.close();
  });
}
