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
//!
//! Three are lazy: each is a WASM module of its own (`cargo leptos
//! --split`), fetched only by a page that has it, once the main module
//! runs. They are the ones few pages have and that weigh the most
//! (measured in `docs/benchmarks.md`): `PasskeyLogin` (sign-in pages),
//! `AddPasskey` (`/security`) and `PasswordHint` (where a password is
//! chosen). `Navigator` is on every page and `ShowPassword` on every
//! password field, so they stay in the main module. A lazy island shows
//! its controls once its module has run, as every island does once the
//! WASM has.

use crate::{
    browser,
    domain::{Language, Password},
    t,
};
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
    // The page's language: the request's on the server, `<html lang>` in
    // the browser, so both render the same words.
    let l = Language::current();
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
                            // "Show password" / "비밀번호 보기": the unseen word
                            // goes where each language puts it.
                            <span class="visually-hidden">{t!(l, islands.password_before)}</span>
                            {move || if shown.get() { t!(l, islands.hide) } else { t!(l, islands.show) }}
                            <span class="visually-hidden">{t!(l, islands.password_after)}</span>
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
#[cfg_attr(wasm_split, island(lazy))]
#[cfg_attr(not(wasm_split), island)]
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

/// "Sign in with a passkey" on `/login` and `/login/verify`, and, where the
/// page has a field marked `autocomplete="… webauthn"`, the browser's
/// passkey autofill on it. Without JavaScript (or a browser without
/// passkeys) it shows nothing, and the password form works as ever.
#[cfg_attr(wasm_split, island(lazy))]
#[cfg_attr(not(wasm_split), island)]
pub fn PasskeyLogin() -> impl IntoView {
    use crate::passkey_browser::{self as passkeys, Failure};
    use leptos::task::spawn_local;
    let ready = RwSignal::new(false);
    let l = Language::current();
    let busy = RwSignal::new(false);
    let error = RwSignal::new(None::<String>);
    // On /reauthenticate the passkey confirms it's you rather than signs in.
    let confirming = RwSignal::new(false);
    let failed = move |failure: Failure| {
        busy.set(false);
        if let Failure::Said(message) = failure {
            error.set(Some(message));
        }
    };
    Effect::new(move |_| {
        if !passkeys::supported() {
            return;
        }
        ready.set(true);
        confirming.set(window().location().pathname().is_ok_and(|p| p == "/reauthenticate"));
        // Begun when the field is first used, not on every visit: a
        // passkey login keeps its challenge in a session, and a visit that
        // does nothing must store nothing.
        browser::on_first_focus_of_webauthn_field(move || spawn_local(async move {
            if !passkeys::autofill_available().await {
                return;
            }
            let Some(signal) = passkeys::autofill_signal() else {
                return;
            };
            if let Err(failure) = passkeys::sign_in(Some(&signal)).await {
                // Aborted for the button: that request reports instead.
                if !signal.aborted() {
                    failed(failure);
                }
            }
        }));
    });
    let sign_in = move |_| {
        passkeys::abort_autofill();
        error.set(None);
        busy.set(true);
        spawn_local(async move {
            if let Err(failure) = passkeys::sign_in(None).await {
                failed(failure);
            }
        });
    };
    view! {
        <div class="passkey-login">
            {move || ready.get().then(|| view! {
                <p class="or">{t!(l, islands.or)}</p>
                <button type="button" class="secondary" data-testid="passkey-login"
                    disabled=move || busy.get() aria-busy=move || if busy.get() { "true" } else { "false" }
                    on:click=sign_in>
                    {move || match (busy.get(), confirming.get()) {
                        (true, _) => t!(l, islands.waiting),
                        (false, true) => t!(l, islands.use_passkey),
                        (false, false) => t!(l, islands.sign_in_passkey),
                    }}
                </button>
            })}
            // Only there with something to say: an empty alert would be
            // one more landmark for nothing.
            {move || error.get().map(|message| view! {
                <p class="field-error" role="alert" data-testid="passkey-error">{message}</p>
            })}
        </div>
    }
}

/// Adding a passkey on `/security`: a name, then the browser's own dialog.
/// Passkeys need JavaScript, so without it none of this is shown.
#[cfg_attr(wasm_split, island(lazy))]
#[cfg_attr(not(wasm_split), island)]
pub fn AddPasskey() -> impl IntoView {
    use crate::passkey_browser::{self as passkeys, Failure};
    use leptos::task::spawn_local;
    let l = Language::current();
    let ready = RwSignal::new(false);
    let busy = RwSignal::new(false);
    let error = RwSignal::new(None::<String>);
    let name = NodeRef::<html::Input>::new();
    Effect::new(move |_| ready.set(passkeys::supported()));
    let add = move || {
        let Some(input) = name.get_untracked() else {
            return;
        };
        // The server's own rule, checked before the dialog opens.
        let typed = match crate::domain::PasskeyName::parse(&input.value()) {
            Ok(name) => name.as_str().to_owned(),
            Err(message) => {
                error.set(Some(message.to_owned()));
                let _ = input.focus();
                return;
            }
        };
        error.set(None);
        busy.set(true);
        spawn_local(async move {
            if let Err(failure) = passkeys::register(&typed).await {
                busy.set(false);
                error.set(Some(match failure {
                    Failure::Said(message) => message,
                    Failure::Dismissed => t!(l, islands.dismissed).to_owned(),
                }));
            }
        });
    };
    view! {
        <div class="add-passkey">
            // What the server renders, and what stays without JavaScript
            // or in a browser without passkeys.
            {move || (!ready.get()).then(|| view! {
                <p class="hint" data-testid="passkeys-need-js">{t!(l, islands.needs_js)}</p>
            })}
            {move || ready.get().then(|| view! {
                <div class="field">
                    <label for="passkey-name">{t!(l, islands.passkey_name)}</label>
                    <div class="input-row">
                        <input id="passkey-name" type="text" autocomplete="off"
                            placeholder=t!(l, islands.passkey_placeholder) node_ref=name
                            aria-invalid=move || if error.get().is_some() { "true" } else { "false" }
                            aria-describedby="passkey-name-error"
                            on:keydown=move |ev| if ev.key() == "Enter" { ev.prevent_default(); add() }/>
                    </div>
                    <p class="field-error" id="passkey-name-error" aria-live="polite">{move || error.get()}</p>
                </div>
                <button type="button" data-testid="add-passkey" disabled=move || busy.get()
                    aria-busy=move || if busy.get() { "true" } else { "false" }
                    on:click=move |_| add()>
                    {move || if busy.get() { t!(l, islands.waiting) } else { t!(l, islands.add_passkey) }}
                </button>
            })}
        </div>
    }
}
