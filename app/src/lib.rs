//! Gatehouse's UI and API: components, routes and server functions, shared
//! by the server (feature `ssr`) and the browser (feature `hydrate`).

pub mod api;
pub mod domain;
pub mod error;
pub mod pages;
#[cfg(feature = "ssr")]
pub mod ssr;

use api::{Login, Logout, Signup, User};
use error::ApiError;
use leptos::prelude::*;
use leptos_meta::{provide_meta_context, MetaTags, Stylesheet, Title};
use leptos_router::{
    components::{Route, Router, Routes},
    hooks::use_location,
    path, SsrMode,
};

/// The HTML document around the app, rendered on the server only.
pub fn shell(options: LeptosOptions) -> impl IntoView {
    view! {
        <!DOCTYPE html>
        <html lang="en">
            <head>
                <meta charset="utf-8"/>
                <meta name="viewport" content="width=device-width, initial-scale=1"/>
                <link rel="icon" href="/favicon.ico"/>
                <AutoReload options=options.clone()/>
                <HydrationScripts options/>
                <MetaTags/>
            </head>
            <body>
                <App/>
            </body>
        </html>
    }
}

/// The auth actions and the signed-in user, shared by every page. The user
/// is fetched again whenever one of the actions completes.
#[derive(Clone, Copy)]
pub struct Auth {
    pub signup: ServerAction<Signup>,
    pub login: ServerAction<Login>,
    pub logout: ServerAction<Logout>,
    pub user: Resource<Result<Option<User>, ApiError>>,
    /// What the login page says after an action in the hydrated app ended
    /// this session (logging out, revoking this device). A form posted
    /// without JavaScript gets the server's flash cookie instead.
    pub ended: RwSignal<Option<domain::Flash>>,
}

#[component]
pub fn App() -> impl IntoView {
    provide_meta_context();
    view! {
        <Stylesheet id="leptos" href="/pkg/gatehouse.css"/>
        <Title text="Gatehouse"/>
        <Router>
            <Layout/>
        </Router>
    }
}

/// Inside the router, so the actions pick up an error a form posted without
/// JavaScript was redirected back with (`?__err=`).
#[component]
fn Layout() -> impl IntoView {
    let signup = ServerAction::<Signup>::new();
    let login = ServerAction::<Login>::new();
    let logout = ServerAction::<Logout>::new();
    let user = Resource::new(
        move || {
            (
                signup.version().get(),
                login.version().get(),
                logout.version().get(),
            )
        },
        |_| api::whoami(),
    );
    let ended = RwSignal::new(None);
    Effect::new(move |_| {
        if matches!(logout.value().get(), Some(Ok(()))) {
            ended.set(Some(domain::Flash::LoggedOut));
        }
    });
    provide_context(Auth {
        signup,
        login,
        logout,
        user,
        ended,
    });

    // Effects run only in the browser, once hydration is done: tests (and
    // styles) can tell a hydrated page from server-rendered HTML.
    Effect::new(move |_| {
        if let Some(body) = document().body() {
            let _ = body.set_attribute("data-hydrated", "");
        }
    });

    // A navigation inside the hydrated app behaves like a page load for a
    // keyboard or screen-reader user: focus goes back to the top of the
    // page (the next Tab reaches the first link, as without JavaScript)
    // and the new page's title is announced.
    let pathname = use_location().pathname;
    let arrived = RwSignal::new(String::new());
    Effect::new(move |before: Option<String>| {
        let now = pathname.get();
        if before.is_some_and(|before| before != now) {
            // After the new page (and its <title>) has rendered.
            request_animation_frame(move || {
                arrived.set(document().title());
                focus_page_start();
            });
        }
        now
    });

    // Every route renders completely on the server before it is sent, so
    // a browser with JavaScript off sees the whole page.
    view! {
        <p class="visually-hidden" aria-live="polite" data-testid="page-announcer">{arrived}</p>
        <pages::Header/>
        <main>
            <pages::FlashMessage/>
            <Routes fallback=pages::NotFound>
                <Route path=path!("/") view=pages::HomePage ssr=SsrMode::Async/>
                <Route path=path!("/signup") view=pages::SignupPage ssr=SsrMode::Async/>
                <Route path=path!("/login") view=pages::LoginPage ssr=SsrMode::Async/>
                <Route path=path!("/profile") view=pages::ProfilePage ssr=SsrMode::Async/>
                <Route path=path!("/sessions") view=pages::SessionsPage ssr=SsrMode::Async/>
            </Routes>
        </main>
    }
}

/// Moves focus to the start of the document, where a page load leaves it.
fn focus_page_start() {
    if let Some(body) = document().body() {
        // The body takes focus only while it has a tabindex; focusing it
        // moves the point the next Tab starts from.
        let _ = body.set_attribute("tabindex", "-1");
        let _ = body.focus();
        let _ = body.remove_attribute("tabindex");
    }
}
