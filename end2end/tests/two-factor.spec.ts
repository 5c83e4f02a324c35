import { expect, Page, test } from "@playwright/test";
import { PASSWORD, signUp, visit } from "./helpers";
import { totp } from "./totp";

// Two-step verification in the browser, with JavaScript on and off: set an
// app up without scanning (the secret read from the page, the code computed
// here), log out, log in with the second step, then with a recovery code.

async function logOut(page: Page) {
  await page.getByRole("button", { name: "Log out" }).first().click();
  await expect(page).toHaveURL(/\/login$/);
  // The login page itself, patched in: a field filled before then is
  // the old page's.
  await expect(page.getByTestId("flash")).toContainText("logged out");
}

async function logIn(page: Page, email: string) {
  await page.getByLabel("Email").fill(email);
  await page.getByLabel("Password", { exact: true }).fill(PASSWORD);
  await page.getByRole("button", { name: "Log in" }).click();
}

test("two-step verification: set up, log in with a code, then with a recovery code", async ({ page }, testInfo) => {
  const email = await signUp(page, testInfo);
  await visit(page, "/security", testInfo);
  await expect(page.getByTestId("two-step-status")).toContainText("Off");
  await page.getByRole("button", { name: "Set up an authenticator app" }).click();
  const secretText = page.getByTestId("totp-secret");
  await expect(secretText).toBeVisible();
  const secret = (await secretText.textContent())!.trim();
  await expect(page.getByRole("img", { name: /QR code/ }).locator("svg")).toBeVisible();

  const enable = page.locator("form", { has: page.getByRole("button", { name: "Turn on two-step verification" }) });
  // A wrong code first: said beside the field, nothing turned on.
  await enable.getByLabel("Code from the app").fill("000000");
  await enable.getByLabel("Password", { exact: true }).fill(PASSWORD);
  await enable.getByRole("button", { name: "Turn on two-step verification" }).click();
  await expect(page.locator("#totp-code-error")).toContainText("does not match");
  await expect(page.getByLabel("Code from the app")).toHaveAttribute("aria-invalid", "true");
  await expect(page.getByTestId("totp-secret")).toHaveText(secret);

  await page.getByLabel("Code from the app").fill(totp(secret));
  await page.getByLabel("Password", { exact: true }).fill(PASSWORD);
  await page.getByRole("button", { name: "Turn on two-step verification" }).click();
  const shown = page.getByTestId("recovery-codes").locator("code");
  await expect(shown).toHaveCount(10);
  const codes = await shown.allTextContents();
  await expect(page.getByTestId("two-step-status")).toContainText("On");
  // The page that came back (patched in, with JavaScript) lists the new events.
  await expect(page.getByTestId("event").nth(0)).toContainText("New recovery codes made");
  await expect(page.getByTestId("event").nth(1)).toContainText("Two-step verification turned on");
  await expect(page.getByTestId("event").nth(2)).toContainText("Account created");

  // Shown once: not on the next visit.
  await visit(page, "/security", testInfo);
  await expect(page.getByTestId("recovery-codes")).toHaveCount(0);
  await expect(page.getByTestId("codes-left")).toHaveText("10 of 10 recovery codes left.");

  // The second step, with the app's next code (this one is used up).
  await logOut(page);
  await logIn(page, email);
  await expect(page).toHaveURL(/\/login\/verify$/);
  await page.getByLabel("Code", { exact: true }).fill("123456");
  await page.getByRole("button", { name: "Verify" }).click();
  await expect(page.locator("#code-error")).toContainText("not right");
  await page.getByLabel("Code", { exact: true }).fill(totp(secret, 30));
  await page.getByRole("button", { name: "Verify" }).click();
  await expect(page).toHaveURL(/\/profile$/);
  await expect(page.getByTestId("profile-email")).toHaveText(email);

  // A recovery code instead.
  await logOut(page);
  await logIn(page, email);
  await expect(page).toHaveURL(/\/login\/verify$/);
  await page.getByLabel("Code", { exact: true }).fill(codes[0]);
  await page.getByRole("button", { name: "Verify" }).click();
  await expect(page).toHaveURL(/\/profile$/);
  await visit(page, "/security", testInfo);
  await expect(page.getByTestId("codes-left")).toHaveText("9 of 10 recovery codes left.");
  const events = page.getByTestId("event");
  await expect(events.nth(0)).toContainText("Logged in");
  await expect(events.nth(1)).toContainText("A recovery code was used");

  // Turned off again, with the password.
  const off = page.locator("form", { has: page.getByRole("button", { name: "Turn off two-step verification" }) });
  await off.getByLabel("Password", { exact: true }).fill(PASSWORD);
  await off.getByRole("button", { name: "Turn off two-step verification" }).click();
  await expect(page.getByTestId("two-step-status")).toContainText("Off");
  await expect(page.getByTestId("flash")).toContainText("Two-step verification is off");
  await logOut(page);
  await logIn(page, email);
  await expect(page).toHaveURL(/\/profile$/);
});

test("a login waiting for its code is not signed in, and says so elsewhere", async ({ page }, testInfo) => {
  await visit(page, "/login/verify", testInfo);
  await expect(page.getByTestId("no-pending-login")).toContainText("no login waiting");
  await expect(page.getByRole("link", { name: "Log in again" })).toHaveAttribute("href", "/login");
  await visit(page, "/profile", testInfo);
  await expect(page).toHaveURL(/\/login\?next=%2Fprofile$/);
});

test("passkey controls are there only with JavaScript, and nothing else needs it", async ({ page }, testInfo) => {
  const js = testInfo.project.name === "js";
  await visit(page, "/login", testInfo);
  await expect(page.getByLabel("Email")).toHaveAttribute("autocomplete", "username webauthn");
  await expect(page.getByRole("button", { name: "Sign in with a passkey" })).toHaveCount(js ? 1 : 0);
  await signUp(page, testInfo);
  await visit(page, "/security", testInfo);
  await expect(page.getByRole("button", { name: "Add a passkey" })).toHaveCount(js ? 1 : 0);
  await expect(page.getByTestId("passkeys-need-js")).toHaveCount(js ? 0 : 1);
  await expect(page.getByTestId("passkeys-count")).toHaveText("No passkeys yet.");
  // The rest of the page works either way.
  await expect(page.getByRole("button", { name: "Set up an authenticator app" })).toBeVisible();
});
