//! The application shell: the sidebar (a top bar and a drawer on phones) of customers and of
//! the back office, the command palette, and htmx errors that never swap a whole page.

use std::time::Duration;

use fantoccini::{Locator, key::Key};
use serde_json::{Value, json};

use crate::support::*;

const PASSWORD: &str = "correct horse battery staple";
/// Long on purpose: names must truncate, not push the navigation out of the window.
const LONG_NAME: &str = "Maximiliane Alexandra Wolkenstein-Trostburg von Hohenberg";
const LONG_WORKSPACE: &str = "Wolkenstein & Hohenberg Social Media Growth Partners International";

/// Every visible element of the shell (`selector`) that reaches outside the window, as text.
const OUTSIDE_VIEWPORT: &str = r#"
  var out = [];
  var w = window.innerWidth, h = document.documentElement.clientWidth;
  document.querySelectorAll(arguments[0]).forEach(function (root) {
    [root].concat(Array.prototype.slice.call(root.querySelectorAll('*'))).forEach(function (e) {
      // Contents of a closed <details> (a menu, the bell) are not shown.
      for (var d = e.parentElement && e.parentElement.closest('details'); d;
           d = d.parentElement && d.parentElement.closest('details')) {
        if (!d.open && !d.querySelector(':scope > summary').contains(e)) return;
      }
      var s = getComputedStyle(e);
      if (s.visibility === 'hidden' || s.display === 'none' || !e.getClientRects().length) return;
      var r = e.getBoundingClientRect();
      if (r.width === 0 || r.height === 0) return;
      if (r.left < -0.5 || r.right > Math.min(w, h) + 0.5)
        out.push(e.tagName + '.' + e.className + ' [' + Math.round(r.left) + ', ' + Math.round(r.right) + ']');
    });
  });
  return out;
"#;

/// Whether the link to `arguments[0]` in the sidebar is really seen: on screen and the
/// topmost element at its centre (not covered, not scrolled away, not in a closed drawer).
const LINK_SEEN: &str = r#"
  var a = document.querySelector('.sidebar-nav a[href="' + arguments[0] + '"]');
  if (!a) return 'missing';
  a.scrollIntoView({block: 'nearest'});
  var r = a.getBoundingClientRect();
  if (r.width === 0 || r.right > window.innerWidth || r.bottom > window.innerHeight || r.left < 0 || r.top < 0)
    return 'off screen';
  var hit = document.elementFromPoint(r.left + r.width / 2, r.top + r.height / 2);
  return hit && a.contains(hit) ? 'seen' : 'covered';
"#;

async fn js(b: &Browser, script: &str, args: Vec<Value>) -> Value {
    b.c.execute(script, args).await.unwrap()
}

