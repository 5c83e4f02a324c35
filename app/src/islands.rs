//! The parts of the pages that need the browser. Each is an `#[island]`:
//! rendered on the server with the rest of the page, then hydrated, and
//! the only components compiled into the WASM bundle. Fields and their
//! errors stay outside islands: the islands router patches the page the
//! server sends back into the current one, but never looks inside an
//! island, so anything the server says must live in the page around them.

use crate::{browser, domain::FormRules, domain::Password};
use leptos::prelude::*;

/// On every page, once: announces the new page's title after a navigation
/// (a polite live region), and makes a patched page behave like a page
/// load (see [`browser::install_navigation`]). Marks the body
/// `data-hydrated` once the WASM runs, so tests and styles can tell.
#[island]
pub fn Navigator() -> impl IntoView {
    let announced = RwSignal::new(String::new());
    // Effects run only in the browser, once the island is hydrated.
    Effect::new(move |_| browser::install_navigation(move |title| announced.set(title)));
    view! {
        <p class="visually-hidden" aria-live="polite" data-testid="page-announcer">{announced}</p>
    }
}

/// A form's submit button. While its post is under way it is disabled, so
/// the form can't be sent twice, and says what it is doing. With `rules`,
/// a click first checks the form's fields in the browser with the rules
/// the server applies: a field that breaks one gets its message and focus,
/// and nothing is sent. Without JavaScript the browser shows its own
/// progress and the server checks.
#[island]
pub fn SubmitButton(
    #[prop(into)] label: String,
    /// What it says while the post is under way ("Signing up…").
    #[prop(into)]
    busy: String,
    #[prop(optional)] rules: Option<FormRules>,
    #[prop(optional, into)] class: Option<String>,
    /// Posts to this server function instead of the form's own.
    #[prop(optional, into)]
    formaction: Option<String>,
    #[prop(optional, into)] name: Option<String>,
    #[prop(optional, into)] value: Option<String>,
    #[prop(optional, into)] aria_label: Option<String>,
) -> impl IntoView {
    let pending = RwSignal::new(false);
    let button = NodeRef::<leptos::html::Button>::new();
    Effect::new(move |_| {
        if let Some(element) = button.get() {
            // Busy once the form is really on its way: the click comes
            // first (also for Enter in a field), and a disabled button
            // would not submit.
            browser::on_own_submit(&element, move || pending.set(true));
        }
        // The page the server answered with has been patched in: an
        // error came back, so the button is free again.
        browser::on_navigated(move || pending.set(false));
    });
    let check = move |ev: leptos::ev::MouseEvent| {
        if pending.get_untracked() {
            ev.prevent_default();
            return;
        }
        if let (Some(rules), Some(element)) = (rules, button.get_untracked()) {
            if !browser::precheck(&element, rules) {
                ev.prevent_default();
            }
        }
    };
    view! {
        <button
            type="submit"
            node_ref=button
            class=class
            formaction=formaction
            name=name
            value=value
            aria-label=aria_label
            disabled=move || pending.get()
            aria-busy=move || if pending.get() { "true" } else { "false" }
            on:click=check
        >
            {move || if pending.get() { busy.clone() } else { label.clone() }}
        </button>
    }
}

/// A button that shows or hides what was typed in the password field
/// `input` (its id). Its words change ("Show password", "Hide password")
/// rather than a pressed state, as GOV.UK's password input does. It needs
/// JavaScript to do anything, so it appears only once hydrated: a browser
/// without JavaScript never shows a dead button.
#[island]
pub fn ShowPassword(#[prop(into)] input: String) -> impl IntoView {
    let hydrated = RwSignal::new(false);
    let shown = RwSignal::new(false);
    Effect::new(move |_| {
        hydrated.set(true);
        // A patched page has the server's type="password" back.
        browser::on_navigated(move || shown.set(false));
    });
    let field = StoredValue::new(input);
    let toggle = move |_| {
        let now = !shown.get_untracked();
        shown.set(now);
        field.with_value(|id| browser::set_input_type(id, if now { "text" } else { "password" }));
    };
    move || {
        hydrated.get().then(|| {
            view! {
                <button
                    type="button"
                    class="show-password secondary"
                    aria-controls=field.get_value()
                    on:click=toggle
                >
                    {move || if shown.get() { "Hide" } else { "Show" }}
                    <span class="visually-hidden">" password"</span>
                </button>
            }
        })
    }
}

/// Says, while a new password is typed into the field `input` (its id),
/// how it stands against the rules the server applies (the same
/// [`Password::hint`], compiled into both). Without JavaScript it shows the
/// rules themselves.
#[island]
pub fn PasswordHint(#[prop(into)] input: String) -> impl IntoView {
    let typed = RwSignal::new(String::new());
    Effect::new(move |_| browser::on_input(&input, move |value| typed.set(value)));
    view! {
        <p class="hint" aria-live="polite" data-testid="password-hint">
            {move || Password::hint(&typed.read())}
        </p>
    }
}
