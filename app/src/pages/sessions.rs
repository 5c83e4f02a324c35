//! `/sessions`: where the user is signed in, with a way to end each session
//! and all the others at once. One form: "Log out everywhere else" is its
//! own action, and each session's button posts its handle to
//! `revoke_session` (`formaction`), with JavaScript on or off.

use super::{title, FormError, PageContext, SubmitButton};
use crate::{
    api::{list_sessions, LogoutOthers, RevokeSession, SessionInfo},
    domain::Language,
    t,
};
use leptos::prelude::*;
use leptos_meta::Title;
use server_fn::ServerFn;

/// "2026-11-23T15:04:05Z" as "2026-11-23 15:04 UTC" (the same in both
/// languages: ISO dates read the same in Korean).
pub(super) fn readable_time(rfc3339: &str) -> String {
    match (rfc3339.get(..10), rfc3339.get(11..16)) {
        (Some(date), Some(time)) => format!("{date} {time} UTC"),
        _ => rfc3339.to_owned(),
    }
}

#[component]
pub fn SessionsPage() -> impl IntoView {
    let request = PageContext::get();
    let l = request.language;
    let error = request
        .error_for(RevokeSession::PATH)
        .or_else(|| request.error_for(LogoutOthers::PATH));
    let list = Suspend::new(async move {
        match list_sessions().await {
            Ok(list) => view! {
                <ul class="sessions" data-testid="sessions">
                    <For each=move || list.clone() key=|s| s.id.clone() let:session>
                        <SessionItem session l/>
                    </For>
                </ul>
            }
            .into_any(),
            Err(err) => view! { <p role="alert">{err.message}</p> }.into_any(),
        }
    });
    view! {
        <Title text=title(t!(l, sessions.title))/>
        <section class="card">
            <h1>{t!(l, sessions.heading)}</h1>
            <p>{t!(l, sessions.intro)}</p>
            <form method="post" action=LogoutOthers::PATH class="sessions-form">
                <FormError error/>
                <Suspense fallback=move || view! { <p>{t!(l, common.loading)}</p> }>{list}</Suspense>
                <SubmitButton label=t!(l, sessions.others) busy=t!(l, sessions.others_busy) class="secondary logout-others"/>
            </form>
        </section>
    }
}

#[component]
fn SessionItem(session: SessionInfo, l: Language) -> impl IntoView {
    let SessionInfo {
        id,
        current,
        created_at,
        last_seen_at,
        created_ago,
        last_seen_ago,
        ip,
        device,
        ..
    } = session;
    // Revoking this device's session logs you out, and its button says so.
    // The others' accessible names say whose session they end, starting
    // with the visible "Revoke" so a person using speech input can say
    // what they see (WCAG 2.5.3).
    let button = if current {
        view! {
            <SubmitButton label=t!(l, sessions.revoke_mine) busy=t!(l, nav.logging_out) class="secondary"
                formaction=RevokeSession::PATH name="id" value=id/>
        }
        .into_any()
    } else {
        view! {
            <SubmitButton label=t!(l, sessions.revoke) busy=t!(l, sessions.revoking) class="secondary"
                formaction=RevokeSession::PATH name="id" value=id
                aria_label=t!(l, sessions.revoke_on, device = device.clone()).to_string()/>
        }
        .into_any()
    };
    view! {
        <li class="session" class:current=current data-testid="session">
            <div class="session-what">
                <strong>{device}</strong>
                {current.then(|| view! { <span class="badge" data-testid="this-device">{t!(l, common.this_device)}</span> })}
            </div>
            <dl class="session-facts">
                <dt>{t!(l, sessions.ip)}</dt><dd>{if ip.is_empty() { t!(l, sessions.unknown_ip).to_owned() } else { ip }}</dd>
                <dt>{t!(l, sessions.signed_in)}</dt>
                <dd><time datetime=created_at.clone() title=readable_time(&created_at)>{created_ago}</time></dd>
                <dt>{t!(l, sessions.last_seen)}</dt>
                <dd><time datetime=last_seen_at.clone() title=readable_time(&last_seen_at)>{last_seen_ago}</time></dd>
            </dl>
            <div class="revoke">{button}</div>
        </li>
    }
}