async fn wait_for(b: &Browser, what: &str, script: &str) -> Value {
    for _ in 0..60 {
        let v = js(b, script, vec![]).await;
        if !v.is_null() && v != json!(false) && v != json!("") {
            return v;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("never happened: {what}");
}

async fn screenshot(b: &Browser, name: &str) {
    if let Ok(dir) = std::env::var("GROWTHDECK_TEST_SCREENSHOT_DIR") {
        let path = std::path::PathBuf::from(dir).join(format!("{name}.png"));
        std::fs::write(path, b.c.screenshot().await.unwrap()).unwrap();
    }
}

/// Both themes of the page as it is now (for people reviewing the UI; not compared).
async fn screenshots(b: &Browser, name: &str) {
    for theme in ["light", "dark"] {
        js(
            b,
            "document.documentElement.dataset.theme = arguments[0];",
            vec![json!(theme)],
        )
        .await;
        screenshot(b, &format!("{name}-{theme}")).await;
    }
    js(b, "delete document.documentElement.dataset.theme;", vec![]).await;
}

/// A customer with a workspace (API sign-up), signed in through the form; the workspace id.
async fn customer(b: &Browser, email: &str, name: &str, workspace: &str) -> uuid::Uuid {
    let res = reqwest::Client::new()
        .post(format!("{}/api/v1/auth/signup", b.base))
        .json(
            &json!({ "email": email, "password": PASSWORD, "name": name, "workspace": workspace }),
        )
        .send()
        .await
        .unwrap();
    // Accepted alike for every address; the workspace comes with a token.
    assert_eq!(res.status(), 202);
    let body: Value = reqwest::Client::new()
        .post(format!("{}/api/v1/auth/token", b.base))
        .json(&json!({ "email": email, "password": PASSWORD }))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    b.c.goto(&format!("{}/login", b.base)).await.unwrap();
    fill(&b.c, "email", email).await;
    fill(&b.c, "password", PASSWORD).await;
    b.submit().await;
    wait_for_path(&b.c, "/home").await;
    body["workspace"]["id"].as_str().unwrap().parse().unwrap()
}

/// Demo accounts in the workspace, fetched now (so their manual refresh is cooling down).
async fn demo_accounts(b: &Browser, workspace: uuid::Uuid, names: &[&str]) -> Vec<uuid::Uuid> {
    let mut ids = Vec::new();
    for name in names {
        let card = instagram::service::accounts::add_demo(
            &b.state,
            &platform::Scope::for_test(workspace),
            name,
            None,
        )
        .await
        .unwrap();
        instagram::service::refresh::refresh_profile(&b.state, card.profile.id, |_, _| {})
            .await
            .unwrap();
        ids.push(card.account.id);
    }
    ids
}

async fn goto(b: &Browser, path: &str) {
    b.c.goto(&format!("{}{path}", b.base)).await.unwrap();
    wait_for_path(&b.c, path).await;
}

async fn assert_inside(b: &Browser, selector: &str, when: &str) {
    let outside = js(b, OUTSIDE_VIEWPORT, vec![json!(selector)]).await;
    assert_eq!(
        outside,
        json!([]),
        "{when}: parts of {selector} outside the window"
    );
    assert_eq!(
        b.overflow_px().await,
        0,
        "{when}: the page is wider than the window"
    );
}

async fn focused_matches(b: &Browser, selector: &str) -> bool {
    js(
        b,
        "return !!document.activeElement && document.activeElement.matches(arguments[0]);",
        vec![json!(selector)],
    )
    .await
        == json!(true)
}

/// The customer's sidebar at 1366 px and the top bar + drawer at 390 px: nothing outside the
/// window with a long name and workspace name, every page reachable, the drawer usable by
/// keyboard (Escape closes it and focus returns to the menu button).
#[tokio::test]
async fn customer_sidebar_fits_desktop_and_phone() {
    let Some(b) = Browser::start().await else {
        return;
    };
    let workspace = customer(&b, "long@example.com", LONG_NAME, LONG_WORKSPACE).await;
    demo_accounts(&b, workspace, &["demo.travel.mia"]).await;
    let nav = platform::feature::nav(&growthdeck::features());

    for width in [1366, 1600, 1920] {
        b.resize(width, 900).await;
        goto(&b, "/home").await;
        assert_inside(&b, ".sidebar", &format!("{width} px")).await;
        for entry in &nav {
            let seen = js(&b, LINK_SEEN, vec![json!(entry.href)]).await;
            assert_eq!(seen, json!("seen"), "{width} px: {}", entry.label);
        }
        // Long names end in an ellipsis inside the sidebar.
        let truncated = js(
            &b,
            "return ['.workspace-name', '.user-name'].map(function (s) { \
               var e = document.querySelector(s); return e.scrollWidth > e.clientWidth; });",
            vec![],
        )
        .await;
        assert_eq!(truncated, json!([true, true]), "{width} px");
    }
    b.resize(1366, 900).await;
    for page in [
        "/home",
        "/instagram",
        "/workspace/members",
        "/account/security",
    ] {
        goto(&b, page).await;
        assert_eq!(b.overflow_px().await, 0, "1366 px: {page}");
        screenshots(&b, &format!("shell-1366{}", page.replace('/', "-"))).await;
    }
    // The account menu opens upwards and holds account, security, theme and sign-out.
    click(&b.c, ".user-menu > summary").await;
    assert_inside(&b, ".user-menu .menu-panel", "account menu").await;
    for item in [
        "a[href=\"/account\"]",
        "a[href=\"/account/security\"]",
        "[data-theme-toggle]",
        "form[action=\"/logout\"] button",
    ] {
        assert!(
            b.c.find(Locator::Css(&format!(".user-menu {item}")))
                .await
                .unwrap()
                .is_displayed()
                .await
                .unwrap(),
            "{item} in the account menu"
        );
    }
    screenshot(&b, "shell-1366-account-menu").await;
    b.c.active_element()
        .await
        .unwrap()
        .send_keys(&Key::Escape.to_string())
        .await
        .unwrap();
    assert!(
        js(
            &b,
            "return document.querySelector('.user-menu').open;",
            vec![]
        )
        .await
            == json!(false),
        "Escape closes the menu"
    );

    // Phone: a short top bar; the navigation is in the drawer.
    b.resize(390, 844).await;
    for page in [
        "/home",
        "/instagram",
        "/workspace/members",
        "/workspace/tokens",
        "/billing",
        "/account",
        "/account/security",
        "/instagram/compare",
    ] {
        goto(&b, page).await;
        assert_inside(&b, ".sidebar-bar", &format!("390 px {page}")).await;
        screenshots(&b, &format!("shell-390{}", page.replace('/', "-"))).await;
    }
    goto(&b, "/home").await;
    let bar = js(
        &b,
        "return document.querySelector('.sidebar').getBoundingClientRect().height;",
        vec![],
    )
    .await;
    assert!(bar.as_f64().unwrap() <= 64.0, "top bar height {bar}");
    let hidden = js(&b, LINK_SEEN, vec![json!("/workspace/members")]).await;
    assert_ne!(hidden, json!("seen"), "the drawer starts closed");

    let menu =
        b.c.find(Locator::Css("button[data-drawer-open]"))
            .await
            .unwrap();
    assert_eq!(
        menu.attr("aria-expanded").await.unwrap().as_deref(),
        Some("false")
    );
    menu.click().await.unwrap();
    wait_for(
        &b,
        "the drawer opens",
        "return document.getElementById('sidebar-panel').classList.contains('is-open') && \
         getComputedStyle(document.getElementById('sidebar-panel')).transform === 'none';",
    )
    .await;
    assert_eq!(
        menu.attr("aria-expanded").await.unwrap().as_deref(),
        Some("true")
    );
    assert!(
        focused_matches(&b, "#sidebar-panel [data-drawer-close]").await,
        "focus moves into the drawer"
    );
    for entry in &nav {
        let seen = js(&b, LINK_SEEN, vec![json!(entry.href)]).await;
        assert_eq!(seen, json!("seen"), "390 px drawer: {}", entry.label);
    }
    assert_inside(&b, "#sidebar-panel", "390 px drawer").await;
    screenshots(&b, "shell-390-drawer").await;
    // Tab stays in the drawer.
    for _ in 0..20 {
        b.c.active_element()
            .await
            .unwrap()
            .send_keys(&Key::Tab.to_string())
            .await
            .unwrap();
        assert!(
            focused_matches(&b, "#sidebar-panel *").await,
            "Tab left the open drawer"
        );
    }
    b.c.active_element()
        .await
        .unwrap()
        .send_keys(&Key::Escape.to_string())
        .await
        .unwrap();
    wait_for(
        &b,
        "Escape closes the drawer",
        "return !document.getElementById('sidebar-panel').classList.contains('is-open');",
    )
    .await;
    assert!(
        focused_matches(&b, "button[data-drawer-open]").await,
        "focus returns to the menu button"
    );
    // A link in the drawer goes to its page.
    menu.click().await.unwrap();
    tokio::time::sleep(Duration::from_millis(300)).await;
    click(&b.c, ".sidebar-nav a[href=\"/workspace/tokens\"]").await;
    wait_for_path(&b.c, "/workspace/tokens").await;

    // Not found: said once, in the visitor's own shell.
    b.resize(1366, 900).await;
    b.c.goto(&format!("{}/no/such/page", b.base)).await.unwrap();
    let html = b.c.source().await.unwrap();
    assert_eq!(
        html.matches("Not found").count(),
        2,
        "the title and the heading"
    );
    assert!(html.contains("class=\"sidebar\""), "signed-in shell");
    assert!(html.contains(LONG_WORKSPACE.replace('&', "&amp;").as_str()));
    screenshot(&b, "shell-404").await;
    b.finish().await;
}

/// Ctrl-K opens the palette; typing a username and Enter goes to that account. The palette is
/// an ARIA combobox, says when nothing matches, and Escape gives focus back.
#[tokio::test]
async fn command_palette_jumps_to_an_account() {
    let Some(b) = Browser::start().await else {
        return;
    };
    b.resize(1366, 900).await;
    let workspace = customer(&b, "palette@example.com", "Pia Palette", "Palette Agency").await;
    let ids = demo_accounts(&b, workspace, &["demo.travel.mia", "demo.fit.leon"]).await;
    // Another workspace's account never shows.
    let other = {
        let res = reqwest::Client::new()
            .post(format!("{}/api/v1/auth/signup", b.base))
            .json(&json!({ "email": "other@example.com", "password": PASSWORD, "name": "O", "workspace": "Other" }))
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 202);
        let body: Value = reqwest::Client::new()
            .post(format!("{}/api/v1/auth/token", b.base))
            .json(&json!({ "email": "other@example.com", "password": PASSWORD }))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        body["workspace"]["id"].as_str().unwrap().parse().unwrap()
    };
    demo_accounts(&b, other, &["demo.travel.other"]).await;

    goto(&b, "/instagram").await;
    let search =
        b.c.find(Locator::Css(".sidebar-top [data-palette-open]"))
            .await
            .unwrap();
    search.click().await.unwrap();
    let input = b.c.find(Locator::Id("palette-input")).await.unwrap();
    assert_eq!(
        input.attr("role").await.unwrap().as_deref(),
        Some("combobox")
    );
    wait_for(
        &b,
        "pages listed",
        "return document.querySelectorAll('#palette-list [role=option]').length > 3;",
    )
    .await;
    assert!(focused_matches(&b, "#palette-input").await);
    input.send_keys(&Key::Escape.to_string()).await.unwrap();
    assert!(
        focused_matches(&b, ".sidebar-top [data-palette-open]").await,
        "focus returns to the search button"
    );

    // The keyboard shortcut, a query that finds nothing, then the account.
    b.c.find(Locator::Css("body"))
        .await
        .unwrap()
        .send_keys(&(Key::Control + "k"))
        .await
        .unwrap();
    wait_for(
        &b,
        "Ctrl-K opens the palette",
        "return !document.getElementById('palette').hidden && document.activeElement.id === 'palette-input';",
    )
    .await;
    let input = b.c.active_element().await.unwrap();
    input.send_keys("zzqx").await.unwrap();
    let status = wait_for(
        &b,
        "nothing found",
        "var s = document.getElementById('palette-status').textContent; return s.indexOf('Nothing found') === 0 ? s : '';",
    )
    .await;
    assert!(status.as_str().unwrap().contains("zzqx"), "{status}");
    input.clear().await.unwrap();
    input.send_keys("demo").await.unwrap();
    let titles = wait_for(
        &b,
        "the account is listed",
        "var o = Array.prototype.map.call(document.querySelectorAll('#palette-list [role=option] .palette-option-title'), function (e) { return e.textContent; }); \
         return o.indexOf('@demo.travel.mia') >= 0 && o.indexOf('@demo.fit.leon') >= 0 ? o : null;",
    )
    .await;
    assert!(
        !titles.to_string().contains("demo.travel.other"),
        "another workspace's account: {titles}"
    );
    // Arrow keys move the active option (aria-activedescendant follows).
    let first = input.attr("aria-activedescendant").await.unwrap();
    input.send_keys(&Key::Down.to_string()).await.unwrap();
    let second = input.attr("aria-activedescendant").await.unwrap();
    assert!(first.is_some() && second.is_some() && first != second);
    screenshots(&b, "palette-1366").await;
    // Typed and Enter at once: the answer to what is typed decides.
    input.clear().await.unwrap();
    input
        .send_keys(&format!("demo.travel.mia{}", Key::Enter))
        .await
        .unwrap();
    wait_for_path(&b.c, &format!("/instagram/accounts/{}", ids[0])).await;

    // Phone: the search button in the top bar opens it too.
    b.resize(390, 844).await;
    goto(&b, "/home").await;
    click(&b.c, ".palette-touch").await;
    let input = b.c.find(Locator::Id("palette-input")).await.unwrap();
    input.send_keys("leon").await.unwrap();
    wait_for(
        &b,
        "the account is listed on a phone",
        "return document.querySelector('#palette-list [aria-selected=true] .palette-option-title') && \
         document.querySelector('#palette-list [aria-selected=true] .palette-option-title').textContent === '@demo.fit.leon';",
    )
    .await;
    assert_inside(&b, ".palette-dialog", "390 px palette").await;
    screenshots(&b, "palette-390").await;
    input.send_keys(&Key::Enter.to_string()).await.unwrap();
    wait_for_path(&b.c, &format!("/instagram/accounts/{}", ids[1])).await;
    b.finish().await;
}

/// "Refresh now" inside the five-minute cool-down: a toast says so, the page keeps its size
/// (the 429 used to swap a whole page with header and navigation into the button's spot).
#[tokio::test]
async fn refresh_in_cool_down_shows_a_toast_not_a_page() {
    let Some(b) = Browser::start().await else {
        return;
    };
    b.resize(1366, 900).await;
    let workspace = customer(&b, "refresh@example.com", "Rafa Refresh", "Refresh Agency").await;
    let ids = demo_accounts(&b, workspace, &["demo.travel.mia"]).await;
    for page in [
        "/instagram".to_string(),
        format!("/instagram/accounts/{}", ids[0]),
    ] {
        for width in [1366, 390] {
            b.resize(width, if width == 390 { 844 } else { 900 }).await;
            goto(&b, &page).await;
            let size = "return [document.documentElement.scrollWidth, document.querySelectorAll('main .sidebar, main .site-header, main main').length];";
            let before = js(&b, size, vec![]).await;
            let button =
                b.c.find(Locator::Css("form[hx-post$=\"/refresh\"] button"))
                    .await
                    .unwrap();
            button.click().await.unwrap();
            let toast = wait_for(
                &b,
                "a toast",
                "var t = document.querySelector('.toast-region .toast-error'); return t ? t.textContent : '';",
            )
            .await;
            assert!(
                toast.as_str().unwrap().contains("Wait"),
                "{page} {width}: {toast}"
            );
            let after = js(&b, size, vec![]).await;
            assert_eq!(before, after, "{page} {width}: the page kept its size");
            assert_eq!(after[1], json!(0), "no page inside the page");
            assert!(
                b.c.find(Locator::Css("form[hx-post$=\"/refresh\"] button"))
                    .await
                    .is_ok(),
                "{page} {width}: the button is still there"
            );
            screenshot(&b, &format!("refresh-cool-down-{width}")).await;
            js(
                &b,
                "document.querySelectorAll('.toast').forEach(function (t) { t.remove(); });",
                vec![],
            )
            .await;
        }
    }
    b.finish().await;
}

/// The back office gets the same sidebar and phone drawer; its navigation still follows the
/// staff role, and the notification bell still opens.
#[tokio::test]
async fn back_office_sidebar_fits_desktop_and_phone() {
    let Some(b) = Browser::start().await else {
        return;
    };
    let c = &b.c;
    b.resize(1366, 900).await;
    staff_sign_in(
        &b,
        "finance@staff.example",
        "Fiona Finance-Abernathy-Montgomery",
        platform::staff::StaffRole::Finance,
    )
    .await;
    goto(&b, "/admin").await;

    let staff_nav = platform::feature::staff_nav(&growthdeck::features());
    let reachable: Vec<&str> = staff_nav
        .iter()
        .filter(|e| platform::staff::staff_has(platform::staff::StaffRole::Finance, e.permission))
        .map(|e| e.path)
        .collect();
    let hidden: Vec<&str> = staff_nav
        .iter()
        .map(|e| e.path)
        .filter(|h| !reachable.contains(h))
        .collect();
    assert!(!hidden.is_empty(), "finance does not reach everything");
    for width in [1366, 1600] {
        b.resize(width, 900).await;
        goto(&b, "/admin").await;
        assert_inside(&b, ".sidebar", &format!("back office {width} px")).await;
        for href in &reachable {
            let seen = js(&b, LINK_SEEN, vec![json!(href)]).await;
            assert_eq!(seen, json!("seen"), "{width} px: {href}");
        }
        for href in &hidden {
            let seen = js(&b, LINK_SEEN, vec![json!(href)]).await;
            assert_eq!(
                seen,
                json!("missing"),
                "{width} px: {href} is not for finance"
            );
        }
    }
    b.resize(1366, 900).await;
    screenshots(&b, "admin-shell-1366").await;
    // The bell opens its panel inside the window.
    click(c, "#bell > summary").await;
    wait_for(
        &b,
        "the bell opens",
        "return document.getElementById('bell').open;",
    )
    .await;
    assert_inside(&b, ".bell-panel", "bell at 1366 px").await;
    screenshot(&b, "admin-shell-1366-bell").await;

    b.resize(390, 844).await;
    for page in ["/admin", "/admin/billing/revenue", "/admin/account"] {
        goto(&b, page).await;
        assert_inside(&b, ".sidebar-bar", &format!("back office 390 px {page}")).await;
    }
    screenshots(&b, "admin-shell-390").await;
    click(c, "#bell > summary").await;
    assert_inside(&b, ".bell-panel", "bell at 390 px").await;
    click(c, "#bell > summary").await;
    click(c, "button[data-drawer-open]").await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    for href in &reachable {
        let seen = js(&b, LINK_SEEN, vec![json!(href)]).await;
        assert_eq!(seen, json!("seen"), "390 px drawer: {href}");
    }
    assert_inside(&b, "#sidebar-panel", "back office drawer").await;
    screenshots(&b, "admin-shell-390-drawer").await;
    c.active_element()
        .await
        .unwrap()
        .send_keys(&Key::Escape.to_string())
        .await
        .unwrap();
    wait_for(
        &b,
        "Escape closes the drawer",
        "return !document.getElementById('sidebar-panel').classList.contains('is-open');",
    )
    .await;

    // A super admin reaches every page: none is wider than a phone or a laptop.
    c.delete_all_cookies().await.unwrap();
    staff_sign_in(
        &b,
        "root@staff.example",
        "Root",
        platform::staff::StaffRole::SuperAdmin,
    )
    .await;
    for (width, height) in [(390, 844), (1366, 900)] {
        b.resize(width, height).await;
        for platform::staff::StaffNavEntry {
            label, path: href, ..
        } in &staff_nav
        {
            c.goto(&format!("{}{href}", b.base)).await.unwrap();
            tokio::time::sleep(Duration::from_millis(150)).await;
            assert_eq!(b.overflow_px().await, 0, "{width} px: {label} ({href})");
            let seen = js(&b, LINK_SEEN, vec![json!(href)]).await;
            let want = if width == 390 { "off screen" } else { "seen" };
            assert!(
                seen == json!(want) || (width == 390 && seen == json!("covered")),
                "{width} px: {label} in the sidebar: {seen}"
            );
        }
    }
    b.finish().await;
}

/// Signs a new staff member in through the forms (password, then TOTP enrolment).
async fn staff_sign_in(b: &Browser, email: &str, name: &str, role: platform::staff::StaffRole) {
    let created = admin::service::create(&b.state, email, name, role, PASSWORD)
        .await
        .unwrap();
    let c = &b.c;
    c.goto(&format!("{}/admin", b.base)).await.unwrap();
    wait_for_path(c, "/admin/login").await;
    fill(c, "email", email).await;
    fill(c, "password", PASSWORD).await;
    b.submit().await;
    wait_for_path(c, "/admin/enrol").await;
    let code = platform::totp::code_at(&created.secret, platform::totp::unix_now()).unwrap();
    fill(c, "code", &code).await;
    b.submit().await;
    wait_for(
        b,
        "backup codes",
        "return document.body.textContent.indexOf('Your backup codes') >= 0;",
    )
    .await;
    goto(b, "/admin").await;
}
