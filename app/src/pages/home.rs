use super::PageContext;
use leptos::prelude::*;

#[component]
pub fn HomePage() -> impl IntoView {
    let body = match PageContext::get().viewer {
        Some(user) => view! {
            <p>"You are signed in as " <strong data-testid="home-email">{user.email}</strong> "."</p>
            <p><a href="/profile">"Go to your profile"</a></p>
        }
        .into_any(),
        None => view! {
            <p>"Sign up for an account, or log in to the one you have."</p>
            <p class="actions">
                <a href="/login" class="button">"Log in"</a>
                <a href="/signup" class="button secondary">"Sign up"</a>
            </p>
        }
        .into_any(),
    };
    view! {
        <section class="card">
            <h1>"Welcome to Gatehouse"</h1>
            {body}
        </section>
    }
}
