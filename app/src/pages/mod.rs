//! The pages and the pieces they share.

mod auth_forms;
mod home;
mod profile;
mod sessions;

pub use auth_forms::{LoginPage, SignupPage};
pub use home::HomePage;
pub use profile::ProfilePage;
pub use sessions::SessionsPage;

use crate::{domain::Flash, error::ApiError, Auth};
use leptos::prelude::*;
use leptos::server::ServerActionError;
use leptos_router::{components::A, hooks::use_location};
use server_fn::{error::ServerFnUrlError, ServerFn};

/// The error to show for a form's action: its last result once it has run
/// in the browser, or the error a form posted without JavaScript was
/// redirected back with (`?__err=`, meant for this very function).
pub fn action_error<S>(action: ServerAction<S>) -> Signal<Option<ApiError>>
where
    S: ServerFn<Error = ApiError> + Clone + Send + Sync + 'static,
    S::Output: Clone + Send + Sync + 'static,
{
    let from_url = use_context::<ServerActionError>()
        .filter(|err| err.path() == S::PATH)
        .map(|err| ServerFnUrlError::<ApiError>::decode_err(err.err()));
    let value = action.value();
    Signal::derive(move || match value.get() {
        Some(result) => result.err(),
        None => from_url.clone(),
    })
}

/// The app's name and, when signed in, the pages that are yours, the email
/// and the logout button. The link to the page you are on says so
/// (`aria-current="page"`, set by `A`).
#[component]
pub fn Header() -> impl IntoView {
    let auth = expect_context::<Auth>();
    view! {
        <header class="site-header">
            <A href="/" attr:class="brand">"Gatehouse"</A>
            <nav aria-label="Account">
                <Transition fallback=|| ()>
                    {move || Suspend::new(async move {
                        match auth.user.await {
                            Ok(Some(user)) => view! {
                                <A href="/profile">"Profile"</A>
                                <A href="/sessions">"Sessions"</A>
                                <span class="who" data-testid="header-email">{user.email}</span>
                                <LogoutButton/>
                            }.into_any(),
                            _ => view! {
                                <A href="/login">"Log in"</A>
                                <A href="/signup" attr:class="button">"Sign up"</A>
                            }.into_any(),
                        }
                    })}
                </Transition>
            </nav>
        </header>
    }
}

/// A form POST, so it works without JavaScript and can't be triggered by a
/// link or an image.
#[component]
pub fn LogoutButton() -> impl IntoView {
    let auth = expect_context::<Auth>();
    view! {
        <ActionForm action=auth.logout attr:class="logout">
            <button type="submit" class="secondary">"Log out"</button>
        </ActionForm>
    }
}

/// The message a redirect left for this page ("You have been logged out"),
/// shown once. A full page load takes it from its cookie on the server
/// and hands it to the hydrated page; it goes when the person moves on.
/// Signed out inside the hydrated app, [`Auth::ended`] says it.
#[component]
pub fn FlashMessage() -> impl IntoView {
    let auth = expect_context::<Auth>();
    let left = SharedValue::new(|| {
        #[cfg(feature = "ssr")]
        let flash: Option<Flash> = crate::ssr::flash::take();
        #[cfg(not(feature = "ssr"))]
        let flash: Option<Flash> = None;
        flash
    })
    .into_inner();
    let pathname = use_location().pathname;
    let landed_on = pathname.get_untracked();
    let ended = auth.ended;
    // Once the person leaves the login page, the logout is old news.
    Effect::new(move |_| {
        if pathname.get() != "/login" {
            ended.set(None);
        }
    });
    let flash = move || {
        let path = pathname.get();
        match ended.get() {
            Some(flash) if path == "/login" => Some(flash),
            _ => left.filter(|_| path == landed_on),
        }
    };
    view! {
        <div class="flash" role="status" aria-live="polite">
            {move || flash().map(|f| view! { <p data-testid="flash">{f.message()}</p> })}
        </div>
    }
}

/// A form's submit button. While its action runs it is disabled, so the
/// form can't be sent twice, and it says what it is doing. Without
/// JavaScript the browser shows its own progress.
#[component]
pub fn SubmitButton(
    label: &'static str,
    /// What it says while the action runs ("Signing up…").
    busy: &'static str,
    #[prop(into)] pending: Signal<bool>,
    #[prop(optional)] class: Option<&'static str>,
) -> impl IntoView {
    view! {
        <button
            type="submit"
            class=class
            disabled=move || pending.get()
            aria-busy=move || pending.get().then_some("true")
        >
            {move || if pending.get() { busy } else { label }}
        </button>
    }
}

/// An error that belongs to the form as a whole, announced to screen readers.
#[component]
pub fn FormError(#[prop(into)] error: Signal<Option<ApiError>>) -> impl IntoView {
    view! {
        <div class="form-error" role="alert" aria-live="polite">
            {move || error.get().filter(|e| e.field.is_none()).map(|e| view! { <p>{e.message}</p> })}
        </div>
    }
}

#[component]
pub fn NotFound() -> impl IntoView {
    #[cfg(feature = "ssr")]
    if let Some(response) = use_context::<leptos_axum::ResponseOptions>() {
        response.set_status(axum::http::StatusCode::NOT_FOUND);
    }
    view! {
        <h1>"Page not found"</h1>
        <p>"There's nothing at this address. " <A href="/">"Go to the start page"</A></p>
    }
}
