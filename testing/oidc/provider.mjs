// A real, certified OpenID Provider (panva/oidc-provider 8.x) on loopback
// HTTP, for Gatehouse's tests. Not for production: keys, sessions and
// clients live in memory and die with the process.
//
//   node provider.mjs [CONFIG]         CONFIG: inline JSON or a path to a JSON file
//   OIDC_HARNESS_CONFIG='{…}' node provider.mjs
//
// CONFIG (every field optional):
//   {
//     "host": "127.0.0.1",             // must be a loopback address
//     "port": 0,                       // 0 = a free port
//     "client": {"client_id": "gatehouse", "client_secret": "…",
//                "redirect_uris": ["http://localhost:3000/auth/test/callback"]},
//     "clients": [ …more of the same… ],
//     "accounts": [{"id": "alice", "email": "alice@example.com",
//                   "email_verified": true, "name": "Alice"}],
//     "id_token_ttl": 3600,
//     "misbehave": "none"              // see MODES below
//   }
// Env overrides: OIDC_HOST, OIDC_PORT (or --port N / --host H).
//
// stdout: exactly one JSON line once listening:
//   {"issuer":"http://127.0.0.1:PORT","port":PORT,"pid":PID}
// Everything else (oidc-provider notices, request log with DEBUG) goes to stderr.
// SIGTERM / SIGINT / stdin closing (when OIDC_EXIT_ON_STDIN_EOF=1): exit at once.
//
// Logging in without JavaScript: the authorization endpoint redirects to
// GET /interaction/{uid}, a plain HTML page with one form per account
// (<button>Sign in as {email}</button>), a free-text form (field `login`,
// an account id or email) and a Cancel button. A client without JS does:
//   POST /interaction/{uid}/login   login=alice    -> 303 /auth/{uid} -> 303 redirect_uri?code=…&state=…&iss=…
//   POST /interaction/{uid}/abort                  -> … redirect_uri?error=access_denied&state=…
// (cookies from the authorization request must be sent back; any cookie jar does it).
// Consent is implied: the client is first-party, every requested scope is granted.
// The SSO session persists in the browser/cookie jar: a second authorization
// request from the same jar signs in silently unless it sends prompt=login
// (or max_age=0), exactly like Google or Entra.
//
// Test control, JSON over HTTP on the same port (loopback only, no auth):
//   POST /__harness/misbehave   {"mode":"wrong_audience"}    (or "none")
//   PUT  /__harness/accounts    {"id":…,"email":…,"email_verified":…}  upsert one (or an array)
//   PUT  /__harness/clients     {"client_id":…,"client_secret":…,"redirect_uris":[…]}  upsert
//   GET  /__harness/state       -> {mode, accounts, clients, last_authorization}
//
// MODES (applied to every token response until changed; the provider itself
// stays honest, the harness rewrites the ID token after it is issued and
// re-signs it with the provider's own key unless the mode is about the signature):
//   wrong_audience   aud = "someone-else"
//   wrong_issuer     iss = "http://evil.invalid"
//   expired          iat = now-7200, exp = now-3600 (also auth_time = now-7200)
//   wrong_nonce      nonce = "not-the-nonce"
//   no_nonce         nonce removed
//   stale_auth_time  auth_time = now-3600 (for re-authentication checks)
//   bad_signature    payload untouched, signed by another RSA key with the same kid
//   tampered         payload changed (sub) after signing; signature no longer matches
//   alg_none         header alg "none", empty signature
//   token_error      the token endpoint answers 400 {"error":"invalid_grant"}
//   token_500        the token endpoint answers 500
//   hang             the token endpoint never answers (the RP must time out)

import { readFileSync, existsSync } from 'node:fs';
import { createServer } from 'node:http';
import { generateKeyPairSync, randomBytes, sign as cryptoSign, createPrivateKey } from 'node:crypto';

// oidc-provider prints notices with console.info (stdout); keep stdout for the ready line.
console.info = (...a) => console.error(...a);
console.log = (...a) => console.error(...a);

const { default: Provider } = await import('oidc-provider');

