import { expect, Locator, Page, request, test } from "@playwright/test";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import pixelmatch from "pixelmatch";
import { PNG } from "pngjs";
import { grantAdmin, PASSWORD } from "./helpers";

// The README's screenshots, taken on every run of the suite so they show
// the app as it is (commit them when they change). Only in the "js"
// project (see playwright.config.ts): one set is enough. Fixed names and
// a fresh database per run keep the pictures the same from run to run.

const dir = resolve(__dirname, "../../docs/screenshots");
const readme = readFileSync(resolve(__dirname, "../../README.md"), "utf8");
const sizes = { desktop: { width: 1100, height: 720 }, phone: { width: 390, height: 760 } };

/**
 * Pixels that may differ before a picture counts as changed. Chromium's
 * anti-aliasing of a rounded corner can differ from run to run (2 pixels of
 * the sign-up card's top corners, seen on a fresh machine). A changed word
 * moves far more, but a changed punctuation mark can move fewer (1 for "."
 * to ","; 7 for "." to "!"), and then the README keeps the older picture:
 * these are pictures for readers, not assertions about the page.
 */
const NOISE_PIXELS = 8;

/**
 * Writes the picture, unless the committed one looks the same, so a run
 * that changed no page leaves the tree clean.
 */
function save(path: string, png: Buffer): void {
  if (existsSync(path)) {
    const before = PNG.sync.read(readFileSync(path));
    const now = PNG.sync.read(png);
    const { width, height } = now;
    if (before.width === width && before.height === height && pixelmatch(before.data, now.data, null, width, height) <= NOISE_PIXELS) {
      return;
    }
  }
  writeFileSync(path, png);
}

// The islands router swaps pages with a cross-fade (a view transition);
// with less motion asked for there is none (style/main.css), and the
// picture waits until nothing is animating.
test.use({ contextOptions: { reducedMotion: "reduce" } });

/** `mask`: what changes from run to run (times), painted over. */
async function shoot(page: Page, name: string, mask: Locator[] = []) {
  await page.waitForFunction(() => document.getAnimations().length === 0);
  const path = join(dir, `${name}.png`);
  const png = await page.screenshot({ fullPage: true, mask });
  expect(png.length, path).toBeGreaterThan(5_000);
  save(path, png);
  // Every picture taken is shown in the README.
  expect(readme, "README.md").toContain(`docs/screenshots/${name}.png`);
}

for (const [size, viewport] of Object.entries(sizes)) {
  test(`screenshots of every page (${size})`, async ({ page }) => {
    await page.setViewportSize(viewport);
    const ready = () => expect(page.locator("body[data-hydrated]")).toBeAttached();

    await page.goto("/");
    await ready();
    await shoot(page, `${size}-home`);

    await page.goto("/login");
    await ready();
    await page.getByLabel("Email").fill("ada@example.com");
    await page.getByLabel("Password", { exact: true }).fill("not the password");
    await page.getByRole("button", { name: "Log in" }).click();
    await expect(page.getByRole("alert")).toContainText("don't match an account");
    await shoot(page, `${size}-login-error`);

    await page.goto("/reset-password");
    await ready();
    await page.getByLabel("Email").fill("ada@example.com");
    await page.getByRole("button", { name: "Send the link" }).click();
    await expect(page.getByTestId("flash")).toContainText("a link is on its way");
    await shoot(page, `${size}-reset-password`);

    await page.goto("/signup");
    await ready();
    await page.getByLabel("Email").fill(`ada.${size}@example.com`);
    await page.getByLabel("Password", { exact: true }).fill(PASSWORD);
    await shoot(page, `${size}-signup`);
    await page.getByRole("button", { name: "Sign up" }).click();
    await expect(page).toHaveURL(/\/profile$/);
    // The page, not its "Loading…" while the app asks who is signed in.
    await expect(page.getByTestId("profile-email")).toHaveText(`ada.${size}@example.com`);
    await shoot(page, `${size}-profile`);

    await page.goto("/sessions");
    await ready();
    await expect(page.getByTestId("session")).toHaveCount(1);
    await shoot(page, `${size}-sessions`);

    // The same page in the dark scheme.
    await page.emulateMedia({ colorScheme: "dark" });
    expect(await page.evaluate(() => matchMedia("(prefers-color-scheme: dark)").matches)).toBe(true);
    await shoot(page, `${size}-dark-sessions`);
  });
}

// The same pages in Korean, for a browser that asks for it.
test.describe("in Korean", () => {
  test.use({ locale: "ko-KR" });
  for (const [size, viewport] of Object.entries(sizes)) {
    test(`screenshots of the Korean pages (${size})`, async ({ page }) => {
      await page.setViewportSize(viewport);
      const ready = () => expect(page.locator("body[data-hydrated]")).toBeAttached();

      await page.goto("/login");
      await ready();
      await expect(page.locator("html")).toHaveAttribute("lang", "ko");
      await page.getByLabel("이메일").fill("ada@example.com");
      await page.getByLabel("비밀번호", { exact: true }).fill("not the password");
      await page.getByRole("button", { name: "로그인", exact: true }).click();
      await expect(page.getByRole("alert")).toContainText("비밀번호가 맞지 않습니다");
      await shoot(page, `${size}-ko-login-error`);

      await page.goto("/signup");
      await ready();
      await page.getByLabel("이메일").fill(`ada.ko.${size}@example.com`);
      await page.getByLabel("비밀번호", { exact: true }).fill(PASSWORD);
      await shoot(page, `${size}-ko-signup`);
      await page.getByRole("button", { name: "회원가입" }).click();
      await expect(page).toHaveURL(/\/profile$/);
      await expect(page.getByTestId("profile-email")).toHaveText(`ada.ko.${size}@example.com`);
      await shoot(page, `${size}-ko-profile`);

      await page.goto("/sessions");
      await ready();
      await expect(page.getByTestId("session")).toHaveCount(1);
      await shoot(page, `${size}-ko-sessions`);
    });
  }
});

// An administrator's view of a locked account.
for (const [size, viewport] of Object.entries(sizes)) {
  test(`screenshots of the administration pages (${size})`, async ({ page, baseURL }) => {
    await page.setViewportSize(viewport);
    const target = `ann.${size}@example.com`;
    const other = await request.newContext({ baseURL });
    const res = await other.post("/api/signup", { form: { email: target, password: PASSWORD }, headers: { Accept: "application/json" } });
    expect(res.status()).toBe(200);
    await other.dispose();
    await page.goto("/signup");
    await expect(page.locator("body[data-hydrated]")).toBeAttached();
    const admin = `root.${size}@example.com`;
    await page.getByLabel("Email").fill(admin);
    await page.getByLabel("Password", { exact: true }).fill(PASSWORD);
    await page.getByRole("button", { name: "Sign up" }).click();
    await expect(page).toHaveURL(/\/profile$/);
    grantAdmin(admin);
    await page.goto(`/admin?q=${encodeURIComponent(target)}`);
    await page.getByRole("link", { name: target }).click();
    await page.getByLabel(/Why lock it/).fill("Reported stolen (ticket 42)");
    await page.getByRole("button", { name: "Lock the account" }).click();
    await expect(page.getByTestId("lock-reason")).toHaveText("Reported stolen (ticket 42)");
    await shoot(page, `${size}-admin-account`, [page.locator("time"), page.locator(".locked-status")]);
  });
}
