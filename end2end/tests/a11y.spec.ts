import AxeBuilder from "@axe-core/playwright";
import { Browser, expect, Page, test, TestInfo } from "@playwright/test";
import { jsEnabled, PASSWORD, signUp, uniqueEmail, visit } from "./helpers";
import { totp } from "./totp";

// axe-core checks every page, signed out and signed in, in the light and
// the dark colour scheme, and forms showing their errors, in both projects.
// axe itself is JavaScript, so the "no-js" project runs it in a page whose
// own scripts (the hydration script and the WASM) are blocked: the page is
// exactly what a browser without JavaScript shows, and axe can still read it.

async function pageFor(browser: Browser, testInfo: TestInfo, colorScheme: "light" | "dark", locale = "en-US"): Promise<Page> {
  const context = await browser.newContext({
    baseURL: testInfo.project.use.baseURL,
    colorScheme,
    locale,
    javaScriptEnabled: true,
  });
  if (!jsEnabled(testInfo)) {
    await context.route(/\/pkg\/.*\.(js|wasm)$/, (route) => route.abort());
  }
  return context.newPage();
}

/** axe's violations on the page as it is now, as readable lines. */
async function violations(page: Page): Promise<string[]> {
  // Judged as a person sees the page: its stylesheet applied and its fonts
  // in. A page just loaded by a form post (JavaScript off) may still be
  // unstyled when the element a test waited for is there, and axe then
  // measures touch targets on bare HTML (one run's "target-size" on the
  // brand link beside the log-out button).
  await page.waitForLoadState("load");
  await page.evaluate(async () => {
    await document.fonts.ready;
  });
  const results = await new AxeBuilder({ page })
    .withTags(["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa", "best-practice"])
    .analyze();
  return results.violations.map(
    (v) => `${v.id} (${v.impact}): ${v.help} at ${v.nodes.map((n) => n.target.join(" ")).join(", ")}`,
  );
}

async function expectAccessible(page: Page, path: string, testInfo: TestInfo, colorScheme: string) {
  await visit(page, path, testInfo);
  // The page is in the scheme asked for, and hydrated only with JavaScript.
  expect(await page.evaluate(() => matchMedia("(prefers-color-scheme: dark)").matches)).toBe(colorScheme === "dark");
  if (!jsEnabled(testInfo)) {
    await expect(page.locator("body[data-hydrated]")).toHaveCount(0);
  }
  expect(await violations(page), `axe on ${path}`).toEqual([]);
}

