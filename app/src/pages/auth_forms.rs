//! Sign-up and log-in forms. Each is an `ActionForm`: a plain HTML form
//! posting to its server function, upgraded to a fetch once hydrated.

use super::FormError;
use crate::{
    api::{Login, Signup},
    domain::Field,
    error::ApiError,
    Auth,
};
use leptos::server::ServerActionError;
use server_fn::{error::ServerFnUrlError, ServerFn};
use leptos::prelude::*;
use leptos_router::{components::A, hooks::use_query_map};

/// A labelled input with its error message beside it.
#[component]
fn TextField(
    id: &'static str,
    label: &'static str,
    #[prop(default = "text")] kind: &'static str,
    autocomplete: &'static str,
    field: Field,
    error: Signal<Option<ApiError>>,
    /// What to put back in the field after a failed post without JavaScript.
    #[prop(optional, into)]
    value: Option<Signal<Option<String>>>,
) -> impl IntoView {
    let message = move || error.get().and_then(|e| e.for_field(field).map(str::to_owned));
    let error_id = format!("{id}-error");
    view! {
        <div class="field">
            <label for=id>{label}</label>
            <input
                id=id
                name=id
                type=kind
                autocomplete=autocomplete
                value=move || value.and_then(|v| v.get())
                aria-invalid=move || message().map(|_| "true")
                aria-describedby=error_id.clone()
            />
            <p class="field-error" id=error_id aria-live="polite">{message}</p>
        </div>
    }
}

/// The error of the last attempt: from the hydrated client's own call, or,
/// for a form posted without JavaScript, from the URL it was redirected
/// back to (`?__err=`; the router provides it to the page being rendered).
fn last_error(
    value: impl Get<Value = Option<Result<(), ApiError>>> + Send + Sync + 'static,
    path: &'static str,
) -> Signal<Option<ApiError>> {
    let from_url = use_context::<ServerActionError>()
        .filter(|err| err.path() == path)
        .map(|err| ServerFnUrlError::<ApiError>::decode_err(err.err()));
    Signal::derive(move || match value.get() {
        Some(result) => result.err(),
        None => from_url.clone(),
    })
}

#[component]
pub fn SignupPage() -> impl IntoView {
    let auth = expect_context::<Auth>();
    let error = last_error(auth.signup.value(), Signup::PATH);
    let typed_email = Signal::derive(move || error.get().and_then(|e| e.email));
    view! {
        <section class="card narrow">
            <h1>"Create your account"</h1>
            <ActionForm action=auth.signup attr:class="auth-form" attr:novalidate=true>
                <FormError error/>
                <TextField id="email" label="Email" kind="email" autocomplete="email"
                    field=Field::Email error value=typed_email/>
                <TextField id="password" label="Password" kind="password" autocomplete="new-password"
                    field=Field::Password error/>
                <p class="hint">"At least 8 characters. A long phrase you can remember is best."</p>
                <button type="submit">"Sign up"</button>
            </ActionForm>
            <p>"Already have an account? " <A href="/login">"Log in"</A></p>
        </section>
    }
}

#[component]
pub fn LoginPage() -> impl IntoView {
    let auth = expect_context::<Auth>();
    let error = last_error(auth.login.value(), Login::PATH);
    let typed_email = Signal::derive(move || error.get().and_then(|e| e.email));
    let query = use_query_map();
    let next = move || query.read().get("next").unwrap_or_default();
    view! {
        <section class="card narrow">
            <h1>"Log in"</h1>
            <ActionForm action=auth.login attr:class="auth-form" attr:novalidate=true>
                <FormError error/>
                <TextField id="email" label="Email" kind="email" autocomplete="username"
                    field=Field::Email error value=typed_email/>
                <TextField id="password" label="Password" kind="password" autocomplete="current-password"
                    field=Field::Password error/>
                <div class="field checkbox">
                    <input id="remember" name="remember" type="checkbox"/>
                    <label for="remember">"Remember me on this device"</label>
                </div>
                <input type="hidden" name="next" value=next/>
                <button type="submit">"Log in"</button>
            </ActionForm>
            <p>"New here? " <A href="/signup">"Create an account"</A></p>
        </section>
    }
}
