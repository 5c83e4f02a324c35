//! The administrators' pages: `/admin` (find an account), `/admin/users/{id}`
//! (one account: its sessions and log, and what can be done to it) and
//! `/admin/log` (what every administrator did). Each renders only for a
//! request the server's access layer marked as an administrator's
//! ([`AdminViewer`]); for anyone else it is the app's 404, like a path
//! that does not exist. Every button is a form POST that works with
//! JavaScript off.

use super::{
    security::EventItem,
    sessions::readable_time,
    title, FormError, NotFound, PageContext, SubmitButton, TextField,
};
use crate::{
    api::{
        admin_log, admin_user, admin_users, AdminAccount, AdminAccountDetail, AdminDeleteUser, AdminEndSessions,
        AdminLock, AdminLogEntry, AdminResetSecondFactor, AdminSendReset, AdminUnlock, ADMIN_LOG_PAGE,
    },
    domain::{page_offset, AdminAction, Field, FormRules, Language, ADMIN_PAGE},
    error::ErrorCode,
    t,
};
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::{use_params_map, use_query_map};
use server_fn::ServerFn;

/// The links between the administrators' pages.
#[component]
fn AdminNav(here: &'static str) -> impl IntoView {
    let l = PageContext::get().language;
    let link = move |href: &'static str, text: &'static str| {
        let current = if here == href { "page" } else { "false" };
        view! { <a href=href aria-current=current>{text}</a> }
    };
    view! {
        <nav class="admin-nav" aria-label=t!(l, admin.nav)>
            {link("/admin", t!(l, admin.accounts))}
            {link("/admin/log", t!(l, admin.log_title))}
        </nav>
    }
}

fn yes_no(value: bool, l: Language) -> &'static str {
    if value {
        t!(l, admin.yes)
    } else {
        t!(l, admin.no)
    }
}

/// The page of a list the address asks for (`?offset=`).
fn query_offset() -> i64 {
    page_offset(use_query_map().with_untracked(|m| m.get("offset")).and_then(|o| o.parse().ok()))
}

/// An RFC 3339 time as people read it, or "never".
fn when(at: Option<&str>, l: Language) -> String {
    at.map_or_else(|| t!(l, admin.never).to_owned(), readable_time)
}

/// `/admin`: the accounts, newest first, 50 a page, searchable by part
/// of the address (a GET form, so a search is a link).
#[component]
pub fn AccountsPage() -> impl IntoView {
    let request = PageContext::get();
    let l = request.language;
    if !request.admin {
        return view! { <NotFound/> }.into_any();
    }
    let q = use_query_map().with_untracked(|m| m.get("q")).unwrap_or_default();
    let offset = query_offset();
    let search = q.clone();
    let list = Suspend::new(async move {
        match admin_users(Some(search.clone()), Some(offset)).await {
            Ok(page) => view! { <AccountTable page=page.users total=page.total q=search offset l/> }.into_any(),
            Err(err) => view! { <p role="alert">{err.message}</p> }.into_any(),
        }
    });
    view! {
        <Title text=title(t!(l, admin.accounts))/>
        <section class="card wide">
            <h1>{t!(l, admin.accounts)}</h1>
            <AdminNav here="/admin"/>
            <form method="get" action="/admin" role="search" class="admin-search">
                <label for="q">{t!(l, admin.search_label)}</label>
                <div class="input-row">
                    <input id="q" name="q" type="search" value=q autocomplete="off"/>
                    <button type="submit" class="secondary">{t!(l, admin.search)}</button>
                </div>
            </form>
            <Suspense fallback=move || view! { <p>{t!(l, common.loading)}</p> }>{list}</Suspense>
        </section>
    }
    .into_any()
}

