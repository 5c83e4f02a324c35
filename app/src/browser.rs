//! What the islands do to the page around them, in the browser. Called
//! only from effects and event handlers, which never run on the server.
//!
//! With JavaScript on, Leptos' islands router (0.8) fetches the next page
//! on a link click, a form post or back/forward, patches it into this one,
//! then calls `history.pushState` (or `replaceState` for back/forward).
//! That leaves gaps a page load would not have, filled here:
//! - focus and scroll stay where they were: after a navigation, focus goes
//!   to the field in error, or to the start of the page (scrolled to the
//!   top, or back where it was for back/forward), and the new title is
//!   announced;
//! - a submit button's `formaction`, and its `name`/`value`, are ignored:
//!   they are put on the form for the moment the router reads it;
//! - the router only ever adds attributes, so the pages render the ones
//!   that change with explicit values (`aria-invalid="false"`,
//!   `aria-current="false"`), and what this module writes into the page (a
//!   field's error from the browser's own check, a busy button) is put
//!   back as the server rendered it before the next patch or after it.
//!
//! Every submit button gets its behaviour here, by event delegation, from
//! what the page says on it: `data-rules` names the [`FormRules`] to check
//! before anything is sent, `data-busy` what it says while the post is
//! under way (disabled meanwhile, so a form can't be sent twice).

use crate::{domain::FormRules, error::ApiError};
use leptos::prelude::{document, set_timeout, window, window_event_listener_untyped};
use leptos::wasm_bindgen::{closure::Closure, JsCast, JsValue};
use std::{cell::RefCell, time::Duration};
use web_sys::{
    js_sys::{Function, Object, Promise, Reflect},
    Element, Event, HtmlButtonElement, HtmlElement, HtmlFormElement, HtmlInputElement,
    MouseEvent, SubmitEvent,
};

/// Dispatched on `window` once a navigation's page has been patched in.
const NAVIGATED: &str = "gatehouse:navigated";
/// Where a history entry's page was scrolled when it was left.
const SCROLL_KEY: &str = "gatehouseScroll";

thread_local! {
    static INSTALLED: std::cell::Cell<bool> = const { std::cell::Cell::new(false) };
    /// The running view transition's `updateCallbackDone`: the router
    /// patches the page inside it, after it has updated the URL.
    static PATCHING: RefCell<Option<Promise>> = const { RefCell::new(None) };
    /// What the browser's own checks changed in the page, to put back.
    static MARKS: RefCell<Vec<Mark>> = const { RefCell::new(Vec::new()) };
}

