//! The pages: server components, rendered on the server only. Their forms
//! are plain HTML posts to the server functions, which answer with a
//! redirect to the page to show next (an error or a message for it rides
//! in a short-lived cookie, see `ssr/flash.rs`). The same path serves a
//! browser without JavaScript and one with it, where the islands router
//! makes the post a fetch and patches the page in.

mod admin;
mod assets;
mod auth_forms;
mod home;
mod profile;
mod recovery;
mod security;
mod sessions;

use crate::{
    domain::{Field, Flash, FormRules, Language},
    error::ApiError,
    islands::{Navigator, ShowPassword},
    ssr::{flash, session::SignedIn},
    t,
};
use leptos::prelude::*;
use server_fn::ServerFn;
use leptos_meta::{provide_meta_context, MetaTags, Title};
use leptos_router::{
    components::{Route, Router, Routes},
    path, SsrMode,
};

/// The HTML document around the app.
pub fn shell(options: LeptosOptions) -> impl IntoView {
    view! {
        <!DOCTYPE html>
        <html lang=Language::current().code()>
            <head>
                <meta charset="utf-8"/>
                <meta name="viewport" content="width=device-width, initial-scale=1"/>
                <link rel="icon" href="/favicon.ico"/>
                <AutoReload options=options.clone()/>
                <assets::HeadAssets options/>
                <MetaTags/>
            </head>
            <body>
                <App/>
            </body>
        </html>
    }
}

#[component]
pub fn App() -> impl IntoView {
    provide_meta_context();
    provide_context(PageContext::read());
    // Every route renders completely on the server before it is sent.
    view! {
        <Title text="Gatehouse"/>
        <Router>
            <Navigator/>
            <Header/>
            <main>
                <FlashMessage/>
                <Routes fallback=NotFound>
                    <Route path=path!("/") view=home::HomePage ssr=SsrMode::Async/>
                    <Route path=path!("/signup") view=auth_forms::SignupPage ssr=SsrMode::Async/>
                    <Route path=path!("/login") view=auth_forms::LoginPage ssr=SsrMode::Async/>
                    <Route path=path!("/login/verify") view=auth_forms::VerifyPage ssr=SsrMode::Async/>
                    <Route path=path!("/profile") view=profile::ProfilePage ssr=SsrMode::Async/>
                    <Route path=path!("/sessions") view=sessions::SessionsPage ssr=SsrMode::Async/>
                    <Route path=path!("/security") view=security::SecurityPage ssr=SsrMode::Async/>
                    <Route path=path!("/reauthenticate") view=auth_forms::ReauthPage ssr=SsrMode::Async/>
                    <Route path=path!("/reset-password") view=recovery::ResetRequestPage ssr=SsrMode::Async/>
                    <Route path=path!("/reset-password/:token") view=recovery::ResetPasswordPage ssr=SsrMode::Async/>
                    <Route path=path!("/confirm-email/:token") view=recovery::ConfirmEmailPage ssr=SsrMode::Async/>
                    <Route path=path!("/dev/mailbox") view=recovery::MailboxPage ssr=SsrMode::Async/>
                    <Route path=path!("/admin") view=admin::AccountsPage ssr=SsrMode::Async/>
                    <Route path=path!("/admin/users/:id") view=admin::AccountPage ssr=SsrMode::Async/>
                    <Route path=path!("/admin/log") view=admin::LogPage ssr=SsrMode::Async/>
                </Routes>
            </main>
            <Footer/>
        </Router>
    }
}

/// What the page being rendered knows of its request: who is signed in
/// (as the session guard found it), the path, and what the last redirect
/// left for it. Read once per render: the flash and the form state are
/// taken (and their cookies cleared) here.
#[derive(Clone, Default)]
pub struct PageContext {
    pub viewer: Option<SignedIn>,
    /// The language the page is written in (the server's language layer
    /// chose it for this request).
    pub language: Language,
    pub path: String,
    pub flash: Option<Flash>,
    pub form: Option<flash::FormState>,
    /// The server's access layer found the viewer an administrator (only
    /// on the administrators' pages, which it reads the account for).
    pub admin: bool,
}

