use super::LogoutButton;
use crate::Auth;
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
        <section class="card">
            <Transition fallback=|| view! { <p>"Loading…"</p> }>
                {move || Suspend::new(async move {
                    match auth.user.await {
                        Ok(Some(user)) => view! {
                            <h1>"Your profile"</h1>
                            <p>"Signed in as " <strong data-testid="profile-email">{user.email}</strong></p>
                            <LogoutButton/>
                        }.into_any(),
                        Err(err) => view! {
                            <h1>"Your profile"</h1>
                            <p role="alert">{err.message}</p>
                        }.into_any(),
                        Ok(None) => view! {
                            <h1>"Your profile"</h1>
                            <p>"You are signed out. "
                                <A href="/login?next=%2Fprofile">"Log in"</A>
                                " to see your profile."</p>
                        }.into_any(),
                    }
                })}
            </Transition>
        </section>
    }
}
