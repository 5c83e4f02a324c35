//! Sign in with an OpenID Connect provider (`OIDC_PROVIDERS`): the
//! authorization code flow with PKCE (S256), `state` and `nonce`, and every
//! check of the ID token (signature by the provider's keys, `iss`, `aud`,
//! `exp`, `nonce`), by the `openidconnect` crate.
//!
//! A provider's discovery document (and its keys) is fetched when first
//! needed and kept for an hour; a provider that can't be reached is asked
//! again on the next use, so it never stops the server. What a flow needs
//! between its start and its callback ([`Pending`]) is kept in the
//! browser's server-side session: bound to that browser, used once, and
//! dead after ten minutes.

use openidconnect::{
    core::{CoreAuthenticationFlow, CoreClient, CoreProviderMetadata},
    reqwest, AuthorizationCode, ClientId, ClientSecret, CsrfToken, EndpointMaybeSet, EndpointNotSet,
    EndpointSet, IssuerUrl, Nonce, PkceCodeChallenge, PkceCodeVerifier, RedirectUrl, Scope,
};
use serde::{Deserialize, Serialize};
use std::{
    sync::Arc,
    time::{Duration, Instant},
};
use std::sync::Mutex;

/// One provider, as `OIDC_<NAME>_*` configure it.
#[derive(Clone)]
pub struct ProviderConfig {
    /// The name in `OIDC_PROVIDERS` and in the paths (`/auth/{name}/…`).
    pub name: String,
    /// The button's words ("Continue with {label}").
    pub label: String,
    pub issuer: String,
    pub client_id: String,
    pub client_secret: String,
}

// Never the client secret, not even in a debug log.
impl std::fmt::Debug for ProviderConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ProviderConfig")
            .field("name", &self.name)
            .field("label", &self.label)
            .field("issuer", &self.issuer)
            .field("client_id", &self.client_id)
            .field("client_secret", &"********")
            .finish()
    }
}

/// How long a flow may take from its start to its callback.
pub const PENDING_SECS: i64 = 600;
/// How long a discovery document is trusted before it is fetched again
/// (keys rotate).
const DISCOVERY_TTL: Duration = Duration::from_secs(3_600);
/// A provider that does not answer in this time is treated as down.
const HTTP_TIMEOUT: Duration = Duration::from_secs(10);


type Client = CoreClient<EndpointSet, EndpointNotSet, EndpointNotSet, EndpointNotSet, EndpointMaybeSet, EndpointMaybeSet>;

struct Provider {
    config: ProviderConfig,
    /// The discovery document and when it was fetched. Never held across
    /// a fetch: a provider that hangs makes each sign-in wait at most
    /// [`HTTP_TIMEOUT`], not one after another.
    discovered: Mutex<Option<(CoreProviderMetadata, Instant)>>,
}

/// The configured providers.
pub struct Providers {
    base_url: String,
    http: reqwest::Client,
    list: Vec<Provider>,
}

// The client secrets stay out of debug output: only the names show.
impl std::fmt::Debug for Providers {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_list().entries(self.list.iter().map(|p| &p.config.name)).finish()
    }
}

/// What went wrong, for the log; the person is told only that signing in
/// with the provider did not work.
#[derive(Debug, thiserror::Error)]
pub enum OidcError {
    #[error("no such provider")]
    Unknown,
    #[error("the provider could not be reached or read: {0}")]
    Unreachable(String),
    #[error("the provider refused the code: {0}")]
    Refused(String),
    #[error("the ID token did not verify: {0}")]
    BadToken(String),
}

/// What a started flow needs at its callback. Kept server-side only
/// (its secrets never in a log: no `Debug`).
#[derive(Clone, Serialize, Deserialize)]
pub struct Pending {
    pub provider: String,
    pub state: String,
    pub nonce: String,
    pub verifier: String,
    pub next: Option<String>,
    /// What the flow is for besides signing in.
    #[serde(default)]
    pub purpose: Purpose,
    pub started_at: i64,
}

