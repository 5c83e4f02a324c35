//! The WASM entry point: hydrates the islands in the server-rendered page.
//! Only the `#[island]` components of the app crate (and what they use)
//! end up in the bundle; the pages themselves never run in the browser.

// The islands' hydration functions are exported from the app crate.
pub use app::islands;

#[wasm_bindgen::prelude::wasm_bindgen]
pub fn hydrate() {
    // Panic messages in the console while developing; a release build
    // leaves out the formatting machinery they need.
    #[cfg(debug_assertions)]
    console_error_panic_hook::set_once();
    leptos::mount::hydrate_islands();
}
