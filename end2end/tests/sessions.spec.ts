import { expect, request, test } from "@playwright/test";
import { expectSameDocument, markDocument, me, otherDevice, PASSWORD, signUp, visit } from "./helpers";

test("the sessions page lists each device and revokes one", async ({ page, baseURL }, testInfo) => {
  const email = await signUp(page, testInfo);
  const firefox = await otherDevice(baseURL!, email);
  const curl = await otherDevice(baseURL!, email, "curl/8.0");
  await visit(page, "/sessions", testInfo);
  const sessions = page.getByTestId("session");
  await expect(sessions).toHaveCount(3);
  await expect(page.getByTestId("this-device")).toHaveCount(1);
  const other = sessions.filter({ hasText: "Firefox on Linux" });
  await expect(other).toContainText("127.0.0.1");
  await expect(other.locator("time").first()).toHaveText("just now");
  // The button posts to revoke_session (its formaction) with its own
  // name and value: the form's own action would end both other sessions.
  await markDocument(page);
  await other.getByRole("button", { name: "Revoke" }).click();
  await expect(page.getByTestId("flash")).toHaveText("That session has ended.");
  await expect(sessions).toHaveCount(2);
  await expect(sessions.filter({ hasText: "Firefox on Linux" })).toHaveCount(0);
  await expect(sessions.first()).toContainText("This device");
  expect(await me(firefox)).toBe(401);
  expect(await me(curl)).toBe(200);
  await expectSameDocument(page, testInfo);
  await firefox.dispose();
  await curl.dispose();
});

test("log out everywhere else ends every other session", async ({ page, baseURL }, testInfo) => {
  const email = await signUp(page, testInfo);
  const devices = [await otherDevice(baseURL!, email), await otherDevice(baseURL!, email, "curl/8.0")];
  await visit(page, "/sessions", testInfo);
  await expect(page.getByTestId("session")).toHaveCount(3);
  await page.getByRole("button", { name: "Log out everywhere else" }).click();
  await expect(page.getByTestId("flash")).toHaveText("Every other session has been signed out.");
  await expect(page.getByTestId("session")).toHaveCount(1);
  for (const device of devices) {
    expect(await me(device)).toBe(401);
    await device.dispose();
  }
  // This browser is still signed in.
  await visit(page, "/profile", testInfo);
  await expect(page.getByTestId("profile-email")).toHaveText(email);
});

test("changing the password signs out the others; deleting the account signs out everywhere", async ({
  page,
  baseURL,
}, testInfo) => {
  const email = await signUp(page, testInfo);
  const firefox = await otherDevice(baseURL!, email);
  const newPassword = "another long passphrase";
  await page.getByLabel("Current password").fill("not my password");
  await page.getByLabel("New password").fill(newPassword);
  await page.getByRole("button", { name: "Change password" }).click();
  await expect(page.locator("#current_password-error")).toContainText("not your current password");
  expect(await me(firefox)).toBe(200);

  await page.getByLabel("Current password").fill(PASSWORD);
  await page.getByLabel("New password").fill(newPassword);
  await page.getByRole("button", { name: "Change password" }).click();
  await expect.poll(() => me(firefox)).toBe(401);
  await visit(page, "/profile", testInfo);
  await expect(page.getByTestId("profile-email")).toHaveText(email);

  const stranger = await request.newContext({ baseURL });
  const old = await stranger.post("/api/login", {
    form: { email, password: PASSWORD },
    headers: { Accept: "application/json" },
  });
  expect(old.status()).toBe(401); // the old password no longer works
  await stranger.dispose();
  await page.getByLabel("Your password").fill(newPassword);
  await page.getByRole("button", { name: "Delete my account" }).click();
  await expect(page).toHaveURL(/\/$/);
  await expect(page.getByTestId("flash")).toHaveText("Your account has been deleted.");
  await expect(page.locator("header").getByRole("link", { name: "Log in" })).toBeVisible();
  await page.goto("/profile");
  await expect(page).toHaveURL(/\/login\?next=%2Fprofile$/);
  await firefox.dispose();
});

test("revoking this device's session says it logs out, and does", async ({ page }, testInfo) => {
  await signUp(page, testInfo);
  await visit(page, "/sessions", testInfo);
  await page.getByRole("button", { name: "Revoke and log out" }).click();
  await expect(page).toHaveURL(/\/login$/);
  await expect(page.getByTestId("flash")).toHaveText("You have been logged out.");
  await expect(page.locator("header").getByRole("link", { name: "Log in" })).toBeVisible();
  await expect(page.getByTestId("header-email")).toHaveCount(0);
  expect((await page.request.get("/api/me", { headers: { Accept: "application/json" } })).status()).toBe(401);
});
