import { expect, test } from "@playwright/test";
import { REAUTH_WINDOW_SECS, reauthBaseURL, signUp, visit } from "./helpers";
import { authenticator } from "./webauthn";

// Re-authenticating with a passkey instead of the password (JavaScript
// only, like every passkey ceremony), against the short-window server.
test.use({ baseURL: reauthBaseURL });

test("a passkey confirms it's you, and the change goes on", async ({ page }, testInfo) => {
  await page.addInitScript(() => {
    // Only the button: no autofill request racing it.
    (PublicKeyCredential as any).isConditionalMediationAvailable = () => Promise.resolve(false);
  });
  await signUp(page, testInfo);
  await authenticator(page);
  await visit(page, "/security", testInfo);
  await page.getByLabel("Name of the new passkey").fill("Laptop");
  await page.getByRole("button", { name: "Add a passkey" }).click();
  await expect(page.getByTestId("passkey").filter({ hasText: "Laptop" })).toBeVisible();
  // The account's address is told (the development mailbox shows it).
  await visit(page, "/dev/mailbox", testInfo);
  await expect(page.getByText("A passkey was added to your Gatehouse account").first()).toBeVisible();

  await page.waitForTimeout((REAUTH_WINDOW_SECS + 0.5) * 1000);
  await visit(page, "/security", testInfo);
  await page.getByRole("button", { name: "Remove passkey Laptop" }).click();
  await expect(page).toHaveURL(/\/reauthenticate\?next=%2Fsecurity$/);
  await expect(page.getByTestId("passkey-login")).toHaveText("Use a passkey");
  await page.getByTestId("passkey-login").click();
  await expect(page).toHaveURL(/\/security$/);
  await page.getByRole("button", { name: "Remove passkey Laptop" }).click();
  await expect(page.getByTestId("flash")).toContainText("Passkey removed");
  await expect(page.getByTestId("passkey")).toHaveCount(0);
  await visit(page, "/dev/mailbox", testInfo);
  await expect(page.getByText("A passkey was removed from your Gatehouse account").first()).toBeVisible();
});
