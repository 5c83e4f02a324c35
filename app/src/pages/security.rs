//! `/security`: two-step verification (an authenticator app and recovery
//! codes), passkeys, and the account's recent security activity (what,
//! when, from which browser and address), this device's events marked.
//! Every form posts without JavaScript, except adding a passkey, which
//! can't work without it and is not shown then.
//!
//! The forms are marked `data-reload`: with JavaScript they load the page
//! the post leads to rather than letting the islands router patch it in.
//! The router walks the old and new pages in step, and a list that grows
//! at the top (the security log after every post here) comes out stale.

use super::{title, FormError, PageContext, SubmitButton, TextField};
use crate::{
    api::{
        list_identities, IdentityUnlink, list_passkeys, security_events, PasskeyDelete, PasskeyInfo, RecoveryCodes, SecurityEvent,
        TotpBegin, TotpDisable, TotpEnable,
    },
    domain::{Field, FormRules},
    islands::AddPasskey,
    ssr::{two_factor, AppState},
    t,
};
use leptos::prelude::*;
use leptos_meta::Title;
use server_fn::ServerFn;

#[component]
pub fn SecurityPage() -> impl IntoView {
    let l = PageContext::get().language;
    view! {
        <Title text=title(t!(l, nav.security))/>
        <section class="card">
            <h1>{t!(l, nav.security)}</h1>
            <TwoStep/>
            <Passkeys/>
            <Providers/>
            <Activity/>
        </section>
    }
}

/// The recovery codes a form post just made, taken out of their
/// encrypted cookie: they are shown this once.
async fn fresh_codes() -> Option<Vec<String>> {
    crate::ssr::flash::take_codes()
}

#[component]
fn TwoStep() -> impl IntoView {
    let request = PageContext::get();
    let l = request.language;
    let viewer = request.viewer.clone();
    let body = Suspend::new(async move {
        let (Some(viewer), Ok(state)) = (viewer, AppState::from_context()) else {
            return view! { <p>{t!(l, errors.unauthorized)}</p> }.into_any();
        };
        let status = match state.two_factor.status(viewer.user_id, &viewer.email).await {
            Ok(status) => status,
            Err(err) => return view! { <p role="alert">{err.message}</p> }.into_any(),
        };
        let codes = fresh_codes().await;
        let request = PageContext::get();
        let codes_view = codes.map(|codes| view! { <CodesShownOnce codes/> });
        if status.enabled {
            let left = status.recovery_codes_left;
            return view! {
                {codes_view}
                <p data-testid="two-step-status"><strong>{t!(l, two_step.on)}</strong>
                    " " {t!(l, two_step.on_text)}</p>
                <p data-testid="codes-left">{t!(l, two_step.codes_left, left = left, total = two_factor::RECOVERY_CODES).to_string()}</p>
                <PasswordForm action=RecoveryCodes::PATH id="codes-password" title=t!(l, two_step.new_codes_title)
                    hint=t!(l, two_step.new_codes_hint)
                    label=t!(l, two_step.new_codes_button) busy=t!(l, two_step.new_codes_busy) class="secondary"/>
                <PasswordForm action=TotpDisable::PATH id="disable-password" title=t!(l, two_step.turn_off)
                    label=t!(l, two_step.turn_off) busy=t!(l, two_step.turning_off) class="danger"/>
            }
            .into_any();
        }
        match status.pending {
            Some(enrolment) => {
                let error = request.error_for(TotpEnable::PATH);
                let qr = two_factor::qr_svg(&enrolment.uri).unwrap_or_default();
                view! {
                    {codes_view}
                    <ol class="steps">
                        <li>
                            <p>{t!(l, two_step.scan)}</p>
                            <div class="qr" role="img" aria-label=t!(l, two_step.qr_label) inner_html=qr></div>
                            <p>{t!(l, two_step.type_secret)}</p>
                            <p><code class="secret" data-testid="totp-secret">{enrolment.secret}</code></p>
                        </li>
                        <li>
                            <form method="post" data-reload="" action=TotpEnable::PATH class="auth-form" novalidate>
                                <p>{t!(l, two_step.type_code)}</p>
                                <FormError error=error.clone()/>
                                <TextField id="totp-code" name="code" label=t!(l, two_step.code_from_app) autocomplete="one-time-code"
                                    inputmode="numeric" field=Field::Code error=error.clone()/>
                                <TextField id="enable-password" name="password" label=t!(l, fields.password) kind="password"
                                    autocomplete="current-password" field=Field::Password error/>
                                <SubmitButton label=t!(l, two_step.turn_on) busy=t!(l, two_step.turning_on) rules=FormRules::Code/>
                            </form>
                        </li>
                    </ol>
                }
                .into_any()
            }
            None => view! {
                {codes_view}
                <p data-testid="two-step-status"><strong>{t!(l, two_step.off)}</strong>
                    " " {t!(l, two_step.off_text)}</p>
                <form method="post" data-reload="" action=TotpBegin::PATH class="auth-form">
                    <SubmitButton label=t!(l, two_step.set_up) busy=t!(l, two_step.preparing)/>
                </form>
            }
            .into_any(),
        }
    });
    view! {
        <section id="two-step" aria-labelledby="two-step-title">
            <h2 id="two-step-title">{t!(l, verify.title)}</h2>
            <Suspense fallback=|| ()>{body}</Suspense>
        </section>
    }
}

