//! `docs/extending.md` shows code that is in the repository: each code
//! block starts with a comment naming its file (`// app/src/access.rs`,
//! `-- migrations/…`), and that file must still hold the block's lines, in
//! order and together. When the code moves on, this fails, and the guide
//! is brought along.

use std::path::Path;

/// The fenced blocks of `markdown` that name their source: (path, lines).
fn quoted_blocks(markdown: &str) -> Vec<(String, Vec<String>)> {
    let mut blocks = Vec::new();
    let mut lines = markdown.lines();
    while let Some(line) = lines.next() {
        if !line.starts_with("```") || line.trim() == "```" {
            continue;
        }
        let body: Vec<String> = lines.by_ref().take_while(|l| l.trim() != "```").map(str::to_owned).collect();
        let Some((first, rest)) = body.split_first() else { continue };
        let source = first.trim().strip_prefix("//").or_else(|| first.trim().strip_prefix("--"));
        if let Some(path) = source.map(str::trim).filter(|p| p.contains('/')) {
            blocks.push((path.to_owned(), rest.to_vec()));
        }
    }
    blocks
}

/// Whether `text` holds `lines` one after another.
fn holds(text: &str, lines: &[String]) -> bool {
    let file: Vec<&str> = text.lines().collect();
    file.windows(lines.len()).any(|w| w.iter().zip(lines).all(|(a, b)| a.trim_end() == b.trim_end()))
}

#[test]
fn every_quoted_block_is_still_in_its_file() {
    // Read when the test runs (cargo sets it), not baked in when it was
    // built: a shared target directory may hold a build from another
    // checkout of the same code.
    let manifest = std::env::var("CARGO_MANIFEST_DIR").unwrap_or_else(|_| env!("CARGO_MANIFEST_DIR").to_owned());
    let root = Path::new(&manifest).join("..");
    let guide = std::fs::read_to_string(root.join("docs/extending.md")).expect("docs/extending.md");
    let blocks = quoted_blocks(&guide);
    assert!(blocks.len() >= 10, "only {} blocks name their file", blocks.len());
    for (path, lines) in &blocks {
        let text = std::fs::read_to_string(root.join(path)).unwrap_or_else(|e| panic!("{path}: {e}"));
        assert!(holds(&text, lines), "docs/extending.md quotes {path}, which no longer holds:\n{}", lines.join("\n"));
    }
}

#[test]
fn a_block_that_drifted_is_caught() {
    let text = "fn a() {\n    one();\n    two();\n}\n";
    assert!(holds(text, &["    one();".into(), "    two();".into()]));
    assert!(!holds(text, &["    two();".into(), "    one();".into()]));
    let guide = "```rust\n// x/y.rs\n    one();\n```\n```rust\nno source\n```\n";
    assert_eq!(quoted_blocks(guide), [("x/y.rs".to_owned(), vec!["    one();".to_owned()])]);
}

/// The README's map of concerns ("Each concern is a module with a small
/// interface"): the table that follows it.
fn map_of_concerns(readme: &str) -> &str {
    let start = readme.find("Each concern is a module with a small interface").expect("the README's map of concerns");
    let rest = &readme[start..];
    let end = rest.find("\n\n|").map_or(rest.len(), |table| {
        let after = table + 2;
        rest[after..].find("\n\n").map_or(rest.len(), |blank| after + blank)
    });
    &rest[..end]
}

/// The modules a reader looks up: every `.rs` file under these folders
/// but the `mod.rs` that lists them.
fn modules(root: &Path) -> Vec<String> {
    let mut found = Vec::new();
    for dir in ["app/src/api", "app/src/domain", "app/src/pages", "app/src/ssr", "app/src/ssr/mail", "server/src", "server/src/http"] {
        for entry in std::fs::read_dir(root.join(dir)).unwrap_or_else(|e| panic!("{dir}: {e}")) {
            let name = entry.unwrap().file_name().to_string_lossy().into_owned();
            if let Some(stem) = name.strip_suffix(".rs").filter(|s| *s != "mod") {
                found.push(format!("{dir}/{stem}"));
            }
        }
    }
    found
}

/// Whether the map names `stem`: as `` `stem` ``, `` `stem.rs` `` or the
/// end of a path.
fn names(map: &str, stem: &str) -> bool {
    [format!("`{stem}`"), format!("`{stem}.rs`"), format!("/{stem}.rs`"), format!("{stem}.rs::")]
        .iter()
        .any(|form| map.contains(form.as_str()))
}

#[test]
fn the_readme_map_names_every_module() {
    let manifest = std::env::var("CARGO_MANIFEST_DIR").unwrap_or_else(|_| env!("CARGO_MANIFEST_DIR").to_owned());
    let root = Path::new(&manifest).join("..");
    let readme = std::fs::read_to_string(root.join("README.md")).expect("README.md");
    let map = map_of_concerns(&readme);
    let modules = modules(&root);
    assert!(modules.len() > 40, "only {} modules found", modules.len());
    let missing: Vec<&String> = modules.iter().filter(|m| !names(map, m.rsplit('/').next().unwrap())).collect();
    assert!(missing.is_empty(), "the README's map of concerns does not name {missing:?}");
}

#[test]
fn a_module_missing_from_the_map_is_caught() {
    let readme = "intro\n\nEach concern is a module with a small interface:\n\n| a | b |\n|---|---|\n| x | `app/src/ssr/store.rs`, `users` |\n\nlater `throttle`\n";
    let map = map_of_concerns(readme);
    assert!(names(map, "store") && names(map, "users"));
    assert!(!names(map, "throttle"), "a name after the table counts");
}
