use super::LogoutButton;
use crate::Auth;
use leptos::prelude::*;
use leptos_router::components::Redirect;

/// Protected. A signed-out full page load never gets here (the server
/// redirects first); this guard covers navigation inside the hydrated app.
#[component]
pub fn ProfilePage() -> impl IntoView {
    let auth = expect_context::<Auth>();
    view! {
        <section class="card">
            <Transition fallback=|| view! { <p>"Loading…"</p> }>
                {move || Suspend::new(async move {
                    match auth.user.await {
                        Ok(user) => view! {
                            <h1>"Your profile"</h1>
                            <p>"Signed in as " <strong data-testid="profile-email">{user.email}</strong></p>
                            <LogoutButton/>
                        }.into_any(),
                        Err(_) => view! { <Redirect path="/login?next=%2Fprofile"/> }.into_any(),
                    }
                })}
            </Transition>
        </section>
    }
}
