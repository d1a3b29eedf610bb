//! docs/chat.md's picture of a post: a channel-like preview of a golden post
//! (`tests/golden/post-<name>.preview.html`, written here from the golden JSON as a chat client
//! shows the custom notification: title, text, next steps, keywords), rendered to
//! `docs/chat-<name>.png` by scripts/render-chat-png.sh. The test fails when a golden post
//! changed without a new picture.

use serde_json::Value;
use sha2::{Digest, Sha256};
use test_support::{assert_golden, load_json, repo_root};

/// The posts docs/ shows.
const PICTURED: [&str; 1] = ["post-stopped"];

fn html_text(text: &str) -> String {
    // The post's text already writes `&`, `<` and `>` as entities (what the chat markdown
    // needs); the only markup left is ORE's own links, `<url|label>`.
    let mut out = String::new();
    let mut rest = text;
    while let Some(start) = rest.find("<http") {
        out.push_str(&rest[..start]);
        let Some(end) = rest[start..].find('>') else {
            break;
        };
        let inner = &rest[start + 1..start + end];
        let (url, label) = inner.split_once('|').unwrap_or((inner, inner));
        out.push_str(&format!("<a href=\"{url}\">{label}</a>"));
        rest = &rest[start + end + 1..];
    }
    out.push_str(rest);
    out.replace('"', "&quot;")
        .replace("&quot;>", "\">")
        .replace("=&quot;", "=\"")
}

fn preview(post: &Value) -> String {
    let content = &post["content"];
    let text = |v: &Value| html_text(v.as_str().unwrap_or_default());
    let steps: String = content["nextSteps"]
        .as_array()
        .map(|steps| {
            steps
                .iter()
                .map(|s| format!("<li>{}</li>", text(s)))
                .collect()
        })
        .unwrap_or_default();
    let keywords: String = content["keywords"]
        .as_array()
        .map(|k| {
            k.iter()
                .map(|k| format!("<span class=\"kw\">{}</span>", text(k)))
                .collect()
        })
        .unwrap_or_default();
    format!(
        r#"<!DOCTYPE html>
<html><head><meta charset="utf-8"><title>{title}</title><style>
body {{ font-family: "DejaVu Sans", Arial, sans-serif; background: #fff; margin: 16px; color: #1d1c1d; font-size: 14px; }}
.msg {{ display: flex; gap: 10px; }}
.avatar {{ width: 36px; height: 36px; border-radius: 6px; background: #232f3e; color: #ff9900; font-weight: bold; display: flex; align-items: center; justify-content: center; }}
.app {{ font-weight: bold; }} .tag {{ font-size: 11px; background: #e8e8e8; border-radius: 3px; padding: 1px 4px; margin-left: 4px; color: #555; }}
.card {{ border-left: 4px solid #ff9900; padding: 2px 10px; margin-top: 6px; }}
.title {{ font-weight: bold; font-size: 15px; margin: 4px 0 8px; }}
.text {{ white-space: pre-wrap; line-height: 1.4; }}
a {{ color: #1264a3; text-decoration: none; }}
ul {{ margin: 8px 0; padding-left: 20px; }}
.kw {{ display: inline-block; background: #f0f4f8; border: 1px solid #d0d7de; border-radius: 10px; padding: 1px 8px; margin: 2px 4px 0 0; font-size: 12px; }}
</style></head><body><div class="msg"><div class="avatar">Q</div><div>
<div><span class="app">Amazon Q</span><span class="tag">APP</span></div>
<div class="card"><div class="title">{title}</div><div class="text">{description}</div>
<ul>{steps}</ul><div>{keywords}</div></div></div></div></body></html>
"#,
        title = text(&content["title"]),
        description = text(&content["description"]),
    )
}

#[test]
fn the_pictures_are_of_the_current_golden_posts() {
    for name in PICTURED {
        let post = load_json(&format!("crates/chat-notifier/tests/golden/{name}.json"));
        let html = preview(&post);
        assert_golden(
            &format!("crates/chat-notifier/tests/golden/{name}.preview.html"),
            &html,
        );
        let png =
            std::fs::read(repo_root().join(format!("docs/chat-{name}.png"))).expect("the PNG");
        assert_eq!(&png[..8], b"\x89PNG\r\n\x1a\n", "{name}: a PNG file");
        let rendered_from =
            std::fs::read_to_string(repo_root().join(format!("docs/chat-{name}.png.sha256")))
                .expect("the PNG's .sha256 (scripts/render-chat-png.sh writes it)");
        let digest: String = Sha256::digest(html.as_bytes())
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect();
        assert_eq!(
            rendered_from.trim(),
            digest,
            "{name}: the golden post changed since the picture was made: run scripts/render-chat-png.sh"
        );
    }
}
