//! Answer bodies from Markdown to HTML that is safe to put in any page.

use std::borrow::Cow;

use ammonia::url::{ParseError, Url};
use pulldown_cmark::{html, Options, Parser};

/// Renders Markdown and sanitises the result: scripts, event handlers, `javascript:`
/// links, iframes and styles are removed; links open safely. Images come only from this
/// server (relative URLs) or from `image_hosts` (`[faq] image_hosts`); any other image is
/// replaced by its alt text, so that an answer shown on the portal loads nothing from
/// elsewhere.
pub fn markdown_to_safe_html(markdown: &str, image_hosts: &[String]) -> String {
    let mut options = Options::empty();
    options.insert(Options::ENABLE_TABLES);
    options.insert(Options::ENABLE_STRIKETHROUGH);
    let mut raw = String::with_capacity(markdown.len() * 2);
    html::push_html(&mut raw, Parser::new_ext(markdown, options));
    let hosts = image_hosts.to_vec();
    let clean = ammonia::Builder::default()
        .url_schemes(["http", "https", "mailto", "tel"].into())
        .link_rel(Some("noopener noreferrer"))
        .attribute_filter(move |element, attribute, value| {
            let dropped = element == "img" && attribute == "src" && !image_allowed(value, &hosts);
            (!dropped).then_some(Cow::Borrowed(value))
        })
        .clean(&raw)
        .to_string();
    images_without_source_as_text(&clean)
}

/// Whether an image at `src` may be shown: a relative URL (this server), or http(s) on
/// one of `hosts` (`name` for any port, `name:port` for one).
fn image_allowed(src: &str, hosts: &[String]) -> bool {
    // What a browser makes of the value: tabs and line breaks removed, spaces and control
    // characters trimmed, `\` read as `/`.
    let src: String = src
        .chars()
        .filter(|c| !matches!(c, '\t' | '\n' | '\r'))
        .collect::<String>()
        .trim_matches(|c: char| c <= ' ')
        .replace('\\', "/");
    match Url::parse(&src) {
        // `//host/x.png` is another host, with this page's scheme.
        Err(ParseError::RelativeUrlWithoutBase) => !src.starts_with("//"),
        Ok(url) if matches!(url.scheme(), "http" | "https") => {
            let Some(host) = url.host_str() else {
                return false;
            };
            let with_port = url.port().map(|port| format!("{host}:{port}"));
            hosts.iter().any(|allowed| {
                let allowed = allowed.trim();
                allowed.eq_ignore_ascii_case(host)
                    || with_port
                        .as_deref()
                        .is_some_and(|h| allowed.eq_ignore_ascii_case(h))
            })
        }
        _ => false,
    }
}

/// Replaces each `<img>` the sanitiser left without a `src` by its alt text. `html` is
/// ammonia's output: `<` in text is always escaped, so `<` opens a tag, and attribute
/// values are double-quoted with `"` escaped.
fn images_without_source_as_text(html: &str) -> String {
    let mut out = String::with_capacity(html.len());
    let mut rest = html;
    while let Some(start) = rest.find('<') {
        out.push_str(&rest[..start]);
        let tag = &rest[start..start + tag_length(&rest[start..])];
        match alt_of_image_without_source(tag) {
            // An attribute value escapes `&` and `"` but not `<` and `>`; text must.
            Some(alt) => out.push_str(&alt.replace('<', "&lt;").replace('>', "&gt;")),
            None => out.push_str(tag),
        }
        rest = &rest[start + tag.len()..];
    }
    out.push_str(rest);
    out
}

/// The length of the tag `s` starts with, through its `>` (quoted values skipped).
fn tag_length(s: &str) -> usize {
    let mut quoted = false;
    for (i, c) in s.char_indices() {
        match c {
            '"' => quoted = !quoted,
            '>' if !quoted => return i + 1,
            _ => {}
        }
    }
    s.len()
}

