//! How the widget looks: it leaves the portal's styles alone, fits a 200% zoomed window
//! and keeps text contrast at 4.5:1 or more.

use serde_json::Value;

use crate::page::{self, open_page, run};
use crate::widget::{ask, assert_no_csp_violations, click_launcher, setup, QUESTION};

/// Computed styles of the portal's own elements, to compare with and without the widget.
const PAGE_STYLES: &str = r#"
const selectors = ['html', 'body', '.site-header', '.site-name', '.global-nav a', 'h1', 'h2',
  '.demo-note', 'p', '.notices li', '.tiles a', 'button.primary', '.search input', '.site-footer'];
const properties = ['font-family', 'font-size', 'font-weight', 'color', 'background-color',
  'margin-top', 'margin-bottom', 'padding-top', 'padding-left', 'letter-spacing', 'line-height',
  'border-top-width', 'border-radius', 'display', 'width', 'height'];
const styles = {};
for (const selector of selectors) {
  const node = document.querySelector(selector);
  const computed = getComputedStyle(node);
  styles[selector] = Object.fromEntries(properties.map((p) => [p, computed.getPropertyValue(p)]));
}
return {
  styles,
  sheets: document.styleSheets.length,
  adopted: document.adoptedStyleSheets.length,
  inline_styles: document.querySelectorAll('[style]').length,
};
"#;

#[tokio::test]
async fn the_widget_leaves_the_page_styles_alone_and_keeps_the_pages_styles_out() {
    let Some((server, browser)) = setup(1000, 700).await else {
        return;
    };
    let client = &browser.client;

    client
        .goto(&server.url("/widget/demo?widget=0"))
        .await
        .expect("the page without the widget");
    let without = run(client, PAGE_STYLES).await;
    assert_eq!(run(client, "return host === null;").await, true);

    open_page(client, &server.url("/widget/demo")).await;
    click_launcher(client).await;
    let with = run(client, PAGE_STYLES).await;
    assert_eq!(with, without, "the portal looks the same with the widget");

    let widget = run(
        client,
        r#"const panelStyle = getComputedStyle($('.panel'));
        return {
          host_parent: host.parentElement.tagName,
          light_children: host.children.length,
          in_shadow: $('.panel').getRootNode() === root,
          host_style_attribute: host.hasAttribute('style'),
          letter_spacing: panelStyle.letterSpacing,
          line_height: getComputedStyle($('.root')).lineHeight,
          close_radius: getComputedStyle($('button.close')).borderTopLeftRadius,
          send_background: getComputedStyle($('button.send')).backgroundColor,
          shadow_sheet: $('link[rel="stylesheet"]').href,
        };"#,
    )
    .await;
    assert_eq!(widget["host_parent"], "BODY");
    assert_eq!(
        widget["light_children"], 0,
        "everything is in the shadow root"
    );
    assert_eq!(widget["in_shadow"], true);
    assert_eq!(widget["host_style_attribute"], false);
    // The page sets letter-spacing on body and `border-radius: 0` and a teal background
    // on every button; none of that reaches the widget.
    assert_eq!(widget["letter_spacing"], "normal", "{widget}");
    assert_eq!(widget["close_radius"], "4px", "{widget}");
    assert_eq!(widget["send_background"], "rgb(10, 79, 150)", "{widget}");
    assert_eq!(
        widget["shadow_sheet"],
        Value::from(server.url("/widget.css"))
    );

    assert_no_csp_violations(&page::state(client).await);
    browser.quit().await;
}

/// Bounding boxes of the widget's parts and the viewport, in CSS pixels.
const LAYOUT: &str = r#"
const rect = (s) => { const r = $(s).getBoundingClientRect();
  return { left: r.left, top: r.top, right: r.right, bottom: r.bottom, width: r.width, height: r.height }; };
return {
  viewport: { width: innerWidth, height: innerHeight },
  parts: Object.fromEntries(['.panel', '.close', '.log', 'textarea', 'button.send']
    .map((s) => [s, rect(s)])),
};
"#;

