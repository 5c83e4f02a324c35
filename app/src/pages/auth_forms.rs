//! Sign-up and log-in forms: plain HTML forms posting to their server
//! functions, checked first in the browser by their submit button's island.

use super::{FormError, PageContext, SubmitButton, TextField};
use crate::{
    api::{Login, Reauthenticate, Signup, VerifySecondFactor},
    domain::{Field, FormRules, NextPath},
    islands::{PasskeyLogin, PasswordHint},
    ssr::{session, AppState},
};
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;
use server_fn::ServerFn;

#[component]
pub fn SignupPage() -> impl IntoView {
    let error = PageContext::get().error_for(Signup::PATH);
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
    let error = PageContext::get().error_for(Login::PATH);
    let typed_email = error.as_ref().and_then(|e| e.email.clone());
    let next = use_query_map().read_untracked().get("next").unwrap_or_default();
    view! {
        <Title text="Log in · Gatehouse"/>
        <section class="card narrow">
            <h1>"Log in"</h1>
            <form method="post" action=Login::PATH class="auth-form" novalidate>
                <FormError error=error.clone()/>
                // `webauthn`: a browser offers this site's passkeys in the
                // field's autofill (the PasskeyLogin island asks it to).
                <TextField id="email" label="Email" kind="email" autocomplete="username webauthn"
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
            <PasskeyLogin/>
            <p><a href="/reset-password">"Forgot your password?"</a></p>
            <p>"New here? " <a href="/signup">"Create an account"</a></p>
        </section>
    }
}

/// `/login/verify`: the second step of a login whose password was right,
/// for an account with two-step verification. Only the browser that typed
/// the password has the login waiting (in its session), for five minutes.
#[component]
pub fn VerifyPage() -> impl IntoView {
    let error = PageContext::get().error_for(VerifySecondFactor::PATH);
    let body = Suspend::new(async move {
        let waiting = match session::current().await {
            Ok(session) => session::pending(&session).await.ok().flatten().is_some(),
            Err(_) => false,
        };
        if !waiting {
            return view! {
                <div data-testid="no-pending-login">
                    <p role="alert">"There is no login waiting for a code in this browser. It may have taken more than five minutes, or begun in another browser."</p>
                    <p><a href="/login">"Log in again"</a></p>
                </div>
            }
            .into_any();
        }
        view! {
            <p>"Your password was right. Now type the 6-digit code your authenticator app shows for Gatehouse."</p>
            <form method="post" action=VerifySecondFactor::PATH class="auth-form" novalidate>
                <FormError error=error.clone()/>
                <TextField id="code" label="Code" kind="text" autocomplete="one-time-code"
                    inputmode="numeric" field=Field::Code error/>
                <SubmitButton label="Verify" busy="Checking…" rules=FormRules::Code/>
            </form>
            <p class="hint">"Lost your phone? Type one of your recovery codes in the same field instead. Each works once."</p>
        }
        .into_any()
    });
    view! {
        <Title text="Two-step verification · Gatehouse"/>
        <section class="card narrow">
            <h1>"Two-step verification"</h1>
            <Suspense fallback=|| ()>{body}</Suspense>
            <PasskeyLogin/>
        </section>
    }
}

/// `/reauthenticate`: a signed-in session confirms it's you before a
/// sensitive change (the access layer sends a form posted outside the
/// window here, with `next` the page it came from). The password, and a
/// code when the account has two-step verification; with JavaScript, a
/// passkey instead. Then back to `next`.
#[component]
pub fn ReauthPage() -> impl IntoView {
    let request = PageContext::get();
    let error = request.error_for(Reauthenticate::PATH);
    let next = use_query_map().read_untracked().get("next");
    let next = NextPath::or_profile(next.as_deref()).as_str().to_owned();
    let viewer = request.viewer.clone();
    let body = Suspend::new(async move {
        let Some(viewer) = viewer else {
            return ().into_any();
        };
        let two_step = match AppState::from_context() {
            Ok(state) => state.two_factor.enabled(viewer.user_id).await.unwrap_or(true),
            Err(_) => true,
        };
        view! {
            <form method="post" action=Reauthenticate::PATH class="auth-form" novalidate>
                <FormError error=error.clone()/>
                // For password managers: whose password this is.
                <input type="hidden" name="username" autocomplete="username" value=viewer.email/>
                <TextField id="password" label="Password" kind="password" autocomplete="current-password"
                    field=Field::Password error=error.clone()/>
                {two_step.then(|| view! {
                    <TextField id="code" label="Code from your authenticator app (or a recovery code)"
                        autocomplete="one-time-code" inputmode="numeric" field=Field::Code error=error.clone()/>
                })}
                <input type="hidden" name="next" value=next/>
                <SubmitButton label="Continue" busy="Checking…"/>
            </form>
        }
        .into_any()
    });
    view! {
        <Title text="Confirm it's you · Gatehouse"/>
        <section class="card narrow">
            <h1>"Confirm it's you"</h1>
            <p>"You are about to change something that protects your account, so Gatehouse asks for your password again. After that you can make changes for a few minutes."</p>
            <Suspense fallback=|| ()>{body}</Suspense>
            <PasskeyLogin/>
        </section>
    }
}
