use super::PageContext;
use crate::t;
use leptos::prelude::*;

#[component]
pub fn HomePage() -> impl IntoView {
    let request = PageContext::get();
    let l = request.language;
    let body = match request.viewer {
        Some(user) => view! {
            <p>{t!(l, home.signed_in_as)} " " <strong data-testid="home-email">{user.email}</strong></p>
            <p><a href="/profile">{t!(l, home.to_profile)}</a></p>
        }
        .into_any(),
        None => view! {
            <p>{t!(l, home.intro)}</p>
            <p class="actions">
                <a href="/login" class="button">{t!(l, nav.log_in)}</a>
                <a href="/signup" class="button secondary">{t!(l, nav.sign_up)}</a>
            </p>
        }
        .into_any(),
    };
    view! {
        <section class="card">
            <h1>{t!(l, home.title)}</h1>
            {body}
        </section>
    }
}
