import { expect, test } from "@playwright/test";
import { PASSWORD, REAUTH_WINDOW_SECS, reauthBaseURL, signUp, visit } from "./helpers";

// Recent authentication ("sudo mode"), with JavaScript on and off, against
// the server whose window is REAUTH_WINDOW_SECS: a session older than that
// that asks for a sensitive change lands on /reauthenticate, confirms it's
// you there, and comes back to the page it was on.
test.use({ baseURL: reauthBaseURL });

test("outside the window, a sensitive change asks for the password first, then goes on", async ({ page }, testInfo) => {
  await signUp(page, testInfo);
  await page.waitForTimeout((REAUTH_WINDOW_SECS + 0.5) * 1000);
  await visit(page, "/security", testInfo);
  await page.getByRole("button", { name: "Set up an authenticator app" }).click();
  await expect(page).toHaveURL(/\/reauthenticate\?next=%2Fsecurity$/);
  await expect(page.getByRole("heading", { name: "Confirm it's you" })).toBeVisible();
  await expect(page.getByTestId("flash")).toContainText("confirm it's you");
  // Nothing was started meanwhile.
  await visit(page, "/security", testInfo);
  await expect(page.getByTestId("totp-secret")).toHaveCount(0);
  await page.getByRole("button", { name: "Set up an authenticator app" }).click();
  await expect(page).toHaveURL(/\/reauthenticate/);

  // A wrong password is said beside the field.
  await page.getByLabel("Password", { exact: true }).fill("not my password at all");
  await page.getByRole("button", { name: "Continue" }).click();
  await expect(page.locator("#password-error")).toContainText("not your current password");

  await page.getByLabel("Password", { exact: true }).fill(PASSWORD);
  await page.getByRole("button", { name: "Continue" }).click();
  await expect(page).toHaveURL(/\/security$/);
  await expect(page.getByTestId("flash")).toContainText("next few minutes");
  await page.getByRole("button", { name: "Set up an authenticator app" }).click();
  await expect(page.getByTestId("totp-secret")).toBeVisible();
});

test("inside the window, no password is asked again", async ({ page }, testInfo) => {
  await signUp(page, testInfo);
  await visit(page, "/security", testInfo);
  await page.getByRole("button", { name: "Set up an authenticator app" }).click();
  await expect(page.getByTestId("totp-secret")).toBeVisible();
  await expect(page).toHaveURL(/\/security/);
});

test("a change of password from the profile outside the window goes through /reauthenticate", async ({ page }, testInfo) => {
  await signUp(page, testInfo);
  await page.waitForTimeout((REAUTH_WINDOW_SECS + 0.5) * 1000);
  await visit(page, "/profile", testInfo);
  await page.getByLabel("Current password").fill(PASSWORD);
  await page.getByLabel("New password").fill("a different long passphrase");
  await page.getByRole("button", { name: "Change password" }).click();
  await expect(page).toHaveURL(/\/reauthenticate\?next=%2Fprofile$/);
  await page.getByLabel("Password", { exact: true }).fill(PASSWORD);
  await page.getByRole("button", { name: "Continue" }).click();
  await expect(page).toHaveURL(/\/profile$/);
  await page.getByLabel("Current password").fill(PASSWORD);
  await page.getByLabel("New password").fill("a different long passphrase");
  await page.getByRole("button", { name: "Change password" }).click();
  await expect(page.getByTestId("flash")).toContainText("Password changed");
});
