import { expect, Page, request, test } from "@playwright/test";
import { Authenticator, authenticator } from "./webauthn";
import { grantAdmin, PASSWORD, signUp, uniqueEmail, visit } from "./helpers";
import { totp } from "./totp";

// Passkeys in Chromium with its virtual authenticator (CDP WebAuthn: ctap2,
// internal transport, resident keys, user verification). JavaScript only:
// without it the passkey controls are not shown (two-factor.spec.ts checks
// that). With the UI off, Chromium's virtual authenticator answers even an
// autofill (conditional) request by itself, at once: once the email field
// has focus (when the login page asks for it), a passkey on the
// authenticator signs in.

async function credentials(a: Authenticator) {
  return (await a.cdp.send("WebAuthn.getCredentials", { authenticatorId: a.id })).credentials;
}

/** Records how the page asks for a passkey (autofill or the dialog). */
async function recordMediation(page: Page) {
  await page.addInitScript(() => {
    const get = navigator.credentials.get.bind(navigator.credentials);
    // Kept in sessionStorage: a passkey login loads another page.
    navigator.credentials.get = (options?: CredentialRequestOptions) => {
      const seen = JSON.parse(sessionStorage.getItem("mediations") ?? "[]");
      sessionStorage.setItem("mediations", JSON.stringify([...seen, options?.mediation ?? "modal"]));
      return get(options);
    };
  });
}

/** Autofill off, as in a browser that doesn't offer it: only the button. */
async function withoutAutofill(page: Page) {
  await page.addInitScript(() => {
    (PublicKeyCredential as any).isConditionalMediationAvailable = () => Promise.resolve(false);
  });
}

async function addPasskey(page: Page, name: string) {
  await visit(page, "/security", test.info());
  await page.getByLabel("Name of the new passkey").fill(name);
  await page.getByRole("button", { name: "Add a passkey" }).click();
  await expect(page.getByTestId("flash")).toContainText("Passkey added");
  await expect(page.getByTestId("passkey").filter({ hasText: name })).toBeVisible();
}

async function logOut(page: Page) {
  await page.getByRole("button", { name: "Log out" }).first().click();
}

test("register a passkey, sign in with the button, then remove it and see it fail", async ({ page }, testInfo) => {
  await withoutAutofill(page);
  const email = await signUp(page, testInfo);
  const auth = await authenticator(page);
  // A name is needed.
  await visit(page, "/security", testInfo);
  await page.getByRole("button", { name: "Add a passkey" }).click();
  await expect(page.locator("#passkey-name-error")).toContainText("Give the passkey a name");
  await addPasskey(page, "Test laptop");
  const [credential] = await credentials(auth);
  expect(credential.isResidentCredential).toBe(true);
  expect(credential.rpId).toBe("localhost");
  await expect(page.getByTestId("passkey")).toContainText("never used yet");

  await logOut(page);
  await expect(page).toHaveURL(/\/login$/);
  await page.getByRole("button", { name: "Sign in with a passkey" }).click();
  await expect(page).toHaveURL(/\/profile$/);
  await expect(page.getByTestId("profile-email")).toHaveText(email);
  await visit(page, "/security", testInfo);
  await expect(page.getByTestId("event").nth(0)).toContainText("Logged in with a passkey");
  await expect(page.getByTestId("passkey")).toContainText("last used");

  await page.getByRole("button", { name: "Remove passkey Test laptop" }).click();
  await expect(page.getByTestId("passkeys-count")).toHaveText("No passkeys yet.");
  await expect(page.getByTestId("event").nth(0)).toContainText("Passkey removed");
  await logOut(page);
  await expect(page).toHaveURL(/\/login$/);
  // Still on the authenticator, no longer on the account.
  await page.getByRole("button", { name: "Sign in with a passkey" }).click();
  await expect(page.getByTestId("passkey-error")).toContainText("did not sign you in");
  await expect(page).toHaveURL(/\/login$/);
  await expect(page.getByRole("button", { name: "Sign in with a passkey" })).toBeEnabled();
});

test("the email field's autofill signs in with a passkey, to ?next=", async ({ page }, testInfo) => {
  await recordMediation(page);
  const email = await signUp(page, testInfo);
  await authenticator(page);
  await addPasskey(page, "Phone");
  await logOut(page);
  await expect(page).toHaveURL(/\/login$/);
  // Nothing is asked (or stored) until the email field is used.
  expect(await page.evaluate(() => sessionStorage.getItem("mediations"))).toBeNull();
  // Then the field offers the passkey in its autofill, and the virtual
  // authenticator takes the offer at once.
  await page.getByLabel("Email").click();
  await expect(page).toHaveURL(/\/profile$/);
  await expect(page.getByTestId("profile-email")).toHaveText(email);
  expect(await page.evaluate(() => JSON.parse(sessionStorage.getItem("mediations") ?? "[]"))).toContain("conditional");
  await page.getByRole("button", { name: "Log out" }).first().click();
  // The passkey island is lazy: here the field has focus before its module
  // has arrived, and the island catches up when it wakes.
  let focused!: () => void;
  const hasFocus = new Promise<void>((resolve) => (focused = resolve));
  await page.route(/\/pkg\/split_passkey_login_loader_\d+\.wasm$/, async (route) => {
    await hasFocus;
    await route.continue();
  });
  await visit(page, "/login?next=%2Fsessions", testInfo);
  await page.getByLabel("Email").focus();
  focused();
  await expect(page).toHaveURL(/\/sessions$/);
});