impl PageContext {
    fn read() -> Self {
        use axum::http::request::Parts;
        let Some((viewer, path, language, admin)) = with_context::<Parts, _>(|parts| {
            let viewer = parts
                .extensions
                .get::<crate::ssr::session::RequestAuth>()
                .and_then(|auth| auth.0.clone());
            let language = parts.extensions.get::<Language>().copied().unwrap_or_default();
            // Only for the account the session is signed in as.
            let admin = parts
                .extensions
                .get::<crate::ssr::admin::AdminViewer>()
                .is_some_and(|a| viewer.as_ref().is_some_and(|v| v.user_id == a.0));
            (viewer, parts.uri.path().to_owned(), language, admin)
        }) else {
            // Outside a request (the route list is worked out at start-up).
            return Self::default();
        };
        Self {
            viewer,
            path,
            language,
            flash: flash::take(),
            form: flash::take_form(),
            admin,
        }
    }

    pub fn get() -> Self {
        use_context::<Self>().unwrap_or_default()
    }

    /// The error a post of the form for `path` (a server function's) came
    /// back with, if that is what brought the browser here.
    pub fn error_for(&self, path: &str) -> Option<ApiError> {
        self.form
            .as_ref()
            .filter(|form| form.path == path)
            .map(|form| form.error.clone())
    }
}

/// A page's `<title>`: what it is, then the app's name.
pub(crate) fn title(page: &str) -> String {
    format!("{page} · Gatehouse")
}

/// A link in the header, marked when it is the page you are on. The
/// attribute is always there (`"false"` elsewhere): the islands router
/// never removes one the new page no longer has.
fn nav_link(here: &str, href: &'static str, text: &'static str, class: Option<&'static str>) -> impl IntoView {
    let current = if here == href { "page" } else { "false" };
    view! { <a href=href class=class aria-current=current>{text}</a> }
}

/// The app's name and, when signed in, the pages that are yours, the email
/// and the logout button.
#[component]
fn Header() -> impl IntoView {
    let request = PageContext::get();
    let l = request.language;
    let here = request.path.as_str();
    let links = match request.viewer {
        Some(user) => view! {
            {request.admin.then(|| nav_link(here, "/admin", t!(l, nav.admin), None))}
            {nav_link(here, "/profile", t!(l, nav.profile), None)}
            {nav_link(here, "/sessions", t!(l, nav.sessions), None)}
            {nav_link(here, "/security", t!(l, nav.security), None)}
            <span class="who" data-testid="header-email">{user.email}</span>
            <LogoutButton/>
        }
        .into_any(),
        None => view! {
            {nav_link(here, "/login", t!(l, nav.log_in), None)}
            {nav_link(here, "/signup", t!(l, nav.sign_up), Some("button"))}
        }
        .into_any(),
    };
    view! {
        <header class="site-header">
            <a href="/" class="brand">"Gatehouse"</a>
            <nav aria-label=t!(l, nav.account)>{links}</nav>
        </header>
    }
}

/// A form POST, so it works without JavaScript and can't be triggered by a
/// link or an image.
#[component]
fn LogoutButton() -> impl IntoView {
    let l = PageContext::get().language;
    view! {
        <form method="post" action=crate::api::Logout::PATH class="logout">
            <SubmitButton label=t!(l, nav.log_out) busy=t!(l, nav.logging_out) class="secondary"/>
        </form>
    }
}

/// Every page's footer: the choice of language, a form that works with
/// JavaScript off (`set_language` sends the browser back to this page).
/// Each language is named in itself, and marked so (`lang`) for screen
/// readers. `data-reload`: with JavaScript, the page is loaded whole, so
/// `<html lang>` changes with it.
#[component]
fn Footer() -> impl IntoView {
    let l = PageContext::get().language;
    let choices = Language::all()
        .map(|choice| {
            let current = choice == l;
            view! {
                <button type="submit" name="lang" value=choice.code() lang=choice.code()
                    class="link-button" aria-pressed=if current { "true" } else { "false" }
                    data-testid=format!("language-{}", choice.code())>
                    {choice.native_name()}
                </button>
            }
        })
        .collect_view();
    view! {
        <footer class="site-footer">
            <form method="post" action=crate::api::SetLanguage::PATH data-reload="" class="language-choice">
                <span id="language-label">{t!(l, footer.language)}</span>
                <span role="group" aria-labelledby="language-label">{choices}</span>
            </form>
        </footer>
    }
}