// ---------------------------------------------------------------- config
function argValue(flag) {
  const i = process.argv.indexOf(flag);
  return i > 0 ? process.argv[i + 1] : undefined;
}
function loadConfig() {
  const positional = process.argv.slice(2).filter((a, i, all) => !a.startsWith('--') && !(all[i - 1] || '').startsWith('--'));
  const raw = positional[0] ?? process.env.OIDC_HARNESS_CONFIG;
  if (!raw) return {};
  const text = raw.trim().startsWith('{') ? raw : readFileSync(raw, 'utf8');
  return JSON.parse(text);
}
const config = loadConfig();
const host = argValue('--host') ?? process.env.OIDC_HOST ?? config.host ?? '127.0.0.1';
const port = Number(argValue('--port') ?? process.env.OIDC_PORT ?? config.port ?? 0);
if (!/^127\.\d+\.\d+\.\d+$/.test(host) && host !== 'localhost' && host !== '::1') {
  console.error(`refusing non-loopback host ${host}`);
  process.exit(2);
}

const MODES = new Set(['none', 'wrong_audience', 'wrong_issuer', 'expired', 'wrong_nonce', 'no_nonce',
  'stale_auth_time', 'bad_signature', 'tampered', 'alg_none', 'token_error', 'token_500', 'hang']);
const state = {
  mode: config.misbehave ?? 'none',
  accounts: new Map(),
  clients: new Map(),
  last_authorization: null, // the query of the last /auth request, for assertions
};
if (!MODES.has(state.mode)) throw new Error(`unknown misbehave mode ${state.mode}`);

function normClient(c) {
  if (!c.client_id || !c.client_secret || !Array.isArray(c.redirect_uris) || !c.redirect_uris.length) {
    throw new Error('a client needs client_id, client_secret and redirect_uris');
  }
  return {
    client_id: String(c.client_id),
    client_secret: String(c.client_secret),
    redirect_uris: c.redirect_uris.map(String),
    grant_types: ['authorization_code'],
    response_types: ['code'],
    token_endpoint_auth_method: c.token_endpoint_auth_method ?? 'client_secret_basic',
    ...(c.extra ?? {}),
  };
}
function normAccount(a) {
  if (!a.id) throw new Error('an account needs an id');
  return {
    id: String(a.id),
    email: a.email ?? undefined,
    email_verified: a.email_verified === undefined ? undefined : Boolean(a.email_verified),
    name: a.name ?? undefined,
  };
}
for (const c of [config.client, ...(config.clients ?? [])].filter(Boolean)) {
  const n = normClient(c);
  state.clients.set(n.client_id, n);
}
for (const a of config.accounts ?? []) {
  const n = normAccount(a);
  state.accounts.set(n.id, n);
}

// ---------------------------------------------------------------- keys
const signing = generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey;
const signingJwk = { ...signing.export({ format: 'jwk' }), kid: `k-${randomBytes(6).toString('hex')}`, use: 'sig', alg: 'RS256' };
const signingKey = createPrivateKey({ key: signingJwk, format: 'jwk' });
const evilKey = generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey; // never published

// ---------------------------------------------------------------- adapter
// In-memory storage, one Map per process; clients come from state.clients so
// tests can add or change them at run time (PUT /__harness/clients).
const store = new Map();
const now = () => Math.floor(Date.now() / 1000);
class Adapter {
  constructor(model) { this.model = model; }
  key(id) { return `${this.model}:${id}`; }
  async upsert(id, payload, expiresIn) {
    if (this.model === 'Client') { state.clients.set(id, payload); return; }
    store.set(this.key(id), { payload, exp: expiresIn ? now() + expiresIn : Infinity });
    if (this.model === 'Session') store.set(`sessionUid:${payload.uid}`, { payload: id, exp: expiresIn ? now() + expiresIn : Infinity });
    if (payload.grantId) {
      const g = store.get(`grant:${payload.grantId}`);
      if (g) g.payload.push(this.key(id)); else store.set(`grant:${payload.grantId}`, { payload: [this.key(id)], exp: Infinity });
    }
  }
  get(key) {
    const e = store.get(key);
    if (!e) return undefined;
    if (e.exp <= now()) { store.delete(key); return undefined; }
    return e.payload;
  }
  async find(id) {
    if (this.model === 'Client') return state.clients.get(id);
    return this.get(this.key(id));
  }
  async findByUid(uid) { const id = this.get(`sessionUid:${uid}`); return id && this.find(id); }
  async findByUserCode() { return undefined; }
  async consume(id) { const p = this.get(this.key(id)); if (p) p.consumed = now(); }
  async destroy(id) { store.delete(this.key(id)); }
  async revokeByGrantId(grantId) {
    for (const k of this.get(`grant:${grantId}`) ?? []) store.delete(k);
    store.delete(`grant:${grantId}`);
  }
}

