//! `/sessions`: where the user is signed in, with a way to end each session
//! and all the others at once. Every button is a form POST, so it works
//! without JavaScript too.

use super::{action_error, FormError};
use crate::{
    api::{list_sessions, LogoutOthers, RevokeSession, SessionInfo},
    domain::Flash,
    Auth,
};
use leptos::prelude::*;
use leptos_meta::Title;

/// "2026-11-23T15:04:05Z" as "2026-11-23 15:04 UTC".
fn readable_time(rfc3339: &str) -> String {
    match (rfc3339.get(..10), rfc3339.get(11..16)) {
        (Some(date), Some(time)) => format!("{date} {time} UTC"),
        _ => rfc3339.to_owned(),
    }
}

#[component]
pub fn SessionsPage() -> impl IntoView {
    let auth = expect_context::<Auth>();
    let revoke = ServerAction::<RevokeSession>::new();
    let others = ServerAction::<LogoutOthers>::new();
    let sessions = Resource::new(
        move || (revoke.version().get(), others.version().get()),
        |_| list_sessions(),
    );
    // Revoking this very session logs out: the header must show it, and
    // the login page says so.
    let revoking_self = RwSignal::new(false);
    Effect::new(move |first: Option<()>| {
        revoke.version().track();
        if first.is_some() {
            auth.user.refetch();
            if revoking_self.get_untracked()
                && matches!(revoke.value().get_untracked(), Some(Ok(())))
            {
                auth.ended.set(Some(Flash::LoggedOut));
            }
        }
    });
    let revoke_error = action_error(revoke);
    let others_error = action_error(others);
    let ended = move || {
        others.value().get().and_then(|r| r.ok()).map(|n| match n {
            0 => "There were no other sessions to end.".to_owned(),
            1 => "Ended 1 other session.".to_owned(),
            n => format!("Ended {n} other sessions."),
        })
    };
    view! {
        <Title text="Your sessions · Gatehouse"/>
        <section class="card">
            <h1>"Where you're signed in"</h1>
            <p>"Each session is a browser or device signed in to your account. End any you don't recognise."</p>
            <FormError error=revoke_error/>
            <Transition fallback=|| view! { <p>"Loading…"</p> }>
                {move || Suspend::new(async move {
                    match sessions.await {
                        Ok(list) => view! {
                            <ul class="sessions" data-testid="sessions">
                                {list.into_iter().map(|s| view! { <SessionItem session=s revoke revoking_self/> }).collect_view()}
                            </ul>
                        }.into_any(),
                        Err(err) => view! { <p role="alert">{err.message}</p> }.into_any(),
                    }
                })}
            </Transition>
            <ActionForm action=others attr:class="logout-others">
                <FormError error=others_error/>
                <button type="submit" class="secondary" disabled=move || others.pending().get()>
                    "Log out everywhere else"
                </button>
            </ActionForm>
            <p class="notice" role="status">{ended}</p>
        </section>
    }
}

#[component]
fn SessionItem(
    session: SessionInfo,
    revoke: ServerAction<RevokeSession>,
    /// Set when a revoke is sent: whether it is this device's session.
    revoking_self: RwSignal<bool>,
) -> impl IntoView {
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
    let (text, label) = if current {
        ("Revoke and log out", None)
    } else {
        ("Revoke", Some(format!("Revoke the session on {device}")))
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
            <ActionForm action=revoke attr:class="revoke" on:submit=move |_| revoking_self.set(current)>
                <input type="hidden" name="id" value=id/>
                <button type="submit" class="secondary" aria-label=label>{text}</button>
            </ActionForm>
        </li>
    }
}