for (const colorScheme of ["light", "dark"] as const) {
  test.describe(`${colorScheme} scheme`, () => {
    test("signed-out pages pass axe", async ({ browser }, testInfo) => {
      const page = await pageFor(browser, testInfo, colorScheme);
      for (const path of ["/", "/login", "/login/verify", "/signup", "/no-such-page", "/reset-password", `/reset-password/${"x".repeat(43)}`]) {
        await expectAccessible(page, path, testInfo, colorScheme);
      }
    });

    test("signed-in pages pass axe", async ({ browser }, testInfo) => {
      const page = await pageFor(browser, testInfo, colorScheme);
      await signUp(page, testInfo);
      for (const path of ["/", "/profile", "/sessions", "/security", "/reauthenticate?next=%2Fsecurity", "/dev/mailbox"]) {
        await expectAccessible(page, path, testInfo, colorScheme);
      }
    });

    test("forms showing their errors pass axe", async ({ browser }, testInfo) => {
      const page = await pageFor(browser, testInfo, colorScheme);
      await visit(page, "/login", testInfo);
      await page.getByLabel("Email").fill(uniqueEmail(testInfo));
      await page.getByLabel("Password", { exact: true }).fill("not the password");
      await page.getByRole("button", { name: "Log in" }).click();
      await expect(page.getByRole("alert")).toContainText("don't match an account");
      expect(await violations(page), "axe on a failed login").toEqual([]);

      await visit(page, "/signup", testInfo);
      await page.getByLabel("Email").fill(uniqueEmail(testInfo));
      await page.getByLabel("Password", { exact: true }).fill("short");
      await page.getByRole("button", { name: "Sign up" }).click();
      await expect(page.getByLabel("Password", { exact: true })).toHaveAttribute("aria-invalid", "true");
      expect(await violations(page), "axe on a refused sign-up").toEqual([]);

      const email = await signUp(page, testInfo);
      await visit(page, "/profile", testInfo);
      await page.getByLabel("Current password").fill(PASSWORD + " but wrong");
      await page.getByLabel("New password").fill("a different long passphrase");
      await page.getByRole("button", { name: "Change password" }).click();
      await expect(page.getByLabel("Current password")).toHaveAttribute("aria-invalid", "true");
      expect(await violations(page), `axe on a refused password change for ${email}`).toEqual([]);

      await visit(page, "/reauthenticate?next=%2Fsecurity", testInfo);
      await page.getByLabel("Password", { exact: true }).fill("not my password at all");
      await page.getByRole("button", { name: "Continue" }).click();
      await expect(page.getByLabel("Password", { exact: true })).toHaveAttribute("aria-invalid", "true");
      expect(await violations(page), "axe on a refused re-authentication").toEqual([]);
    });

    test("two-step verification's pages pass axe in every state", async ({ browser }, testInfo) => {
      const page = await pageFor(browser, testInfo, colorScheme);
      const email = await signUp(page, testInfo);
      await visit(page, "/security", testInfo);
      await page.getByRole("button", { name: "Set up an authenticator app" }).click();
      const secret = (await page.getByTestId("totp-secret").textContent())!.trim();
      expect(await violations(page), "axe on the QR code and secret").toEqual([]);
      await page.getByLabel("Code from the app").fill("000000");
      await page.getByLabel("Password", { exact: true }).fill(PASSWORD);
      await page.getByRole("button", { name: "Turn on two-step verification" }).click();
      await expect(page.getByLabel("Code from the app")).toHaveAttribute("aria-invalid", "true");
      expect(await violations(page), "axe on a wrong code").toEqual([]);
      await page.getByLabel("Code from the app").fill(totp(secret));
      await page.getByLabel("Password", { exact: true }).fill(PASSWORD);
      await page.getByRole("button", { name: "Turn on two-step verification" }).click();
      await expect(page.getByTestId("recovery-codes")).toBeVisible();
      expect(await violations(page), "axe on the recovery codes").toEqual([]);
      await visit(page, "/security", testInfo);
      expect(await violations(page), "axe on /security with two-step verification on").toEqual([]);

      await page.getByRole("button", { name: "Log out" }).first().click();
      await expect(page).toHaveURL(/\/login$/);
      await page.getByLabel("Email").fill(email);
      await page.getByLabel("Password", { exact: true }).fill(PASSWORD);
      await page.getByRole("button", { name: "Log in" }).click();
      await expect(page).toHaveURL(/\/login\/verify$/);
      expect(await violations(page), "axe on /login/verify").toEqual([]);
      await page.getByLabel("Code", { exact: true }).fill("111111");
      await page.getByRole("button", { name: "Verify" }).click();
      await expect(page.getByLabel("Code", { exact: true })).toHaveAttribute("aria-invalid", "true");
      expect(await violations(page), "axe on a wrong second step").toEqual([]);
    });
  });
}

// The Korean pages, in both schemes: a page whose words are longer or
// shorter must still fit, contrast and name everything.
for (const colorScheme of ["light", "dark"] as const) {
  test(`the Korean pages pass axe, signed out and signed in, with an error showing (${colorScheme})`, async ({ browser }, testInfo) => {
    test.setTimeout(60_000);
    const page = await pageFor(browser, testInfo, colorScheme, "ko-KR");
    for (const path of ["/", "/login", "/login/verify", "/signup", "/no-such-page", "/reset-password", `/reset-password/${"x".repeat(43)}`]) {
      await expectAccessible(page, path, testInfo, colorScheme);
      await expect(page.locator("html")).toHaveAttribute("lang", "ko");
    }
    await visit(page, "/signup", testInfo);
    await page.getByLabel("이메일").fill(uniqueEmail(testInfo));
    await page.getByLabel("비밀번호", { exact: true }).fill("short");
    await page.getByRole("button", { name: "회원가입" }).click();
    await expect(page.getByLabel("비밀번호", { exact: true })).toHaveAttribute("aria-invalid", "true");
    expect(await violations(page), "axe on a refused Korean sign-up").toEqual([]);
    await page.getByLabel("비밀번호", { exact: true }).fill(PASSWORD);
    await page.getByRole("button", { name: "회원가입" }).click();
    await expect(page).toHaveURL(/\/profile$/);
    for (const path of ["/profile", "/sessions", "/security", "/reauthenticate?next=%2Fsecurity"]) {
      await expectAccessible(page, path, testInfo, colorScheme);
      await expect(page.locator("html")).toHaveAttribute("lang", "ko");
    }
    await page.context().close();
  });
}
