import { expect, test } from "@playwright/test";
import { PASSWORD, signUp, uniqueEmail, visit } from "./helpers";

// The security log on /security, with JavaScript on and off: each event in
// words with its address, this device marked, and only the account's own.

test("the security page lists the account's own recent activity", async ({ page, browser }, testInfo) => {
  const email = await signUp(page, testInfo);
  await page.getByRole("button", { name: "Log out" }).first().click();
  await expect(page).toHaveURL(/\/login$/);
  // A wrong password first, then the right one.
  await page.getByLabel("Email").fill(email);
  await page.getByLabel("Password", { exact: true }).fill("not the password");
  await page.getByRole("button", { name: "Log in" }).click();
  await expect(page.getByRole("alert")).toContainText("don't match");
  await page.getByLabel("Password", { exact: true }).fill(PASSWORD);
  await page.getByRole("button", { name: "Log in" }).click();
  await expect(page).toHaveURL(/\/profile$/);

  await page.getByRole("link", { name: "Security" }).click();
  await expect(page).toHaveURL(/\/security$/);
  await expect(page.getByRole("heading", { name: "Recent activity" })).toBeVisible();
  const events = page.getByTestId("event");
  await expect(events.nth(0)).toContainText("Logged in");
  await expect(events.nth(1)).toContainText("Failed login");
  await expect(events.nth(2)).toContainText("Logged out");
  await expect(events.nth(3)).toContainText("Account created");
  await expect(events).toHaveCount(4);
  await expect(events.nth(0).getByTestId("event-ip")).toHaveText("127.0.0.1");
  await expect(events.nth(0).getByTestId("this-device")).toBeVisible();

  // Another account sees only its own.
  const other = await browser.newContext({
    baseURL: testInfo.project.use.baseURL,
    javaScriptEnabled: testInfo.project.name === "js",
  });
  const otherPage = await other.newPage();
  await signUp(otherPage, testInfo, uniqueEmail(testInfo));
  await visit(otherPage, "/security", testInfo);
  await expect(otherPage.getByTestId("event")).toHaveCount(1);
  await expect(otherPage.getByTestId("event")).toContainText("Account created");
  await other.close();
});

test("the security page is protected", async ({ page }, testInfo) => {
  await visit(page, "/security", testInfo);
  await expect(page).toHaveURL(/\/login\?next=%2Fsecurity$/);
});
