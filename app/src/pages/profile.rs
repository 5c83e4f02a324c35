use super::{
    action_error,
    auth_forms::{PasswordHint, TextField},
    FormError, SubmitButton,
};
use crate::{
    api::{ChangePassword, DeleteAccount},
    domain::{Field, Flash},
    Auth,
};
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::components::A;

/// Protected. A signed-out full page load never gets here: the server
/// redirects it to the login page first. Inside the hydrated app the user
/// may be re-fetching right after logging in, so a signed-out answer shows
/// a link rather than navigating away on a stale value.
#[component]
pub fn ProfilePage() -> impl IntoView {
    let auth = expect_context::<Auth>();
    view! {
        <Title text="Your profile · Gatehouse"/>
        <Transition fallback=|| view! { <section class="card"><p>"Loading…"</p></section> }>
            {move || Suspend::new(async move {
                match auth.user.await {
                    Ok(Some(user)) => view! {
                        <section class="card">
                            <h1>"Your profile"</h1>
                            <p>"Signed in as " <strong data-testid="profile-email">{user.email}</strong></p>
                            <p><A href="/sessions">"See where you're signed in"</A></p>
                        </section>
                        <ChangePasswordForm/>
                        <DeleteAccountForm/>
                    }.into_any(),
                    Err(err) => view! {
                        <section class="card">
                            <h1>"Your profile"</h1>
                            <p role="alert">{err.message}</p>
                        </section>
                    }.into_any(),
                    Ok(None) => view! {
                        <section class="card">
                            <h1>"Your profile"</h1>
                            <p>"You are signed out. "
                                <A href="/login?next=%2Fprofile">"Log in"</A>
                                " to see your profile."</p>
                        </section>
                    }.into_any(),
                }
            })}
        </Transition>
    }
}

#[component]
fn ChangePasswordForm() -> impl IntoView {
    let action = ServerAction::<ChangePassword>::new();
    let error = action_error(action);
    let typed = RwSignal::new(String::new());
    let done = move || {
        matches!(action.value().get(), Some(Ok(()))).then_some(Flash::PasswordChanged.message())
    };
    view! {
        <section class="card">
            <h2>"Change your password"</h2>
            <ActionForm action attr:class="auth-form" attr:novalidate=true>
                <FormError error/>
                <TextField id="current_password" label="Current password" kind="password"
                    autocomplete="current-password" field=Field::CurrentPassword error node_ref=NodeRef::new()/>
                <TextField id="new_password" label="New password" kind="password"
                    autocomplete="new-password" field=Field::NewPassword error node_ref=NodeRef::new()
                    on:input=move |ev| typed.set(event_target_value(&ev))/>
                <PasswordHint typed/>
                <p class="hint">"Changing it signs out every other device."</p>
                <SubmitButton label="Change password" busy="Changing it…" pending=action.pending()/>
            </ActionForm>
            <p class="notice" role="status" data-testid="password-changed">{done}</p>
        </section>
    }
}

#[component]
fn DeleteAccountForm() -> impl IntoView {
    let auth = expect_context::<Auth>();
    let action = ServerAction::<DeleteAccount>::new();
    let error = action_error(action);
    // Once the account is gone the header must say so.
    Effect::new(move |first: Option<()>| {
        action.version().track();
        if first.is_some() {
            auth.user.refetch();
        }
    });
    view! {
        <section class="card danger">
            <h2>"Delete your account"</h2>
            <p>"This deletes your account and signs out every device. It can't be undone."</p>
            <ActionForm action attr:class="auth-form" attr:novalidate=true>
                <FormError error/>
                <TextField id="delete_password" name="password" label="Your password" kind="password"
                    autocomplete="current-password" field=Field::Password error node_ref=NodeRef::new()/>
                <SubmitButton label="Delete my account" busy="Deleting it…" pending=action.pending() class="danger"/>
            </ActionForm>
        </section>
    }
}
