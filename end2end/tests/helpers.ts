import { APIRequestContext, expect, Locator, Page, request, TestInfo } from "@playwright/test";
import { execFileSync } from "node:child_process";

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

const FIREFOX = "Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0";

/** Another device, signed in to `email` over the API with its own cookie jar. */
export async function otherDevice(baseURL: string, email: string, userAgent = FIREFOX): Promise<APIRequestContext> {
  const device = await request.newContext({ baseURL, extraHTTPHeaders: { "User-Agent": userAgent } });
  const res = await device.post("/api/login", {
    form: { email, password: PASSWORD },
    headers: { Accept: "application/json" },
  });
  expect(res.status()).toBe(200);
  return device;
}

/** The status `/api/me` answers a device with: 200 signed in, 401 not. */
export const me = async (device: APIRequestContext) =>
  (await device.get("/api/me", { headers: { Accept: "application/json" } })).status();

/**
 * The second server of playwright.config.ts, whose recent-authentication
 * window is REAUTH_WINDOW_SECS: a session older than that must confirm
 * it's you before a sensitive change.
 */
export const REAUTH_WINDOW_SECS = 6;
export const reauthBaseURL = `http://localhost:${
  process.env.E2E_REAUTH_PORT ?? String(Number(process.env.E2E_PORT ?? "3100") + 1)
}`;

/** Presses Tab until `target` has focus, checking every stop on the way. */
export async function tabTo(page: Page, target: Locator, what: string) {
  const stops: string[] = [];
  for (let i = 0; i < 25; i++) {
    await page.keyboard.press("Tab");
    const stop = await page.evaluate(() => {
      const el = document.activeElement as HTMLElement | null;
      if (!el || el === document.body) return null;
      const box = el.getBoundingClientRect();
      const style = getComputedStyle(el);
      const name = el.getAttribute("aria-label") || el.textContent || el.getAttribute("name") || el.tagName;
      return {
        name: name.trim().replace(/\s+/g, " "),
        onScreen: box.width > 0 && box.height > 0 && box.top >= -1 && box.bottom <= innerHeight + 1, // sub-pixel layout
        where: `${Math.round(box.top)}..${Math.round(box.bottom)} of ${innerHeight}, scrolled ${scrollY}`,
        ring: el.matches(":focus-visible") && style.outlineStyle !== "none" && parseFloat(style.outlineWidth) >= 2,
      };
    });
    if (!stop) {
      stops.push("(the page)");
      continue;
    }
    stops.push(stop.name);
    expect(stop.onScreen, `"${stop.name}" is on screen when focused (${stop.where})`).toBe(true);
    expect(stop.ring, `"${stop.name}" shows a focus ring`).toBe(true);
    if (await target.evaluateAll((els) => els.includes(document.activeElement as Element))) return;
  }
  throw new Error(`Tab never reached ${what}; it went ${stops.join(" → ")}`);
}


/** The OpenID Provider of playwright.config.ts (testing/oidc). */
export const oidcURL = `http://127.0.0.1:${process.env.E2E_OIDC_PORT ?? String(Number(process.env.E2E_PORT ?? "3100") + 2)}`;

/** Adds an account at the provider (a fresh one per test), and returns its email. */
export async function providerAccount(
  testInfo: TestInfo,
  verified = true,
  email = uniqueEmail(testInfo).replace("@", ".oidc@"),
): Promise<string> {
  const ctx = await request.newContext();
  const res = await ctx.put(`${oidcURL}/__harness/accounts`, {
    data: [{ id: email, email, email_verified: verified }],
  });
  expect(res.status(), await res.text()).toBeLessThan(300);
  await ctx.dispose();
  return email;
}

/**
 * Makes `email` an administrator of the first server the only way there
 * is: the operator's command, `server admin grant`, on its database.
 */
export function grantAdmin(email: string) {
  const env = { ...process.env, GATEHOUSE_DATA_DIR: process.env.E2E_DATA_DIR! };
  delete env.DATABASE_URL;
  delete env.SESSION_STORE_URL;
  const cwd = `${__dirname}/../..`;
  const out = execFileSync(process.env.GATEHOUSE_SERVER_BIN!, ["admin", "grant", email], { cwd, env, encoding: "utf8" });
  expect(out).toContain("is now an administrator");
}
