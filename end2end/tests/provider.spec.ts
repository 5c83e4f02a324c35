import { expect, test } from "@playwright/test";
import { providerAccount, signUp, uniqueEmail, visit } from "./helpers";

// "Continue with Test ID": from the button to the real OpenID Provider of
// playwright.config.ts (testing/oidc) and back, with JavaScript on and
// off. The Content-Security-Policy must let the form's redirect go to the
// provider (Chromium holds a form's redirects to `form-action`).

test("a new person continues with a provider: an account, signed in, its address confirmed", async ({ page }, testInfo) => {
  const email = await providerAccount(testInfo);
  await visit(page, "/login", testInfo);
  await page.getByRole("button", { name: "Continue with Test ID" }).click();
  // The provider's own page, then back.
  await page.getByRole("button", { name: `Sign in as ${email}` }).click();
  await expect(page).toHaveURL(/\/profile$/);
  await expect(page.getByTestId("profile-email")).toHaveText(email);
  await expect(page.getByTestId("email-status")).toHaveText("Your email address is confirmed.");
  // No password: the profile offers to set one by mail.
  await expect(page.getByTestId("no-password")).toBeVisible();

  // The security page lists the provider, with a way to unlink it.
  await visit(page, "/security", testInfo);
  await expect(page.getByTestId("identity")).toContainText("Test ID");
});

test("an account with a password links the provider from the security page, then signs in with it", async ({ page, browser, baseURL }, testInfo) => {
  const email = await signUp(page, testInfo);
  const provider = await providerAccount(testInfo);
  await visit(page, "/security", testInfo);
  await page.getByRole("button", { name: "Link Test ID" }).click();
  await page.getByRole("button", { name: `Sign in as ${provider}` }).click();
  await expect(page).toHaveURL(/\/security$/);
  await expect(page.getByTestId("flash")).toContainText("The provider is linked");
  await expect(page.getByTestId("identity")).toContainText(provider);

  // Another browser: the provider signs in to the same account.
  const other = await browser.newContext({ baseURL, javaScriptEnabled: testInfo.project.name === "js" });
  const second = await other.newPage();
  await second.goto("/login");
  await second.getByRole("button", { name: "Continue with Test ID" }).click();
  await second.getByRole("button", { name: `Sign in as ${provider}` }).click();
  await expect(second).toHaveURL(/\/profile$/);
  await expect(second.getByTestId("profile-email")).toHaveText(email);
  await other.close();
});

test("an unverified address at the provider is not linked to an account that has it", async ({ page, browser, baseURL }, testInfo) => {
  // The account exists with a password; the provider has not verified the address.
  const owner = await browser.newContext({ baseURL });
  const email = await signUp(await owner.newPage(), testInfo, uniqueEmail(testInfo).replace("@", ".oidc@"));
  await owner.close();
  await providerAccount(testInfo, false, email);

  await visit(page, "/login", testInfo);
  await page.getByRole("button", { name: "Continue with Test ID" }).click();
  await page.getByRole("button", { name: `Sign in as ${email}` }).click();
  await expect(page).toHaveURL(/\/login$/);
  await expect(page.getByTestId("flash")).toContainText("An account already uses that address");
  expect((await page.request.get("/api/me", { headers: { Accept: "application/json" } })).status()).toBe(401);
});
