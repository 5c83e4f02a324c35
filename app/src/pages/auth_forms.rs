//! Sign-up and log-in forms: plain HTML forms posting to their server
//! functions, checked first in the browser by their submit button's island.

use super::{FormError, PageContext, SubmitButton, TextField};
use crate::{
    api::{Login, Reauthenticate, Signup, VerifySecondFactor},
    domain::{Field, FormRules, NextPath},
    islands::{PasskeyLogin, PasswordHint},
    ssr::{session, AppState},
    t,
};
use super::title;
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;
use server_fn::ServerFn;

#[component]
pub fn SignupPage() -> impl IntoView {
    let request = PageContext::get();
    let l = request.language;
    let error = request.error_for(Signup::PATH);
    let typed_email = error.as_ref().and_then(|e| e.email.clone());
    view! {
        <Title text=title(t!(l, nav.sign_up))/>
        <section class="card narrow">
            <h1>{t!(l, signup.heading)}</h1>
            <form method="post" action=Signup::PATH class="auth-form" novalidate>
                <FormError error=error.clone()/>
                <TextField id="email" label=t!(l, fields.email) kind="email" autocomplete="email"
                    field=Field::Email error=error.clone() value=typed_email/>
                <TextField id="password" label=t!(l, fields.password) kind="password" autocomplete="new-password"
                    field=Field::Password error/>
                <PasswordHint/>
                <SubmitButton label=t!(l, nav.sign_up) busy=t!(l, signup.busy) rules=FormRules::Signup/>
            </form>
            <ProviderButtons next=None/>
            <p>{t!(l, signup.have_account)} " " <a href="/login">{t!(l, nav.log_in)}</a></p>
        </section>
    }
}

#[component]
pub fn LoginPage() -> impl IntoView {
    let request = PageContext::get();
    let l = request.language;
    let error = request.error_for(Login::PATH);
    let typed_email = error.as_ref().and_then(|e| e.email.clone());
    let next = use_query_map().read_untracked().get("next").unwrap_or_default();
    let next_for_providers = next.clone();
    view! {
        <Title text=title(t!(l, nav.log_in))/>
        <section class="card narrow">
            <h1>{t!(l, nav.log_in)}</h1>
            <form method="post" action=Login::PATH class="auth-form" novalidate>
                <FormError error=error.clone()/>
                // `webauthn`: a browser offers this site's passkeys in the
                // field's autofill (the PasskeyLogin island asks it to).
                <TextField id="email" label=t!(l, fields.email) kind="email" autocomplete="username webauthn"
                    field=Field::Email error=error.clone() value=typed_email/>
                <TextField id="password" label=t!(l, fields.password) kind="password" autocomplete="current-password"
                    field=Field::Password error/>
                <div class="field checkbox">
                    <input id="remember" name="remember" type="checkbox"/>
                    <label for="remember">{t!(l, login.remember)}</label>
                </div>
                <input type="hidden" name="next" value=next/>
                <SubmitButton label=t!(l, nav.log_in) busy=t!(l, login.busy) rules=FormRules::Login/>
            </form>
            <PasskeyLogin/>
            <ProviderButtons next=Some(next_for_providers)/>
            <p><a href="/reset-password">{t!(l, login.forgot)}</a></p>
            <p>{t!(l, login.new_here)} " " <a href="/signup">{t!(l, login.create)}</a></p>
        </section>
    }
}

