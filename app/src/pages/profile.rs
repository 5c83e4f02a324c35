use super::{FormError, PageContext, SubmitButton, TextField};
use crate::ssr::AppState;
use crate::{
    api::{ChangeEmail, ChangePassword, DeleteAccount, ResendConfirmation},
    domain::{Field, FormRules},
    error::ApiError,
    islands::PasswordHint,
};
use leptos::prelude::*;
use leptos_meta::Title;
use server_fn::ServerFn;

/// Protected: a signed-out request never gets here, the server redirects
/// it to the login page first.
#[component]
pub fn ProfilePage() -> impl IntoView {
    let request = PageContext::get();
    let Some(user) = request.viewer.clone() else {
        return view! {
            <Title text="Your profile · Gatehouse"/>
            <section class="card">
                <h1>"Your profile"</h1>
                <p>"You are signed out. " <a href="/login?next=%2Fprofile">"Log in"</a> " to see your profile."</p>
            </section>
        }
        .into_any();
    };
    // Whether the address is confirmed is read from the account: a link
    // opened in another browser may have confirmed it.
    let user_id = user.user_id;
    let confirmed = Suspend::new(async move {
        let confirmed = match AppState::from_context() {
            Ok(state) => state.users.flags(user_id).await.ok().flatten().map(|f| f.email_confirmed),
            Err(_) => None,
        };
        match confirmed {
            Some(true) => view! {
                <p class="confirmed" data-testid="email-status">"Your email address is confirmed."</p>
            }
            .into_any(),
            Some(false) => view! {
                <div class="unconfirmed">
                    <p data-testid="email-status">
                        "Your email address is not confirmed yet. We sent you a link when you signed up."
                    </p>
                    <form method="post" action=ResendConfirmation::PATH>
                        <SubmitButton label="Send the link again" busy="Sending…" class="secondary"/>
                    </form>
                </div>
            }
            .into_any(),
            None => ().into_any(),
        }
    });
    view! {
        <Title text="Your profile · Gatehouse"/>
        <section class="card">
            <h1>"Your profile"</h1>
            <p>"Signed in as " <strong data-testid="profile-email">{user.email}</strong></p>
            <Suspense fallback=|| ()>{confirmed}</Suspense>
            <p><a href="/sessions">"See where you're signed in"</a></p>
        </section>
        <ChangeEmailForm error=request.error_for(ChangeEmail::PATH)/>
        <ChangePasswordForm error=request.error_for(ChangePassword::PATH)/>
        <DeleteAccountForm error=request.error_for(DeleteAccount::PATH)/>
    }
    .into_any()
}

#[component]
fn ChangeEmailForm(error: Option<ApiError>) -> impl IntoView {
    let typed = error.as_ref().and_then(|e| e.email.clone());
    view! {
        <section class="card">
            <h2>"Change your email address"</h2>
            <form method="post" action=ChangeEmail::PATH class="auth-form" novalidate>
                <FormError error=error.clone()/>
                <TextField id="new_email" label="New email address" kind="email"
                    autocomplete="email" field=Field::NewEmail error=error.clone() value=typed/>
                <TextField id="change_email_password" name="password" label="Password (to confirm it's you)" kind="password"
                    autocomplete="current-password" field=Field::Password error/>
                <p class="hint">"We'll mail a link to the new address. Nothing changes until you use it."</p>
                <SubmitButton label="Change email" busy="Sending the link…" rules=FormRules::NewEmail/>
            </form>
        </section>
    }
}

#[component]
fn ChangePasswordForm(error: Option<ApiError>) -> impl IntoView {
    view! {
        <section class="card">
            <h2>"Change your password"</h2>
            <form method="post" action=ChangePassword::PATH class="auth-form" novalidate>
                <FormError error=error.clone()/>
                <TextField id="current_password" label="Current password" kind="password"
                    autocomplete="current-password" field=Field::CurrentPassword error=error.clone()/>
                <TextField id="new_password" label="New password" kind="password"
                    autocomplete="new-password" field=Field::NewPassword error/>
                <PasswordHint/>
                <p class="hint">"Changing it signs out every other device."</p>
                <SubmitButton label="Change password" busy="Changing it…" rules=FormRules::NewPassword/>
            </form>
        </section>
    }
}

#[component]
fn DeleteAccountForm(error: Option<ApiError>) -> impl IntoView {
    view! {
        <section class="card danger">
            <h2>"Delete your account"</h2>
            <p>"This deletes your account and signs out every device. It can't be undone."</p>
            <form method="post" action=DeleteAccount::PATH class="auth-form" novalidate>
                <FormError error=error.clone()/>
                <TextField id="delete_password" name="password" label="Your password" kind="password"
                    autocomplete="current-password" field=Field::Password error/>
                <SubmitButton label="Delete my account" busy="Deleting it…" class="danger"/>
            </form>
        </section>
    }
}