/// Installs the navigation hooks and the submit buttons' behaviour, once
/// per page load. `announce` gets the new page's title after each
/// navigation.
pub fn install(announce: impl Fn(String) + Clone + 'static) {
    if INSTALLED.replace(true) {
        return;
    }
    if let Some(body) = document().body() {
        let _ = body.set_attribute("data-hydrated", "");
    }
    let history = match window().history() {
        Ok(history) => history,
        Err(_) => return,
    };
    // Back/forward restore the scroll position themselves, after the patch.
    let _ = history.set_scroll_restoration(web_sys::ScrollRestoration::Manual);
    let original = |name: &str| {
        Reflect::get(&history, &JsValue::from_str(name))
            .ok()
            .and_then(|f| f.dyn_into::<Function>().ok())
    };
    let (Some(push), Some(replace)) = (original("pushState"), original("replaceState")) else {
        return;
    };

    // A link or a form: remember where this page was scrolled, then move on.
    let wrapped_push = {
        let (history, replace, announce) = (history.clone(), replace.clone(), announce.clone());
        Closure::<dyn Fn(JsValue, JsValue, JsValue)>::new(move |state, title, url| {
            let here = window().location().href().unwrap_or_default();
            let _ = replace.call3(&history, &scroll_state(), &JsValue::from_str(""), &here.into());
            let _ = push.call3(&history, &state, &title, &url);
            after_patch(None, announce.clone());
        })
    };
    // Back/forward (the router's only replaceState): keep the entry's own
    // state, and scroll back to where it was.
    let wrapped_replace = {
        let history = history.clone();
        Closure::<dyn Fn(JsValue, JsValue, JsValue)>::new(move |_state, title, url| {
            let saved = history.state().unwrap_or(JsValue::NULL);
            let _ = replace.call3(&history, &saved, &title, &url);
            let scroll = Reflect::get(&saved, &JsValue::from_str(SCROLL_KEY))
                .ok()
                .and_then(|y| y.as_f64());
            after_patch(Some(scroll.unwrap_or(0.0)), announce.clone());
        })
    };
    let _ = Reflect::set(&history, &"pushState".into(), wrapped_push.as_ref());
    let _ = Reflect::set(&history, &"replaceState".into(), wrapped_replace.as_ref());
    wrapped_push.forget();
    wrapped_replace.forget();
    watch_view_transitions();

    // Anything that starts a navigation puts back what the browser's own
    // checks wrote, before the next page is patched in.
    let _ = window_event_listener_untyped("popstate", |_| clear_marks());
    listen_capturing("click", |ev: Event| {
        let Some(target) = ev
            .dyn_ref::<MouseEvent>()
            .and_then(|ev| ev.target())
            .and_then(|t| t.dyn_into::<Element>().ok())
        else {
            return;
        };
        if target.closest("a[href]").ok().flatten().is_some() {
            clear_marks();
        }
        // A click on a submit button comes before the submit event, also
        // for Enter in a field: cancelling it sends nothing.
        let button = target
            .closest("button[type=submit][data-rules]")
            .ok()
            .flatten()
            .and_then(|b| b.dyn_into::<HtmlButtonElement>().ok());
        if let Some(button) = button {
            if !precheck(&button) {
                ev.prevent_default();
            }
        }
    });
    listen_capturing("submit", |ev: Event| {
        if let Some(ev) = ev.dyn_ref::<SubmitEvent>() {
            clear_marks();
            if let Some(button) = ev.submitter().and_then(|b| b.dyn_into().ok()) {
                set_busy(&button);
            }
            // A form marked `data-reload` is sent by the browser itself and
            // loads the page it leads to: the router, listening further
            // on, never sees the event.
            let reload = ev
                .target()
                .and_then(|t| t.dyn_into::<HtmlFormElement>().ok())
                .is_some_and(|form| form.has_attribute("data-reload"));
            if reload {
                ev.stop_propagation();
                return;
            }
            lend_submitter_to_form(ev);
        }
    });
    // The page the server answered with has been patched in: a button
    // still there (an error came back) is free again.
    on_navigated(reset_busy);
    // The router's fetch failed (offline, the server unreachable): its
    // promise is rejected and nothing is patched in. The post's form says
    // so, and its button is free for another try.
    let _ = window_event_listener_untyped("unhandledrejection", |_| unreachable());
}

fn unreachable() {
    let Ok(busy) = document().query_selector_all("button[data-label]") else {
        return;
    };
    for i in 0..busy.length() {
        let form = busy
            .item(i)
            .and_then(|b| b.dyn_into::<HtmlButtonElement>().ok())
            .and_then(|b| b.form());
        if let Some(alert) = form.and_then(|f| f.query_selector(".form-error").ok().flatten()) {
            mark(&alert, ApiError::unreachable_message(), None);
        }
    }
    reset_busy();
}

/// While its post is under way, a submit button says what it is doing
/// and is disabled (a second click would send the form again).
fn set_busy(button: &HtmlButtonElement) {
    let Some(busy) = button.get_attribute("data-busy") else {
        return;
    };
    let label = button.text_content().unwrap_or_default();
    let _ = button.set_attribute("data-label", &label);
    button.set_text_content(Some(&busy));
    let _ = button.set_attribute("aria-busy", "true");
    button.set_disabled(true);
}

fn reset_busy() {
    // By the label set_busy kept: the patch may already have put the
    // server's aria-busy="false" back, but never removes an attribute.
    let Ok(busy) = document().query_selector_all("button[data-label]") else {
        return;
    };
    for i in 0..busy.length() {
        let Some(button) = busy.item(i).and_then(|b| b.dyn_into::<HtmlButtonElement>().ok()) else {
            continue;
        };
        if let Some(label) = button.get_attribute("data-label") {
            button.set_text_content(Some(&label));
        }
        let _ = button.remove_attribute("data-label");
        let _ = button.set_attribute("aria-busy", "false");
        button.set_disabled(false);
    }
}

