//! Who is signed in, and whether they may reach what they asked for: the
//! session guard, then the access layer that holds every request to
//! [`app::access`]'s table.

use super::{accepts_html, error_response};
use app::{
    domain::Flash,
    error::ApiError,
    ssr::session::{Lifetimes, RequestAuth},
};
use axum::{
    extract::Request,
    http::{header, HeaderValue},
    middleware::Next,
    response::{IntoResponse, Redirect, Response},
};
use tower_sessions::Session;

/// What the access layer needs besides the table itself.
#[derive(Clone)]
pub struct AccessRules {
    pub production: bool,
    pub lifetimes: Lifetimes,
    /// Whether a session's account is an administrator is read here, on
    /// each administrator request.
    pub users: app::ssr::users::Users,
}

/// Holds every request to the access table ([`app::access`]), before the
/// page or call runs:
/// - a signed-out page load of a signed-in page goes to
///   `/login?next=<the page>` (saying so when the browser's session has
///   ended: expired, revoked);
/// - a signed-out call that needs a session gets 401 (a form posted
///   without JavaScript goes to `/login?next=<the page it came from>`);
/// - a sensitive call outside the recent-authentication window gets 403
///   `reauth_required` and changes nothing; a form posted without
///   JavaScript goes to `/reauthenticate?next=<the page it came from>`;
/// - an `/api/` path the table doesn't name is a 404;
/// - an administrator's page or call, for anyone else (signed out
///   included): a call gets 403, a page goes on without an
///   [`app::ssr::admin::AdminViewer`]
///   and renders the app's 404, as for a path that does not exist. Only
///   then is recent authentication asked for.
///
/// Signed-in pages and answers are never stored by a cache.
pub async fn access(
    axum::extract::State(rules): axum::extract::State<AccessRules>,
    req: Request,
    next: Next,
) -> Response {
    use app::access::Access;
    let path = req.uri().path();
    let is_call = path.starts_with("/api/");
    let Some(needs) = app::access::of(path) else {
        if is_call {
            return error_response(req.headers().get(header::ACCEPT), ApiError::no_such_call());
        }
        return next.run(req).await;
    };
    if needs == Access::Public {
        return next.run(req).await;
    }
    let auth = match req.extensions().get::<RequestAuth>() {
        Some(RequestAuth(Some(auth))) => Some(auth),
        _ => None,
    };
    let form_post = accepts_html(req.headers().get(header::ACCEPT));
    let user_id = auth.map(|auth| auth.user_id);
    let mut req = req;
    if needs == Access::Admin {
        let admin = match user_id {
            Some(id) => match rules.users.is_admin(id).await {
                Ok(admin) => admin,
                Err(err) => return error_response(req.headers().get(header::ACCEPT), err),
            },
            None => false,
        };
        if !admin {
            let mut res = if is_call {
                error_response(req.headers().get(header::ACCEPT), ApiError::not_admin())
            } else {
                next.run(req).await
            };
            res.headers_mut()
                .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
            return res;
        }
        if let Some(id) = user_id {
            req.extensions_mut().insert(app::ssr::admin::AdminViewer(id));
        }
    }
    let auth = match req.extensions().get::<RequestAuth>() {
        Some(RequestAuth(Some(auth))) => Some(auth),
        _ => None,
    };
    let refusal = match auth {
        // A page load, or a form posted without JavaScript: to the login
        // page, which comes back here (or to the page the form was on).
        None if !is_call || form_post => {
            let back = if is_call { came_from(req.headers(), "/profile") } else { req.uri().path().to_owned() };
            let next: String = form_urlencoded::byte_serialize(back.as_bytes()).collect();
            let res = Redirect::to(&format!("/login?next={next}")).into_response();
            if req.extensions().get::<SessionEnded>().is_some() {
                app::ssr::flash::leave_on(req.extensions(), Flash::SessionExpired, rules.production);
            }
            Some(res)
        }
        None => Some(error_response(req.headers().get(header::ACCEPT), ApiError::unauthorized())),
        Some(auth) if needs.needs_recent() && !rules.lifetimes.is_recent(auth, app::ssr::session::now()) => {
            Some(if form_post || !is_call {
                let back = if is_call { came_from(req.headers(), "/security") } else { req.uri().path().to_owned() };
                let next: String = form_urlencoded::byte_serialize(back.as_bytes()).collect();
                app::ssr::flash::leave_on(req.extensions(), Flash::ReauthRequired, rules.production);
                Redirect::to(&format!("/reauthenticate?next={next}")).into_response()
            } else {
                error_response(req.headers().get(header::ACCEPT), ApiError::reauth_required())
            })
        }
        Some(_) => None,
    };
    let mut res = match refusal {
        Some(res) => res,
        None => next.run(req).await,
    };
    res.headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    res
}

/// The local page a form was posted from (its `Referer`, when it is this
/// site's), to come back to after logging in or re-authenticating;
/// `fallback` else.
fn came_from(headers: &axum::http::HeaderMap, fallback: &str) -> String {
    let referer = headers.get(header::REFERER).and_then(|v| v.to_str().ok());
    let host = headers.get(header::HOST).and_then(|v| v.to_str().ok());
    referer
        .and_then(|r| {
            let rest = r.strip_prefix("https://").or_else(|| r.strip_prefix("http://"))?;
            let (authority, path) = rest.split_at(rest.find('/')?);
            (Some(authority) == host).then_some(path)
        })
        .and_then(app::domain::NextPath::parse)
        .map_or_else(|| fallback.to_owned(), |p| p.as_str().to_owned())
}

/// Left on a request whose cookie named a session this server issued (the
/// signature holds) that has ended: expired, revoked, logged out elsewhere.
#[derive(Clone, Copy, Debug)]
pub struct SessionEnded;

/// Slides the session's idle timeout before the handler runs (the store
/// itself refuses sessions past their deadline), and leaves who is signed
/// in with the request. Static files skip it.
pub async fn session_guard(
    axum::extract::State(lifetimes): axum::extract::State<Lifetimes>,
    session: Session,
    mut req: Request,
    next: Next,
) -> Response {
    if !req.uri().path().starts_with("/pkg/") {
        // Before loading: the id a correctly signed cookie carried, if any.
        let presented = session.id().is_some();
        match app::ssr::session::touch(&session, &lifetimes).await {
            Ok(auth) => {
                if presented && auth.is_none() {
                    req.extensions_mut().insert(SessionEnded);
                }
                if let Some(auth) = &auth {
                    req.extensions_mut()
                        .insert(app::ssr::users::AccountOnRequest::new(auth.user_id));
                }
                req.extensions_mut().insert(RequestAuth(auth));
            }
            Err(err) => return error_response(req.headers().get(header::ACCEPT), err),
        }
    }
    next.run(req).await
}
