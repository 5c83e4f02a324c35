//! The `<head>` links to the build's assets: the islands' loader and
//! router script, the WASM and JS preloads, and the stylesheet.
//!
//! With fingerprinted names (`hash-files`), Leptos' `HydrationScripts` and
//! `HashedStylesheet` look the names up in `hash.txt` beside the binary on
//! every render: a `readlink` of the executable and a file read each, 12 %
//! of `/profile`'s CPU in a profile. The names change only with a new
//! build, so the scripts are rendered once, with a stand-in for the
//! request's CSP nonce, and each page gets that HTML with its own nonce.
//! Under `cargo leptos watch`, which rebuilds the CSS under the running
//! server, Leptos' own components do it per render.

use leptos::{nonce::use_nonce, prelude::*, tachys::html::InertElement};
use leptos_meta::HashedStylesheet;
use std::sync::OnceLock;

/// Where the nonce goes in the HTML rendered once.
const NONCE: &str = "gatehouse-nonce-stand-in";

struct Rendered {
    /// The scripts' HTML, split where the nonce goes: a page joins the
    /// pieces with its own (a search of the whole 16 kB for the stand-in
    /// on every render was 2 % of `/profile`'s CPU).
    scripts: Vec<String>,
    stylesheet: String,
}

#[component]
pub fn HeadAssets(options: LeptosOptions) -> impl IntoView {
    if std::env::var_os("LEPTOS_WATCH").is_some() {
        return view! {
            <HydrationScripts options=options.clone() islands=true islands_router=true/>
            <HashedStylesheet options id="leptos"/>
        }
        .into_any();
    }
    static RENDERED: OnceLock<Rendered> = OnceLock::new();
    let rendered = RENDERED.get_or_init(|| render(&options));
    // What HydrationScripts does for each page in islands mode: outside
    // islands, nothing is marked for hydration.
    if let Some(context) = Owner::current_shared_context() {
        context.set_is_hydrating(false);
    }
    let nonce = use_nonce().map(|n| n.to_string()).unwrap_or_default();
    view! {
        {InertElement::new(rendered.scripts.join(nonce.as_str()))}
        <link rel="stylesheet" id="leptos" href=rendered.stylesheet.as_str()/>
    }
    .into_any()
}

fn render(options: &LeptosOptions) -> Rendered {
    // An owner of its own, for the stand-in nonce (a child: `new_root`
    // would make itself the current owner for the rest of the render).
    let owner = Owner::current().map_or_else(|| Owner::new_root(None), |current| current.child());
    let scripts = owner.with(|| {
        provide_context(leptos::nonce::Nonce::from_value(NONCE));
        view! { <HydrationScripts options=options.clone() islands=true islands_router=true/> }.to_html()
    });
    let scripts = inert_wasm_preload(&scripts);
    Rendered {
        scripts: scripts.split(NONCE).map(str::to_owned).collect(),
        stylesheet: stylesheet_href(options),
    }
}

/// The WASM's preload, made inert (`media="not all"`) and switched on by
/// the loader script, which only a browser running JavaScript runs:
/// without it Chromium downloaded the whole WASM for nothing (the JS
/// glue's `modulepreload` it already skips). The head keeps its nodes, so
/// the islands router's node-by-node diff of the head is unchanged.
fn inert_wasm_preload(scripts: &str) -> String {
    const PRELOAD: &str = "<link rel=\"preload\"";
    const LOADER: &str = "<script type=\"module\" nonce=\"";
    const SWITCH_ON: &str = "document.querySelector('link[rel=preload][media]')?.removeAttribute('media');";
    // A form marked `data-reload` (a provider's "Continue with") is the
    // browser's own to send, from the moment the router listens, not only
    // once the WASM has run: the router would fetch the redirect to the
    // provider and nothing would happen. The `Navigator` island does the
    // same (app/src/browser.rs); this covers the time before it runs.
    const NATIVE_FORMS: &str = "addEventListener('submit',e=>{if(e.target.hasAttribute?.('data-reload'))e.stopPropagation()},true);";
    let (Some(_), Some(loader)) = (scripts.find(PRELOAD), scripts.find(LOADER)) else {
        // Leptos renders its scripts some other way: leave them be.
        return scripts.to_owned();
    };
    let Some(body) = scripts[loader..].find('>').map(|end| loader + end + 1) else {
        return scripts.to_owned();
    };
    let mut out = String::with_capacity(scripts.len() + 96);
    out.push_str(&scripts[..body]);
    out.push_str(SWITCH_ON);
    out.push_str(NATIVE_FORMS);
    out.push_str(&scripts[body..]);
    out.replacen(PRELOAD, "<link rel=\"preload\" media=\"not all\"", 1)
}

/// `/pkg/gatehouse.<hash>.css`, as `HashedStylesheet` would name it.
fn stylesheet_href(options: &LeptosOptions) -> String {
    let hash = options
        .hash_files
        .then(|| {
            let path = std::env::current_exe().ok()?.parent()?.join(options.hash_file.as_ref());
            let hashes = std::fs::read_to_string(path).ok()?;
            hashes
                .lines()
                .find_map(|line| line.trim().strip_prefix("css:").map(|h| h.trim().to_owned()))
        })
        .flatten();
    let name = match hash {
        Some(hash) => format!("{}.{hash}", options.output_name),
        None => options.output_name.to_string(),
    };
    format!("/{}/{name}.css", options.site_pkg_dir)
}

#[cfg(test)]
mod tests {
    use super::inert_wasm_preload;

    #[test]
    fn the_wasm_preload_is_inert_until_the_loader_runs() {
        let scripts = "<link rel=\"modulepreload\" href=\"/pkg/a.js\"><link rel=\"preload\" href=\"/pkg/a.wasm\" as=\"fetch\">\
                       <script type=\"module\" nonce=\"N\">load()</script>";
        let out = inert_wasm_preload(scripts);
        assert!(out.contains("<link rel=\"preload\" media=\"not all\" href=\"/pkg/a.wasm\""), "{out}");
        assert!(out.contains("<script type=\"module\" nonce=\"N\">document.querySelector('link[rel=preload][media]')?.removeAttribute('media');\
                               addEventListener('submit',e=>{if(e.target.hasAttribute?.('data-reload'))e.stopPropagation()},true);load()</script>"), "{out}");
        // The same number of elements in the head.
        assert_eq!(out.matches('<').count(), scripts.matches('<').count());
        assert_eq!(inert_wasm_preload("<script>x</script>"), "<script>x</script>");
    }
}
