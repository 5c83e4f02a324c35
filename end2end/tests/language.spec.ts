import { expect, Page, test, TestInfo } from "@playwright/test";
import { jsEnabled, me, otherDevice, PASSWORD, tabTo, uniqueEmail, visit } from "./helpers";

// English and Korean: the footer's choice with JavaScript on and off, a
// browser that asks for Korean, and the keyboard walk in Korean. The
// choice of language itself is checked over HTTP too
// (server/tests/api/languages.rs); here it is what a person sees.

async function expectLanguage(page: Page, lang: "en" | "ko") {
  await expect(page.locator("html")).toHaveAttribute("lang", lang);
  await expect(page.getByTestId(`language-${lang}`)).toHaveAttribute("aria-pressed", "true");
}

test("the footer's choice switches the page's language and keeps it, with JavaScript on and off", async ({ page, context }, testInfo) => {
  await visit(page, "/login", testInfo);
  await expectLanguage(page, "en");
  await expect(page.getByRole("heading", { level: 1 })).toHaveText("Log in");

  await page.getByRole("button", { name: "한국어" }).click();
  await expect(page).toHaveURL(/\/login$/);
  await expectLanguage(page, "ko");
  await expect(page.getByRole("heading", { level: 1 })).toHaveText("로그인");
  await expect(page).toHaveTitle("로그인 · Gatehouse");
  await expect(page.getByLabel("비밀번호", { exact: true })).toBeVisible();
  if (jsEnabled(testInfo)) {
    // The islands speak the page's language too, once hydrated.
    await expect(page.locator("body[data-hydrated]")).toBeAttached();
    await expect(page.getByRole("button", { name: "비밀번호 보기" })).toBeVisible();
  }
  const cookie = (await context.cookies()).find((c) => c.name === "lang");
  expect(cookie?.value).toBe("ko");
  expect(cookie?.sameSite).toBe("Lax");
  expect(cookie!.expires - Date.now() / 1000).toBeGreaterThan(364 * 24 * 3600);

  // The choice holds on the next page, whatever the browser asks for.
  await visit(page, "/signup", testInfo);
  await expect(page.getByRole("heading", { level: 1 })).toHaveText("계정 만들기");

  await page.getByRole("button", { name: "English" }).click();
  await expect(page).toHaveURL(/\/signup$/);
  await expectLanguage(page, "en");
  await expect(page.getByRole("heading", { level: 1 })).toHaveText("Create your account");
});

test("signed in, the choice is the account's: its next login elsewhere is in it too", async ({ page, browser, baseURL }, testInfo) => {
  const email = uniqueEmail(testInfo);
  await visit(page, "/signup", testInfo);
  await page.getByLabel("Email").fill(email);
  await page.getByLabel("Password", { exact: true }).fill(PASSWORD);
  await page.getByRole("button", { name: "Sign up" }).click();
  await expect(page).toHaveURL(/\/profile$/);
  await page.getByRole("button", { name: "한국어" }).click();
  await expect(page).toHaveURL(/\/profile$/);
  await expect(page.getByRole("heading", { level: 1 })).toHaveText("내 프로필");
  const api = await page.request.get("/api/me", { headers: { Accept: "application/json" } });
  expect((await api.json()).language).toBe("ko");

  // Another browser, which asks for English and has no `lang` cookie.
  const other = await browser.newContext({ baseURL, locale: "en-US", javaScriptEnabled: jsEnabled(testInfo) });
  const second = await other.newPage();
  await visit(second, "/login", testInfo);
  await expect(second.getByRole("heading", { level: 1 })).toHaveText("Log in");
  await second.getByLabel("Email").fill(email);
  await second.getByLabel("Password", { exact: true }).fill(PASSWORD);
  await second.getByRole("button", { name: "Log in" }).click();
  await expect(second).toHaveURL(/\/profile$/);
  await expect(second.getByRole("heading", { level: 1 })).toHaveText("내 프로필");
  await expect(second.locator("html")).toHaveAttribute("lang", "ko");
  await other.close();
});