// ---------------------------------------------------------------- provider
const server = createServer();
await new Promise((resolve, reject) => { server.once('error', reject); server.listen(port, host, resolve); });
const { port: boundPort } = server.address();
const issuer = `http://${host.includes(':') ? `[${host}]` : host}:${boundPort}`;

const provider = new Provider(issuer, {
  adapter: Adapter,
  clients: [], // all clients are "dynamic", served by the adapter from state.clients
  jwks: { keys: [signingJwk] },
  cookies: {
    keys: [randomBytes(32).toString('hex')],
    // Distinct names: a browser shares cookies between ports of one host.
    names: { session: 'op_session', interaction: 'op_interaction', resume: 'op_interaction_resume' },
    // SameSite=None without Secure is dropped by Chromium; plain HTTP here.
    long: { httpOnly: true, sameSite: 'lax', signed: true },
    short: { httpOnly: true, sameSite: 'lax', signed: true },
  },
  claims: {
    openid: ['sub'],
    email: ['email', 'email_verified'],
    profile: ['name'],
  },
  scopes: ['openid', 'email', 'profile'],
  // With response_type=code, OIDC Core puts scope claims only in UserInfo;
  // false puts email/email_verified/name into the ID token as well.
  conformIdTokenClaims: false,
  pkce: { methods: ['S256'], required: () => true },
  responseTypes: ['code'],
  features: {
    devInteractions: { enabled: false },
    rpInitiatedLogout: { enabled: false },
    userinfo: { enabled: true },
  },
  clientBasedCORS: () => false,
  ttl: {
    AccessToken: 600,
    AuthorizationCode: 60,
    IdToken: Number(config.id_token_ttl ?? 3600),
    Interaction: 600,
    Session: 3600,
    Grant: 3600,
  },
  interactions: { url: (ctx, interaction) => `/interaction/${interaction.uid}` },
  async findAccount(ctx, sub) {
    const a = state.accounts.get(sub);
    if (!a) return undefined;
    return {
      accountId: sub,
      async claims() {
        const c = { sub };
        if (a.email !== undefined) c.email = a.email;
        if (a.email_verified !== undefined) c.email_verified = a.email_verified;
        if (a.name !== undefined) c.name = a.name;
        return c;
      },
    };
  },
  // First-party client: grant whatever was asked, no consent screen.
  async loadExistingGrant(ctx) {
    const { client, session, params } = ctx.oidc;
    const existing = ctx.oidc.result?.consent?.grantId || session.grantIdFor(client.clientId);
    const grant = (existing && await ctx.oidc.provider.Grant.find(existing))
      || new ctx.oidc.provider.Grant({ clientId: client.clientId, accountId: session.accountId });
    grant.addOIDCScope(String(params.scope ?? 'openid'));
    await grant.save();
    return grant;
  },
  async renderError(ctx, out) {
    ctx.type = 'html';
    ctx.body = `<!doctype html><meta charset=utf-8><title>OP error</title><h1>${esc(out.error)}</h1><p>${esc(out.error_description ?? '')}</p>`;
  },
});