#[tokio::test]
async fn at_200_percent_zoom_the_open_panel_fits_the_window() {
    // 1000 x 700 at 200% zoom is a 500 x 350 CSS-pixel viewport.
    let Some((server, browser)) = setup(500, 350).await else {
        return;
    };
    let client = &browser.client;
    open_page(client, &server.url("/widget/demo")).await;
    click_launcher(client).await;

    let layout = run(client, LAYOUT).await;
    let viewport = &layout["viewport"];
    assert_eq!(viewport["width"], 500, "{layout}");
    assert_eq!(viewport["height"], 350, "{layout}");
    let (width, height) = (500.0, 350.0);
    for (part, rect) in layout["parts"].as_object().expect("parts") {
        let get = |k: &str| rect[k].as_f64().expect("a number");
        assert!(
            get("width") > 0.0 && get("height") > 0.0,
            "{part} is shown: {layout}"
        );
        assert!(
            get("left") >= 0.0
                && get("top") >= 0.0
                && get("right") <= width
                && get("bottom") <= height,
            "{part} inside the 500x350 viewport: {layout}"
        );
    }
    let log_height = layout["parts"][".log"]["height"].as_f64().unwrap_or(0.0);
    assert!(log_height >= 48.0, "room for the conversation: {layout}");

    let state = ask(client, QUESTION).await;
    assert!(!state.bot_messages().is_empty());
    assert_no_csp_violations(&state);
    browser.quit().await;
}

/// Contrast ratio (WCAG 2) of each text element against its first opaque background.
const CONTRAST: &str = r#"
const parse = (c) => { const n = c.match(/[\d.]+/g).map(Number); return { rgb: n.slice(0, 3), a: n.length > 3 ? n[3] : 1 }; };
const luminance = (rgb) => { const [r, g, b] = rgb.map((v) => { v /= 255; return v <= 0.03928 ? v / 12.92 : Math.pow((v + 0.055) / 1.055, 2.4); }); return 0.2126 * r + 0.7152 * g + 0.0722 * b; };
const background = (node) => {
  for (let n = node; n; n = n.parentElement || n.getRootNode().host) {
    const c = parse(getComputedStyle(n).backgroundColor);
    if (c.a > 0) return c.rgb;
  }
  return [255, 255, 255];
};
const ratio = (node) => {
  const fg = luminance(parse(getComputedStyle(node).color).rgb);
  const bg = luminance(background(node));
  return (Math.max(fg, bg) + 0.05) / (Math.min(fg, bg) + 0.05);
};
return Object.fromEntries(arguments[0].flatMap((s) => $$(s).slice(0, 1).map((n) => [s, ratio(n)])));
"#;

#[tokio::test]
async fn text_contrast_is_at_least_4_5_to_1() {
    let Some((server, browser)) = setup(1000, 700).await else {
        return;
    };
    let client = &browser.client;
    open_page(client, &server.url("/widget/demo")).await;
    let launcher = ["button.launcher .launcher-label"];
    let closed = client
        .execute(
            &format!("{}\n{CONTRAST}", page::PRELUDE),
            vec![serde_json::json!(launcher)],
        )
        .await
        .expect("contrast of the launcher");
    click_launcher(client).await;
    ask(client, QUESTION).await;
    ask(client, "いいえ").await;
    let selectors = [
        ".title",
        "button.close",
        ".notice",
        ".message-bot .author",
        ".message-bot .body",
        ".message-staff .body",
        "button.choice:not([disabled])",
        "button.choice[disabled]",
        ".input-label",
        "textarea",
        "button.send",
        ".hint",
    ];
    let open = client
        .execute(
            &format!("{}\n{CONTRAST}", page::PRELUDE),
            vec![serde_json::json!(selectors)],
        )
        .await
        .expect("contrast of the panel");
    let mut ratios = closed.as_object().expect("ratios").clone();
    ratios.extend(open.as_object().expect("ratios").clone());
    for selector in launcher.iter().chain(&selectors) {
        let ratio = ratios.get(*selector).and_then(Value::as_f64);
        let ratio = ratio.unwrap_or_else(|| panic!("{selector} not found: {ratios:?}"));
        assert!(ratio >= 4.5, "{selector}: contrast {ratio:.2} < 4.5");
    }
    assert_no_csp_violations(&page::state(client).await);
    browser.quit().await;
}