test.describe("a browser that asks for Korean", () => {
  test.use({ locale: "ko-KR" });

  test("gets Korean pages, and Korean errors beside the field with what was typed kept", async ({ page }, testInfo) => {
    await visit(page, "/", testInfo);
    await expectLanguage(page, "ko");
    await expect(page.getByRole("heading", { level: 1 })).toHaveText("Gatehouse에 오신 것을 환영합니다");
    await page.getByRole("link", { name: "회원가입" }).first().click();
    await expect(page).toHaveURL(/\/signup$/);
    const email = uniqueEmail(testInfo);
    await page.getByLabel("이메일").fill(email);
    await page.getByLabel("비밀번호", { exact: true }).fill("short");
    await page.getByRole("button", { name: "회원가입" }).click();
    await expect(page.locator("#password-error")).toHaveText("비밀번호는 8자 이상이어야 합니다.");
    await expect(page.getByLabel("이메일")).toHaveValue(email);

    // Now right: the account is made, and the profile speaks Korean.
    await page.getByLabel("비밀번호", { exact: true }).fill(PASSWORD);
    await page.getByRole("button", { name: "회원가입" }).click();
    await expect(page).toHaveURL(/\/profile$/);
    await expect(page.getByRole("heading", { level: 1 })).toHaveText("내 프로필");
    await expect(page.getByTestId("email-status")).toContainText("아직 확인되지 않았습니다");
  });

  test("keyboard only, in Korean: sign up, end another session, log out", async ({ page, baseURL }, testInfo) => {
    await page.setViewportSize({ width: 1100, height: 720 });
    const email = uniqueEmail(testInfo);
    const password = page.getByLabel("비밀번호", { exact: true });
    await visit(page, "/", testInfo);
    await tabTo(page, page.getByRole("link", { name: "회원가입" }).first(), "the 회원가입 link");
    await page.keyboard.press("Enter");
    await expect(page).toHaveURL(/\/signup$/);
    await expect(page).toHaveTitle("회원가입 · Gatehouse");
    // Without JavaScript that Enter was a page load: Tab once it is done
    // (a Tab pressed while it loads focuses without the keyboard's ring).
    await page.waitForLoadState("load");
    await tabTo(page, page.getByLabel("이메일"), "the email field");
    await page.keyboard.type(email);
    await tabTo(page, password, "the password field");
    await page.keyboard.type("short");
    await page.keyboard.press("Enter");
    await expect(password).toHaveAttribute("aria-invalid", "true");
    await expect(page.locator("#password-error")).toContainText("8자 이상");
    await expect(password).toBeFocused();
    await page.keyboard.press("ControlOrMeta+a");
    await page.keyboard.type(PASSWORD);
    await page.keyboard.press("Enter");
    await expect(page).toHaveURL(/\/profile$/);
    await expect(page).toHaveTitle("내 프로필 · Gatehouse");

    const firefox = await otherDevice(baseURL!, email);
    await tabTo(page, page.getByRole("link", { name: "세션", exact: true }), "the 세션 link");
    await page.keyboard.press("Enter");
    await expect(page).toHaveURL(/\/sessions$/);
    await expect(page).toHaveTitle("내 세션 · Gatehouse");
    await expect(page.getByTestId("session")).toHaveCount(2);
    await expect(page.getByTestId("sessions")).toContainText("Linux의 Firefox");
    await expect(page.getByTestId("sessions")).toContainText("방금");
    await tabTo(page, page.getByRole("button", { name: "종료: Linux의 Firefox 세션" }), "Firefox's 종료");
    await page.keyboard.press("Enter");
    await expect(page.getByTestId("session")).toHaveCount(1);
    expect(await me(firefox)).toBe(401);
    await firefox.dispose();

    await tabTo(page, page.getByRole("button", { name: "로그아웃", exact: true }), "the 로그아웃 button");
    await page.keyboard.press("Enter");
    await expect(page).toHaveURL(/\/login$/);
    await expect(page.getByTestId("flash")).toHaveText("로그아웃되었습니다.");
    await expect(page).toHaveTitle("로그인 · Gatehouse");
  });
});

/** The Korean page's text never repeats the English one's (no string left untranslated), on the pages a signed-out person sees. */
test("no Korean page shows an English sentence", async ({ page, context }, testInfo) => {
  const sentences = async () =>
    page.evaluate(() => {
      const skip = (el: Element | null) => el?.closest("[lang]:not(html), script, style, code, [data-testid=mail]");
      const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
      const out: string[] = [];
      for (let node = walker.nextNode(); node; node = walker.nextNode()) {
        const text = (node.textContent ?? "").trim();
        if (text.split(/\s+/).length >= 2 && /[A-Za-z]{3}/.test(text) && !skip(node.parentElement)) out.push(text);
      }
      return out;
    });
  for (const path of ["/", "/login", "/signup", "/reset-password", "/login/verify", "/no-such-page"]) {
    await context.clearCookies();
    await visit(page, path, testInfo);
    const english = new Set(await sentences());
    expect(english.size, `English sentences on ${path}`).toBeGreaterThan(0);
    await context.addCookies([{ name: "lang", value: "ko", url: page.url() }]);
    await visit(page, path, testInfo);
    await expect(page.locator("html")).toHaveAttribute("lang", "ko");
    const left = (await sentences()).filter((s) => english.has(s));
    expect(left, `English left on the Korean ${path}`).toEqual([]);
  }
});