/// A flow's purpose.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub enum Purpose {
    /// Sign in (or sign up).
    #[default]
    SignIn,
    /// Link the identity to this signed-in, recently authenticated account
    /// (started from `/security`).
    Link(i64),
    /// Re-authenticate this signed-in account: the provider is asked for a
    /// fresh login, and its `auth_time` must be recent.
    Reauthenticate(i64),
}

/// How old a provider's login may be to count as re-authentication.
pub const FRESH_LOGIN_SECS: i64 = 300;

/// Who the provider says signed in.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Identity {
    pub issuer: String,
    pub subject: String,
    pub email: Option<String>,
    /// Only an explicit `email_verified: true` counts.
    pub email_verified: bool,
    /// When the person last logged in at the provider (Unix seconds).
    pub auth_time: Option<i64>,
}

impl Providers {
    /// Fails (and the server does not start) when the HTTP client can't be
    /// built: a default one would follow redirects and never time out.
    pub fn new(base_url: &str, configs: Vec<ProviderConfig>) -> Result<Self, reqwest::Error> {
        let http = reqwest::Client::builder()
            // Following a redirect from a provider's endpoint would let it
            // point Gatehouse at any address (SSRF).
            .redirect(reqwest::redirect::Policy::none())
            .timeout(HTTP_TIMEOUT)
            .build()?;
        Ok(Self {
            base_url: base_url.trim_end_matches('/').to_owned(),
            http,
            list: configs
                .into_iter()
                .map(|config| Provider { config, discovered: Mutex::new(None) })
                .collect(),
        })
    }

    /// The providers, in the order `OIDC_PROVIDERS` names them.
    pub fn configs(&self) -> impl Iterator<Item = &ProviderConfig> {
        self.list.iter().map(|p| &p.config)
    }

    pub fn is_empty(&self) -> bool {
        self.list.is_empty()
    }

    pub fn config(&self, name: &str) -> Option<&ProviderConfig> {
        self.find(name).map(|p| &p.config)
    }

    fn find(&self, name: &str) -> Option<&Provider> {
        self.list.iter().find(|p| p.config.name == name)
    }

    /// The origins a provider button's form post may be redirected to, for
    /// the Content-Security-Policy's `form-action` (" origin" each): every
    /// issuer's, and the authorization endpoint's of each provider
    /// discovered so far (it may live elsewhere than its issuer).
    pub fn form_action_sources(&self) -> String {
        let mut origins: Vec<String> = Vec::new();
        for provider in &self.list {
            let mut urls = vec![provider.config.issuer.clone()];
            if let Some((metadata, _)) = provider.discovered.lock().unwrap_or_else(|e| e.into_inner()).as_ref() {
                urls.push(metadata.authorization_endpoint().as_str().to_owned());
            }
            for url in urls {
                if let Ok(url) = url::Url::parse(&url) {
                    let origin = url.origin().ascii_serialization();
                    if !origins.contains(&origin) {
                        origins.push(origin);
                    }
                }
            }
        }
        origins.iter().map(|o| format!(" {o}")).collect()
    }

    /// The address the provider sends the browser back to.
    pub fn redirect_uri(&self, name: &str) -> String {
        format!("{}/auth/{name}/callback", self.base_url)
    }

    /// The provider's discovery document (with its keys), fetched now if
    /// it is not kept or is older than an hour; a failure is not kept, so
    /// a provider that was down is asked again on the next sign-in.
    async fn metadata(&self, provider: &Provider) -> Result<CoreProviderMetadata, OidcError> {
        let kept = provider.discovered.lock().unwrap_or_else(|e| e.into_inner()).clone();
        if let Some((metadata, at)) = kept {
            if at.elapsed() < DISCOVERY_TTL {
                return Ok(metadata);
            }
        }
        let issuer = IssuerUrl::new(provider.config.issuer.clone()).map_err(|e| OidcError::Unreachable(e.to_string()))?;
        let metadata = CoreProviderMetadata::discover_async(issuer, &self.http)
            .await
            .map_err(|e| OidcError::Unreachable(chain(&e)))?;
        *provider.discovered.lock().unwrap_or_else(|e| e.into_inner()) = Some((metadata.clone(), Instant::now()));
        Ok(metadata)
    }

