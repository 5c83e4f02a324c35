//! Sign-up and log-in forms. Each is an `ActionForm`: a plain HTML form
//! posting to its server function, upgraded to a fetch once hydrated.

use super::{FormError, SubmitButton};
use crate::{
    api::{Login, Signup},
    domain::{Email, Field, Invalid, Password},
    error::ApiError,
    Auth,
};
use leptos::prelude::*;
use leptos::server::ServerActionError;
use leptos::{ev::MouseEvent, html::Input};
use leptos_meta::Title;
use leptos_router::{components::A, hooks::use_query_map};
use server_fn::{error::ServerFnUrlError, ServerFn};

/// A labelled input with its error message beside it.
#[component]
pub(super) fn TextField(
    id: &'static str,
    /// The form field's name, when it is not the same as `id`.
    #[prop(optional)]
    name: Option<&'static str>,
    label: &'static str,
    #[prop(default = "text")] kind: &'static str,
    autocomplete: &'static str,
    field: Field,
    error: Signal<Option<ApiError>>,
    /// What to put back in the field after a failed post without JavaScript.
    #[prop(optional, into)]
    value: Option<Signal<Option<String>>>,
    node_ref: NodeRef<Input>,
) -> impl IntoView {
    let message = move || {
        error
            .get()
            .and_then(|e| e.for_field(field).map(str::to_owned))
    };
    let error_id = format!("{id}-error");
    let shown = RwSignal::new(false);
    let invalid = move || message().is_some();
    // Focus goes to the field in error: on a page load (a form posted
    // without JavaScript comes back with its error) through `autofocus`,
    // and in the hydrated page when an error appears after a submit.
    Effect::new(move |before: Option<bool>| {
        let now = invalid();
        if now && before == Some(false) {
            if let Some(input) = node_ref.get() {
                let _ = input.focus();
            }
        }
        now
    });
    view! {
        <div class="field">
            <label for=id>{label}</label>
            <div class="input-row">
                <input
                    node_ref=node_ref
                    id=id
                    name=name.unwrap_or(id)
                    type=move || if shown.get() { "text" } else { kind }
                    autocomplete=autocomplete
                    value=move || value.and_then(|v| v.get())
                    aria-invalid=move || message().map(|_| "true")
                    autofocus=invalid
                    aria-describedby=error_id.clone()
                />
                {(kind == "password").then(|| view! { <ShowPassword input=id shown/> })}
            </div>
            <p class="field-error" id=error_id aria-live="polite">{message}</p>
        </div>
    }
}

/// Says, while a new password is typed, how it stands against the rules
/// the server applies (the same [`Password::hint`], compiled into both).
/// Without JavaScript it shows the rules themselves.
#[component]
pub(super) fn PasswordHint(typed: RwSignal<String>) -> impl IntoView {
    view! {
        <p class="hint" aria-live="polite" data-testid="password-hint">
            {move || Password::hint(&typed.read())}
        </p>
    }
}

/// A button that shows or hides what was typed in a password field. Its
/// words change ("Show password", "Hide password") rather than a pressed
/// state, as GOV.UK's password input does. It needs JavaScript to do
/// anything, so it appears only once the page is hydrated: a browser
/// without JavaScript never shows a dead button.
#[component]
fn ShowPassword(input: &'static str, shown: RwSignal<bool>) -> impl IntoView {
    let hydrated = RwSignal::new(false);
    // Effects run only in the browser, after hydration.
    Effect::new(move |_| hydrated.set(true));
    move || {
        hydrated.get().then(|| {
            view! {
                <button
                    type="button"
                    class="show-password secondary"
                    aria-controls=input
                    on:click=move |_| shown.update(|s| *s = !*s)
                >
                    {move || if shown.get() { "Hide" } else { "Show" }}
                    <span class="visually-hidden">" password"</span>
                </button>
            }
        })
    }
}

/// What an email-and-password form keeps: its two inputs, the error the
/// browser found itself, and the error to show (the browser's, else the
/// server's).
#[derive(Clone, Copy)]
struct CredentialsForm {
    email: NodeRef<Input>,
    password: NodeRef<Input>,
    local: RwSignal<Option<ApiError>>,
    server: Signal<Option<ApiError>>,
}

