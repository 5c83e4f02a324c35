use crate::Auth;
use leptos::prelude::*;
use leptos_router::components::A;

#[component]
pub fn HomePage() -> impl IntoView {
    let auth = expect_context::<Auth>();
    view! {
        <section class="card">
            <h1>"Welcome to Gatehouse"</h1>
            <Transition fallback=|| ()>
                {move || Suspend::new(async move {
                    match auth.user.await {
                        Ok(Some(user)) => view! {
                            <p>"You are signed in as " <strong data-testid="home-email">{user.email}</strong> "."</p>
                            <p><A href="/profile">"Go to your profile"</A></p>
                        }.into_any(),
                        _ => view! {
                            <p>"Sign up for an account, or log in to the one you have."</p>
                            <p class="actions">
                                <A href="/login" attr:class="button">"Log in"</A>
                                <A href="/signup" attr:class="button secondary">"Sign up"</A>
                            </p>
                        }.into_any(),
                    }
                })}
            </Transition>
        </section>
    }
}
