import { expect, request, test } from "@playwright/test";
import {
  expectSameDocument,
  jsEnabled,
  markDocument,
  PASSWORD,
  signUp,
  uniqueEmail,
  visit,
} from "./helpers";

// Every test runs twice: in the "js" project (hydrated WASM) and in the
// "no-js" project (plain HTML forms and redirects).

test("sign up lands on the profile, log out, log in again", async ({ page }, testInfo) => {
  const consoleErrors: string[] = [];
  page.on("console", (msg) => msg.type() === "error" && consoleErrors.push(msg.text()));
  const email = await signUp(page, testInfo);
  await expect(page.getByTestId("header-email")).toHaveText(email);

  await markDocument(page);
  await page.getByRole("button", { name: "Log out" }).first().click();
  await expect(page).toHaveURL(/\/login$/);
  await expect(page.getByRole("link", { name: "Sign up" })).toBeVisible();
  await expectSameDocument(page, testInfo);

  await page.getByLabel("Email").fill(email);
  await page.getByLabel("Password", { exact: true }).fill(PASSWORD);
  await markDocument(page);
  await page.getByRole("button", { name: "Log in" }).click();
  await expect(page).toHaveURL(/\/profile$/);
  await expect(page.getByTestId("profile-email")).toHaveText(email);
  await expectSameDocument(page, testInfo);
  // No failed request or hydration error along the way.
  expect(consoleErrors).toEqual([]);
});

test("the profile is protected and login returns to it", async ({ page, context }, testInfo) => {
  const email = await signUp(page, testInfo);
  await page.getByRole("button", { name: "Log out" }).first().click();
  await expect(page).toHaveURL(/\/login$/);

  await page.goto("/profile");
  await expect(page).toHaveURL(/\/login\?next=%2Fprofile$/);
  expect((await context.cookies()).length).toBe(0);

  if (testInfo.project.name === "js") {
    await expect(page.locator("body[data-hydrated]")).toBeAttached();
  }
  await page.getByLabel("Email").fill(email);
  await page.getByLabel("Password", { exact: true }).fill(PASSWORD);
  await page.getByRole("button", { name: "Log in" }).click();
  await expect(page).toHaveURL(/\/profile$/);
  await expect(page.getByTestId("profile-email")).toHaveText(email);
});

test("a failed login shows its error and keeps the email", async ({ page }, testInfo) => {
  const email = uniqueEmail(testInfo);
  await visit(page, "/login", testInfo);
  await page.getByLabel("Email").fill(email);
  await page.getByLabel("Password", { exact: true }).fill("not the password");
  await markDocument(page);
  await page.getByRole("button", { name: "Log in" }).click();
  await expect(page.getByRole("alert")).toContainText("don't match an account");
  await expect(page.getByLabel("Email")).toHaveValue(email);
  await expect(page.getByLabel("Password", { exact: true })).toHaveAttribute("autocomplete", "current-password");
  await expectSameDocument(page, testInfo);
  // What was typed is kept by the server in a short-lived cookie, never in
  // the URL (history, logs).
  await expect(page).toHaveURL(/\/login$/);
  expect(page.url()).not.toContain(encodeURIComponent(email).slice(0, 10));
});

test("sign-up errors appear next to the field", async ({ page }, testInfo) => {
  const email = uniqueEmail(testInfo);
  await visit(page, "/signup", testInfo);
  const posts: string[] = [];
  page.on("request", (req) => req.method() === "POST" && posts.push(req.url()));
  await page.getByLabel("Email").fill(email);
  await page.getByLabel("Password", { exact: true }).fill("short");
  await page.getByRole("button", { name: "Sign up" }).click();
  const password = page.getByLabel("Password", { exact: true });
  await expect(password).toHaveAttribute("aria-invalid", "true");
  await expect(page.locator("#password-error")).toContainText("at least 8 characters");
  await expect(password).toBeFocused();
  await expect(page.getByLabel("Email")).toHaveValue(email);
  await expect(password).toHaveAttribute("autocomplete", "new-password");
  // Hydrated, the shared rules run in the browser first: no request at all.
  expect(posts.length).toBe(jsEnabled(testInfo) ? 0 : 1);
});

test("a taken email is refused next to the email field", async ({ page }, testInfo) => {
  const email = await signUp(page, testInfo);
  await page.getByRole("button", { name: "Log out" }).first().click();
  await expect(page).toHaveURL(/\/login$/);

  await visit(page, "/signup", testInfo);
  await page.getByLabel("Email").fill(email.toUpperCase());
  await page.getByLabel("Password", { exact: true }).fill(PASSWORD);
  await markDocument(page);
  await page.getByRole("button", { name: "Sign up" }).click();
  await expect(page.locator("#email-error")).toContainText("already exists");
  await expect(page.getByLabel("Email")).toHaveAttribute("aria-invalid", "true");
  await expect(page.getByLabel("Email")).toBeFocused();
  await expect(page.getByLabel("Email")).toHaveValue(email.toUpperCase());
  await expectSameDocument(page, testInfo);
});

