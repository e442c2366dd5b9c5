//! The panel's settings page (`/p06/panel/settings`), on SQLite and PostgreSQL: an
//! administrator of every unit saves weights and thresholds (a decimal comma accepted) and
//! restores the defaults, each change in the audit log; nobody signed in, a role over one
//! district's subtree and a form with a wrong CSRF token are refused; a number that is not
//! one, a negative weight, a threshold of 0 or above 100 % and a group of weights all 0 answer
//! the form again with the error beside the field, and nothing is saved. And a weight change
//! moves the panel's group score as the hand computation from the records says.

use super::browser::{browser_login, Browser};
use super::*;
use chiso_p06::{Group, PanelConfig};

const SETTINGS: &str = "/p06/panel/settings";

/// The configuration the store keeps (none until one is saved).
async fn stored(app: &App) -> Option<PanelConfig> {
    app.store
        .meta(chiso_app::p06::PANEL_META)
        .await
        .unwrap()
        .map(|s| serde_json::from_str(&s).unwrap())
}

async fn audited(app: &App) -> Vec<chiso_core::AuditEntry> {
    app.store
        .audit(&AuditQuery {
            action_prefix: Some(chiso_app::p06::PANEL_ACTION.into()),
            ..Default::default()
        })
        .await
        .unwrap()
}

/// Every field of the settings form for a configuration, as a Vietnamese page fills them.
fn fields_of(c: &PanelConfig) -> Vec<(String, String)> {
    let mut out = Vec::new();
    for g in Group::ALL {
        for (i, p) in c.parts(g).iter().enumerate() {
            let g = g.as_str();
            out.push((format!("{g}[{i}].weight"), p.weight.to_string()));
            out.push((format!("{g}[{i}].full_at"), p.full_at.to_string()));
        }
    }
    out
}

/// Post the settings form with these fields changed.
async fn save(b: &mut Browser<'_>, csrf: &str, changed: &[(&str, &str)]) -> Resp {
    let mut fields = fields_of(&PanelConfig::default());
    for (k, v) in changed {
        let slot = fields.iter_mut().find(|(f, _)| f == k).expect("a field");
        slot.1 = v.to_string();
    }
    let mut all: Vec<(&str, &str)> = vec![("csrf", csrf), ("action", "save")];
    all.extend(fields.iter().map(|(k, v)| (k.as_str(), v.as_str())));
    b.post_form(SETTINGS, &all).await
}

/// The error shown beside a field (its paragraph `{id}-error`), if any.
fn error_beside(html: &str, id: &str) -> Option<String> {
    let at = html.find(&format!("id=\"{id}-error\""))?;
    let rest = &html[at..];
    let text = &rest[rest.find('>')? + 1..rest.find("</p>")?];
    Some(unescape(text))
}

