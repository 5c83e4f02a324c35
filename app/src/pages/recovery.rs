//! The pages a mailed link leads to, and the one that sends the reset
//! link: `/reset-password`, `/reset-password/{token}`,
//! `/confirm-email/{token}`, and the development mailbox. Opening a link
//! changes nothing: each page shows a form whose button posts.

use super::{FormError, PageContext, SubmitButton, TextField};
use crate::{
    api::{ConfirmEmail, RequestPasswordReset, ResetPassword},
    domain::{Field, FormRules, LinkToken},
    error::ApiError,
    islands::PasswordHint,
    ssr::{
        tokens::{Link, Purpose},
        AppState,
    },
};
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_params_map;
use server_fn::ServerFn;

/// `/reset-password`: asks for the address to send a link to.
#[component]
pub fn ResetRequestPage() -> impl IntoView {
    let error = PageContext::get().error_for(RequestPasswordReset::PATH);
    let typed_email = error.as_ref().and_then(|e| e.email.clone());
    view! {
        <Title text="Reset your password · Gatehouse"/>
        <section class="card narrow">
            <h1>"Reset your password"</h1>
            <p>"Type the address you signed up with. We'll mail you a link to choose a new password."</p>
            <form method="post" action=RequestPasswordReset::PATH class="auth-form" novalidate>
                <FormError error=error.clone()/>
                <TextField id="email" label="Email" kind="email" autocomplete="username"
                    field=Field::Email error value=typed_email/>
                <SubmitButton label="Send the link" busy="Sending…" rules=FormRules::EmailOnly/>
            </form>
            <p><a href="/login">"Back to log in"</a></p>
        </section>
    }
}

/// A link that does not work, in words, with the way to a new one.
#[component]
fn DeadLink(again: &'static str, href: &'static str) -> impl IntoView {
    view! {
        <div class="dead-link" data-testid="dead-link">
            <p role="alert">"This link doesn't work. It may have been used already, it may have expired, or a newer one was sent."</p>
            <p><a href=href>{again}</a></p>
        </div>
    }
}

/// The token in the page's address, if it has a token's shape.
fn token_param() -> Option<LinkToken> {
    let token = use_params_map().read_untracked().get("token").unwrap_or_default();
    LinkToken::parse(&token)
}

/// What the page's link stands for, if it is live and of one of
/// `purposes`. Reading it uses nothing up.
async fn live_link(token: &Option<LinkToken>, purposes: &[Purpose]) -> Option<Link> {
    let state = AppState::from_context().ok()?;
    state.accounts.peek(token.as_ref()?, purposes).await.ok().flatten()
}

/// `/reset-password/{token}`: the new password. Served with
/// `Referrer-Policy: no-referrer`, so the token in its address never leaks
/// in a Referer.
#[component]
pub fn ResetPasswordPage() -> impl IntoView {
    let error = PageContext::get().error_for(ResetPassword::PATH);
    let token = token_param();
    let body = Suspend::new(async move {
        let link = live_link(&token, &[Purpose::Reset]).await;
        // An account with two-step verification gives a code as well: the
        // mailbox alone must not be enough to take it over.
        let needs_code = match (&link, AppState::from_context()) {
            (Some(link), Ok(state)) => state.accounts.reset_asks_for_code(&state.two_factor, link).await.unwrap_or(true),
            _ => false,
        };
        match token.filter(|_| link.is_some()) {
            Some(token) => view! {
                <p>"Choose a new password. Every device signed in to your account will be signed out."</p>
                <form method="post" action=ResetPassword::PATH class="auth-form" novalidate>
                    <FormError error=error.clone()/>
                    <input type="hidden" name="token" value=token.expose().to_owned()/>
                    <TextField id="new_password" label="New password" kind="password"
                        autocomplete="new-password" field=Field::NewPassword error=error.clone()/>
                    <PasswordHint/>
                    {needs_code.then(|| view! {
                        <TextField id="code" label="Code from your authenticator app, or a recovery code"
                            autocomplete="one-time-code" field=Field::Code error=error.clone()/>
                    })}
                    <SubmitButton label="Set my new password" busy="Setting it…" rules=FormRules::NewPassword/>
                </form>
            }
            .into_any(),
            None => view! { <DeadLink again="Ask for a new link" href="/reset-password"/> }.into_any(),
        }
    });
    view! {
        <Title text="Choose a new password · Gatehouse"/>
        <section class="card narrow">
            <h1>"Choose a new password"</h1>
            <Suspense fallback=|| ()>{body}</Suspense>
        </section>
    }
}