impl CredentialsForm {
    /// `value` and `path` are the form's action's: its last result, and the
    /// server function whose error a form posted without JavaScript comes
    /// back with in the URL (`?__err=`; the router provides it to the page
    /// being rendered).
    fn new(
        value: impl Get<Value = Option<Result<(), ApiError>>> + Send + Sync + 'static,
        path: &'static str,
    ) -> Self {
        let from_url = use_context::<ServerActionError>()
            .filter(|err| err.path() == path)
            .map(|err| ServerFnUrlError::<ApiError>::decode_err(err.err()));
        let server = Signal::derive(move || match value.get() {
            Some(result) => result.err(),
            None => from_url.clone(),
        });
        Self {
            email: NodeRef::new(),
            password: NodeRef::new(),
            local: RwSignal::new(None),
            server,
        }
    }

    fn error(self) -> Signal<Option<ApiError>> {
        Signal::derive(move || self.local.get().or_else(|| self.server.get()))
    }

    /// The email typed before a failed post without JavaScript.
    fn typed_email(self) -> Signal<Option<String>> {
        Signal::derive(move || self.server.get().and_then(|e| e.email))
    }

    /// Checks the typed values in the browser with the very rules the
    /// server applies (the same types, compiled into the WASM), so a
    /// mistake shows at once. A click on the submit button comes before the
    /// submit event (even for Enter in a field), so cancelling it stops the
    /// post.
    fn precheck(
        self,
        rules: impl Fn(&str, &str) -> Result<(), Invalid> + Copy + 'static,
    ) -> impl Fn(MouseEvent) + Copy + 'static {
        move |ev: MouseEvent| {
            let value = |input: NodeRef<Input>| input.get().map(|i| i.value()).unwrap_or_default();
            match rules(&value(self.email), &value(self.password)) {
                Ok(()) => self.local.set(None),
                Err(invalid) => {
                    ev.prevent_default();
                    self.local.set(Some(invalid.into()));
                }
            }
        }
    }
}

#[component]
pub fn SignupPage() -> impl IntoView {
    let auth = expect_context::<Auth>();
    let form = CredentialsForm::new(auth.signup.value(), Signup::PATH);
    let (error, typed_email) = (form.error(), form.typed_email());
    let typed = RwSignal::new(String::new());
    let check = form.precheck(|email, password| {
        Email::parse(email)
            .and(Password::parse(password))
            .map(|_| ())
    });
    view! {
        <Title text="Sign up · Gatehouse"/>
        <section class="card narrow">
            <h1>"Create your account"</h1>
            <ActionForm action=auth.signup attr:class="auth-form" attr:novalidate=true>
                <FormError error/>
                <TextField id="email" label="Email" kind="email" autocomplete="email"
                    field=Field::Email error value=typed_email node_ref=form.email/>
                <TextField id="password" label="Password" kind="password" autocomplete="new-password"
                    field=Field::Password error node_ref=form.password
                    on:input=move |ev| typed.set(event_target_value(&ev))/>
                <PasswordHint typed/>
                <SubmitButton label="Sign up" busy="Signing up…" pending=auth.signup.pending() on:click=check/>
            </ActionForm>
            <p>"Already have an account? " <A href="/login">"Log in"</A></p>
        </section>
    }
}

#[component]
pub fn LoginPage() -> impl IntoView {
    let auth = expect_context::<Auth>();
    let form = CredentialsForm::new(auth.login.value(), Login::PATH);
    let (error, typed_email) = (form.error(), form.typed_email());
    // Only the email's shape is checked here: password rules are for new
    // passwords, and a login just says whether the pair matches.
    let check = form.precheck(|email, _| Email::parse(email).map(|_| ()));
    let query = use_query_map();
    let next = move || query.read().get("next").unwrap_or_default();
    view! {
        <Title text="Log in · Gatehouse"/>
        <section class="card narrow">
            <h1>"Log in"</h1>
            <ActionForm action=auth.login attr:class="auth-form" attr:novalidate=true>
                <FormError error/>
                <TextField id="email" label="Email" kind="email" autocomplete="username"
                    field=Field::Email error value=typed_email node_ref=form.email/>
                <TextField id="password" label="Password" kind="password" autocomplete="current-password"
                    field=Field::Password error node_ref=form.password/>
                <div class="field checkbox">
                    <input id="remember" name="remember" type="checkbox"/>
                    <label for="remember">"Remember me on this device"</label>
                </div>
                <input type="hidden" name="next" value=next/>
                <SubmitButton label="Log in" busy="Logging in…" pending=auth.login.pending() on:click=check/>
            </ActionForm>
            <p>"New here? " <A href="/signup">"Create an account"</A></p>
        </section>
    }
}
