import { expect, Page, test, TestInfo } from "@playwright/test";
import { expectSameDocument, markDocument, PASSWORD, signUp, uniqueEmail, visit } from "./helpers";

// The server runs without SMTP_URL, so its mail stays in the development
// mailbox: these tests read it at /dev/mailbox, as a developer would.
// Each runs with JavaScript on and off.

const NEW_PASSWORD = "a brand new passphrase";

/** Opens the mailbox and follows the link in the newest mail to `to` about `subject`. */
async function followMailedLink(page: Page, testInfo: TestInfo, to: string, subject: string) {
  await visit(page, "/dev/mailbox", testInfo);
  const mail = page.getByTestId("mail").filter({ hasText: to }).filter({ hasText: subject }).first();
  await expect(mail).toBeVisible();
  await mail.locator("a").first().click();
}

test("forgot password: the mailed link sets a new password, then log in", async ({ page }, testInfo) => {
  const email = await signUp(page, testInfo);
  await page.getByRole("button", { name: "Log out" }).first().click();
  await expect(page).toHaveURL(/\/login$/);

  await page.getByRole("link", { name: "Forgot your password?" }).click();
  await expect(page).toHaveURL(/\/reset-password$/);
  await page.getByLabel("Email").fill(email);
  await markDocument(page);
  await page.getByRole("button", { name: "Send the link" }).click();
  await expect(page.getByTestId("flash")).toContainText("If an account exists for that address, a link is on its way");
  await expectSameDocument(page, testInfo);

  await followMailedLink(page, testInfo, email, "Reset your Gatehouse password");
  await expect(page).toHaveURL(/\/reset-password\/[A-Za-z0-9_-]{43}$/);
  // A password that breaks the rules: the error is beside the field, and
  // the link still works.
  await page.getByLabel("New password").fill("short");
  await page.getByRole("button", { name: "Set my new password" }).click();
  await expect(page.locator("#new_password-error")).toContainText("at least 8 characters");
  await expect(page).toHaveURL(/\/reset-password\/[A-Za-z0-9_-]{43}$/);

  await page.getByLabel("New password").fill(NEW_PASSWORD);
  await page.getByRole("button", { name: "Set my new password" }).click();
  await expect(page).toHaveURL(/\/login$/);
  await expect(page.getByTestId("flash")).toContainText("Your password has been reset");

  await page.getByLabel("Email").fill(email);
  await page.getByLabel("Password", { exact: true }).fill(NEW_PASSWORD);
  await page.getByRole("button", { name: "Log in" }).click();
  await expect(page).toHaveURL(/\/profile$/);
  // The reset proved the address, and a notice went to it.
  await expect(page.getByTestId("email-status")).toHaveText("Your email address is confirmed.");
  await visit(page, "/dev/mailbox", testInfo);
  await expect(page.getByTestId("mail").filter({ hasText: email }).first()).toContainText("Your Gatehouse password was reset");
});

test("a used reset link says so in words", async ({ page }, testInfo) => {
  await visit(page, "/reset-password/" + "x".repeat(43), testInfo);
  await expect(page.getByTestId("dead-link")).toContainText("This link doesn't work");
  await page.getByRole("link", { name: "Ask for a new link" }).click();
  await expect(page).toHaveURL(/\/reset-password$/);
});

test("confirm the address after sign-up", async ({ page }, testInfo) => {
  const email = await signUp(page, testInfo);
  await expect(page.getByTestId("email-status")).toContainText("not confirmed yet");

  await followMailedLink(page, testInfo, email, "Confirm your email address");
  await expect(page).toHaveURL(/\/confirm-email\/[A-Za-z0-9_-]{43}$/);
  await expect(page.getByTestId("confirm-address")).toHaveText(email);
  await page.getByRole("button", { name: "Confirm" }).click();
  await expect(page).toHaveURL(/\/profile$/);
  await expect(page.getByTestId("flash")).toHaveText("Thank you: your email address is confirmed.");
  await expect(page.getByTestId("email-status")).toHaveText("Your email address is confirmed.");
});

test("send the confirmation link again from the profile", async ({ page }, testInfo) => {
  const email = await signUp(page, testInfo);
  await page.getByRole("button", { name: "Send the link again" }).click();
  await expect(page.getByTestId("flash")).toHaveText("A new confirmation link is on its way to your inbox.");
  await visit(page, "/dev/mailbox", testInfo);
  await expect(page.getByTestId("mail").filter({ hasText: email })).toHaveCount(2);
});

test("change the email: confirmed at the new address, noticed at the old", async ({ page }, testInfo) => {
  const email = await signUp(page, testInfo);
  const newEmail = uniqueEmail(testInfo);

  // A wrong password: the error beside the field, the new address kept.
  await page.getByLabel("New email address").fill(newEmail);
  await page.locator("#change_email_password").fill("not my password");
  await page.getByRole("button", { name: "Change email" }).click();
  await expect(page.locator("#change_email_password-error")).toHaveText("That is not your current password.");
  await expect(page.getByLabel("New email address")).toHaveValue(newEmail);

  await page.locator("#change_email_password").fill(PASSWORD);
  await page.getByRole("button", { name: "Change email" }).click();
  await expect(page.getByTestId("flash")).toContainText("Check the new address's inbox");
  await expect(page.getByTestId("profile-email")).toHaveText(email);

  await visit(page, "/dev/mailbox", testInfo);
  await expect(page.getByTestId("mail").filter({ hasText: email }).first()).toContainText(newEmail);
  await followMailedLink(page, testInfo, newEmail, "Confirm your new email address");
  await expect(page.getByTestId("confirm-address")).toHaveText(newEmail);
  await page.getByRole("button", { name: "Confirm" }).click();
  await expect(page).toHaveURL(/\/profile$/);
  await expect(page.getByTestId("flash")).toContainText("Your email address has been changed");
  await expect(page.getByTestId("profile-email")).toHaveText(newEmail);
  await expect(page.getByTestId("header-email")).toHaveText(newEmail);
});

test("the development mailbox lists mail newest first", async ({ page }, testInfo) => {
  const email = uniqueEmail(testInfo);
  await signUp(page, testInfo, email);
  await page.getByRole("button", { name: "Log out" }).first().click();
  await expect(page).toHaveURL(/\/login$/);
  await expect(page.getByTestId("flash")).toBeVisible();
  await visit(page, "/reset-password", testInfo);
  await page.getByLabel("Email").fill(email);
  await page.getByRole("button", { name: "Send the link" }).click();
  // Wait for this request's own answer: leaving earlier (on another
  // message, say the logout's) would cancel it before the mail is queued.
  await expect(page.getByTestId("flash")).toContainText("a link is on its way");
  await visit(page, "/dev/mailbox", testInfo);
  const mine = page.getByTestId("mail").filter({ hasText: email });
  await expect(mine).toHaveCount(2);
  await expect(mine.nth(0).getByRole("heading")).toHaveText("Reset your Gatehouse password");
  await expect(mine.nth(1).getByRole("heading")).toHaveText("Confirm your email address for Gatehouse");
});
