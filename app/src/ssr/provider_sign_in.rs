//! The two addresses of a provider sign-in: `POST /auth/{name}/start` and
//! `GET /auth/{name}/callback` (the server routes them here). Whatever
//! goes wrong lands the browser on `/login` with a message in words:
//! nothing created, nobody signed in, never a 5xx.

use super::{
    flash,
    identities::ProviderSignIn,
    oidc::{state_matches, OidcError, Pending, Purpose, FRESH_LOGIN_SECS, PENDING_SECS},
    session::{self, now, RequestAuth},
    AppState,
};
use crate::{
    domain::{EventKind, Flash, Language, NextPath},
    error::ApiError,
};
use axum::{
    http::{Extensions, HeaderMap, StatusCode},
    response::{IntoResponse, Redirect, Response},
};
use serde::Deserialize;
use std::sync::Arc;
use tower_sessions::Session;

/// Where a started flow waits for its callback, in the browser's session.
const PENDING_KEY: &str = "oidc_pending";

/// The start form: where to land afterwards, and whether this links the
/// provider to the signed-in account (`link`, from `/security`) or
/// re-authenticates it (`reauth`, from `/reauthenticate`).
#[derive(Debug, Default, Deserialize)]
pub struct StartForm {
    #[serde(default)]
    pub next: Option<String>,
    #[serde(default)]
    pub link: Option<String>,
    #[serde(default)]
    pub reauth: Option<String>,
}

/// The callback's query.
#[derive(Debug, Default, Deserialize)]
pub struct Callback {
    #[serde(default)]
    pub code: Option<String>,
    #[serde(default)]
    pub state: Option<String>,
    #[serde(default)]
    pub error: Option<String>,
}

/// Back to `/login` with `flash`.
fn to_login(extensions: &Extensions, state: &AppState, flash: Flash) -> Response {
    flash::leave_on(extensions, flash, state.secure_cookies);
    Redirect::to("/login").into_response()
}

/// Back to `/login` when the flow itself fails (a state, the provider's
/// answer, a token): `why` is for the log.
fn failed(extensions: &Extensions, state: &AppState, why: &str) -> Response {
    tracing::warn!(why, "provider sign-in failed");
    metrics::counter!("gatehouse_provider_sign_in_total", "outcome" => "failed").increment(1);
    to_login(extensions, state, Flash::ProviderFailed)
}

/// Back to `/login` when something inside the server failed on the way
/// (the database, the session store). Its cause was logged once already,
/// where it became an [`ApiError`]; the person still gets words, not a
/// 5xx, as the contract asks of this flow.
fn broken(extensions: &Extensions, state: &AppState, err: ApiError) -> Response {
    tracing::debug!(code = ?err.code, "provider sign-in stopped by an error inside the server");
    metrics::counter!("gatehouse_provider_sign_in_total", "outcome" => "failed").increment(1);
    to_login(extensions, state, Flash::ProviderFailed)
}

fn error_page(err: ApiError) -> Response {
    let status = StatusCode::from_u16(err.code.status()).unwrap_or(StatusCode::SERVICE_UNAVAILABLE);
    let mut res = (status, axum::Json(&err)).into_response();
    if let Some(secs) = err.retry_after {
        res.headers_mut().insert(axum::http::header::RETRY_AFTER, secs.into());
    }
    res
}

/// `POST /auth/{name}/start`: 303 to the provider, with what the callback
/// needs kept in this browser's session.
pub async fn start(
    state: Arc<AppState>,
    session: Session,
    extensions: &Extensions,
    headers: &HeaderMap,
    name: &str,
    form: StartForm,
) -> Response {
    if state.oidc.config(name).is_none() {
        return error_page(ApiError::no_such_provider());
    }
    let client = super::client_from(extensions, headers);
    match state.throttle.per_ip(&client.ip, now()).await {
        Ok(Ok(())) => {}
        Ok(Err(wait)) => return error_page(ApiError::rate_limited(wait as u64)),
        Err(err) => return error_page(err),
    }
    let viewer = match extensions.get::<RequestAuth>() {
        Some(RequestAuth(Some(auth))) => Some(auth.clone()),
        _ => None,
    };
    // Linking needs a signed-in session that proved who it is lately;
    // re-authenticating, a signed-in one.
    let purpose = match (form.link.is_some(), form.reauth.is_some(), &viewer) {
        (true, _, Some(auth)) if state.lifetimes.is_recent(auth, now()) => Purpose::Link(auth.user_id),
        (true, _, Some(_)) => {
            flash::leave_on(extensions, Flash::ReauthRequired, state.secure_cookies);
            return Redirect::to("/reauthenticate?next=%2Fsecurity").into_response();
        }
        (false, true, Some(auth)) => Purpose::Reauthenticate(auth.user_id),
        (true, _, None) | (false, true, None) => return Redirect::to("/login?next=%2Fsecurity").into_response(),
        (false, false, _) => Purpose::SignIn,
    };
    let next = form.next.as_deref().and_then(NextPath::parse).map(|n| n.as_str().to_owned());
    let (url, pending) = match state.oidc.start(name, next, purpose, now()).await {
        Ok(started) => started,
        Err(err) => return failed(extensions, &state, &err.to_string()),
    };
    if viewer.is_none() {
        // A session that only waits for a callback lives as long as the flow.
        session.set_expiry(Some(session::short_expiry(pending.started_at + PENDING_SECS)));
    }
    if let Err(err) = session.insert(PENDING_KEY, &pending).await {
        return broken(extensions, &state, super::internal::session_store(err));
    }
    Redirect::to(&url).into_response()
}

