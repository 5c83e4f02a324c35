import { expect, test } from "@playwright/test";
import { providerAccount } from "./helpers";

// With JavaScript only (the no-js project ignores *.js-only.spec.ts):
// what happens before the WASM has run has no counterpart without it.

test("the provider's button works before the WASM has run", async ({ page }, testInfo) => {
  // The islands router listens from the page's first script; the WASM that
  // would tell it to leave this form alone never arrives here. The form
  // must still go to the provider, not into the router's fetch.
  await page.route("**/*.wasm", (route) => route.abort());
  const email = await providerAccount(testInfo);
  await page.goto("/login");
  await page.getByRole("button", { name: "Continue with Test ID" }).click();
  await page.getByRole("button", { name: `Sign in as ${email}` }).click();
  await expect(page).toHaveURL(/\/profile$/);
  await expect(page.getByTestId("profile-email")).toHaveText(email);
});