/// The message a redirect left for this page ("You have been logged
/// out"), shown once: its cookie is cleared as it is read.
#[component]
fn FlashMessage() -> impl IntoView {
    let request = PageContext::get();
    let flash = request.flash;
    let l = request.language;
    view! {
        <div class="flash" role="status" aria-live="polite">
            {flash.map(|f| view! { <p data-testid="flash">{f.message(l)}</p> })}
        </div>
    }
}

/// A labelled input with its error message beside it. After a failed post
/// it carries the error (`aria-invalid`, and `autofocus`, which moves focus
/// there on a page load; the islands router's patch is followed by the same
/// move, see `browser.rs`) and, for the email, what was typed.
#[component]
fn TextField(
    id: &'static str,
    /// The form field's name, when it is not the same as `id`.
    #[prop(optional)]
    name: Option<&'static str>,
    label: &'static str,
    #[prop(default = "text")] kind: &'static str,
    autocomplete: &'static str,
    /// The keyboard a phone shows (`numeric` for a code).
    #[prop(optional)]
    inputmode: Option<&'static str>,
    field: Field,
    error: Option<ApiError>,
    /// What to put back in the field after a failed post.
    #[prop(optional_no_strip)]
    value: Option<String>,
) -> impl IntoView {
    let message = error
        .as_ref()
        .and_then(|e| e.for_field(field))
        .map(str::to_owned);
    let invalid = message.is_some();
    let error_id = format!("{id}-error");
    view! {
        <div class="field">
            <label for=id>{label}</label>
            <div class="input-row">
                <input
                    id=id
                    name=name.unwrap_or(id)
                    type=kind
                    autocomplete=autocomplete
                    inputmode=inputmode
                    value=value
                    aria-invalid=if invalid { "true" } else { "false" }
                    autofocus=invalid
                    aria-describedby=error_id.clone()
                />
                {(kind == "password").then(|| view! { <ShowPassword/> })}
            </div>
            <p class="field-error" id=error_id aria-live="polite">{message}</p>
        </div>
    }
}

/// A form's submit button. With JavaScript, the `Navigator` island gives
/// it its behaviour (`browser.rs`): it checks the form's fields with
/// `rules` before anything is sent (the rules the server applies), and
/// while the post is under way it is disabled and says `busy`
/// ("Signing up…"). Without JavaScript the server checks and the browser
/// shows its own progress.
#[component]
pub fn SubmitButton(
    label: &'static str,
    busy: &'static str,
    #[prop(optional)] rules: Option<FormRules>,
    #[prop(optional)] class: Option<&'static str>,
    /// Posts to this server function instead of the form's own.
    #[prop(optional)]
    formaction: Option<&'static str>,
    #[prop(optional)] name: Option<&'static str>,
    #[prop(optional)] value: Option<String>,
    #[prop(optional)] aria_label: Option<String>,
) -> impl IntoView {
    view! {
        <button
            type="submit"
            class=class
            formaction=formaction
            name=name
            value=value
            aria-label=aria_label
            aria-busy="false"
            data-busy=busy
            data-rules=rules.map(FormRules::code)
        >
            {label}
        </button>
    }
}

/// An error that belongs to the form as a whole, announced to screen readers.
#[component]
fn FormError(error: Option<ApiError>) -> impl IntoView {
    let message = error.filter(|e| e.field.is_none()).map(|e| e.message);
    view! {
        <div class="form-error" role="alert" aria-live="polite">
            {message.map(|m| view! { <p>{m}</p> })}
        </div>
    }
}

#[component]
pub(crate) fn NotFound() -> impl IntoView {
    if let Some(response) = use_context::<leptos_axum::ResponseOptions>() {
        response.set_status(axum::http::StatusCode::NOT_FOUND);
    }
    let l = PageContext::get().language;
    view! {
        <Title text=title(t!(l, not_found.title))/>
        <h1>{t!(l, not_found.title)}</h1>
        <p>{t!(l, not_found.text)} " " <a href="/">{t!(l, not_found.home)}</a></p>
    }
}