/// The router reads `form.action` and `new FormData(form)`, which leave out
/// the button that was pressed: its `formaction`, and its `name`/`value`,
/// go on the form until the event has been handled.
fn lend_submitter_to_form(ev: &SubmitEvent) {
    let Some(form) = ev.target().and_then(|t| t.dyn_into::<HtmlFormElement>().ok()) else {
        return;
    };
    let Some(button) = ev.submitter().and_then(|b| b.dyn_into::<HtmlButtonElement>().ok()) else {
        return;
    };
    let mut lent: Vec<Box<dyn FnOnce()>> = Vec::new();
    if button.has_attribute("formaction") {
        let before = form.get_attribute("action");
        let _ = form.set_attribute("action", &button.form_action());
        let form = form.clone();
        lent.push(Box::new(move || match before {
            Some(action) => drop(form.set_attribute("action", &action)),
            None => drop(form.remove_attribute("action")),
        }));
    }
    let name = button.name();
    if !name.is_empty() {
        if let Ok(input) = document().create_element("input") {
            let _ = input.set_attribute("type", "hidden");
            let _ = input.set_attribute("name", &name);
            let _ = input.set_attribute("value", &button.value());
            let _ = form.append_child(&input);
            lent.push(Box::new(move || input.remove()));
        }
    }
    if !lent.is_empty() {
        set_timeout(move || lent.into_iter().for_each(|undo| undo()), Duration::ZERO);
    }
}

/// Leptos' router patches the page inside `document.startViewTransition`
/// where the browser has it, which runs the patch after the URL changed.
fn watch_view_transitions() {
    let document = document();
    let Some(start) = Reflect::get(&document, &"startViewTransition".into())
        .ok()
        .and_then(|f| f.dyn_into::<Function>().ok())
    else {
        return;
    };
    let wrapped = {
        let document = document.clone();
        Closure::<dyn Fn(JsValue) -> JsValue>::new(move |update: JsValue| {
            let transition = start.call1(&document, &update).unwrap_or(JsValue::UNDEFINED);
            let done = Reflect::get(&transition, &"updateCallbackDone".into())
                .ok()
                .and_then(|p| p.dyn_into::<Promise>().ok());
            PATCHING.set(done);
            transition
        })
    };
    let _ = Reflect::set(&document, &"startViewTransition".into(), wrapped.as_ref());
    wrapped.forget();
}

/// Runs once the new page is in: now if it already is, else when the
/// view transition has patched it.
fn after_patch(scroll: Option<f64>, announce: impl Fn(String) + 'static) {
    let arrived = move || {
        announce(document().title());
        let doc = document();
        let invalid = doc
            .query_selector("[aria-invalid=\"true\"]")
            .ok()
            .flatten()
            .and_then(|el| el.dyn_into::<HtmlElement>().ok());
        match invalid {
            // Focusing it scrolls it into view.
            Some(field) if scroll.is_none() => drop(field.focus()),
            _ => {
                focus_page_start();
                window().scroll_to_with_x_and_y(0.0, scroll.unwrap_or(0.0));
            }
        }
        if let Ok(event) = Event::new(NAVIGATED) {
            let _ = window().dispatch_event(&event);
        }
    };
    match PATCHING.take() {
        Some(patching) => {
            let arrived = Closure::once(arrived);
            let _ = patching.finally(&arrived);
            arrived.forget();
        }
        None => arrived(),
    }
}

fn scroll_state() -> JsValue {
    let state = Object::new();
    let y = window().scroll_y().unwrap_or(0.0);
    let _ = Reflect::set(&state, &SCROLL_KEY.into(), &y.into());
    state.into()
}

/// Moves focus to the start of the document, where a page load leaves it.
fn focus_page_start() {
    if let Some(body) = document().body() {
        // The body takes focus only while it has a tabindex; focusing it
        // moves the point the next Tab starts from.
        let _ = body.set_attribute("tabindex", "-1");
        let _ = body.focus();
        let _ = body.remove_attribute("tabindex");
    }
}

fn listen_capturing(event: &str, handler: impl Fn(Event) + 'static) {
    let handler = Closure::<dyn Fn(Event)>::new(handler);
    let _ = window().add_event_listener_with_callback_and_bool(
        event,
        handler.as_ref().unchecked_ref(),
        true,
    );
    handler.forget();
}

/// Calls `f` after every navigation's patch.
pub fn on_navigated(f: impl Fn() + 'static) {
    let _ = window_event_listener_untyped(NAVIGATED, move |_| f());
}

