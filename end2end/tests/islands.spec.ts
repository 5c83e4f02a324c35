import { expect, request, test } from "@playwright/test";
import { expectSameDocument, jsEnabled, markDocument, PASSWORD, signUp, uniqueEmail, visit } from "./helpers";

// Where Leptos' islands router (0.8) differs from a page load, and what
// Gatehouse does about it (app/src/browser.rs). With JavaScript off each
// of these is an ordinary page load and must behave the same.

test("a patched page keeps no attribute the server dropped", async ({ page, baseURL }, testInfo) => {
  const taken = uniqueEmail(testInfo);
  const api = await request.newContext({ baseURL });
  const res = await api.post("/api/signup", { form: { email: taken, password: PASSWORD }, headers: { Accept: "application/json" } });
  expect(res.status()).toBe(200);
  await api.dispose();

  await visit(page, "/signup", testInfo);
  const email = page.getByLabel("Email");
  const password = page.getByLabel("Password", { exact: true });
  await email.fill(taken);
  await password.fill(PASSWORD);
  await markDocument(page);
  await page.getByRole("button", { name: "Sign up" }).click();
  await expect(page.locator("#email-error")).toContainText("already exists");
  await expect(email).toHaveAttribute("aria-invalid", "true");

  // Now the server finds fault with the password instead: the email is
  // no longer marked (the router only ever adds attributes).
  await email.fill(uniqueEmail(testInfo));
  await password.fill("Password123");
  await page.getByRole("button", { name: "Sign up" }).click();
  await expect(page.locator("#password-error")).toContainText("too common");
  await expect(password).toHaveAttribute("aria-invalid", "true");
  await expect(email).not.toHaveAttribute("aria-invalid", "true");
  await expect(page.locator("#email-error")).toBeEmpty();
  await expect(password).toBeFocused();
  // The browser's own check, then the server's: each message replaces the last.
  if (jsEnabled(testInfo)) {
    await password.fill("short");
    await page.getByRole("button", { name: "Sign up" }).click();
    await expect(page.locator("#password-error")).toContainText("at least 8 characters");
    await password.fill("Password123");
    await page.getByRole("button", { name: "Sign up" }).click();
    await expect(page.locator("#password-error")).toHaveText(/too common/);
    await expect(page.getByRole("button", { name: "Sign up" })).toBeEnabled();
  }
  await expectSameDocument(page, testInfo);

  // The header's link to the page you were on is no longer marked current.
  await password.fill(PASSWORD);
  await page.getByRole("button", { name: "Sign up" }).click();
  await expect(page).toHaveURL(/\/profile$/);
  const profile = page.locator("header").getByRole("link", { name: "Profile" });
  const sessions = page.locator("header").getByRole("link", { name: "Sessions" });
  await expect(profile).toHaveAttribute("aria-current", "page");
  await sessions.click();
  await expect(page).toHaveURL(/\/sessions$/);
  await expect(sessions).toHaveAttribute("aria-current", "page");
  await expect(profile).not.toHaveAttribute("aria-current", "page");
  await expectSameDocument(page, testInfo);
});

test("back and forward bring the page back, and where it was scrolled", async ({ page }, testInfo) => {
  await page.setViewportSize({ width: 390, height: 420 });
  await visit(page, "/login", testInfo);
  await markDocument(page);
  // Scrolled down to the link at the bottom of the card.
  const link = page.getByRole("link", { name: "Create an account" });
  await link.scrollIntoViewIfNeeded();
  const scrolled = await page.evaluate(() => scrollY);
  expect(scrolled).toBeGreaterThan(0);
  await link.click();
  await expect(page).toHaveURL(/\/signup$/);
  await expect(page.getByRole("heading", { level: 1 })).toHaveText("Create your account");
  // A new page starts at the top, as a page load would.
  expect(await page.evaluate(() => scrollY)).toBe(0);

  await page.goBack();
  await expect(page).toHaveURL(/\/login$/);
  await expect(page.getByRole("heading", { level: 1 })).toHaveText("Log in");
  await expect(page).toHaveTitle("Log in · Gatehouse");
  if (jsEnabled(testInfo)) {
    await expect.poll(() => page.evaluate(() => scrollY)).toBe(scrolled);
  }
  await page.goForward();
  await expect(page).toHaveURL(/\/signup$/);
  await expect(page.getByRole("heading", { level: 1 })).toHaveText("Create your account");
  await expect(page).toHaveTitle("Sign up · Gatehouse");
  await expectSameDocument(page, testInfo);
  // Islands on a page brought back work: the hint follows what is typed.
  if (jsEnabled(testInfo)) {
    await page.getByLabel("Password", { exact: true }).fill("short");
    await expect(page.getByTestId("password-hint")).toHaveText("3 more characters needed.");
  }
});
