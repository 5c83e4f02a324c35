//! `/security`: the account's recent security activity (what, when, from
//! which browser and address), this device's events marked.

use crate::api::{security_events, SecurityEvent};
use leptos::prelude::*;
use leptos_meta::Title;

#[component]
pub fn SecurityPage() -> impl IntoView {
    // "This device": the address and browser of the request showing the page.
    let here = crate::ssr::client();
    let list = Suspend::new(async move {
        match security_events().await {
            Ok(events) if events.is_empty() => view! { <p>"Nothing yet."</p> }.into_any(),
            Ok(events) => view! {
                <ul class="events" data-testid="events">
                    {events
                        .into_iter()
                        .map(|event| {
                            let mine = event.ip == here.ip && event.user_agent == here.user_agent;
                            view! { <EventItem event mine/> }
                        })
                        .collect_view()}
                </ul>
            }
            .into_any(),
            Err(err) => view! { <p role="alert">{err.message}</p> }.into_any(),
        }
    });
    view! {
        <Title text="Security · Gatehouse"/>
        <section class="card">
            <h1>"Security"</h1>
            <h2>"Recent activity"</h2>
            <p>"What happened to your account lately, and where from. If you don't recognise something, change your password and end the sessions you don't know."</p>
            <Suspense fallback=|| view! { <p>"Loading…"</p> }>{list}</Suspense>
        </section>
    }
}

#[component]
fn EventItem(event: SecurityEvent, mine: bool) -> impl IntoView {
    let SecurityEvent {
        kind,
        at,
        ip,
        what,
        ago,
        device,
        ..
    } = event;
    let title = at.replace('T', " ").replace('Z', " UTC");
    view! {
        <li class="event" data-testid="event" data-type=kind>
            <strong>{what}</strong>
            {mine.then(|| view! { <span class="badge" data-testid="this-device">"This device"</span> })}
            <div class="event-facts">
                <time datetime=at title=title>{ago}</time>
                " · " {device} " · "
                <span data-testid="event-ip">{if ip.is_empty() { "unknown address".to_owned() } else { ip }}</span>
            </div>
        </li>
    }
}