/// For an `<img ...>` tag without `src`, its alt text as written (possibly empty);
/// `None` for any other tag.
fn alt_of_image_without_source(tag: &str) -> Option<&str> {
    let mut rest = tag.strip_prefix("<img")?;
    if !rest.starts_with([' ', '>', '/']) {
        return None;
    }
    let mut alt = "";
    loop {
        rest = rest.trim_start_matches([' ', '/']);
        if rest.is_empty() || rest.starts_with('>') {
            return Some(alt);
        }
        let (name, after) = rest.split_once("=\"")?;
        let (value, after) = after.split_once('"')?;
        match name {
            "src" => return None,
            "alt" => alt = value,
            _ => {}
        }
        rest = after;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn render(markdown: &str) -> String {
        markdown_to_safe_html(markdown, &[])
    }

    #[test]
    fn renders_lists_and_emphasis() {
        let html = render("1. **再起動**してください\n2. 確認します");
        assert!(html.contains("<ol>") && html.contains("<strong>再起動</strong>"));
    }

    #[test]
    fn removes_scripts_handlers_and_javascript_links() {
        let html = render(
            "<script>alert(1)</script><img src=x onerror=alert(1)>\n\n[x](javascript:alert(1))\n\n<iframe src=//e></iframe>",
        );
        assert!(!html.contains("<script"), "{html}");
        assert!(!html.contains("onerror"), "{html}");
        assert!(!html.contains("href=\"javascript"), "{html}");
        assert!(!html.contains("<iframe"), "{html}");
    }

    #[test]
    fn images_of_this_server_are_kept() {
        let html = render("![プリンターの画面](/kb-images/printer.png \"画面\")");
        assert!(
            html.contains("<img src=\"/kb-images/printer.png\" alt=\"プリンターの画面\""),
            "{html}"
        );
        let html = render("![図](images/vpn.png)");
        assert!(html.contains("<img src=\"images/vpn.png\""), "{html}");
    }

    #[test]
    fn images_from_elsewhere_become_their_alt_text() {
        for markdown in [
            "手順: ![設定画面](https://elsewhere.example/x.png) を見てください",
            "手順: ![設定画面](//elsewhere.example/x.png) を見てください",
            "手順: ![設定画面](http://192.0.2.1/x.png) を見てください",
            "手順: ![設定画面](data:image/png;base64,AAAA) を見てください",
            "手順: <img src=\"/\\elsewhere.example/x.png\" alt=\"設定画面\"> を見てください",
            "手順: <img src=\" //elsewhere.example/x.png\" alt=\"設定画面\"> を見てください",
            "手順: <img src=\"/&#9;/elsewhere.example/x.png\" alt=\"設定画面\"> を見てください",
            "手順: <img alt=\"設定画面\" width=\"10\" src=\"HTTPS://ELSEWHERE.EXAMPLE/x.png\"> を見てください",
        ] {
            let html = render(markdown);
            assert!(!html.contains("<img"), "{markdown}: {html}");
            assert!(!html.contains("elsewhere"), "{markdown}: {html}");
            assert!(
                html.contains("手順: 設定画面 を見てください"),
                "{markdown}: {html}"
            );
        }
    }

    #[test]
    fn the_alt_text_of_a_dropped_image_stays_text() {
        let html = render(
            "<img src=\"https://elsewhere.example/x.png\" alt=\"<script>alert(1)</script> &amp; &quot;x&quot;\">",
        );
        assert!(!html.contains("<script"), "{html}");
        assert!(!html.contains("<img"), "{html}");
        assert!(
            html.contains("&lt;script&gt;alert(1)&lt;/script&gt; &amp; &quot;x&quot;"),
            "{html}"
        );
        // `<img` inside another tag's attribute is not a tag.
        let html = render("<a href=\"/x\" title=\"<img alt=&quot;a&quot;>\">リンク</a>");
        assert!(html.contains("<a href=\"/x\""), "{html}");
        assert!(html.contains(">リンク</a>"), "{html}");
    }

    #[test]
    fn configured_hosts_may_serve_images() {
        let hosts = [
            "intranet.city.numazu.lg.jp".to_owned(),
            "files.lgwan.local:8443".to_owned(),
        ];
        for src in [
            "https://intranet.city.numazu.lg.jp/kb/x.png",
            "http://INTRANET.city.numazu.lg.jp:8080/kb/x.png",
            "https://files.lgwan.local:8443/x.png",
        ] {
            let html = markdown_to_safe_html(&format!("![図]({src})"), &hosts);
            assert!(html.contains("<img src="), "{src}: {html}");
        }
        for src in [
            "https://files.lgwan.local/x.png",
            "https://intranet.city.numazu.lg.jp.evil.example/x.png",
            "ftp://intranet.city.numazu.lg.jp/x.png",
        ] {
            let html = markdown_to_safe_html(&format!("![図]({src})"), &hosts);
            assert!(!html.contains("<img"), "{src}: {html}");
        }
    }
}