/// `/login/verify`: the second step of a login whose password was right,
/// for an account with two-step verification. Only the browser that typed
/// the password has the login waiting (in its session), for five minutes.
#[component]
pub fn VerifyPage() -> impl IntoView {
    let request = PageContext::get();
    let l = request.language;
    let error = request.error_for(VerifySecondFactor::PATH);
    let body = Suspend::new(async move {
        let waiting = match session::current().await {
            Ok(session) => session::pending(&session).await.ok().flatten().is_some(),
            Err(_) => false,
        };
        if !waiting {
            return view! {
                <div data-testid="no-pending-login">
                    <p role="alert">{t!(l, verify.none_waiting)}</p>
                    <p><a href="/login">{t!(l, verify.again)}</a></p>
                </div>
            }
            .into_any();
        }
        view! {
            <p>{t!(l, verify.intro)}</p>
            <form method="post" action=VerifySecondFactor::PATH class="auth-form" novalidate>
                <FormError error=error.clone()/>
                <TextField id="code" label=t!(l, fields.code) kind="text" autocomplete="one-time-code"
                    inputmode="numeric" field=Field::Code error/>
                <SubmitButton label=t!(l, verify.button) busy=t!(l, common.checking) rules=FormRules::Code/>
            </form>
            <p class="hint">{t!(l, verify.lost_phone)}</p>
        }
        .into_any()
    });
    view! {
        <Title text=title(t!(l, verify.title))/>
        <section class="card narrow">
            <h1>{t!(l, verify.title)}</h1>
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
    let l = request.language;
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
        // "Continue with {provider}" for each provider linked to the
        // account: a fresh login there re-authenticates.
        let linked: Vec<String> = match AppState::from_context() {
            Ok(state) => state.accounts.identities(viewer.user_id).await.unwrap_or_default().into_iter().map(|(name, _, _)| name).collect(),
            Err(_) => Vec::new(),
        };
        view! {
            <form method="post" action=Reauthenticate::PATH class="auth-form" novalidate>
                <FormError error=error.clone()/>
                // For password managers: whose password this is.
                <input type="hidden" name="username" autocomplete="username" value=viewer.email/>
                <TextField id="password" label=t!(l, fields.password) kind="password" autocomplete="current-password"
                    field=Field::Password error=error.clone()/>
                {two_step.then(|| view! {
                    <TextField id="code" label=t!(l, fields.code_or_recovery)
                        autocomplete="one-time-code" inputmode="numeric" field=Field::Code error=error.clone()/>
                })}
                <input type="hidden" name="next" value=next.clone()/>
                <SubmitButton label=t!(l, reauth.button) busy=t!(l, common.checking)/>
            </form>
            <ProviderButtons next=Some(next.clone()) reauth=true only=linked/>
        }
        .into_any()
    });
    view! {
        <Title text=title(t!(l, reauth.title))/>
        <section class="card narrow">
            <h1>{t!(l, reauth.title)}</h1>
            <p>{t!(l, reauth.intro)}</p>
            <Suspense fallback=|| ()>{body}</Suspense>
            <PasskeyLogin/>
        </section>
    }
}

/// "Continue with {label}" for each configured provider (`OIDC_PROVIDERS`),
/// or only those named in `only`: form posts that work without JavaScript.
/// `data-reload`: the browser itself follows the answer, a redirect to the
/// provider. With `reauth`, the provider is asked for a fresh login that
/// re-authenticates the signed-in account.
#[component]
fn ProviderButtons(
    next: Option<String>,
    #[prop(optional)] reauth: bool,
    #[prop(optional)] only: Option<Vec<String>>,
) -> impl IntoView {
    let l = PageContext::get().language;
    let providers: Vec<(String, String)> = AppState::from_context()
        .map(|state| {
            state
                .oidc
                .configs()
                .filter(|p| only.as_ref().is_none_or(|names| names.contains(&p.name)))
                .map(|p| (p.name.clone(), p.label.clone()))
                .collect()
        })
        .unwrap_or_default();
    (!providers.is_empty()).then(|| {
        let buttons = providers
            .into_iter()
            .map(|(name, label)| {
                let action = format!("/auth/{name}/start");
                view! {
                    <form method="post" action=action data-reload="" class="provider">
                        {reauth.then(|| view! { <input type="hidden" name="reauth" value="1"/> })}
                        {next.clone().filter(|n| !n.is_empty()).map(|n| view! { <input type="hidden" name="next" value=n/> })}
                        <button type="submit" class="secondary" data-testid=format!("provider-{name}")>
                            {t!(l, oidc.continue_with, label = label).to_string()}
                        </button>
                    </form>
                }
            })
            .collect_view();
        view! { <div class="providers">{buttons}</div> }
    })
}
