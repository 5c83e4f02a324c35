//! The browser half of passkeys, for the `PasskeyLogin` and `AddPasskey`
//! islands: the WebAuthn calls, with the browser's own JSON helpers
//! (`PublicKeyCredential.parse…OptionsFromJSON`, `credential.toJSON()`),
//! and the posts to the server functions.
//!
//! The posts are plain `fetch`es asking for JSON, not Leptos' server
//! function client: the options are JSON the browser parses itself, so the
//! bundle needs no JSON decoder, and nothing here follows a server
//! redirect (each caller goes where it means to with `location.assign`).

use crate::{domain::NextPath, error::ApiError};
use leptos::prelude::window;
use leptos::wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;
use web_sys::{
    js_sys::{Function, Object, Reflect, JSON},
    AbortSignal, RequestInit, Response, UrlSearchParams,
};

thread_local! {
    /// The autofill request waiting in the email field, aborted when the
    /// button starts a request of its own. Kept here rather than in the
    /// island: an island is rendered on the server too, where a browser
    /// object has no place.
    static AUTOFILL: std::cell::RefCell<Option<web_sys::AbortController>> =
        const { std::cell::RefCell::new(None) };
}

/// A signal for a new autofill request (replacing any earlier one).
pub fn autofill_signal() -> Option<AbortSignal> {
    let controller = web_sys::AbortController::new().ok()?;
    let signal = controller.signal();
    AUTOFILL.with(|slot| slot.replace(Some(controller)));
    Some(signal)
}

/// Aborts the autofill request, if one is waiting.
pub fn abort_autofill() {
    if let Some(controller) = AUTOFILL.with(|slot| slot.take()) {
        controller.abort();
    }
}

/// How a passkey ceremony ended, when it did not succeed.
pub enum Failure {
    /// The person closed the browser's dialog, or no passkey was there:
    /// nothing to say.
    Dismissed,
    /// Something to tell the person, in words.
    Said(String),
}

fn get(target: &JsValue, key: &str) -> JsValue {
    Reflect::get(target, &JsValue::from_str(key)).unwrap_or(JsValue::UNDEFINED)
}

/// Calls `target[name](arg)`.
fn call(target: &JsValue, name: &str, arg: Option<&JsValue>) -> Result<JsValue, JsValue> {
    let function: Function = get(target, name).dyn_into()?;
    match arg {
        Some(arg) => function.call1(target, arg),
        None => function.call0(target),
    }
}

fn public_key_credential() -> JsValue {
    get(&window(), "PublicKeyCredential")
}

/// Whether this browser can do passkeys the way the islands use them.
pub fn supported() -> bool {
    let pkc = public_key_credential();
    get(&pkc, "parseRequestOptionsFromJSON").is_function()
        && get(&pkc, "parseCreationOptionsFromJSON").is_function()
}

/// Whether the browser offers passkeys in a field's autofill.
pub async fn autofill_available() -> bool {
    let Ok(promise) = call(&public_key_credential(), "isConditionalMediationAvailable", None) else {
        return false;
    };
    match promise.dyn_into::<web_sys::js_sys::Promise>() {
        Ok(promise) => JsFuture::from(promise).await.map(|v| v.is_truthy()).unwrap_or(false),
        Err(_) => false,
    }
}

/// POSTs `fields` to a server function and answers its JSON, or the
/// error's message in words.
async fn post(path: &str, fields: &[(&str, &str)]) -> Result<JsValue, Failure> {
    let unreachable = || Failure::Said(ApiError::unreachable_message().to_owned());
    let body = UrlSearchParams::new().map_err(|_| unreachable())?;
    for (name, value) in fields {
        body.append(name, value);
    }
    let headers = Object::new();
    let _ = Reflect::set(&headers, &"Accept".into(), &"application/json".into());
    let init = RequestInit::new();
    init.set_method("POST");
    init.set_body(&body);
    init.set_headers(&headers);
    let answer = JsFuture::from(window().fetch_with_str_and_init(path, &init))
        .await
        .map_err(|_| unreachable())?;
    let response: Response = answer.dyn_into().map_err(|_| unreachable())?;
    let text = match response.text() {
        Ok(text) => JsFuture::from(text).await.ok().and_then(|t| t.as_string()),
        Err(_) => None,
    }
    .unwrap_or_default();
    let json = JSON::parse(&text).unwrap_or(JsValue::NULL);
    if response.ok() {
        return Ok(json);
    }
    let message = get(&json, "message").as_string();
    Err(Failure::Said(message.unwrap_or_else(|| {
        crate::t!(crate::domain::Language::current(), islands.our_side).to_owned()
    })))
}

/// `navigator.credentials[method]({publicKey, …})` with the options the
/// server sent, parsed by the browser; answers the credential as JSON
/// text (`toJSON()`).
async fn ceremony(
    method: &str,
    parse: &str,
    options: &JsValue,
    mediation: Option<&str>,
    signal: Option<&AbortSignal>,
) -> Result<String, Failure> {
    let said = |_| Failure::Said(crate::t!(crate::domain::Language::current(), islands.no_passkey_here).to_owned());
    let public_key = call(&public_key_credential(), parse, Some(&get(options, "publicKey"))).map_err(said)?;
    let request = Object::new();
    let _ = Reflect::set(&request, &"publicKey".into(), &public_key);
    if let Some(mediation) = mediation {
        let _ = Reflect::set(&request, &"mediation".into(), &mediation.into());
    }
    if let Some(signal) = signal {
        let _ = Reflect::set(&request, &"signal".into(), signal);
    }
    let credentials = get(&get(&window(), "navigator"), "credentials");
    let promise = call(&credentials, method, Some(&request)).map_err(said)?;
    let promise: web_sys::js_sys::Promise = promise.dyn_into().map_err(said)?;
    // Cancelled, timed out, aborted, or no passkey for this site.
    let credential = JsFuture::from(promise).await.map_err(|_| Failure::Dismissed)?;
    let json = call(&credential, "toJSON", None).map_err(said)?;
    JSON::stringify(&json)
        .ok()
        .and_then(|s| s.as_string())
        .ok_or_else(|| Failure::Said(crate::t!(crate::domain::Language::current(), islands.no_passkey_here).to_owned()))
}

/// Signs in with a passkey: with `autofill`, as the email field's
/// suggestion (until `signal` aborts it); otherwise in the browser's own
/// dialog. On success the browser goes on to `?next=` or the profile.
pub async fn sign_in(autofill: Option<&AbortSignal>) -> Result<(), Failure> {
    let options = post("/api/passkey_login_begin", &[]).await?;
    let mediation = autofill.map(|_| "conditional");
    let credential = ceremony("get", "parseRequestOptionsFromJSON", &options, mediation, autofill).await?;
    post("/api/passkey_login_finish", &[("credential", &credential)]).await?;
    let next = UrlSearchParams::new_with_str(&window().location().search().unwrap_or_default())
        .ok()
        .and_then(|q| q.get("next"));
    let _ = window()
        .location()
        .assign(NextPath::or_profile(next.as_deref()).as_str());
    Ok(())
}

/// Adds a passkey named `name` to the signed-in account, then shows
/// `/security` again with it listed.
pub async fn register(name: &str) -> Result<(), Failure> {
    let options = post("/api/passkey_register_begin", &[]).await?;
    let credential = ceremony("create", "parseCreationOptionsFromJSON", &options, None, None).await?;
    post("/api/passkey_register_finish", &[("credential", &credential), ("name", name)]).await?;
    // Not just a fragment: that would not load the page again.
    let _ = window().location().assign("/security");
    Ok(())
}
