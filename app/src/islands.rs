//! The parts of the pages that need the browser. Each is an `#[island]`:
//! rendered on the server with the rest of the page, then hydrated, and
//! the only components compiled into the WASM bundle.
//!
//! Two rules shape them. Fields and their errors stay outside islands:
//! the islands router patches the page the server sends back into the
//! current one but never looks inside an island, so whatever the server
//! says must live in the page around them. And no island takes props: an
//! island finds what it works on from where it stands in the page (its
//! form, its input row), so the bundle needs no JSON decoder for them.

use crate::{browser, domain::Password};
use leptos::{html, prelude::*};

/// On every page, once: makes a patched page behave like a page load, and
/// gives every form's submit button its behaviour (see
/// [`browser::install`]). Announces the new page's title after a
/// navigation (a polite live region). Marks the body `data-hydrated` once
/// the WASM runs, so tests and styles can tell.
#[island]
pub fn Navigator() -> impl IntoView {
    let announced = RwSignal::new(String::new());
    // Effects run only in the browser, once the island is hydrated.
    Effect::new(move |_| browser::install(move |title| announced.set(title)));
    view! {
        <p class="visually-hidden" aria-live="polite" data-testid="page-announcer">{announced}</p>
    }
}

/// A button that shows or hides what was typed in the password field
/// beside it (in the same `.input-row`). Its words change ("Show
/// password", "Hide password") rather than a pressed state, as GOV.UK's
/// password input does. It needs JavaScript to do anything, so it appears
/// only once hydrated: a browser without JavaScript never shows a dead
/// button.
#[island]
pub fn ShowPassword() -> impl IntoView {
    let slot = NodeRef::<html::Span>::new();
    // The input's id, once found.
    let input = RwSignal::new(None::<String>);
    let shown = RwSignal::new(false);
    Effect::new(move |_| {
        if let Some(slot) = slot.get() {
            input.set(browser::password_beside(&slot));
            // A patched page has the server's type="password" back.
            browser::on_navigated(move || shown.set(false));
        }
    });
    let toggle = move |_| {
        let now = !shown.get_untracked();
        shown.set(now);
        if let Some(id) = input.get_untracked() {
            browser::set_input_type(&id, if now { "text" } else { "password" });
        }
    };
    view! {
        <span class="show-password-slot" node_ref=slot>
            {move || {
                input.get().map(|id| {
                    view! {
                        <button type="button" class="show-password secondary" aria-controls=id on:click=toggle>
                            {move || if shown.get() { "Hide" } else { "Show" }}
                            <span class="visually-hidden">" password"</span>
                        </button>
                    }
                })
            }}
        </span>
    }
}

/// Says, while a new password is typed into its form's new-password field
/// (`autocomplete="new-password"`), how it stands against the rules the
/// server applies (the same [`Password::hint`], compiled into both).
/// Without JavaScript it shows the rules themselves.
#[island]
pub fn PasswordHint() -> impl IntoView {
    let hint = NodeRef::<html::P>::new();
    let typed = RwSignal::new(String::new());
    Effect::new(move |_| {
        if let Some(hint) = hint.get() {
            browser::on_new_password(&hint, move |value| typed.set(value));
        }
    });
    view! {
        <p class="hint" aria-live="polite" data-testid="password-hint" node_ref=hint>
            {move || Password::hint(&typed.read())}
        </p>
    }
}
