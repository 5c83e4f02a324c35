//! The reader's choice of language: the footer's form on every page, or a
//! script. Kept in the `lang` cookie for a year, and on the account when
//! signed in (its mail is written in it).

use crate::error::ApiError;
use leptos::prelude::*;

/// Sets the language to `lang` (`en` or `ko`): 200 and the `lang` cookie;
/// 422 for anything else. A form posted without JavaScript lands back on
/// the page it came from, now in that language.
#[server(prefix = "/api", endpoint = "set_language")]
pub async fn set_language(lang: String) -> Result<(), ApiError> {
    use crate::{
        domain::{Field, Language},
        ssr::{session, AppState},
    };
    let Some(language) = Language::from_code(lang.trim()) else {
        return Err(ApiError::invalid(Some(Field::Language), crate::t!(Language::current(), errors.no_such_language)));
    };
    let state = AppState::from_context()?;
    crate::ssr::language::remember(language, state.secure_cookies);
    let session = session::current().await?;
    if let Some(auth) = session::request_auth(&session).await? {
        state.users.set_language(auth.user_id, language).await?;
        session::set_language(&session, auth, language).await?;
    }
    Ok(())
}
