import { expect, Page, TestInfo } from "@playwright/test";

export const PASSWORD = "correct horse battery staple";

let counter = 0;
export function uniqueEmail(testInfo: TestInfo): string {
  counter += 1;
  const tag = `${testInfo.project.name}-${testInfo.workerIndex}-${Date.now()}-${counter}`;
  return `e2e-${tag}@example.com`;
}

export const jsEnabled = (testInfo: TestInfo) => testInfo.project.name === "js";

/** Opens a page and, with JavaScript on, waits until the WASM has hydrated it. */
export async function visit(page: Page, path: string, testInfo: TestInfo) {
  await page.goto(path);
  if (jsEnabled(testInfo)) {
    await expect(page.locator("body[data-hydrated]")).toBeAttached();
  }
}

/**
 * Marks the current document. With JavaScript on, forms must not reload the
 * page: the mark survives. Without it, every post is a full page load.
 */
export async function markDocument(page: Page) {
  await page.evaluate(() => ((window as any).__gatehouseMark = true)).catch(() => {});
}

export async function expectSameDocument(page: Page, testInfo: TestInfo) {
  if (jsEnabled(testInfo)) {
    expect(await page.evaluate(() => (window as any).__gatehouseMark === true)).toBe(true);
  }
}

export async function signUp(page: Page, testInfo: TestInfo, email = uniqueEmail(testInfo)) {
  await visit(page, "/signup", testInfo);
  await page.getByLabel("Email").fill(email);
  await page.getByLabel("Password", { exact: true }).fill(PASSWORD);
  await page.getByRole("button", { name: "Sign up" }).click();
  await expect(page).toHaveURL(/\/profile$/);
  await expect(page.getByTestId("profile-email")).toHaveText(email);
  return email;
}