/// `GET /auth/{name}/callback`: checks the flow, then signs in, links or
/// refuses, as the contract's cases say.
pub async fn callback(
    state: Arc<AppState>,
    session: Session,
    extensions: &Extensions,
    headers: &HeaderMap,
    name: &str,
    query: Callback,
) -> Response {
    if state.oidc.config(name).is_none() {
        return error_page(ApiError::no_such_provider());
    }
    // Used once: taken out whatever happens next.
    let pending: Option<Pending> = match session::take(&session, PENDING_KEY).await {
        Ok(pending) => pending,
        Err(err) => return broken(extensions, &state, err),
    };
    let Some(pending) = pending else {
        return failed(extensions, &state, "no flow started in this browser");
    };
    let fresh = now() - pending.started_at <= PENDING_SECS;
    let ours = pending.provider == name && query.state.as_deref().is_some_and(|s| state_matches(&pending, s));
    if !fresh || !ours {
        return failed(extensions, &state, "state unknown, used or expired");
    }
    // Used once across every instance, however many copies of this
    // callback arrive at once: the session's copy of the flow is read by
    // each of them, so the state itself is spent in the database.
    let spent = super::throttle::key(&format!("oidc-state:{}", pending.state));
    match state.throttle.once_in(&spent, 1, PENDING_SECS, now()).await {
        Ok(Ok(_)) => {}
        Ok(Err(_)) => return failed(extensions, &state, "state used already"),
        Err(err) => return broken(extensions, &state, err),
    }
    if let Some(error) = &query.error {
        // The provider's own word, e.g. access_denied.
        return failed(extensions, &state, &format!("the provider answered {error}"));
    }
    let Some(code) = query.code.as_deref().filter(|c| !c.is_empty()) else {
        return failed(extensions, &state, "no code");
    };
    let identity = match state.oidc.finish(&pending, code).await {
        Ok(identity) => identity,
        Err(OidcError::Unknown) => return error_page(ApiError::no_such_provider()),
        Err(err) => return failed(extensions, &state, &err.to_string()),
    };
    let client = super::client_from(extensions, headers);
    match pending.purpose {
        Purpose::Link(user_id) => return link(&state, &session, extensions, user_id, name, &identity, &client).await,
        Purpose::Reauthenticate(user_id) => {
            return reauthenticate(&state, &session, extensions, user_id, &identity, pending.next).await;
        }
        Purpose::SignIn => {}
    }
    let outcome = match state.accounts.sign_in_by_identity(name, &identity, Language::current(), &client).await {
        Ok(outcome) => outcome,
        Err(err) => return broken(extensions, &state, err),
    };
    let user_id = match outcome {
        ProviderSignIn::Known(id) | ProviderSignIn::Linked(id) | ProviderSignIn::Created(id) => id,
        ProviderSignIn::Refused => {
            metrics::counter!("gatehouse_provider_sign_in_total", "outcome" => "not_linked").increment(1);
            return to_login(extensions, &state, Flash::ProviderNotLinked);
        }
        ProviderSignIn::Locked(_) => {
            metrics::counter!("gatehouse_provider_sign_in_total", "outcome" => "locked").increment(1);
            return to_login(extensions, &state, Flash::AccountLocked);
        }
    };
    let label = state.oidc.config(name).map(|p| p.label.clone()).unwrap_or_default();
    match sign_in(&state, &session, user_id, &outcome, &label, pending.next, &client).await {
        Ok(res) => res,
        Err(err) if err.code == crate::error::ErrorCode::AccountLocked => {
            metrics::counter!("gatehouse_provider_sign_in_total", "outcome" => "locked").increment(1);
            to_login(extensions, &state, Flash::AccountLocked)
        }
        Err(err) => broken(extensions, &state, err),
    }
}

