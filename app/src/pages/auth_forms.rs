//! Sign-up and log-in forms: plain HTML forms posting to their server
//! functions, checked first in the browser by their submit button's island.

use super::{FormError, Request, SubmitButton, TextField};
use crate::{
    api::{Login, Signup},
    domain::{Field, FormRules},
    islands::PasswordHint,
};
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;
use server_fn::ServerFn;

#[component]
pub fn SignupPage() -> impl IntoView {
    let error = Request::get().error_for(Signup::PATH);
    let typed_email = error.as_ref().and_then(|e| e.email.clone());
    view! {
        <Title text="Sign up · Gatehouse"/>
        <section class="card narrow">
            <h1>"Create your account"</h1>
            <form method="post" action=Signup::PATH class="auth-form" novalidate>
                <FormError error=error.clone()/>
                <TextField id="email" label="Email" kind="email" autocomplete="email"
                    field=Field::Email error=error.clone() value=typed_email/>
                <TextField id="password" label="Password" kind="password" autocomplete="new-password"
                    field=Field::Password error/>
                <PasswordHint/>
                <SubmitButton label="Sign up" busy="Signing up…" rules=FormRules::Signup/>
            </form>
            <p>"Already have an account? " <a href="/login">"Log in"</a></p>
        </section>
    }
}

#[component]
pub fn LoginPage() -> impl IntoView {
    let error = Request::get().error_for(Login::PATH);
    let typed_email = error.as_ref().and_then(|e| e.email.clone());
    let next = use_query_map().read_untracked().get("next").unwrap_or_default();
    view! {
        <Title text="Log in · Gatehouse"/>
        <section class="card narrow">
            <h1>"Log in"</h1>
            <form method="post" action=Login::PATH class="auth-form" novalidate>
                <FormError error=error.clone()/>
                <TextField id="email" label="Email" kind="email" autocomplete="username"
                    field=Field::Email error=error.clone() value=typed_email/>
                <TextField id="password" label="Password" kind="password" autocomplete="current-password"
                    field=Field::Password error/>
                <div class="field checkbox">
                    <input id="remember" name="remember" type="checkbox"/>
                    <label for="remember">"Remember me on this device"</label>
                </div>
                <input type="hidden" name="next" value=next/>
                <SubmitButton label="Log in" busy="Logging in…" rules=FormRules::Login/>
            </form>
            <p><a href="/reset-password">"Forgot your password?"</a></p>
            <p>"New here? " <a href="/signup">"Create an account"</a></p>
        </section>
    }
}
