//! Who may reach what: every page and every server function with the
//! access it needs, in one table. The server's access layer reads it on
//! each request (redirects a signed-out page load to `/login?next=`,
//! answers 401 or 403 `reauth_required`), [`crate::api::Caller`] reads it
//! again inside the call, and the server refuses to start when a route or
//! a server function of the app has no entry: nothing becomes public by
//! being forgotten here. An unknown `/api/` path is a 404.

use crate::api;
use server_fn::ServerFn;

/// What a request needs to reach a page or a call.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Access {
    /// Anyone, signed in or not.
    Public,
    /// A signed-in session.
    SignedIn,
    /// A signed-in session that proved who it is (signed in, or
    /// re-authenticated) within `REAUTH_WINDOW_SECS`: sensitive changes.
    Recent,
    /// An administrator's session (read from the account on every
    /// request, so `server admin revoke` counts at once), recently
    /// authenticated. To anyone else a page is a 404 and a call a 403.
    Admin,
}

impl Access {
    /// Whether reaching it needs a recent authentication.
    pub fn needs_recent(self) -> bool {
        matches!(self, Self::Recent | Self::Admin)
    }
}

use Access::{Admin, Public, Recent, SignedIn};

/// The pages, as the router lists their paths (`{token}` is one segment).
pub const PAGES: &[(&str, Access)] = &[
    ("/", Public),
    ("/signup", Public),
    ("/login", Public),
    ("/login/verify", Public),
    ("/reset-password", Public),
    ("/reset-password/{token}", Public),
    ("/confirm-email/{token}", Public),
    // 404 in production (the page says so itself).
    ("/dev/mailbox", Public),
    ("/profile", SignedIn),
    ("/sessions", SignedIn),
    ("/security", SignedIn),
    ("/reauthenticate", SignedIn),
    ("/admin", Admin),
    ("/admin/users/{id}", Admin),
    ("/admin/log", Admin),
    // Sign in with a provider (routed by the server, not the app's
    // router): anyone may start one; linking checks recent
    // authentication itself.
    ("/auth/{name}/start", Public),
    ("/auth/{name}/callback", Public),
];

/// The server functions, by their paths under `/api/`.
pub const CALLS: &[(&str, Access)] = &[
    (api::Signup::PATH, Public),
    (api::Login::PATH, Public),
    (api::Logout::PATH, Public),
    (api::SetLanguage::PATH, Public),
    (api::Me::PATH, SignedIn),
    (api::VerifySecondFactor::PATH, Public),
    (api::RequestPasswordReset::PATH, Public),
    (api::ResetPassword::PATH, Public),
    (api::ConfirmEmail::PATH, Public),
    (api::PasskeyLoginBegin::PATH, Public),
    (api::PasskeyLoginFinish::PATH, Public),
    (api::ListSessions::PATH, SignedIn),
    (api::RevokeSession::PATH, SignedIn),
    (api::LogoutOthers::PATH, SignedIn),
    (api::ResendConfirmation::PATH, SignedIn),
    (api::ListPasskeys::PATH, SignedIn),
    (api::SecurityEvents::PATH, SignedIn),
    (api::Reauthenticate::PATH, SignedIn),
    (api::ChangePassword::PATH, Recent),
    (api::ChangeEmail::PATH, Recent),
    (api::DeleteAccount::PATH, Recent),
    (api::TotpBegin::PATH, Recent),
    (api::TotpEnable::PATH, Recent),
    (api::TotpDisable::PATH, Recent),
    (api::RecoveryCodes::PATH, Recent),
    (api::PasskeyRegisterBegin::PATH, Recent),
    (api::PasskeyRegisterFinish::PATH, Recent),
    (api::PasskeyDelete::PATH, Recent),
    (api::ListIdentities::PATH, SignedIn),
    (api::IdentityUnlink::PATH, Recent),
    (api::AdminUsers::PATH, Admin),
    (api::AdminUser::PATH, Admin),
    (api::AdminLock::PATH, Admin),
    (api::AdminUnlock::PATH, Admin),
    (api::AdminEndSessions::PATH, Admin),
    (api::AdminResetSecondFactor::PATH, Admin),
    (api::AdminSendReset::PATH, Admin),
    (api::AdminDeleteUser::PATH, Admin),
    (api::AdminLog::PATH, Admin),
];

/// Whether a path matches a route pattern: the same number of segments,
/// each equal or a `{name}` that takes any one.
fn matches(pattern: &str, path: &str) -> bool {
    let mut want = pattern.split('/');
    let mut have = path.split('/');
    loop {
        match (want.next(), have.next()) {
            (None, None) => return true,
            (Some(w), Some(h)) if w.starts_with('{') && !h.is_empty() => {}
            (Some(w), Some(h)) if w == h => {}
            _ => return false,
        }
    }
}

/// What reaching `path` needs: a call's entry, a page's, or `None` for a
/// path that is neither (a static file, or nothing: a 404 either way;
/// for `/api/` the access layer answers 404 itself).
pub fn of(path: &str) -> Option<Access> {
    let table = if path.starts_with("/api/") { CALLS } else { PAGES };
    table
        .iter()
        .find(|(pattern, _)| matches(pattern, path))
        .map(|(_, access)| *access)
}

/// The app's routes and server functions that have no entry here: the
/// server refuses to start while there is one.
pub fn missing<'a>(routes: impl IntoIterator<Item = &'a str>, calls: impl IntoIterator<Item = &'a str>) -> Vec<String> {
    let pages = routes
        .into_iter()
        .filter(|route| !PAGES.iter().any(|(pattern, _)| pattern == route));
    let calls = calls
        .into_iter()
        .filter(|call| !CALLS.iter().any(|(path, _)| path == call));
    pages.chain(calls).map(str::to_owned).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_find_their_entry_and_others_none() {
        assert_eq!(of("/profile"), Some(SignedIn));
        assert_eq!(of("/reset-password/abc"), Some(Public));
        assert_eq!(of("/reset-password/"), None);
        assert_eq!(of("/reset-password/a/b"), None);
        assert_eq!(of("/api/change_password"), Some(Recent));
        assert_eq!(of("/api/nothing"), None);
        assert_eq!(of("/pkg/gatehouse.wasm"), None);
        assert_eq!(of("/admin"), Some(Admin));
        assert_eq!(of("/admin/users/12"), Some(Admin));
        assert_eq!(of("/admin/users"), None);
        assert_eq!(of("/api/admin/lock"), Some(Admin));
        assert_eq!(of("/api/admin/anything"), None);
    }

    #[test]
    fn every_administrator_call_is_under_api_admin_and_needs_it() {
        for (path, access) in CALLS {
            assert_eq!(path.starts_with("/api/admin/"), *access == Admin, "{path}");
        }
        assert!(Admin.needs_recent() && Recent.needs_recent() && !SignedIn.needs_recent());
    }

    #[test]
    fn a_route_or_call_without_an_entry_is_named() {
        assert!(missing(PAGES.iter().map(|p| p.0), CALLS.iter().map(|c| c.0)).is_empty());
        assert_eq!(missing(["/admin/new", "/profile"], ["/api/new_thing"]), ["/admin/new", "/api/new_thing"]);
    }
}