async fn settings_save_and_refuse(app: App) {
    // Nobody signed in: the form and a post lead to the login page; nothing saved.
    let r = get(&app, SETTINGS).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    let r = send_raw(
        &app,
        Request::post(SETTINGS)
            .header("content-type", "application/x-www-form-urlencoded")
            .body(Body::from("action=reset"))
            .unwrap(),
    )
    .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    assert!(r.headers["location"]
        .to_str()
        .unwrap()
        .starts_with("/login"));
    // Framework and system administrators of a subtree (a district's, even the province's
    // root unit) and a data-entry officer: refused — a province-wide setting needs a role
    // over every unit.
    for (name, role, unit) in [
        ("panel.district", Role::FrameworkAdmin, "582"),
        ("panel.province", Role::SystemAdmin, "58"),
        ("panel.desk", Role::DataEntry, "22738"),
    ] {
        let token = user_token(&app, name, role, unit).await;
        let r = as_user(&app, "GET", SETTINGS, &token, None).await;
        assert_eq!(r.status, StatusCode::FORBIDDEN, "{name}: {}", r.text);
        let r = send_raw(
            &app,
            Request::post(SETTINGS)
                .header("authorization", format!("ApiToken {token}"))
                .header("content-type", "application/x-www-form-urlencoded")
                .body(Body::from("action=reset"))
                .unwrap(),
        )
        .await;
        assert_eq!(r.status, StatusCode::FORBIDDEN, "{name}: {}", r.text);
        // And the panel does not offer them the settings.
        let panel = as_user(&app, "GET", "/p06/panel?unit=58&period=2023", &token, None).await;
        assert!(
            !panel.text.contains(SETTINGS),
            "{name} is offered the settings"
        );
    }
    assert_eq!(stored(&app).await, None);

    // An administrator of every unit, signed in: from the panel to the form.
    let password = make_user(
        app.store.as_ref(),
        "panel.admin",
        vec![Assignment {
            role: Role::FrameworkAdmin,
            unit: None,
        }],
    )
    .await;
    let (mut b, r) = browser_login(&app, "panel.admin", &password).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text);
    let panel = b.get("/p06/panel?unit=22738&period=2023").await;
    assert!(panel
        .text
        .contains("/p06/panel/settings?unit=22738&amp;period=2023"));
    let form = b.get("/p06/panel/settings?unit=22738&period=2023").await;
    assert_eq!(form.status, StatusCode::OK, "{}", form.text);
    for max in ["18", "20", "22", "18"] {
        assert!(form.text.contains(&format!("Tối đa {max} điểm")), "{max}");
    }
    assert!(form.text.contains("không phải của Quyết định"));
    assert!(form.text.contains("value=\"80\""), "the online threshold");
    let csrf = hidden(&form.text, "csrf").remove(0);

    // A wrong CSRF token: refused, nothing saved.
    let r = save(&mut b, "wrong", &[("progress[0].full_at", "50")]).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN, "{}", r.text);
    assert_eq!(stored(&app).await, None);

    // Bad numbers: the form again, the error beside the field, nothing saved.
    for (field, id, typed, says) in [
        (
            "online[0].weight",
            "online-0-weight",
            "abc",
            "không phải là số",
        ),
        (
            "online[0].weight",
            "online-0-weight",
            "",
            "không được để trống",
        ),
        (
            "online[1].weight",
            "online-1-weight",
            "-1",
            "trọng số từ 0 đến 1.000",
        ),
        (
            "progress[0].full_at",
            "progress-0-full_at",
            "0",
            "lớn hơn 0 %",
        ),
        (
            "progress[0].full_at",
            "progress-0-full_at",
            "120",
            "không quá 100 %",
        ),
        (
            "progress[0].full_at",
            "progress-0-full_at",
            "1.000,5",
            "không phải là số",
        ),
    ] {
        let r = save(&mut b, &csrf, &[(field, typed)]).await;
        assert_eq!(
            r.status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "{field}={typed}"
        );
        let beside = error_beside(&r.text, id).unwrap_or_else(|| panic!("{field}: {}", r.text));
        assert!(beside.contains(says), "{field}={typed}: {beside}");
        assert!(r.text.contains("Chưa lưu"), "{field}={typed}");
        // What was typed is kept in the field.
        assert!(
            r.text
                .contains(&format!("name=\"{field}\" value=\"{typed}\"")),
            "{field}={typed}"
        );
        assert_eq!(stored(&app).await, None, "{field}={typed} saved something");
    }
    // A group whose weights are all 0.
    let r = save(
        &mut b,
        &csrf,
        &[
            ("digitisation[0].weight", "0"),
            ("digitisation[1].weight", "0"),
            ("digitisation[2].weight", "0,0"),
        ],
    )
    .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    let beside = error_beside(&r.text, "digitisation").expect("the group's error");
    assert!(beside.contains("không được đều bằng 0"), "{beside}");
    assert_eq!(stored(&app).await, None);
    assert!(audited(&app).await.is_empty());

    // Saved, with a decimal comma; audited with the old and new configuration.
    let r = save(
        &mut b,
        &csrf,
        &[("progress[0].full_at", "50,5"), ("online[1].weight", "0")],
    )
    .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert!(r.text.contains("Đã lưu thiết lập"), "{}", r.text);
    assert!(r.text.contains("value=\"50,5\""));
    let want = {
        let mut c = PanelConfig::default();
        c.progress[0].full_at = 50.5;
        c.online[1].weight = 0.0;
        c
    };
    assert_eq!(stored(&app).await, Some(want.clone()));
    let log = audited(&app).await;
    assert_eq!(log.len(), 1, "{log:?}");
    assert_eq!(log[0].actor, "panel.admin");
    assert_eq!(log[0].via, "web");
    assert_eq!(log[0].entity, chiso_app::p06::PANEL_META);
    assert_eq!(log[0].old_value, None);
    let new: PanelConfig = serde_json::from_str(log[0].new_value.as_deref().unwrap()).unwrap();
    assert_eq!(new, want);
    // The system administrator reads it on the audit page.
    let page = as_user(
        &app,
        "GET",
        "/admin/audit?action=p06_panel_config",
        &app.token,
        None,
    )
    .await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.text);
    assert!(
        page.text.contains("p06_panel_config.update"),
        "{}",
        page.text
    );
    assert!(page.text.contains("panel.admin"));
    assert!(
        page.text.contains("50.5"),
        "the new threshold in the record"
    );
    // The same again changes nothing and writes nothing.
    let r = save(
        &mut b,
        &csrf,
        &[("progress[0].full_at", "50.5"), ("online[1].weight", "0")],
    )
    .await;
    assert_eq!(r.status, StatusCode::OK);
    assert!(r.text.contains("Không có gì thay đổi"));
    assert_eq!(audited(&app).await.len(), 1);

    // Restore the defaults: stored and audited.
    let r = b
        .post_form(SETTINGS, &[("csrf", &csrf), ("action", "reset")])
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert!(r.text.contains("Đã khôi phục mặc định"));
    assert_eq!(stored(&app).await, Some(PanelConfig::default()));
    let log = audited(&app).await;
    assert_eq!(log.len(), 2);
    assert!(app.store.verify_audit().await.unwrap().broken.is_none());
    app.finish().await;
}