/// `/confirm-email/{token}`: a button that confirms the address. A mail
/// scanner that opens the link uses nothing up.
#[component]
pub fn ConfirmEmailPage() -> impl IntoView {
    let error = PageContext::get().error_for(ConfirmEmail::PATH);
    let token = token_param();
    let body = Suspend::new(async move {
        let link = live_link(&token, &[Purpose::Confirm, Purpose::ChangeEmail]).await;
        match (token, link) {
            (Some(token), Some(link)) => {
                let what = if link.purpose == Purpose::ChangeEmail {
                    "Make this the address of your account:"
                } else {
                    "Confirm that this address is yours:"
                };
                view! {
                    <p>{what}</p>
                    <p><strong data-testid="confirm-address">{link.email}</strong></p>
                    <form method="post" action=ConfirmEmail::PATH class="auth-form">
                        // Whatever went wrong belongs to the form as a whole
                        // (the address taken meanwhile, say).
                        <FormError error=error.map(|e| ApiError { field: None, ..e })/>
                        <input type="hidden" name="token" value=token.expose().to_owned()/>
                        <SubmitButton label="Confirm" busy="Confirming…"/>
                    </form>
                }
                .into_any()
            }
            _ => view! {
                <DeadLink again="Log in to send a new one from your profile" href="/profile"/>
            }
            .into_any(),
        }
    });
    view! {
        <Title text="Confirm your email address · Gatehouse"/>
        <section class="card narrow">
            <h1>"Confirm your email address"</h1>
            <Suspense fallback=|| ()>{body}</Suspense>
        </section>
    }
}

/// A mail's text with each link made clickable (links sit alone on their
/// lines in every mail Gatehouse writes).
fn linked_lines(text: &str) -> impl IntoView {
    text.lines()
        .map(|line| {
            let line = line.to_owned();
            if line.starts_with("http://") || line.starts_with("https://") {
                let href = line.clone();
                view! { <a href=href>{line}</a><br/> }.into_any()
            } else {
                view! { {line}<br/> }.into_any()
            }
        })
        .collect_view()
}

/// `/dev/mailbox`: in development without `SMTP_URL`, the mail the app has
/// sent, newest first. Not there in production.
#[component]
pub fn MailboxPage() -> impl IntoView {
    let enabled = AppState::from_context().is_ok_and(|s| s.accounts.mail().dev_mailbox);
    if !enabled {
        return view! { <super::NotFound/> }.into_any();
    }
    let mails = Suspend::new(async move {
        let Ok(state) = AppState::from_context() else {
            return view! { <p role="alert">"The mailbox is not available."</p> }.into_any();
        };
        match state.outbox.newest(100).await {
            Ok(mails) if mails.is_empty() => view! { <p>"No mail yet. Sign up, or ask for a password reset, and it shows here."</p> }.into_any(),
            Ok(mails) => mails
                .into_iter()
                .map(|mail| {
                    let when = crate::domain::time_ago(crate::ssr::session::now() - mail.created_at);
                    let body = match mail.message {
                        Some(message) => linked_lines(&message.text).into_any(),
                        None => view! { <em>"(This mail's body is gone: it was sent, or sealed with another secret.)"</em> }.into_any(),
                    };
                    view! {
                        <article class="mail" data-testid="mail">
                            <h2>{mail.subject}</h2>
                            <p class="mail-meta">
                                "To " <strong data-testid="mail-to">{mail.recipient}</strong> " · " {when}
                            </p>
                            <div class="mail-body">{body}</div>
                        </article>
                    }
                })
                .collect_view()
                .into_any(),
            Err(_) => view! { <p role="alert">"The mailbox could not be read."</p> }.into_any(),
        }
    });
    view! {
        <Title text="Development mailbox · Gatehouse"/>
        <section class="card">
            <h1>"Development mailbox"</h1>
            <p class="hint">"SMTP_URL is not set, so mail stays here instead of being sent. Newest first."</p>
            <Suspense fallback=|| ()>{mails}</Suspense>
        </section>
    }
    .into_any()
}