    async fn client(&self, provider: &Provider) -> Result<Client, OidcError> {
        let metadata = self.metadata(provider).await?;
        let redirect = RedirectUrl::new(self.redirect_uri(&provider.config.name)).map_err(|e| OidcError::Unreachable(e.to_string()))?;
        Ok(CoreClient::from_provider_metadata(
            metadata,
            ClientId::new(provider.config.client_id.clone()),
            Some(ClientSecret::new(provider.config.client_secret.clone())),
        )
        .set_redirect_uri(redirect))
    }

    /// Begins a flow: the address to send the browser to, and what to keep
    /// in its session for the callback.
    pub async fn start(&self, name: &str, next: Option<String>, purpose: Purpose, now: i64) -> Result<(String, Pending), OidcError> {
        let provider = self.find(name).ok_or(OidcError::Unknown)?;
        let client = self.client(provider).await?;
        let (challenge, verifier) = PkceCodeChallenge::new_random_sha256();
        let mut request = client
            .authorize_url(CoreAuthenticationFlow::AuthorizationCode, CsrfToken::new_random, Nonce::new_random)
            .add_scope(Scope::new("email".into()))
            .add_scope(Scope::new("profile".into()))
            .set_pkce_challenge(challenge);
        if let Purpose::Reauthenticate(_) = purpose {
            // A fresh login at the provider, not its remembered session.
            request = request
                .add_prompt(openidconnect::core::CoreAuthPrompt::Login)
                .set_max_age(Duration::ZERO);
        }
        let (url, state, nonce) = request.url();
        let pending = Pending {
            provider: name.to_owned(),
            state: state.secret().clone(),
            nonce: nonce.secret().clone(),
            verifier: verifier.secret().clone(),
            next,
            purpose,
            started_at: now,
        };
        Ok((url.to_string(), pending))
    }

    /// Ends a flow: exchanges the code (with the PKCE verifier) and checks
    /// the ID token. The caller has already matched `state` and the
    /// pending flow's age.
    pub async fn finish(&self, pending: &Pending, code: &str) -> Result<Identity, OidcError> {
        let provider = self.find(&pending.provider).ok_or(OidcError::Unknown)?;
        let client = self.client(provider).await?;
        let request = client
            .exchange_code(AuthorizationCode::new(code.to_owned()))
            .map_err(|e| OidcError::Unreachable(e.to_string()))?
            .set_pkce_verifier(PkceCodeVerifier::new(pending.verifier.clone()));
        let response = request.request_async(&self.http).await.map_err(|e| OidcError::Refused(chain(&e)))?;
        let token = openidconnect::TokenResponse::id_token(&response)
            .ok_or_else(|| OidcError::BadToken("no ID token in the answer".into()))?;
        let verifier = client.id_token_verifier();
        let claims = token
            .claims(&verifier, &Nonce::new(pending.nonce.clone()))
            .map_err(|e| OidcError::BadToken(chain(&e)))?;
        Ok(Identity {
            issuer: claims.issuer().as_str().to_owned(),
            subject: claims.subject().as_str().to_owned(),
            email: claims.email().map(|e| e.as_str().to_lowercase()),
            email_verified: claims.email_verified() == Some(true),
            auth_time: claims.auth_time().map(|t| t.timestamp()),
        })
    }
}

/// Whether a callback's `state` is the pending flow's, compared in time
/// independent of where they differ.
pub fn state_matches(pending: &Pending, state: &str) -> bool {
    use sha2::{Digest, Sha256};
    Sha256::digest(pending.state.as_bytes()) == Sha256::digest(state.as_bytes())
}

fn chain(err: &(dyn std::error::Error + 'static)) -> String {
    super::internal::chain(err)
}

/// Shared by the state and the routes.
pub type SharedProviders = Arc<Providers>;
