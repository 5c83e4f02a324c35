// Self-test of provider.mjs: starts it on a free loopback port, then plays a
// relying party with no JavaScript and no OIDC library (fetch + node:crypto):
// discovery, PKCE S256, state, nonce, the login form, the code exchange,
// and full ID-token validation (JWKS signature, iss, aud, exp, nonce).
// Then it switches each misbehave mode on and checks that validation fails.
//
//   node check.mjs            # exit 0 when everything holds
//   node check.mjs -v         # also prints each HTTP hop

import { spawn } from 'node:child_process';
import { createHash, randomBytes, createPublicKey, verify } from 'node:crypto';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';

const verbose = process.argv.includes('-v');
const REDIRECT = 'http://localhost:3999/auth/test/callback'; // never contacted: we stop at the redirect
const CLIENT = { client_id: 'gatehouse', client_secret: 'test-secret-test-secret', redirect_uris: [REDIRECT] };
const ACCOUNTS = [
  { id: 'alice', email: 'alice@example.com', email_verified: true, name: 'Alice' },
  { id: 'bob', email: 'bob@example.com', email_verified: false },
];

// ---------------------------------------------------------------- start the OP
const child = spawn(process.execPath, [fileURLToPath(new URL('./provider.mjs', import.meta.url)),
  JSON.stringify({ port: 0, client: CLIENT, accounts: ACCOUNTS })], { stdio: ['ignore', 'pipe', 'inherit'] });
const { issuer } = await new Promise((resolve, reject) => {
  child.once('exit', (c) => reject(new Error(`provider exited ${c}`)));
  createInterface({ input: child.stdout }).once('line', (l) => resolve(JSON.parse(l)));
});
console.log(`provider ready: ${issuer}`);
process.on('exit', () => child.kill('SIGTERM'));

// ---------------------------------------------------------------- a tiny cookie jar + fetch
const jar = new Map();
async function hop(url, init = {}) {
  const u = new URL(url);
  const cookie = [...jar].filter(([, v]) => u.pathname.startsWith(v.path)).map(([k, v]) => `${k}=${v.value}`).join('; ');
  const res = await fetch(u, { ...init, redirect: 'manual', headers: { ...(init.headers ?? {}), ...(cookie ? { cookie } : {}) } });
  for (const sc of res.headers.getSetCookie()) {
    const [nv, ...attrs] = sc.split(';').map((s) => s.trim());
    const [name, ...rest] = nv.split('=');
    const path = attrs.find((a) => a.toLowerCase().startsWith('path='))?.slice(5) ?? '/';
    const expired = attrs.some((a) => /^expires=/i.test(a) && new Date(a.slice(8)) < new Date());
    if (expired) jar.delete(name); else jar.set(name, { value: rest.join('='), path });
  }
  if (verbose) console.log(`  ${init.method ?? 'GET'} ${u.pathname}${u.search.slice(0, 60)}… -> ${res.status} ${res.headers.get('location') ?? ''}`);
  return res;
}
const b64url = (b) => Buffer.from(b).toString('base64url');