#[component]
fn AccountTable(page: Vec<AdminAccount>, total: i64, q: String, offset: i64, l: Language) -> impl IntoView {
    let shown = page.len() as i64;
    let summary = if total == 0 {
        t!(l, admin.none_found).to_owned()
    } else {
        t!(l, admin.showing, from = offset + 1, to = offset + shown, total = total).to_string()
    };
    let link = |offset: i64| {
        let q: String = url_escape(&q);
        if q.is_empty() {
            format!("/admin?offset={offset}")
        } else {
            format!("/admin?q={q}&offset={offset}")
        }
    };
    let newer = (offset > 0).then(|| link((offset - ADMIN_PAGE).max(0)));
    let older = (offset + shown < total).then(|| link(offset + ADMIN_PAGE));
    // A keyed list: the islands router patches a page in by walking both
    // trees, and only `For`'s markers let it drop rows the new page has not.
    let rows = view! {
        <For each=move || page.clone() key=|account| account.id let:account>
            <AccountRowView account l/>
        </For>
    };
    view! {
        <p data-testid="accounts-summary">{summary}</p>
        {table(
            t!(l, admin.accounts),
            &[
                t!(l, fields.email),
                t!(l, admin.created),
                t!(l, admin.confirmed),
                t!(l, admin.two_factor),
                t!(l, admin.passkeys),
                t!(l, admin.last_login),
                t!(l, admin.locked),
            ],
            rows,
        )}
        {pager(l, newer, older)}
    }
}

#[component]
fn AccountRowView(account: AdminAccount, l: Language) -> impl IntoView {
    let href = format!("/admin/users/{}", account.id);
    view! {
        <tr data-testid="account-row">
            <th scope="row"><a href=href>{account.email}</a></th>
            <td>{readable_time(&account.created_at)}</td>
            <td>{yes_no(account.email_confirmed, l)}</td>
            <td>{yes_no(account.two_factor, l)}</td>
            <td>{account.passkeys}</td>
            <td>{when(account.last_login_at.as_deref(), l)}</td>
            <td data-testid="account-locked">{yes_no(account.locked, l)}</td>
        </tr>
    }
}

