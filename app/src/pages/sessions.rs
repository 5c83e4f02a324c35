//! `/sessions`: where the user is signed in, with a way to end each session
//! and all the others at once. One form: "Log out everywhere else" is its
//! own action, and each session's button posts its handle to
//! `revoke_session` (`formaction`), with JavaScript on or off.

use super::{FormError, PageContext, SubmitButton};
use crate::{
    api::{list_sessions, LogoutOthers, RevokeSession, SessionInfo},
};
use leptos::prelude::*;
use leptos_meta::Title;
use server_fn::ServerFn;

/// "2026-11-23T15:04:05Z" as "2026-11-23 15:04 UTC".
fn readable_time(rfc3339: &str) -> String {
    match (rfc3339.get(..10), rfc3339.get(11..16)) {
        (Some(date), Some(time)) => format!("{date} {time} UTC"),
        _ => rfc3339.to_owned(),
    }
}

#[component]
pub fn SessionsPage() -> impl IntoView {
    let request = PageContext::get();
    let error = request
        .error_for(RevokeSession::PATH)
        .or_else(|| request.error_for(LogoutOthers::PATH));
    let list = Suspend::new(async move {
        match list_sessions().await {
            Ok(list) => view! {
                <ul class="sessions" data-testid="sessions">
                    <For each=move || list.clone() key=|s| s.id.clone() let:session>
                        <SessionItem session/>
                    </For>
                </ul>
            }
            .into_any(),
            Err(err) => view! { <p role="alert">{err.message}</p> }.into_any(),
        }
    });
    view! {
        <Title text="Your sessions · Gatehouse"/>
        <section class="card">
            <h1>"Where you're signed in"</h1>
            <p>"Each session is a browser or device signed in to your account. End any you don't recognise."</p>
            <form method="post" action=LogoutOthers::PATH class="sessions-form">
                <FormError error/>
                <Suspense fallback=|| view! { <p>"Loading…"</p> }>{list}</Suspense>
                <SubmitButton label="Log out everywhere else" busy="Signing them out…" class="secondary logout-others"/>
            </form>
        </section>
    }
}

#[component]
fn SessionItem(session: SessionInfo) -> impl IntoView {
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
            <SubmitButton label="Revoke and log out" busy="Logging out…" class="secondary"
                formaction=RevokeSession::PATH name="id" value=id/>
        }
        .into_any()
    } else {
        view! {
            <SubmitButton label="Revoke" busy="Revoking…" class="secondary"
                formaction=RevokeSession::PATH name="id" value=id
                aria_label=format!("Revoke the session on {device}")/>
        }
        .into_any()
    };
    view! {
        <li class="session" class:current=current data-testid="session">
            <div class="session-what">
                <strong>{device}</strong>
                {current.then(|| view! { <span class="badge" data-testid="this-device">"This device"</span> })}
            </div>
            <dl class="session-facts">
                <dt>"IP address"</dt><dd>{if ip.is_empty() { "unknown".to_owned() } else { ip }}</dd>
                <dt>"Signed in"</dt>
                <dd><time datetime=created_at.clone() title=readable_time(&created_at)>{created_ago}</time></dd>
                <dt>"Last seen"</dt>
                <dd><time datetime=last_seen_at.clone() title=readable_time(&last_seen_at)>{last_seen_ago}</time></dd>
            </dl>
            <div class="revoke">{button}</div>
        </li>
    }
}