/// A change to two-step verification that the password confirms: a
/// heading, a password field with its error, and the button.
#[component]
fn PasswordForm(
    action: &'static str,
    /// The password field's id (the page has several).
    id: &'static str,
    title: &'static str,
    #[prop(optional)] hint: Option<&'static str>,
    label: &'static str,
    busy: &'static str,
    class: &'static str,
) -> impl IntoView {
    let request = PageContext::get();
    let l = request.language;
    let error = request.error_for(action);
    view! {
        <form method="post" data-reload="" action=action class="auth-form" novalidate>
            <h3>{title}</h3>
            {hint.map(|hint| view! { <p>{hint}</p> })}
            <FormError error=error.clone()/>
            <TextField id=id name="password" label=t!(l, fields.password) kind="password"
                autocomplete="current-password" field=Field::Password error/>
            <SubmitButton label=label busy=busy class=class/>
        </form>
    }
}

/// A new set of recovery codes, shown once.
#[component]
fn CodesShownOnce(codes: Vec<String>) -> impl IntoView {
    let l = PageContext::get().language;
    view! {
        <div class="recovery-codes" role="status" data-testid="recovery-codes">
            <h3>{t!(l, two_step.codes_title)}</h3>
            <p>{t!(l, two_step.codes_keep)} " "
               <strong>{t!(l, two_step.codes_once)}</strong></p>
            <ul>
                {codes.into_iter().map(|code| view! { <li><code>{code}</code></li> }).collect_view()}
            </ul>
        </div>
    }
}

#[component]
fn Passkeys() -> impl IntoView {
    let request = PageContext::get();
    let l = request.language;
    let error = request.error_for(PasskeyDelete::PATH);
    let list = Suspend::new(async move {
        match list_passkeys().await {
            // The same shape whether there are passkeys or none: only the
            // words change.
            Ok(passkeys) => {
                let count = match passkeys.len() {
                    0 => t!(l, passkeys.none).to_owned(),
                    1 => t!(l, passkeys.one).to_owned(),
                    n => t!(l, passkeys.many, count = n).to_string(),
                };
                view! {
                    <p data-testid="passkeys-count">{count}</p>
                    <ul class="passkeys" data-testid="passkeys">
                        {passkeys.into_iter().map(|passkey| view! { <PasskeyItem passkey l/> }).collect_view()}
                    </ul>
                }
                .into_any()
            }
            Err(err) => view! { <p role="alert">{err.message}</p> }.into_any(),
        }
    });
    view! {
        <section id="passkeys" aria-labelledby="passkeys-title">
            <h2 id="passkeys-title">{t!(l, passkeys.title)}</h2>
            <p>{t!(l, passkeys.intro)}</p>
            <FormError error/>
            <Suspense fallback=|| ()>{list}</Suspense>
            <AddPasskey/>
        </section>
    }
}

#[component]
fn PasskeyItem(passkey: PasskeyInfo, l: crate::domain::Language) -> impl IntoView {
    let PasskeyInfo {
        id,
        name,
        created_at,
        created_ago,
        last_used_ago,
        ..
    } = passkey;
    let label = t!(l, passkeys.remove_named, name = name.clone()).to_string();
    view! {
        <li class="passkey" data-testid="passkey">
            <strong>{name}</strong>
            <div class="event-facts">
                {t!(l, passkeys.added)} " " <time datetime=created_at>{created_ago}</time> " · "
                {match last_used_ago {
                    Some(ago) => t!(l, passkeys.last_used, ago = ago).to_string(),
                    None => t!(l, passkeys.never_used).to_owned(),
                }}
            </div>
            <form method="post" data-reload="" action=PasskeyDelete::PATH>
                <input type="hidden" name="id" value=id/>
                <SubmitButton label=t!(l, passkeys.remove) busy=t!(l, passkeys.removing) class="secondary" aria_label=label/>
            </form>
        </li>
    }
}