/// The id of the password input in the same `.input-row` as `slot`.
pub fn password_beside(slot: &Element) -> Option<String> {
    let row = slot.closest(".input-row").ok().flatten()?;
    let input = row.query_selector("input[type=password]").ok().flatten()?;
    Some(input.id()).filter(|id| !id.is_empty())
}

/// Calls `f` with the value of the new-password field in `hint`'s form
/// whenever it changes.
pub fn on_new_password(hint: &Element, f: impl Fn(String) + 'static) {
    let Some(input) = hint
        .closest("form")
        .ok()
        .flatten()
        .and_then(|form| form.query_selector("input[autocomplete=new-password]").ok().flatten())
        .and_then(|el| el.dyn_into::<HtmlInputElement>().ok())
    else {
        return;
    };
    // What was typed before the island's (lazy) module arrived counts.
    let typed = input.value();
    if !typed.is_empty() {
        f(typed);
    }
    let source = input.clone();
    let handler = Closure::<dyn Fn(Event)>::new(move |_| f(source.value()));
    let _ = input.add_event_listener_with_callback("input", handler.as_ref().unchecked_ref());
    handler.forget();
}

pub fn set_input_type(id: &str, kind: &str) {
    if let Some(input) = document().get_element_by_id(id) {
        let _ = input.set_attribute("type", kind);
    }
}

/// A field's error as the browser's check showed it, and what the server
/// had rendered there.
struct Mark {
    error: Element,
    html: String,
    /// The field marked `aria-invalid`, and what it said before.
    input: Option<(HtmlInputElement, Option<String>)>,
}

/// Shows `message` in `place` until the next navigation starts.
fn mark(place: &Element, message: &str, input: Option<&HtmlInputElement>) {
    MARKS.with_borrow_mut(|marks| {
        marks.push(Mark {
            html: place.inner_html(),
            error: place.clone(),
            input: input.map(|i| (i.clone(), i.get_attribute("aria-invalid"))),
        })
    });
    place.set_text_content(Some(message));
    if let Some(input) = input {
        let _ = input.set_attribute("aria-invalid", "true");
    }
}

/// Checks `button`'s form with the rules it names. A field that breaks
/// one shows its message beside it and takes focus; then the form must
/// not be sent.
fn precheck(button: &HtmlButtonElement) -> bool {
    clear_marks();
    let rules = button.get_attribute("data-rules");
    let (Some(form), Some(rules)) = (button.form(), rules.as_deref().and_then(FormRules::from_code))
    else {
        return true;
    };
    let input = |name: &str| {
        form.query_selector(&format!("[name=\"{name}\"]"))
            .ok()
            .flatten()
            .and_then(|el| el.dyn_into::<HtmlInputElement>().ok())
    };
    let Err(invalid) = rules.check(|field| input(field.name()).map(|i| i.value()).unwrap_or_default())
    else {
        return true;
    };
    let Some(field) = input(invalid.field.name()) else {
        return false;
    };
    let error = field
        .get_attribute("aria-describedby")
        .and_then(|id| document().get_element_by_id(&id));
    if let Some(error) = error {
        mark(&error, invalid.message, Some(&field));
    }
    let _ = field.focus();
    false
}

/// Puts back what [`precheck`] changed, as the server rendered it.
fn clear_marks() {
    for mark in MARKS.take().into_iter().rev() {
        mark.error.set_inner_html(&mark.html);
        let _ = match mark.input {
            Some((input, Some(value))) => input.set_attribute("aria-invalid", &value),
            Some((input, None)) => input.remove_attribute("aria-invalid"),
            None => Ok(()),
        };
    }
}

/// Calls `f` once, the first time the page's field marked for passkey
/// autofill (`autocomplete="username webauthn"`) gets focus, or at once
/// when it has focus already; nothing when the page has none.
pub fn on_first_focus_of_webauthn_field(f: impl FnOnce() + 'static) {
    let Some(field) = document().query_selector("input[autocomplete~=webauthn]").ok().flatten() else {
        return;
    };
    // A lazy island may wake after the person has already clicked into
    // the field: then its first focus has been, and this is it.
    if document().active_element().is_some_and(|active| active == field) {
        f();
        return;
    }
    let options = web_sys::AddEventListenerOptions::new();
    options.set_once(true);
    let callback = Closure::once_into_js(f);
    let _ = field.add_event_listener_with_callback_and_add_event_listener_options(
        "focus",
        callback.unchecked_ref(),
        &options,
    );
}