#[tokio::test]
async fn panel_settings_save_and_refuse_on_sqlite() {
    settings_save_and_refuse(spawn_app(true).await).await;
}

#[tokio::test]
async fn panel_settings_save_and_refuse_on_postgres() {
    settings_save_and_refuse(spawn_app_pg().await).await;
}

/// The score of a group as the panel page shows it (Vietnamese, two decimals).
fn group_score(html: &str, group: &str) -> String {
    let row = html
        .split(&format!("id=\"p06-group-{group}\""))
        .nth(1)
        .expect("the group's row");
    let span = row.split("class=\"p06-score\">").nth(1).expect("a score");
    span[..span.find('<').unwrap()].to_string()
}

/// The online group of Phường Đô Vinh (22738) in 2023, by hand from the demo's records:
/// received online / received, full at 80 %, and the 53 essential services' dossiers received
/// online / theirs, full at 100 %, sharing the group's 22 points by their weights.
async fn a_weight_change_moves_the_group_score_by_hand(app: App) {
    let r = chiso_demo::p06::records();
    let mine: Vec<_> = r
        .dossiers
        .iter()
        .filter(|d| d.unit.as_str() == "22738" && chrono::Datelike::year(&d.received) == 2023)
        .collect();
    let n = |f: &dyn Fn(&&&chiso_p06::Dossier) -> bool| mine.iter().filter(f).count() as f64;
    let received = n(&|_| true);
    let online = n(&|d| d.online);
    let essential = n(&|d| d.essential);
    let essential_online = n(&|d| d.essential && d.online);
    assert!(received > 0.0 && essential > 0.0);
    let online_part = (100.0 * online / received / 80.0).min(1.0);
    let essential_part = (100.0 * essential_online / essential / 100.0).min(1.0);
    let by_hand = |w_online: f64, w_essential: f64| {
        let total = w_online + w_essential;
        let score = 22.0 * (w_online / total * online_part + w_essential / total * essential_part);
        format!("{score:.2}").replace('.', ",")
    };
    let before = by_hand(1.0, 1.0);
    let after = by_hand(3.0, 1.0);
    assert_ne!(before, after, "the change must move the score");

    let password = make_user(
        app.store.as_ref(),
        "panel.admin",
        vec![Assignment {
            role: Role::SystemAdmin,
            unit: None,
        }],
    )
    .await;
    let (mut b, _) = browser_login(&app, "panel.admin", &password).await;
    let panel = "/p06/panel?unit=22738&period=2023";
    let page = b.get(panel).await.text;
    assert_eq!(group_score(&page, "online"), before);
    let progress = group_score(&page, "progress");
    let form = b.get(SETTINGS).await;
    let csrf = hidden(&form.text, "csrf").remove(0);
    let r = save(&mut b, &csrf, &[("online[0].weight", "3")]).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    // The next request shows the new score; the other groups are as they were.
    let page = b.get(panel).await.text;
    assert_eq!(group_score(&page, "online"), after);
    assert_eq!(group_score(&page, "progress"), progress);
    app.finish().await;
}

#[tokio::test]
async fn a_weight_change_moves_the_panel_s_group_score_as_by_hand_on_sqlite() {
    a_weight_change_moves_the_group_score_by_hand(spawn_app(true).await).await;
}

#[tokio::test]
async fn a_weight_change_moves_the_panel_s_group_score_as_by_hand_on_postgres() {
    a_weight_change_moves_the_group_score_by_hand(spawn_app_pg().await).await;
}