test("a passkey signs in only its own account, and a counter that goes backwards is refused", async ({ browser, page }, testInfo) => {
  await withoutAutofill(page);
  await signUp(page, testInfo);
  const a = await authenticator(page);
  await addPasskey(page, "A's key");
  const [aKey] = await credentials(a);

  // Another account, on another browser with its own authenticator.
  const other = await browser.newContext({ baseURL: testInfo.project.use.baseURL });
  const otherPage = await other.newPage();
  await withoutAutofill(otherPage);
  const bEmail = await signUp(otherPage, testInfo, uniqueEmail(testInfo));
  const b = await authenticator(otherPage);
  await addPasskey(otherPage, "B's key");
  const [bKey] = await credentials(b);

  // A's key presented as B's user: refused, and B's own key still works.
  await b.cdp.send("WebAuthn.clearCredentials", { authenticatorId: b.id });
  await b.cdp.send("WebAuthn.addCredential", { authenticatorId: b.id, credential: { ...aKey, userHandle: bKey.userHandle } });
  await logOut(otherPage);
  await expect(otherPage).toHaveURL(/\/login$/);
  await otherPage.getByRole("button", { name: "Sign in with a passkey" }).click();
  await expect(otherPage.getByTestId("passkey-error")).toContainText("did not sign you in");
  await b.cdp.send("WebAuthn.clearCredentials", { authenticatorId: b.id });
  await b.cdp.send("WebAuthn.addCredential", { authenticatorId: b.id, credential: bKey });
  await otherPage.getByRole("button", { name: "Sign in with a passkey" }).click();
  await expect(otherPage).toHaveURL(/\/profile$/);
  await expect(otherPage.getByTestId("profile-email")).toHaveText(bEmail);
  await other.close();

  // A signs in once (the server stores the counter), then the key comes
  // back with an older counter, as a cloned key would.
  await logOut(page);
  await page.getByRole("button", { name: "Sign in with a passkey" }).click();
  await expect(page).toHaveURL(/\/profile$/);
  const [used] = await credentials(a);
  expect(used.signCount).toBeGreaterThan(aKey.signCount);
  await a.cdp.send("WebAuthn.removeCredential", { authenticatorId: a.id, credentialId: used.credentialId });
  await a.cdp.send("WebAuthn.addCredential", { authenticatorId: a.id, credential: { ...used, signCount: aKey.signCount - 1 } });
  await logOut(page);
  await page.getByRole("button", { name: "Sign in with a passkey" }).click();
  await expect(page.getByTestId("passkey-error")).toContainText("did not sign you in");
  await expect(page).toHaveURL(/\/login$/);
});

test("at the second step of a login, a passkey does instead of the code", async ({ page }, testInfo) => {
  await withoutAutofill(page);
  const email = await signUp(page, testInfo);
  await authenticator(page);
  await addPasskey(page, "Laptop");
  await page.getByRole("button", { name: "Set up an authenticator app" }).click();
  const secret = (await page.getByTestId("totp-secret").textContent())!.trim();
  await page.getByLabel("Code from the app").fill(totp(secret));
  await page.getByLabel("Password", { exact: true }).fill(PASSWORD);
  await page.getByRole("button", { name: "Turn on two-step verification" }).click();
  await expect(page.getByTestId("two-step-status")).toContainText("On");
  await logOut(page);
  await page.getByLabel("Email").fill(email);
  await page.getByLabel("Password", { exact: true }).fill(PASSWORD);
  await page.getByRole("button", { name: "Log in" }).click();
  await expect(page).toHaveURL(/\/login\/verify$/);
  await page.getByRole("button", { name: "Sign in with a passkey" }).click();
  await expect(page).toHaveURL(/\/profile$/);
  await expect(page.getByTestId("profile-email")).toHaveText(email);
});

test("a locked account's passkey is refused, in words", async ({ page, baseURL }, testInfo) => {
  await withoutAutofill(page);
  const email = await signUp(page, testInfo);
  await authenticator(page);
  await addPasskey(page, "Locked laptop");
  await logOut(page);
  await expect(page).toHaveURL(/\/login$/);
  // An administrator locks the account, over the API.
  const json = { Accept: "application/json" };
  const admin = await request.newContext({ baseURL });
  const adminEmail = uniqueEmail(testInfo);
  expect((await admin.post("/api/signup", { form: { email: adminEmail, password: PASSWORD }, headers: json })).status()).toBe(200);
  grantAdmin(adminEmail);
  const found = await (await admin.get(`/api/admin/users?q=${encodeURIComponent(email)}`, { headers: json })).json();
  const id = String(found.users[0].id);
  expect((await admin.post("/api/admin/lock", { form: { id, reason: "passkey test" }, headers: json })).status()).toBe(200);
  await page.getByRole("button", { name: "Sign in with a passkey" }).click();
  await expect(page.getByTestId("passkey-error")).toContainText("locked");
  await expect(page).toHaveURL(/\/login$/);
  expect((await page.request.get("/api/me", { headers: json })).status()).toBe(401);
  await admin.dispose();
});
