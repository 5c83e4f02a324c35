use super::{FormError, Request, SubmitButton, TextField};
use crate::{
    api::{ChangePassword, DeleteAccount},
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
    let request = Request::get();
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
    view! {
        <Title text="Your profile · Gatehouse"/>
        <section class="card">
            <h1>"Your profile"</h1>
            <p>"Signed in as " <strong data-testid="profile-email">{user.email}</strong></p>
            <p><a href="/sessions">"See where you're signed in"</a></p>
        </section>
        <ChangePasswordForm error=request.error_for(ChangePassword::PATH)/>
        <DeleteAccountForm error=request.error_for(DeleteAccount::PATH)/>
    }
    .into_any()
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