/// Signs the account in under a new session id, or begins its second step.
async fn sign_in(
    state: &AppState,
    session: &Session,
    user_id: i64,
    outcome: &ProviderSignIn,
    label: &str,
    next: Option<String>,
    client: &session::Client,
) -> Result<Response, ApiError> {
    let Some(user) = state.users.by_id(user_id).await? else {
        return Err(ApiError::unauthorized());
    };
    if let ProviderSignIn::Linked(_) = outcome {
        let notice = super::mail::templates::Notice::ProviderLinked { provider: label.to_owned() };
        state.accounts.notify(&user, &notice).await?;
    }
    user.refuse_if_locked()?;
    if state.two_factor.enabled(user.id).await? {
        session::begin_pending(session, user.id, false, next).await?;
        return Ok(Redirect::to("/login/verify").into_response());
    }
    super::admission::admit(state, session, &user, false, client.clone()).await?;
    crate::api::notice_if_new_device(state, &user, client, false).await?;
    state.security_log.record(Some(user.id), EventKind::Login, client).await?;
    metrics::counter!("gatehouse_provider_sign_in_total", "outcome" => "ok").increment(1);
    Ok(Redirect::to(NextPath::or_profile(next.as_deref()).as_str()).into_response())
}

/// Case 2: links the identity to the signed-in account that started from
/// `/security`, unless another account has it.
async fn link(
    state: &AppState,
    session: &Session,
    extensions: &Extensions,
    user_id: i64,
    provider: &str,
    identity: &super::oidc::Identity,
    client: &session::Client,
) -> Response {
    // Still the same account in this browser, and still recently
    // authenticated: the link is made here, so the start's check is made
    // again (the flow may take up to ten minutes).
    let auth = match session::request_auth(session).await {
        Ok(auth) => auth.filter(|auth| auth.user_id == user_id),
        Err(err) => return broken(extensions, state, err),
    };
    let Some(auth) = auth else {
        return failed(extensions, state, "the session that asked to link is gone");
    };
    if !state.lifetimes.is_recent(&auth, now()) {
        flash::leave_on(extensions, Flash::ReauthRequired, state.secure_cookies);
        return Redirect::to("/reauthenticate?next=%2Fsecurity").into_response();
    }
    let label = state.oidc.config(provider).map(|p| p.label.clone()).unwrap_or_default();
    // An error's cause was logged where it became an ApiError.
    let flash = match state.accounts.link_identity(user_id, provider, &label, identity, client).await {
        Ok(true) => Flash::ProviderLinked,
        Ok(false) => Flash::ProviderTaken,
        Err(_) => Flash::ProviderFailed,
    };
    flash::leave_on(extensions, flash, state.secure_cookies);
    Redirect::to("/security").into_response()
}

/// Re-authentication through the provider: the identity must be this
/// account's, and its login at the provider fresh.
async fn reauthenticate(
    state: &AppState,
    session: &Session,
    extensions: &Extensions,
    user_id: i64,
    identity: &super::oidc::Identity,
    next: Option<String>,
) -> Response {
    let auth = match session::request_auth(session).await {
        Ok(auth) => auth.filter(|auth| auth.user_id == user_id),
        Err(err) => return broken(extensions, state, err),
    };
    let Some(auth) = auth else {
        return failed(extensions, state, "the session that asked to re-authenticate is gone");
    };
    let owner = match state.accounts.identity_owner(identity).await {
        Ok(owner) => owner,
        Err(err) => return broken(extensions, state, err),
    };
    let fresh = identity.auth_time.is_some_and(|at| (now() - at).abs() <= FRESH_LOGIN_SECS);
    if owner != Some(user_id) || !fresh {
        flash::leave_on(extensions, Flash::ProviderFailed, state.secure_cookies);
        return Redirect::to("/reauthenticate").into_response();
    }
    if let Err(err) = session::reauthenticated(session, auth).await {
        return broken(extensions, state, err);
    }
    flash::leave_on(extensions, Flash::Reauthenticated, state.secure_cookies);
    Redirect::to(NextPath::or_profile(next.as_deref()).as_str()).into_response()
}
