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

use super::{FormError, PageContext, SubmitButton, TextField};
use crate::{
    api::{
        list_passkeys, security_events, PasskeyDelete, PasskeyInfo, RecoveryCodes, SecurityEvent,
        TotpBegin, TotpDisable, TotpEnable,
    },
    domain::{Field, FormRules},
    islands::AddPasskey,
    ssr::{two_factor, AppState},
};
use leptos::prelude::*;
use leptos_meta::Title;
use server_fn::ServerFn;

#[component]
pub fn SecurityPage() -> impl IntoView {
    view! {
        <Title text="Security · Gatehouse"/>
        <section class="card">
            <h1>"Security"</h1>
            <TwoStep/>
            <Passkeys/>
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
    let viewer = request.viewer.clone();
    let body = Suspend::new(async move {
        let (Some(viewer), Ok(state)) = (viewer, AppState::from_context()) else {
            return view! { <p>"Please log in to continue."</p> }.into_any();
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
                <p data-testid="two-step-status"><strong>"On."</strong>
                    " Logging in asks for a code from your authenticator app after your password."</p>
                <p data-testid="codes-left">{format!("{left} of {} recovery codes left.", two_factor::RECOVERY_CODES)}</p>
                <PasswordForm action=RecoveryCodes::PATH id="codes-password" title="New recovery codes"
                    hint="Makes ten new codes; the ones you have stop working."
                    label="Make new recovery codes" busy="Making them…" class="secondary"/>
                <PasswordForm action=TotpDisable::PATH id="disable-password" title="Turn off two-step verification"
                    label="Turn off two-step verification" busy="Turning it off…" class="danger"/>
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
                            <p>"Scan this code with your authenticator app (such as Aegis, Google Authenticator or 1Password):"</p>
                            <div class="qr" role="img" aria-label="QR code of your authenticator app's secret" inner_html=qr></div>
                            <p>"Or type this secret into it:"</p>
                            <p><code class="secret" data-testid="totp-secret">{enrolment.secret}</code></p>
                        </li>
                        <li>
                            <form method="post" data-reload="" action=TotpEnable::PATH class="auth-form" novalidate>
                                <p>"Type the 6-digit code the app shows, and your password:"</p>
                                <FormError error=error.clone()/>
                                <TextField id="totp-code" name="code" label="Code from the app" autocomplete="one-time-code"
                                    inputmode="numeric" field=Field::Code error=error.clone()/>
                                <TextField id="enable-password" name="password" label="Password" kind="password"
                                    autocomplete="current-password" field=Field::Password error/>
                                <SubmitButton label="Turn on two-step verification" busy="Turning it on…" rules=FormRules::Code/>
                            </form>
                        </li>
                    </ol>
                }
                .into_any()
            }
            None => view! {
                {codes_view}
                <p data-testid="two-step-status"><strong>"Off."</strong>
                    " Your password alone logs you in. With two-step verification, someone who learns your password still needs your phone."</p>
                <form method="post" data-reload="" action=TotpBegin::PATH class="auth-form">
                    <SubmitButton label="Set up an authenticator app" busy="Preparing…"/>
                </form>
            }
            .into_any(),
        }
    });
    view! {
        <section id="two-step" aria-labelledby="two-step-title">
            <h2 id="two-step-title">"Two-step verification"</h2>
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
    let error = PageContext::get().error_for(action);
    view! {
        <form method="post" data-reload="" action=action class="auth-form" novalidate>
            <h3>{title}</h3>
            {hint.map(|hint| view! { <p>{hint}</p> })}
            <FormError error=error.clone()/>
            <TextField id=id name="password" label="Password" kind="password"
                autocomplete="current-password" field=Field::Password error/>
            <SubmitButton label=label busy=busy class=class/>
        </form>
    }
}