// Record authorization requests; tamper with token responses when asked.
provider.use(async (ctx, next) => {
  if (ctx.method === 'GET' && ctx.path === '/auth') state.last_authorization = { ...ctx.query };
  if (ctx.path === '/token' && ctx.method === 'POST') {
    if (state.mode === 'token_500') { ctx.status = 500; ctx.body = { error: 'server_error' }; return; }
    if (state.mode === 'hang') { await new Promise(() => {}); }
    if (state.mode === 'token_error') { ctx.status = 400; ctx.body = { error: 'invalid_grant', error_description: 'harness: refused' }; return; }
  }
  await next();
  if (ctx.path === '/token' && ctx.status === 200 && ctx.body?.id_token && state.mode !== 'none') {
    ctx.body = { ...ctx.body, id_token: tamper(ctx.body.id_token, state.mode) };
  }
});

const b64 = (obj) => Buffer.from(JSON.stringify(obj)).toString('base64url');
const unb64 = (s) => JSON.parse(Buffer.from(s, 'base64url').toString());
function tamper(jwt, mode) {
  const [h, p, s] = jwt.split('.');
  const header = unb64(h);
  const payload = unb64(p);
  const t = now();
  let key = signingKey;
  switch (mode) {
    case 'wrong_audience': payload.aud = 'someone-else'; break;
    case 'wrong_issuer': payload.iss = 'http://evil.invalid'; break;
    case 'expired': payload.iat = t - 7200; payload.exp = t - 3600; payload.auth_time = t - 7200; break;
    case 'wrong_nonce': payload.nonce = 'not-the-nonce'; break;
    case 'no_nonce': delete payload.nonce; break;
    case 'stale_auth_time': payload.auth_time = t - 3600; break;
    case 'bad_signature': key = evilKey; break;
    case 'tampered': return `${h}.${b64({ ...payload, sub: `${payload.sub}-x` })}.${s}`;
    case 'alg_none': return `${b64({ alg: 'none', typ: 'JWT' })}.${p}.`;
    default: return jwt;
  }
  const input = `${b64(header)}.${b64(payload)}`;
  return `${input}.${cryptoSign('sha256', Buffer.from(input), key).toString('base64url')}`;
}

// ---------------------------------------------------------------- HTTP
const esc = (s) => String(s).replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
async function readBody(req) {
  const chunks = [];
  for await (const c of req) chunks.push(c);
  const text = Buffer.concat(chunks).toString();
  if ((req.headers['content-type'] ?? '').includes('application/json')) return text ? JSON.parse(text) : {};
  return Object.fromEntries(new URLSearchParams(text));
}
function send(res, status, body, type = 'application/json') {
  const text = type === 'application/json' ? JSON.stringify(body) : body;
  res.writeHead(status, { 'content-type': `${type}; charset=utf-8`, 'cache-control': 'no-store' });
  res.end(text);
}
function findAccountByLogin(login) {
  const l = String(login ?? '').trim();
  return state.accounts.get(l) ?? [...state.accounts.values()].find((a) => a.email && a.email.toLowerCase() === l.toLowerCase());
}

function loginPage(uid, details, error) {
  const p = details.params;
  const forms = [...state.accounts.values()].map((a) => `
    <form method="post" action="/interaction/${esc(uid)}/login">
      <input type="hidden" name="login" value="${esc(a.id)}">
      <button type="submit">Sign in as ${esc(a.email ?? a.id)}</button>
    </form>`).join('');
  return `<!doctype html><html lang="en"><meta charset="utf-8"><title>Test OpenID Provider: sign in</title>
<h1>Test OpenID Provider</h1>
<p>Client <code>${esc(p.client_id)}</code> asks for <code>${esc(p.scope ?? '')}</code>
 (prompt: ${esc(details.prompt.name)}; reasons: ${esc(details.prompt.reasons.join(', '))}).</p>
${error ? `<p role="alert">${esc(error)}</p>` : ''}
${forms}
<form method="post" action="/interaction/${esc(uid)}/login">
  <label>Account id or email <input name="login" autocomplete="off"></label>
  <button type="submit">Sign in</button>
</form>
<form method="post" action="/interaction/${esc(uid)}/abort"><button type="submit">Cancel</button></form>
</html>`;
}