// ---------------------------------------------------------------- one sign-in
async function signIn(login, { extraParams = {}, noExchange = false } = {}) {
  const meta = await (await fetch(`${issuer}/.well-known/openid-configuration`)).json();
  const verifier = b64url(randomBytes(32));
  const challenge = b64url(createHash('sha256').update(verifier).digest());
  const state = b64url(randomBytes(16));
  const nonce = b64url(randomBytes(16));
  const auth = new URL(meta.authorization_endpoint);
  Object.entries({
    response_type: 'code', client_id: CLIENT.client_id, redirect_uri: REDIRECT, scope: 'openid email profile',
    state, nonce, code_challenge: challenge, code_challenge_method: 'S256', ...extraParams,
  }).forEach(([k, v]) => auth.searchParams.set(k, v));

  let res = await hop(auth);
  let location = new URL(res.headers.get('location'), issuer);
  if (location.pathname.startsWith('/interaction/')) {
    const page = await (await hop(location)).text();
    if (!page.includes('Sign in as alice@example.com')) throw new Error('login page without account buttons');
    res = await hop(`${location.href}/login`, {
      method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams({ login }),
    });
    while (!res.headers.get("location")?.startsWith(REDIRECT)) { if (!res.headers.get("location")) throw new Error(`stuck: ${res.status} ${await res.text()}`); res = await hop(new URL(res.headers.get("location"), issuer)); }
    location = new URL(res.headers.get('location'));
  }
  const cb = location.searchParams;
  if (cb.get('error')) return { error: cb.get('error') };
  if (cb.get('state') !== state) throw new Error('state mismatch');
  if (cb.get('iss') !== issuer) throw new Error('iss in callback mismatch');

  if (noExchange) return { meta, nonce, code: cb.get('code'), verifier };
  const ex = await exchange(meta, cb.get('code'), verifier);
  if (ex.tokenError) return ex;
  return { meta, nonce, idToken: ex.tokens.id_token, tokens: ex.tokens, code: cb.get('code'), verifier };
}

async function exchange(meta, code, verifier) {
  const tokenRes = await fetch(meta.token_endpoint, {
    method: 'POST',
    headers: {
      'content-type': 'application/x-www-form-urlencoded',
      authorization: `Basic ${Buffer.from(`${encodeURIComponent(CLIENT.client_id)}:${encodeURIComponent(CLIENT.client_secret)}`).toString('base64')}`,
    },
    body: new URLSearchParams({ grant_type: 'authorization_code', code, redirect_uri: REDIRECT, code_verifier: verifier }),
  });
  const tokens = await tokenRes.json();
  if (!tokenRes.ok) return { tokenError: `${tokenRes.status} ${tokens.error}` };
  return { tokens };
}

// ---------------------------------------------------------------- ID token validation
async function validate({ meta, nonce, idToken }) {
  const [h, p, s] = idToken.split('.');
  const header = JSON.parse(Buffer.from(h, 'base64url'));
  const claims = JSON.parse(Buffer.from(p, 'base64url'));
  if (header.alg !== 'RS256') throw new Error(`alg ${header.alg}`);
  const { keys } = await (await fetch(meta.jwks_uri)).json();
  const jwk = keys.find((k) => k.kid === header.kid);
  if (!jwk) throw new Error('no JWKS key for kid');
  if (!verify('sha256', Buffer.from(`${h}.${p}`), createPublicKey({ key: jwk, format: 'jwk' }), Buffer.from(s, 'base64url'))) throw new Error('bad signature');
  if (claims.iss !== issuer) throw new Error('wrong iss');
  if (![].concat(claims.aud).includes(CLIENT.client_id)) throw new Error('wrong aud');
  if (claims.exp <= Math.floor(Date.now() / 1000)) throw new Error('expired');
  if (claims.nonce !== nonce) throw new Error('wrong nonce');
  return claims;
}

async function setMode(mode) {
  const r = await fetch(`${issuer}/__harness/misbehave`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ mode }) });
  if (!r.ok) throw new Error(await r.text());
}

let failures = 0;
const ok = (cond, what) => { console.log(`${cond ? 'ok  ' : 'FAIL'} ${what}`); if (!cond) failures += 1; };

// 1. happy path, verified address
jar.clear();
const a = await signIn('alice');
const aliceClaims = await validate(a);
console.log('alice ID token claims:', JSON.stringify(aliceClaims));
ok(aliceClaims.email === 'alice@example.com' && aliceClaims.email_verified === true, 'alice: email + email_verified=true in the ID token');

// 2. unverified address (fresh jar: no SSO session)
jar.clear();
const b = await signIn('bob@example.com');
const bobClaims = await validate(b);
ok(bobClaims.sub === 'bob' && bobClaims.email_verified === false, 'bob: email_verified=false');