/// A new set of recovery codes, shown once.
#[component]
fn CodesShownOnce(codes: Vec<String>) -> impl IntoView {
    view! {
        <div class="recovery-codes" role="status" data-testid="recovery-codes">
            <h3>"Your recovery codes"</h3>
            <p>"Keep them somewhere safe, away from your phone: each logs you in once if you lose it. "
               <strong>"They are shown only now."</strong></p>
            <ul>
                {codes.into_iter().map(|code| view! { <li><code>{code}</code></li> }).collect_view()}
            </ul>
        </div>
    }
}

#[component]
fn Passkeys() -> impl IntoView {
    let error = PageContext::get().error_for(PasskeyDelete::PATH);
    let list = Suspend::new(async move {
        match list_passkeys().await {
            // The same shape whether there are passkeys or none: only the
            // words change.
            Ok(passkeys) => {
                let count = match passkeys.len() {
                    0 => "No passkeys yet.".to_owned(),
                    1 => "One passkey:".to_owned(),
                    n => format!("{n} passkeys:"),
                };
                view! {
                    <p data-testid="passkeys-count">{count}</p>
                    <ul class="passkeys" data-testid="passkeys">
                        {passkeys.into_iter().map(|passkey| view! { <PasskeyItem passkey/> }).collect_view()}
                    </ul>
                }
                .into_any()
            }
            Err(err) => view! { <p role="alert">{err.message}</p> }.into_any(),
        }
    });
    view! {
        <section id="passkeys" aria-labelledby="passkeys-title">
            <h2 id="passkeys-title">"Passkeys"</h2>
            <p>"A passkey signs you in with your fingerprint, face or screen lock instead of a password. It can't be phished: it works only on this site."</p>
            <FormError error/>
            <Suspense fallback=|| ()>{list}</Suspense>
            <AddPasskey/>
        </section>
    }
}

#[component]
fn PasskeyItem(passkey: PasskeyInfo) -> impl IntoView {
    let PasskeyInfo {
        id,
        name,
        created_at,
        created_ago,
        last_used_ago,
        ..
    } = passkey;
    let label = format!("Remove passkey {name}");
    view! {
        <li class="passkey" data-testid="passkey">
            <strong>{name}</strong>
            <div class="event-facts">
                "Added " <time datetime=created_at>{created_ago}</time> " · "
                {match last_used_ago {
                    Some(ago) => format!("last used {ago}"),
                    None => "never used yet".to_owned(),
                }}
            </div>
            <form method="post" data-reload="" action=PasskeyDelete::PATH>
                <input type="hidden" name="id" value=id/>
                <SubmitButton label="Remove" busy="Removing…" class="secondary" aria_label=label/>
            </form>
        </li>
    }
}

#[component]
fn Activity() -> impl IntoView {
    // "This device": the address and browser of the request showing the page.
    let here = crate::ssr::client();
    let list = Suspend::new(async move {
        match security_events().await {
            Ok(events) if events.is_empty() => view! { <p>"Nothing yet."</p> }.into_any(),
            Ok(events) => view! {
                <ul class="events" data-testid="events">
                    {events
                        .into_iter()
                        .map(|event| {
                            let mine = event.ip == here.ip && event.user_agent == here.user_agent;
                            view! { <EventItem event mine/> }
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
            <h2 id="activity-title">"Recent activity"</h2>
            <p>"What happened to your account lately, and where from. If you don't recognise something, change your password and end the sessions you don't know."</p>
            <Suspense fallback=|| view! { <p>"Loading…"</p> }>{list}</Suspense>
        </section>
    }
}

#[component]
fn EventItem(event: SecurityEvent, mine: bool) -> impl IntoView {
    let SecurityEvent {
        kind,
        at,
        ip,
        what,
        ago,
        device,
        ..
    } = event;
    let title = at.replace('T', " ").replace('Z', " UTC");
    view! {
        <li class="event" data-testid="event" data-type=kind>
            <strong>{what}</strong>
            {mine.then(|| view! { <span class="badge" data-testid="this-device">"This device"</span> })}
            <div class="event-facts">
                <time datetime=at title=title>{ago}</time>
                " · " {device} " · "
                <span data-testid="event-ip">{if ip.is_empty() { "unknown address".to_owned() } else { ip }}</span>
            </div>
        </li>
    }
}
