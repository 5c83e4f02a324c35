import { defineConfig } from "@playwright/test";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";

// The release server built by `cargo leptos build --release`, on its own
// port with a fresh database for every run. scripts/test.sh sets these.
const port = process.env.E2E_PORT ?? "3100";
// `localhost`, not 127.0.0.1: a passkey's relying party must be a name, and
// APP_BASE_URL (below) is the relying party. It still resolves to 127.0.0.1.
const baseURL = `http://localhost:${port}`;
const root = resolve(__dirname, "..");
const serverBin = process.env.GATEHOUSE_SERVER_BIN ?? join(root, "target/release/server");
// A second server whose recent-authentication window is a few seconds, for
// the tests of what happens outside it (reauth*.spec.ts).
// tests/helpers.ts names the same port and window.
const reauthPort = process.env.E2E_REAUTH_PORT ?? String(Number(port) + 1);
const REAUTH_WINDOW_SECS = 6;
// A real OpenID Provider (testing/oidc, oidc-provider) that both servers
// offer as "Continue with Test ID". tests/helpers.ts names the same port.
const oidcPort = process.env.E2E_OIDC_PORT ?? String(Number(port) + 2);
const OIDC_SECRET = "e2e-client-secret-0123456789";
const oidcProvider = {
  command: `node ${join(root, "testing/oidc/provider.mjs")} '${JSON.stringify({
    port: Number(oidcPort),
    client: {
      client_id: "gatehouse-e2e",
      client_secret: OIDC_SECRET,
      redirect_uris: [port, reauthPort].map((p) => `http://localhost:${p}/auth/test/callback`),
    },
    accounts: [],
  })}'`,
  url: `http://127.0.0.1:${oidcPort}/.well-known/openid-configuration`,
  reuseExistingServer: false,
  timeout: 30_000,
  stdout: "ignore" as const,
  stderr: "pipe" as const,
};
const withProvider = {
  OIDC_PROVIDERS: "test",
  OIDC_TEST_ISSUER: `http://127.0.0.1:${oidcPort}`,
  OIDC_TEST_CLIENT_ID: "gatehouse-e2e",
  OIDC_TEST_CLIENT_SECRET: OIDC_SECRET,
  OIDC_TEST_LABEL: "Test ID",
};

// The first server's data directory (its SQLite database), known to the
// tests: `server admin grant` runs against it (tests/helpers.ts). Set once
// in the runner and inherited by its workers, which load this file again.
process.env.E2E_DATA_DIR ??= mkdtempSync(join(tmpdir(), "gatehouse-e2e-"));
process.env.GATEHOUSE_SERVER_BIN ??= serverBin;

const chromium = {
  browserName: "chromium" as const,
  launchOptions: {
    // Debian's Chromium; Playwright never downloads a browser here.
    executablePath: process.env.CHROMIUM_PATH ?? "/usr/bin/chromium",
    args: [
      "--no-sandbox",
      "--disable-gpu",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
      "--no-first-run",
    ],
  },
};

export default defineConfig({
  testDir: "./tests",
  timeout: 30_000,
  expect: { timeout: 10_000 },
  fullyParallel: true,
  workers: 2,
  forbidOnly: !!process.env.CI,
  retries: 0,
  reporter: [["list"], ["json", { outputFile: "test-results/results.json" }]],
  use: { baseURL, trace: "retain-on-failure" },
  projects: [
    { name: "js", use: { ...chromium, javaScriptEnabled: true } },
    // The README's screenshots are taken once, with JavaScript on; what
    // only the islands do is tested with JavaScript on alone.
    {
      name: "no-js",
      use: { ...chromium, javaScriptEnabled: false },
      testIgnore: [/screenshots\.spec\.ts/, /\.js-only\.spec\.ts/],
    },
  ],
  webServer: [
    oidcProvider,
    server(port, { ...withProvider, GATEHOUSE_DATA_DIR: process.env.E2E_DATA_DIR }),
    server(reauthPort, { ...withProvider, REAUTH_WINDOW_SECS: String(REAUTH_WINDOW_SECS) }),
  ],
});

function server(on: string, extra: Record<string, string>) {
  return {
    command: serverBin,
    cwd: root,
    url: `http://127.0.0.1:${on}/healthz`,
    reuseExistingServer: false,
    timeout: 60_000,
    stdout: "pipe" as const,
    stderr: "pipe" as const,
    env: {
      LEPTOS_SITE_ADDR: `127.0.0.1:${on}`,
      LEPTOS_SITE_ROOT: process.env.LEPTOS_SITE_ROOT ?? join(root, "target/site"),
      GATEHOUSE_DATA_DIR: mkdtempSync(join(tmpdir(), "gatehouse-e2e-")),
      // Links in mail point where the browser is; without SMTP_URL the mail
      // stays in the development mailbox, which the mail tests read.
      APP_BASE_URL: `http://localhost:${on}`,
      RUST_LOG: "warn",
      // Every test's browser is 127.0.0.1, and the suite signs up far more
      // than 20 accounts a minute; the HTTP tests cover the limit itself.
      RATE_LIMIT_PER_IP: "100000",
      ...extra,
    },
  };
}
