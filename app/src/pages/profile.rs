use super::{title, FormError, PageContext, SubmitButton, TextField};
use crate::ssr::AppState;
use crate::{
    api::{ChangeEmail, ChangePassword, DeleteAccount, ResendConfirmation},
    domain::{Field, FormRules},
    error::ApiError,
    islands::PasswordHint,
    t,
};
use leptos::prelude::*;
use leptos_meta::Title;
use server_fn::ServerFn;

/// Protected: a signed-out request never gets here, the server redirects
/// it to the login page first.
#[component]
pub fn ProfilePage() -> impl IntoView {
    let request = PageContext::get();
    let l = request.language;
    let Some(user) = request.viewer.clone() else {
        return view! {
            <Title text=title(t!(l, profile.title))/>
            <section class="card">
                <h1>{t!(l, profile.title)}</h1>
                <p>{t!(l, profile.signed_out)} " " <a href="/login?next=%2Fprofile">{t!(l, nav.log_in)}</a></p>
            </section>
        }
        .into_any();
    };
    // Whether the address is confirmed is read from the account: a link
    // opened in another browser may have confirmed it.
    let user_id = user.user_id;
    let confirmed = Suspend::new(async move {
        let flags = match AppState::from_context() {
            Ok(state) => crate::ssr::users::flags_of(&state.users, user_id).await.ok().flatten(),
            Err(_) => None,
        };
        let admin = flags.is_some_and(|f| f.admin).then(|| view! {
            <p><a href="/admin" data-testid="admin-link">{t!(l, profile.administration)}</a></p>
        });
        let status = match flags.map(|f| f.email_confirmed) {
            Some(true) => view! {
                <p class="confirmed" data-testid="email-status">{t!(l, profile.confirmed)}</p>
            }
            .into_any(),
            Some(false) => view! {
                <div class="unconfirmed">
                    <p data-testid="email-status">{t!(l, profile.unconfirmed)}</p>
                    <form method="post" action=ResendConfirmation::PATH>
                        <SubmitButton label=t!(l, profile.resend) busy=t!(l, common.sending) class="secondary"/>
                    </form>
                </div>
            }
            .into_any(),
            None => ().into_any(),
        };
        view! { {status} {admin} }
    });
    // An account made by a provider has no password: it sets one through
    // the reset link, which proves the mailbox.
    let password_error = request.error_for(ChangePassword::PATH);
    let password_form = Suspend::new(async move {
        let has_password = match AppState::from_context() {
            Ok(state) => state.users.by_id(user_id).await.ok().flatten().is_none_or(|u| !u.password_hash.is_empty()),
            Err(_) => true,
        };
        if has_password {
            view! { <ChangePasswordForm error=password_error/> }.into_any()
        } else {
            view! {
                <section class="card">
                    <h2>{t!(l, profile.password_heading)}</h2>
                    <p data-testid="no-password">{t!(l, profile.no_password)}</p>
                    <p><a href="/reset-password" class="button secondary">{t!(l, profile.set_password)}</a></p>
                </section>
            }
            .into_any()
        }
    });
    view! {
        <Title text=title(t!(l, profile.title))/>
        <section class="card">
            <h1>{t!(l, profile.title)}</h1>
            <p>{t!(l, profile.signed_in_as)} " " <strong data-testid="profile-email">{user.email}</strong></p>
            <Suspense fallback=|| ()>{confirmed}</Suspense>
            <p><a href="/sessions">{t!(l, profile.see_sessions)}</a></p>
        </section>
        <ChangeEmailForm error=request.error_for(ChangeEmail::PATH)/>
        <Suspense fallback=|| ()>{password_form}</Suspense>
        <DeleteAccountForm error=request.error_for(DeleteAccount::PATH)/>
    }
    .into_any()
}

#[component]
fn ChangeEmailForm(error: Option<ApiError>) -> impl IntoView {
    let typed = error.as_ref().and_then(|e| e.email.clone());
    let l = PageContext::get().language;
    view! {
        <section class="card">
            <h2>{t!(l, profile.email_heading)}</h2>
            <form method="post" action=ChangeEmail::PATH class="auth-form" novalidate>
                <FormError error=error.clone()/>
                <TextField id="new_email" label=t!(l, profile.new_email) kind="email"
                    autocomplete="email" field=Field::NewEmail error=error.clone() value=typed/>
                <TextField id="change_email_password" name="password" label=t!(l, profile.password_to_confirm) kind="password"
                    autocomplete="current-password" field=Field::Password error/>
                <p class="hint">{t!(l, profile.email_hint)}</p>
                <SubmitButton label=t!(l, profile.change_email) busy=t!(l, profile.sending_link) rules=FormRules::NewEmail/>
            </form>
        </section>
    }
}

#[component]
fn ChangePasswordForm(error: Option<ApiError>) -> impl IntoView {
    let l = PageContext::get().language;
    view! {
        <section class="card">
            <h2>{t!(l, profile.password_heading)}</h2>
            <form method="post" action=ChangePassword::PATH class="auth-form" novalidate>
                <FormError error=error.clone()/>
                <TextField id="current_password" label=t!(l, profile.current_password) kind="password"
                    autocomplete="current-password" field=Field::CurrentPassword error=error.clone()/>
                <TextField id="new_password" label=t!(l, fields.new_password) kind="password"
                    autocomplete="new-password" field=Field::NewPassword error/>
                <PasswordHint/>
                <p class="hint">{t!(l, profile.password_hint)}</p>
                <SubmitButton label=t!(l, profile.change_password) busy=t!(l, profile.changing) rules=FormRules::NewPassword/>
            </form>
        </section>
    }
}

#[component]
fn DeleteAccountForm(error: Option<ApiError>) -> impl IntoView {
    let l = PageContext::get().language;
    view! {
        <section class="card danger">
            <h2>{t!(l, profile.delete_heading)}</h2>
            <p>{t!(l, profile.delete_text)}</p>
            <form method="post" action=DeleteAccount::PATH class="auth-form" novalidate>
                <FormError error=error.clone()/>
                <TextField id="delete_password" name="password" label=t!(l, profile.your_password) kind="password"
                    autocomplete="current-password" field=Field::Password error/>
                <SubmitButton label=t!(l, profile.delete_button) busy=t!(l, profile.deleting) class="danger"/>
            </form>
        </section>
    }
}
