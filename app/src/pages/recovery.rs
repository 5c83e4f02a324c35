//! The pages a mailed link leads to, and the one that sends the reset
//! link: `/reset-password`, `/reset-password/{token}`,
//! `/confirm-email/{token}`, and the development mailbox. Opening a link
//! changes nothing: each page shows a form whose button posts.

use super::{title, FormError, PageContext, SubmitButton, TextField};
use crate::{
    api::{ConfirmEmail, RequestPasswordReset, ResetPassword},
    domain::{Field, FormRules, LinkToken},
    error::ApiError,
    islands::PasswordHint,
    ssr::{
        tokens::{Link, Purpose},
        AppState,
    },
    t,
};
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_params_map;
use server_fn::ServerFn;

/// `/reset-password`: asks for the address to send a link to.
#[component]
pub fn ResetRequestPage() -> impl IntoView {
    let request = PageContext::get();
    let l = request.language;
    let error = request.error_for(RequestPasswordReset::PATH);
    let typed_email = error.as_ref().and_then(|e| e.email.clone());
    view! {
        <Title text=title(t!(l, reset.title))/>
        <section class="card narrow">
            <h1>{t!(l, reset.title)}</h1>
            <p>{t!(l, reset.intro)}</p>
            <form method="post" action=RequestPasswordReset::PATH class="auth-form" novalidate>
                <FormError error=error.clone()/>
                <TextField id="email" label=t!(l, fields.email) kind="email" autocomplete="username"
                    field=Field::Email error value=typed_email/>
                <SubmitButton label=t!(l, reset.send) busy=t!(l, common.sending) rules=FormRules::EmailOnly/>
            </form>
            <p><a href="/login">{t!(l, reset.back)}</a></p>
        </section>
    }
}

/// A link that does not work, in words, with the way to a new one.
#[component]
fn DeadLink(again: &'static str, href: &'static str) -> impl IntoView {
    let l = PageContext::get().language;
    view! {
        <div class="dead-link" data-testid="dead-link">
            <p role="alert">{t!(l, links.dead)}</p>
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
    let request = PageContext::get();
    let l = request.language;
    let error = request.error_for(ResetPassword::PATH);
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
                <p>{t!(l, reset.choose_intro)}</p>
                <form method="post" action=ResetPassword::PATH class="auth-form" novalidate>
                    <FormError error=error.clone()/>
                    <input type="hidden" name="token" value=token.expose().to_owned()/>
                    <TextField id="new_password" label=t!(l, fields.new_password) kind="password"
                        autocomplete="new-password" field=Field::NewPassword error=error.clone()/>
                    <PasswordHint/>
                    {needs_code.then(|| view! {
                        <TextField id="code" label=t!(l, fields.code_or_recovery)
                            autocomplete="one-time-code" field=Field::Code error=error.clone()/>
                    })}
                    <SubmitButton label=t!(l, reset.set) busy=t!(l, reset.setting) rules=FormRules::NewPassword/>
                </form>
            }
            .into_any(),
            None => view! { <DeadLink again=t!(l, links.ask_again) href="/reset-password"/> }.into_any(),
        }
    });
    view! {
        <Title text=title(t!(l, reset.choose_title))/>
        <section class="card narrow">
            <h1>{t!(l, reset.choose_title)}</h1>
            <Suspense fallback=|| ()>{body}</Suspense>
        </section>
    }
}

/// `/confirm-email/{token}`: a button that confirms the address. A mail
/// scanner that opens the link uses nothing up.
#[component]
pub fn ConfirmEmailPage() -> impl IntoView {
    let request = PageContext::get();
    let l = request.language;
    let error = request.error_for(ConfirmEmail::PATH);
    let token = token_param();
    let body = Suspend::new(async move {
        let link = live_link(&token, &[Purpose::Confirm, Purpose::ChangeEmail]).await;
        match (token, link) {
            (Some(token), Some(link)) => {
                let what = if link.purpose == Purpose::ChangeEmail {
                    t!(l, confirm.make_it_yours)
                } else {
                    t!(l, confirm.is_it_yours)
                };
                view! {
                    <p>{what}</p>
                    <p><strong data-testid="confirm-address">{link.email}</strong></p>
                    <form method="post" action=ConfirmEmail::PATH class="auth-form">
                        // Whatever went wrong belongs to the form as a whole
                        // (the address taken meanwhile, say).
                        <FormError error=error.map(|e| ApiError { field: None, ..e })/>
                        <input type="hidden" name="token" value=token.expose().to_owned()/>
                        <SubmitButton label=t!(l, confirm.button) busy=t!(l, confirm.busy)/>
                    </form>
                }
                .into_any()
            }
            _ => view! {
                <DeadLink again=t!(l, links.from_profile) href="/profile"/>
            }
            .into_any(),
        }
    });
    view! {
        <Title text=title(t!(l, confirm.title))/>
        <section class="card narrow">
            <h1>{t!(l, confirm.title)}</h1>
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
    let l = PageContext::get().language;
    let enabled = AppState::from_context().is_ok_and(|s| s.accounts.mail().dev_mailbox);
    if !enabled {
        return view! { <super::NotFound/> }.into_any();
    }
    let mails = Suspend::new(async move {
        let Ok(state) = AppState::from_context() else {
            return view! { <p role="alert">{t!(l, mailbox.unavailable)}</p> }.into_any();
        };
        match state.outbox.newest(100).await {
            Ok(mails) if mails.is_empty() => view! { <p>{t!(l, mailbox.empty)}</p> }.into_any(),
            Ok(mails) => mails
                .into_iter()
                .map(|mail| {
                    let when = crate::domain::time_ago(crate::ssr::session::now() - mail.created_at, l);
                    let body = match mail.message {
                        Some(message) => linked_lines(&message.text).into_any(),
                        None => view! { <em>{t!(l, mailbox.body_gone)}</em> }.into_any(),
                    };
                    view! {
                        <article class="mail" data-testid="mail">
                            <h2>{mail.subject}</h2>
                            <p class="mail-meta">
                                {t!(l, mailbox.to)} " " <strong data-testid="mail-to">{mail.recipient}</strong> " · " {when}
                            </p>
                            <div class="mail-body">{body}</div>
                        </article>
                    }
                })
                .collect_view()
                .into_any(),
            Err(err) => {
                tracing::warn!(error = %crate::ssr::internal::chain(&err), "the development mailbox could not read the outbox");
                view! { <p role="alert">{t!(l, mailbox.unreadable)}</p> }.into_any()
            }
        }
    });
    view! {
        <Title text=title(t!(l, mailbox.title))/>
        <section class="card">
            <h1>{t!(l, mailbox.title)}</h1>
            <p class="hint">{t!(l, mailbox.hint)}</p>
            <Suspense fallback=|| ()>{mails}</Suspense>
        </section>
    }
    .into_any()
}
