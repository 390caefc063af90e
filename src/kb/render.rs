//! Answer bodies from Markdown to HTML that is safe to put in any page.

use pulldown_cmark::{html, Options, Parser};

/// Renders Markdown and sanitises the result: scripts, event handlers, `javascript:`
/// links, iframes and styles are removed; links open safely.
pub fn markdown_to_safe_html(markdown: &str) -> String {
    let mut options = Options::empty();
    options.insert(Options::ENABLE_TABLES);
    options.insert(Options::ENABLE_STRIKETHROUGH);
    let mut raw = String::with_capacity(markdown.len() * 2);
    html::push_html(&mut raw, Parser::new_ext(markdown, options));
    ammonia::Builder::default()
        .url_schemes(["http", "https", "mailto", "tel"].into())
        .link_rel(Some("noopener noreferrer"))
        .clean(&raw)
        .to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn renders_lists_and_emphasis() {
        let html = markdown_to_safe_html("1. **再起動**してください\n2. 確認します");
        assert!(html.contains("<ol>") && html.contains("<strong>再起動</strong>"));
    }

    #[test]
    fn removes_scripts_handlers_and_javascript_links() {
        let html = markdown_to_safe_html(
            "<script>alert(1)</script><img src=x onerror=alert(1)>\n\n[x](javascript:alert(1))\n\n<iframe src=//e></iframe>",
        );
        assert!(!html.contains("<script"), "{html}");
        assert!(!html.contains("onerror"), "{html}");
        assert!(!html.contains("href=\"javascript"), "{html}");
        assert!(!html.contains("<iframe"), "{html}");
    }
}