// 3. SSO: same jar signs in again silently; prompt=login + max_age=0 forces the form and a fresh auth_time
const silent = await signIn('ignored');
ok((await validate(silent)).sub === 'bob', 'same jar: silent SSO sign-in as bob');
const fresh = await signIn('alice', { extraParams: { prompt: 'login', max_age: '0' } });
const freshClaims = await validate(fresh);
ok(freshClaims.sub === 'alice' && Math.abs(freshClaims.auth_time - Date.now() / 1000) < 5, 'prompt=login max_age=0: form again, auth_time fresh');

// 4. cancel -> error=access_denied
jar.clear();
{
  const meta = await (await fetch(`${issuer}/.well-known/openid-configuration`)).json();
  const auth = new URL(meta.authorization_endpoint);
  Object.entries({ response_type: 'code', client_id: CLIENT.client_id, redirect_uri: REDIRECT, scope: 'openid email', state: 's1', nonce: 'n1', code_challenge: b64url(createHash('sha256').update('v'.repeat(43)).digest()), code_challenge_method: 'S256' })
    .forEach(([k, v]) => auth.searchParams.set(k, v));
  const r1 = await hop(auth);
  let r = await hop(new URL(`${r1.headers.get('location')}/abort`, issuer), { method: 'POST' });
  while (!r.headers.get('location').startsWith(REDIRECT)) r = await hop(new URL(r.headers.get('location'), issuer));
  const q = new URL(r.headers.get('location')).searchParams;
  ok(q.get('error') === 'access_denied' && q.get('state') === 's1', 'Cancel -> redirect_uri?error=access_denied&state=s1');
}

// 5. PKCE is required
{
  const meta = await (await fetch(`${issuer}/.well-known/openid-configuration`)).json();
  const auth = new URL(meta.authorization_endpoint);
  Object.entries({ response_type: 'code', client_id: CLIENT.client_id, redirect_uri: REDIRECT, scope: 'openid', state: 's2', nonce: 'n2' })
    .forEach(([k, v]) => auth.searchParams.set(k, v));
  const r = await hop(auth);
  const q = new URL(r.headers.get('location')).searchParams;
  ok(q.get('error') === 'invalid_request' && /PKCE/.test(q.get('error_description')), `no code_challenge -> ${q.get('error')}: ${q.get('error_description')}`);
}

// 5b. a code is used once; the verifier must match
ok((await exchange(a.meta, a.code, a.verifier)).tokenError === '400 invalid_grant', 'reused code -> 400 invalid_grant');
{
  jar.clear();
  const r = await signIn('alice', { noExchange: true });
  ok((await exchange(r.meta, r.code, b64url(randomBytes(32)))).tokenError === '400 invalid_grant', 'wrong code_verifier -> 400 invalid_grant');
}

// 6. misbehaving modes: each must fail validation (or the exchange)
const expect = {
  wrong_audience: 'wrong aud', wrong_issuer: 'wrong iss', expired: 'expired', wrong_nonce: 'wrong nonce', no_nonce: 'wrong nonce',
  bad_signature: 'bad signature', tampered: 'bad signature', alg_none: 'alg none', token_error: '400 invalid_grant', token_500: '500 server_error',
};
for (const [mode, want] of Object.entries(expect)) {
  await setMode(mode);
  jar.clear();
  const r = await signIn('alice');
  let got;
  if (r.tokenError) got = r.tokenError;
  else { try { await validate(r); got = 'valid'; } catch (e) { got = e.message; } }
  ok(got === want, `mode ${mode}: ${got}`);
}
await setMode('stale_auth_time');
jar.clear();
const stale = await validate(await signIn('alice'));
ok(Date.now() / 1000 - stale.auth_time >= 3600, 'mode stale_auth_time: valid token, auth_time an hour old');
await setMode('none');

console.log(failures ? `${failures} check(s) failed` : 'all checks passed');
process.exit(failures ? 1 : 0);
