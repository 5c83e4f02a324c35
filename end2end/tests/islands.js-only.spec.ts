import { expect, test } from "@playwright/test";
import { PASSWORD, signUp, uniqueEmail, visit } from "./helpers";

// What the islands do that has no counterpart without JavaScript: run in
// the "js" project only (playwright.config.ts leaves *.js-only.spec.ts out
// of "no-js"). Without JavaScript there is no island to keep working, and
// a post that can't reach the server gets the browser's own error page.

test("a failed post keeps what the islands show working", async ({ page }, testInfo) => {
  const email = await signUp(page, testInfo);
  await page.getByRole("button", { name: "Log out" }).click();
  await expect(page).toHaveURL(/\/login$/);
  await page.getByLabel("Email").fill(email);
  const password = page.getByLabel("Password", { exact: true });
  await password.fill("not the password");
  await page.getByRole("button", { name: "Log in" }).click();
  await expect(page.getByRole("alert")).toContainText("don't match an account");
  // The button is free again, and Show still shows.
  await expect(page.getByRole("button", { name: "Log in" })).toBeEnabled();
  await page.getByRole("button", { name: "Show password" }).click();
  await expect(password).toHaveAttribute("type", "text");
  await password.fill(PASSWORD);
  await page.getByRole("button", { name: "Log in" }).click();
  await expect(page).toHaveURL(/\/profile$/);
});

test("a post that can't reach the server says so and can be sent again", async ({ page }, testInfo) => {
  await visit(page, "/login", testInfo);
  await page.route("**/api/login", (route) => route.abort("internetdisconnected"));
  await page.getByLabel("Email").fill(uniqueEmail(testInfo));
  await page.getByLabel("Password", { exact: true }).fill("not the password");
  await page.getByRole("button", { name: "Log in" }).click();
  await expect(page.getByRole("alert")).toHaveText("Could not reach Gatehouse. Check your connection and try again.");
  await expect(page.getByRole("button", { name: "Log in" })).toBeEnabled();
  // Back online, the same form goes through, and the message is gone.
  await page.unroute("**/api/login");
  await page.getByRole("button", { name: "Log in" }).click();
  await expect(page.getByRole("alert")).toContainText("don't match an account");
});