/// A search typed into `/admin`, as a query string's value.
fn url_escape(text: &str) -> String {
    let mut out = String::new();
    for b in text.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'~') {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// `/admin/users/{id}`: one account, its sessions and security log, and
/// the administrators' buttons.
#[component]
pub fn AccountPage() -> impl IntoView {
    let request = PageContext::get();
    let l = request.language;
    if !request.admin {
        return view! { <NotFound/> }.into_any();
    }
    let id = use_params_map().with_untracked(|p| p.get("id")).and_then(|id| id.parse::<i64>().ok());
    let Some(id) = id else {
        return view! { <NotFound/> }.into_any();
    };
    let detail = Suspend::new(async move {
        match admin_user(id).await {
            Ok(detail) => view! { <AccountDetail detail/> }.into_any(),
            Err(err) if err.code == ErrorCode::NotFound => view! { <NotFound/> }.into_any(),
            Err(err) => view! { <p role="alert">{err.message}</p> }.into_any(),
        }
    });
    view! {
        <Suspense fallback=move || view! { <p>{t!(l, common.loading)}</p> }>{detail}</Suspense>
    }
    .into_any()
}

#[component]
fn AccountDetail(detail: AdminAccountDetail) -> impl IntoView {
    let request = PageContext::get();
    let l = request.language;
    let AdminAccountDetail {
        account,
        admin,
        locked_at,
        locked_reason,
        sessions,
        events,
    } = detail;
    let id = account.id.to_string();
    let own = request.viewer.as_ref().is_some_and(|v| v.user_id == account.id);
    let error_of = |path: &str| request.error_for(path);
    let status = match (&locked_at, &locked_reason) {
        (Some(at), reason) => view! {
            <p class="locked-status" data-testid="account-status">{t!(l, admin.locked_since, at = readable_time(at)).to_string()}</p>
            {reason.clone().map(|r| view! { <p>{t!(l, admin.reason_was)} " " <q data-testid="lock-reason">{r}</q></p> })}
        }
        .into_any(),
        (None, _) => view! { <p data-testid="account-status">{t!(l, admin.active)}</p> }.into_any(),
    };
    let lock_form = if locked_at.is_some() {
        view! {
            <form method="post" action=AdminUnlock::PATH class="admin-action">
                <FormError error=error_of(AdminUnlock::PATH)/>
                <input type="hidden" name="id" value=id.clone()/>
                <p class="hint">{t!(l, admin.unlock_hint)}</p>
                <SubmitButton label=t!(l, admin.unlock) busy=t!(l, admin.working)/>
            </form>
        }
        .into_any()
    } else if own {
        view! { <p class="hint">{t!(l, admin.not_own)}</p> }.into_any()
    } else {
        let error = error_of(AdminLock::PATH);
        view! {
            <form method="post" action=AdminLock::PATH class="admin-action auth-form" novalidate>
                <FormError error=error.clone()/>
                <input type="hidden" name="id" value=id.clone()/>
                <TextField id="reason" label=t!(l, admin.reason) autocomplete="off" field=Field::Reason error/>
                <p class="hint">{t!(l, admin.lock_hint)}</p>
                <SubmitButton label=t!(l, admin.lock) busy=t!(l, admin.working) rules=FormRules::LockReason class="danger"/>
            </form>
        }
        .into_any()
    };
    let action = |path: &'static str, label: &'static str, hint: &'static str, class: Option<&'static str>| {
        view! {
            <form method="post" action=path class="admin-action">
                <FormError error=error_of(path)/>
                <input type="hidden" name="id" value=id.clone()/>
                <p class="hint">{hint}</p>
                <SubmitButton label busy=t!(l, admin.working) class=class.unwrap_or("secondary")/>
            </form>
        }
    };
    let sessions_list = if sessions.is_empty() {
        view! { <p data-testid="no-sessions">{t!(l, admin.no_sessions)}</p> }.into_any()
    } else {
        view! {
            <ul class="sessions" data-testid="admin-sessions">
                <For each=move || sessions.clone() key=|s| s.id.clone() let:s>
                    <li class="session" data-testid="session">
                        <strong>{s.device}</strong>
                        <div class="event-facts">
                            {if s.ip.is_empty() { t!(l, sessions.unknown_ip).to_owned() } else { s.ip }}
                            " · " {t!(l, sessions.last_seen)} " "
                            <time datetime=s.last_seen_at.clone() title=readable_time(&s.last_seen_at)>{s.last_seen_ago}</time>
                        </div>
                    </li>
                </For>
            </ul>
        }
        .into_any()
    };
    let events_list = if events.is_empty() {
        view! { <p>{t!(l, activity.nothing)}</p> }.into_any()
    } else {
        view! {
            <ul class="events" data-testid="events">
                <For each=move || events.clone().into_iter().enumerate() key=|(n, _)| *n let:numbered>
                    <EventItem event=numbered.1 mine=false l/>
                </For>
            </ul>
        }
        .into_any()
    };
    view! {
        <Title text=title(&account.email)/>
        <section class="card wide">
            <h1 data-testid="account-email">{account.email.clone()}</h1>
            <AdminNav here=""/>
            {status}
            <dl class="session-facts">
                <dt>{t!(l, admin.created)}</dt><dd><time datetime=account.created_at.clone()>{readable_time(&account.created_at)}</time></dd>
                <dt>{t!(l, admin.confirmed)}</dt><dd>{yes_no(account.email_confirmed, l)}</dd>
                <dt>{t!(l, admin.two_factor)}</dt><dd data-testid="account-two-factor">{yes_no(account.two_factor, l)}</dd>
                <dt>{t!(l, admin.passkeys)}</dt><dd>{account.passkeys}</dd>
                <dt>{t!(l, admin.last_login)}</dt>
                <dd>{match account.last_login_at.clone() {
                    Some(at) => view! { <time datetime=at.clone()>{readable_time(&at)}</time> }.into_any(),
                    None => t!(l, admin.never).into_any(),
                }}</dd>
                <dt>{t!(l, admin.is_admin)}</dt><dd>{yes_no(admin, l)}</dd>
            </dl>
        </section>
        <section class="card wide" aria-labelledby="actions-title">
            <h2 id="actions-title">{t!(l, admin.actions)}</h2>
            {lock_form}
            {action(AdminEndSessions::PATH, t!(l, admin.end_sessions), t!(l, admin.end_sessions_hint), None)}
            {action(AdminResetSecondFactor::PATH, t!(l, admin.reset_second_factor), t!(l, admin.reset_second_factor_hint), None)}
            {(locked_at.is_none()).then(|| action(AdminSendReset::PATH, t!(l, admin.send_reset), t!(l, admin.send_reset_hint), None))}
            {(!own).then(|| action(AdminDeleteUser::PATH, t!(l, admin.delete), t!(l, admin.delete_hint), Some("danger")))}
        </section>
        <section class="card wide" aria-labelledby="sessions-title">
            <h2 id="sessions-title">{t!(l, admin.sessions)}</h2>
            {sessions_list}
        </section>
        <section class="card wide" aria-labelledby="events-title">
            <h2 id="events-title">{t!(l, activity.title)}</h2>
            {events_list}
        </section>
    }
}

/// `/admin/log`: what every administrator did, newest first.
#[component]
pub fn LogPage() -> impl IntoView {
    let request = PageContext::get();
    let l = request.language;
    if !request.admin {
        return view! { <NotFound/> }.into_any();
    }
    let offset = query_offset();
    let list = Suspend::new(async move {
        match admin_log(Some(offset)).await {
            Ok(entries) if entries.is_empty() => view! { <p>{t!(l, admin.log_empty)}</p> }.into_any(),
            Ok(entries) => {
                let more = entries.len() as i64 == ADMIN_LOG_PAGE;
                let newer = (offset > 0).then(|| format!("/admin/log?offset={}", (offset - ADMIN_LOG_PAGE).max(0)));
                let older = more.then(|| format!("/admin/log?offset={}", offset + ADMIN_LOG_PAGE));
                view! {
                    <LogTable entries l/>
                    {pager(l, newer, older)}
                }
                .into_any()
            }
            Err(err) => view! { <p role="alert">{err.message}</p> }.into_any(),
        }
    });
    view! {
        <Title text=title(t!(l, admin.log_title))/>
        <section class="card wide">
            <h1>{t!(l, admin.log_title)}</h1>
            <AdminNav here="/admin/log"/>
            <Suspense fallback=move || view! { <p>{t!(l, common.loading)}</p> }>{list}</Suspense>
        </section>
    }
    .into_any()
}

#[component]
fn LogTable(entries: Vec<AdminLogEntry>, l: Language) -> impl IntoView {
    let entries: Vec<(usize, AdminLogEntry)> = entries.into_iter().enumerate().collect();
    let rows = view! {
        <For each=move || entries.clone() key=|(n, _)| *n let:numbered>
            <LogRow e=numbered.1 l/>
        </For>
    };
    table(
        t!(l, admin.log_title),
        &[
            t!(l, admin.when),
            t!(l, admin.administrator),
            t!(l, admin.action),
            t!(l, admin.account),
            t!(l, admin.ip),
            t!(l, admin.reason_column),
        ],
        rows,
    )
}

#[component]
fn LogRow(e: AdminLogEntry, l: Language) -> impl IntoView {
    let what = AdminAction::from_code(&e.kind).map_or_else(|| e.kind.clone(), |a| a.words(l).to_owned());
    view! {
        <tr data-testid="log-row" data-type=e.kind>
            <td><time datetime=e.at.clone()>{readable_time(&e.at)}</time></td>
            <td>{if e.admin_email == crate::ssr::admin::OPERATOR { t!(l, admin.operator).to_owned() } else { e.admin_email }}</td>
            <th scope="row">{what}</th>
            <td>{e.target_email}</td>
            <td>{if e.ip.is_empty() { "-".to_owned() } else { e.ip }}</td>
            <td>{e.reason.unwrap_or_default()}</td>
        </tr>
    }
}

/// A table, named `label`, with a heading for each of `columns`. On a
/// screen too narrow for it, it scrolls sideways: a region that the
/// keyboard can reach (Tab, then the arrow keys) and that says what it is.
fn table(label: &'static str, columns: &[&'static str], rows: impl IntoView) -> impl IntoView {
    let head = columns.iter().map(|c| view! { <th scope="col">{*c}</th> }).collect_view();
    view! {
        <div class="table-scroll" role="region" aria-label=label tabindex="0">
            <table class="admin-table">
                <thead><tr>{head}</tr></thead>
                <tbody>{rows}</tbody>
            </table>
        </div>
    }
}

/// Links to the newer and the older page, where there is one.
fn pager(l: Language, newer: Option<String>, older: Option<String>) -> impl IntoView {
    view! {
        <nav class="pager" aria-label=t!(l, admin.pages)>
            {newer.map(|href| view! { <a href=href rel="prev">{t!(l, admin.newer)}</a> })}
            {older.map(|href| view! { <a href=href rel="next">{t!(l, admin.older)}</a> })}
        </nav>
    }
}