test("a password field can show what was typed, once JavaScript runs", async ({ page }, testInfo) => {
  await visit(page, "/signup", testInfo);
  const password = page.getByLabel("Password", { exact: true });
  const show = page.getByRole("button", { name: "Show password" });
  if (!jsEnabled(testInfo)) {
    // Without JavaScript the button could do nothing, so there is none.
    await expect(show).toHaveCount(0);
    return;
  }
  await password.fill(PASSWORD);
  await show.click();
  await expect(password).toHaveAttribute("type", "text");
  await expect(password).toHaveValue(PASSWORD);
  await page.getByRole("button", { name: "Hide password" }).click();
  await expect(password).toHaveAttribute("type", "password");
  // Showing it changes nothing about the post.
  await page.getByLabel("Email").fill(uniqueEmail(testInfo));
  await page.getByRole("button", { name: "Sign up" }).click();
  await expect(page).toHaveURL(/\/profile$/);
});

test("the password hint follows what is typed, from the server's own rules", async ({ page }, testInfo) => {
  await visit(page, "/signup", testInfo);
  const hint = page.getByTestId("password-hint");
  await expect(hint).toHaveText(/^At least 8 characters/);
  if (!jsEnabled(testInfo)) {
    // Without JavaScript the rules themselves are the hint.
    return;
  }
  const password = page.getByLabel("Password", { exact: true });
  await password.pressSequentially("short");
  await expect(hint).toHaveText("3 more characters needed.");
  await password.fill("long enough");
  await expect(hint).toHaveText(/^Long enough/);
  await password.fill(PASSWORD);
  await expect(hint).toHaveText("A strong length. Good.");
});

test("logging out says so once, on the login page", async ({ page }, testInfo) => {
  await signUp(page, testInfo);
  await page.getByRole("button", { name: "Log out" }).first().click();
  await expect(page).toHaveURL(/\/login$/);
  await expect(page.getByTestId("flash")).toHaveText("You have been logged out.");
  // Shown once: gone after moving on and coming back, or reloading.
  await page.getByRole("link", { name: "Create an account" }).click();
  await expect(page).toHaveURL(/\/signup$/);
  await expect(page.getByTestId("flash")).toHaveCount(0);
  await visit(page, "/login", testInfo);
  await expect(page.getByTestId("flash")).toHaveCount(0);
});

test("an ended session sends the next page load to log in, saying why", async ({ page, baseURL }, testInfo) => {
  const email = await signUp(page, testInfo);
  // Another device ends every other session, this browser's included.
  const other = await request.newContext({ baseURL });
  const login = await other.post("/api/login", {
    form: { email, password: PASSWORD },
    headers: { Accept: "application/json" },
  });
  expect(login.status()).toBe(200);
  expect((await other.post("/api/logout_others", { headers: { Accept: "application/json" } })).status()).toBe(200);

  await page.goto("/profile");
  await expect(page).toHaveURL(/\/login\?next=%2Fprofile$/);
  await expect(page.getByTestId("flash")).toHaveText("Your session expired, please log in again.");
  await page.reload();
  await expect(page.getByTestId("flash")).toHaveCount(0);
});

test("a password change says the other sessions were signed out", async ({ page }, testInfo) => {
  await signUp(page, testInfo);
  await markDocument(page);
  await page.getByLabel("Current password").fill(PASSWORD);
  await page.getByLabel("New password").fill("a different long passphrase");
  await page.getByRole("button", { name: "Change password" }).click();
  // With JavaScript the form shows its result; without, the page it lands on.
  await expect(page.getByText("Password changed; other sessions were signed out.")).toBeVisible();
  await expectSameDocument(page, testInfo);
  await visit(page, "/profile", testInfo);
  await expect(page.getByText("Password changed; other sessions were signed out.")).toHaveCount(0);
});

test("a submit button says it is working and can't be pressed twice", async ({ page }, testInfo) => {
  await visit(page, "/signup", testInfo);
  const idle = page.getByRole("button", { name: "Sign up" });
  await expect(idle).toBeEnabled();
  if (!jsEnabled(testInfo)) {
    // Without JavaScript the browser shows its own progress.
    return;
  }
  // Hold the sign-up call for a moment, so its pending state can be seen.
  let posts = 0;
  await page.route("**/api/signup", async (route) => {
    posts += 1;
    await new Promise((done) => setTimeout(done, 1_000));
    await route.continue();
  });
  await page.getByLabel("Email").fill(uniqueEmail(testInfo));
  await page.getByLabel("Password", { exact: true }).fill(PASSWORD);
  await idle.click();
  const busy = page.getByRole("button", { name: "Signing up…" });
  await expect(busy).toBeDisabled();
  await expect(busy).toHaveAttribute("aria-busy", "true");
  await busy.click({ force: true }).catch(() => {});
  await expect(page).toHaveURL(/\/profile$/);
  expect(posts).toBe(1);
});