#[component]
fn Activity() -> impl IntoView {
    // "This device": the address and browser of the request showing the page.
    let here = crate::ssr::client();
    let l = PageContext::get().language;
    let list = Suspend::new(async move {
        match security_events().await {
            Ok(events) if events.is_empty() => view! { <p>{t!(l, activity.nothing)}</p> }.into_any(),
            Ok(events) => view! {
                <ul class="events" data-testid="events">
                    {events
                        .into_iter()
                        .map(|event| {
                            let mine = event.ip == here.ip && event.user_agent == here.user_agent;
                            view! { <EventItem event mine l/> }
                        })
                        .collect_view()}
                </ul>
            }
            .into_any(),
            Err(err) => view! { <p role="alert">{err.message}</p> }.into_any(),
        }
    });
    view! {
        <section id="activity" aria-labelledby="activity-title">
            <h2 id="activity-title">{t!(l, activity.title)}</h2>
            <p>{t!(l, activity.intro)}</p>
            <Suspense fallback=move || view! { <p>{t!(l, common.loading)}</p> }>{list}</Suspense>
        </section>
    }
}

#[component]
pub(super) fn EventItem(event: SecurityEvent, mine: bool, l: crate::domain::Language) -> impl IntoView {
    let SecurityEvent {
        kind,
        at,
        ip,
        what,
        ago,
        device,
        ..
    } = event;
    let title = super::sessions::readable_time(&at);
    view! {
        <li class="event" data-testid="event" data-type=kind>
            <strong>{what}</strong>
            {mine.then(|| view! { <span class="badge" data-testid="this-device">{t!(l, common.this_device)}</span> })}
            <div class="event-facts">
                <time datetime=at title=title>{ago}</time>
                " · " {device} " · "
                <span data-testid="event-ip">{if ip.is_empty() { t!(l, activity.unknown_address).to_owned() } else { ip }}</span>
            </div>
        </li>
    }
}

/// The sign-in providers (`OIDC_PROVIDERS`): the linked ones with
/// "Unlink", the others with "Link" (a provider flow that needs recent
/// authentication). Not there when no provider is configured.
#[component]
fn Providers() -> impl IntoView {
    let request = PageContext::get();
    let l = request.language;
    let error = request.error_for(IdentityUnlink::PATH);
    let configured: Vec<(String, String)> = AppState::from_context()
        .map(|state| state.oidc.configs().map(|p| (p.name.clone(), p.label.clone())).collect())
        .unwrap_or_default();
    if configured.is_empty() {
        return ().into_any();
    }
    let list = Suspend::new(async move {
        let linked = match list_identities().await {
            Ok(linked) => linked,
            Err(err) => return view! { <p role="alert">{err.message}</p> }.into_any(),
        };
        configured
            .into_iter()
            .map(|(name, label)| {
                let mine = linked.iter().find(|i| i.provider == name).cloned();
                match mine {
                    Some(identity) => {
                        let unlink = t!(l, providers.unlink_named, label = label.clone()).to_string();
                        view! {
                            <li class="passkey" data-testid="identity">
                                <strong>{label.clone()}</strong>
                                <div class="event-facts">{identity.email.unwrap_or_default()}</div>
                                <form method="post" data-reload="" action=IdentityUnlink::PATH>
                                    <input type="hidden" name="provider" value=name/>
                                    <SubmitButton label=t!(l, providers.unlink) busy=t!(l, providers.unlinking) class="secondary" aria_label=unlink/>
                                </form>
                            </li>
                        }
                        .into_any()
                    }
                    None => {
                        let action = format!("/auth/{name}/start");
                        view! {
                            <li class="passkey">
                                <strong>{label.clone()}</strong>
                                <form method="post" data-reload="" action=action>
                                    <input type="hidden" name="link" value="1"/>
                                    <button type="submit" class="secondary" data-testid=format!("link-{name}")>
                                        {t!(l, providers.link, label = label).to_string()}
                                    </button>
                                </form>
                            </li>
                        }
                        .into_any()
                    }
                }
            })
            .collect_view()
            .into_any()
    });
    view! {
        <section id="providers" aria-labelledby="providers-title">
            <h2 id="providers-title">{t!(l, providers.title)}</h2>
            <p>{t!(l, providers.intro)}</p>
            <FormError error/>
            <ul class="passkeys" data-testid="identities"><Suspense fallback=|| ()>{list}</Suspense></ul>
        </section>
    }
    .into_any()
}