async function interaction(req, res, url) {
  const m = url.pathname.match(/^\/interaction\/([^/]+)(?:\/(login|abort))?$/);
  if (!m) return send(res, 404, { error: 'not_found' });
  const [, uid, action] = m;
  let details;
  try {
    details = await provider.interactionDetails(req, res);
  } catch (e) {
    return send(res, 400, `<!doctype html><title>Interaction expired</title><p>${esc(e.message)}</p>`, 'text/html');
  }
  if (details.uid !== uid) return send(res, 400, { error: 'interaction_mismatch' });
  if (req.method === 'GET' && !action) {
    if (details.prompt.name !== 'login') {
      // consent is granted by loadExistingGrant; should not happen, finish anyway
      return provider.interactionFinished(req, res, {}, { mergeWithLastSubmission: true });
    }
    return send(res, 200, loginPage(uid, details), 'text/html');
  }
  if (req.method !== 'POST') return send(res, 405, { error: 'method_not_allowed' });
  const body = await readBody(req);
  if (action === 'abort') {
    return provider.interactionFinished(req, res, {
      error: 'access_denied', error_description: 'End-User aborted interaction',
    }, { mergeWithLastSubmission: false });
  }
  const account = findAccountByLogin(body.login);
  if (!account) return send(res, 200, loginPage(uid, details, `No account "${body.login}".`), 'text/html');
  if (details.session?.accountId && details.session.accountId !== account.id) {
    // Switching accounts: oidc-provider would answer with a JavaScript
    // auto-submit logout form; forget the old sign-in here instead.
    const old = await provider.Session.findByUid(details.session.uid);
    if (old) {
      for (const k of ['accountId', 'loginTs', 'amr', 'acr', 'transient']) old[k] = undefined;
      old.authorizations = {};
      await old.persist();
    }
    delete details.session.accountId;
    await details.save(details.exp - now());
  }
  return provider.interactionFinished(req, res, {
    login: { accountId: account.id, remember: true },
  }, { mergeWithLastSubmission: false });
}

async function control(req, res, url) {
  const route = `${req.method} ${url.pathname}`;
  try {
    switch (route) {
      case 'GET /__harness/state':
        return send(res, 200, {
          issuer, mode: state.mode, accounts: [...state.accounts.values()],
          clients: [...state.clients.values()].map(({ client_secret, ...c }) => c),
          last_authorization: state.last_authorization,
        });
      case 'POST /__harness/misbehave': {
        const { mode } = await readBody(req);
        if (!MODES.has(mode)) return send(res, 422, { error: `unknown mode ${mode}`, modes: [...MODES] });
        state.mode = mode;
        return send(res, 200, { mode });
      }
      case 'PUT /__harness/accounts': {
        const body = await readBody(req);
        for (const a of [].concat(body)) { const n = normAccount(a); state.accounts.set(n.id, n); }
        return send(res, 200, { accounts: [...state.accounts.keys()] });
      }
      case 'PUT /__harness/clients': {
        const body = await readBody(req);
        for (const c of [].concat(body)) { const n = normClient(c); state.clients.set(n.client_id, n); }
        return send(res, 200, { clients: [...state.clients.keys()] });
      }
      default:
        return send(res, 404, { error: 'not_found' });
    }
  } catch (e) {
    return send(res, 400, { error: e.message });
  }
}

const callback = provider.callback();
server.on('request', (req, res) => {
  const url = new URL(req.url, issuer);
  if (url.pathname.startsWith('/__harness/')) return void control(req, res, url);
  if (url.pathname.startsWith('/interaction/')) {
    return void interaction(req, res, url).catch((e) => { console.error(e); if (!res.headersSent) send(res, 500, { error: 'server_error' }); });
  }
  return callback(req, res);
});
provider.on('server_error', (ctx, err) => console.error('server_error', err));

const stop = () => { server.closeAllConnections?.(); process.exit(0); };
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
if (process.env.OIDC_EXIT_ON_STDIN_EOF === '1') { process.stdin.on('end', stop); process.stdin.resume(); }

process.stdout.write(`${JSON.stringify({ issuer, port: boundPort, pid: process.pid })}\n`);
