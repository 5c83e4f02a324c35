import { expect, Page, test, TestInfo } from "@playwright/test";
import { jsEnabled, me, otherDevice, PASSWORD, tabTo, uniqueEmail, visit } from "./helpers";
import { totp } from "./totp";

// A person with only a keyboard, on a phone and on a desktop, with
// JavaScript on and off: signs up (getting one thing wrong first), goes to
// the sessions page, ends another device's session and logs out, with Tab,
// typing and Enter only. Every stop Tab makes on the way must be on screen
// and show the focus ring, so nothing focusable is hidden or unmarked, and
// every new page starts from the top, with JavaScript as without.

const sizes = { phone: { width: 390, height: 760 }, desktop: { width: 1100, height: 720 } };

/**
 * A new page starts where a page load starts: the next Tab reaches the
 * first link, the app's name. With JavaScript (no page load) the new
 * title is announced to screen readers too.
 */
async function expectFreshPage(page: Page, testInfo: TestInfo, title: string) {
  await expect(page).toHaveTitle(title);
  if (jsEnabled(testInfo)) {
    await expect(page.getByTestId("page-announcer")).toHaveText(title);
  }
  await page.keyboard.press("Tab");
  await expect(page.getByRole("link", { name: "Gatehouse", exact: true })).toBeFocused();
}

for (const [size, viewport] of Object.entries(sizes)) {
  test(`keyboard only: sign up, end another session, log out (${size})`, async ({ page, baseURL }, testInfo) => {
    await page.setViewportSize(viewport);
    const email = uniqueEmail(testInfo);
    const password = page.getByLabel("Password", { exact: true });

    await visit(page, "/", testInfo);
    await tabTo(page, page.getByRole("link", { name: "Sign up" }), "a Sign up link");
    await page.keyboard.press("Enter");
    await expect(page).toHaveURL(/\/signup$/);

    await tabTo(page, page.getByLabel("Email"), "the email field");
    await page.keyboard.type(email);
    await tabTo(page, password, "the password field");
    await page.keyboard.type("short");
    await page.keyboard.press("Enter");
    // The error is beside the field, focus is on it, the email is kept.
    await expect(password).toHaveAttribute("aria-invalid", "true");
    await expect(page.locator("#password-error")).toContainText("at least 8");
    await expect(password).toBeFocused();
    await expect(page.getByLabel("Email")).toHaveValue(email);
    // A page posted without JavaScript comes back with the field empty.
    await expect(password).toHaveValue(jsEnabled(testInfo) ? "short" : "");
    await page.keyboard.press("ControlOrMeta+a");
    await page.keyboard.type(PASSWORD);
    await page.keyboard.press("Enter");
    await expect(page).toHaveURL(/\/profile$/);
    await expect(page.getByTestId("profile-email")).toHaveText(email);
    await expectFreshPage(page, testInfo, "Your profile · Gatehouse");

    const firefox = await otherDevice(baseURL!, email);
    await tabTo(page, page.getByRole("link", { name: "Sessions", exact: true }), "the Sessions link");
    await page.keyboard.press("Enter");
    await expect(page).toHaveURL(/\/sessions$/);
    await expectFreshPage(page, testInfo, "Your sessions · Gatehouse");
    await expect(page.getByRole("link", { name: "Sessions", exact: true })).toHaveAttribute("aria-current", "page");
    await expect(page.getByTestId("session")).toHaveCount(2);
    await tabTo(page, page.getByRole("button", { name: "Revoke the session on Firefox on Linux" }), "Firefox's Revoke");
    await page.keyboard.press("Enter");
    await expect(page.getByTestId("session")).toHaveCount(1);
    await expect(page.getByTestId("this-device")).toBeVisible();
    expect(await me(firefox)).toBe(401);
    await firefox.dispose();

    await tabTo(page, page.getByRole("button", { name: "Log out", exact: true }), "a Log out button");
    await page.keyboard.press("Enter");
    await expect(page).toHaveURL(/\/login$/);
    await expect(page.getByTestId("flash")).toHaveText("You have been logged out.");
    await expectFreshPage(page, testInfo, "Log in · Gatehouse");
    await expect(page.locator("header").getByRole("link", { name: "Log in" })).toBeVisible();
  });
}

test("keyboard only: turn on two-step verification, then log in with a code", async ({ page }, testInfo) => {
  await page.setViewportSize(sizes.phone);
  const email = uniqueEmail(testInfo);
  // Signed up in this browser, by the form, then only the keyboard.
  await visit(page, "/signup", testInfo);
  await page.getByLabel("Email").fill(email);
  await page.getByLabel("Password", { exact: true }).fill(PASSWORD);
  await page.getByRole("button", { name: "Sign up" }).click();
  await expect(page).toHaveURL(/\/profile$/);

  await tabTo(page, page.getByRole("link", { name: "Security", exact: true }), "the Security link");
  await page.keyboard.press("Enter");
  await expect(page).toHaveURL(/\/security$/);
  await expectFreshPage(page, testInfo, "Security · Gatehouse");
  await tabTo(page, page.getByRole("button", { name: "Set up an authenticator app" }), "the set-up button");
  await page.keyboard.press("Enter");
  const secret = (await page.getByTestId("totp-secret").textContent())!.trim();
  await tabTo(page, page.getByLabel("Code from the app"), "the code field");
  await page.keyboard.type(totp(secret));
  await tabTo(page, page.getByLabel("Password", { exact: true }), "the password field");
  await page.keyboard.type(PASSWORD);
  await page.keyboard.press("Enter");
  await expect(page.getByTestId("recovery-codes").locator("code")).toHaveCount(10);

  await tabTo(page, page.getByRole("button", { name: "Log out", exact: true }), "a Log out button");
  await page.keyboard.press("Enter");
  await expect(page).toHaveURL(/\/login$/);
  await tabTo(page, page.getByLabel("Email"), "the email field");
  await page.keyboard.type(email);
  await tabTo(page, page.getByLabel("Password", { exact: true }), "the password field");
  await page.keyboard.type(PASSWORD);
  await page.keyboard.press("Enter");
  await expect(page).toHaveURL(/\/login\/verify$/);
  await expectFreshPage(page, testInfo, "Two-step verification · Gatehouse");
  await tabTo(page, page.getByLabel("Code", { exact: true }), "the code field");
  await page.keyboard.type(totp(secret, 30));
  await page.keyboard.press("Enter");
  await expect(page).toHaveURL(/\/profile$/);
  await expect(page.getByTestId("profile-email")).toHaveText(email);
});
