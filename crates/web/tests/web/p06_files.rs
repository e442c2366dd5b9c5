//! The electronic data store's files from the pages, through a real session and its CSRF
//! token, on SQLite and PostgreSQL: a desk officer uploads a signed scan and a result's file
//! (kept once by its SHA-256 next to the database), an identity card, a file of another type
//! and an over-large file are refused with nothing written, the file is served to the officer
//! and refused to another commune and to nobody signed in, each read logged, and an open
//! dossier withdrawn from the page (once).

use super::browser::browser_login;
use super::*;

const UNIT: &str = "2025-22741";
const SIGNER: &str = "0123456789abcdef0123456789abcdef01234567";

fn pdf(tag: &str) -> Vec<u8> {
    format!("%PDF-1.4\n% chiso test {tag}\n1 0 obj << >> endobj\ntrailer << >>\n%%EOF\n")
        .into_bytes()
}

/// The result codes written for a dossier, from the store.
async fn results_of(app: &App, dossier: &str) -> Vec<chiso_p06::StoredResult> {
    app.store
        .p06_results(&chiso_store::ResultQuery {
            dossiers: vec![chiso_p06::DossierCode::parse(dossier).unwrap()],
            ..Default::default()
        })
        .await
        .unwrap()
}

async fn desk_uploads_serves_and_withdraws(app: App) {
    let password = make_user(
        app.store.as_ref(),
        "p06.files",
        vec![Assignment {
            role: Role::DataEntry,
            unit: Some(Code::parse(UNIT).unwrap()),
        }],
    )
    .await;
    let (mut b, r) = browser_login(&app, "p06.files", &password).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text);
    let page = b.get(&format!("/p06/units/{UNIT}")).await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.text);
    let csrf = hidden(&page.text, "csrf").remove(0);

    // Receive two dossiers of the demo's holder; the codes are in the page's answer.
    let mut codes = Vec::new();
    for _ in 0..2 {
        let r = b
            .post_form(
                &format!("/p06/units/{UNIT}/dossiers"),
                &[
                    ("csrf", &csrf),
                    ("subject", chiso_demo::p06::HOLDER),
                    ("procedure", "1.000894"),
                    ("procedure_name", "Đăng ký kết hôn"),
                    ("due_days", "5"),
                    ("components", "TO_KHAI Tờ khai\nGCN_KH Giấy chứng nhận cũ"),
                ],
            )
            .await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.text);
        // "Đã tiếp nhận hồ sơ CODE." — the code has no space; the sentence's stop ends it.
        let full: String = r
            .text
            .split("Đã tiếp nhận hồ sơ ")
            .nth(1)
            .expect("the dossier's code")
            .chars()
            .take_while(|c| !c.is_whitespace() && *c != '<')
            .collect();
        let full = full.trim_end_matches('.').to_string();
        codes.push(full);
    }
    let (first, second) = (codes[0].clone(), codes[1].clone());
    let upload = |fields: Vec<(&'static str, String)>, file: Option<(&'static str, Vec<u8>)>| {
        let f: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (*k, v.as_str())).collect();
        multipart(&f, file.as_ref().map(|(n, b)| (*n, b.as_slice())))
    };
    let fields = |csrf: &str, dossier: &str, kind: &str, doc: &str| {
        vec![
            ("csrf", csrf.to_string()),
            ("dossier", dossier.to_string()),
            ("kind", kind.to_string()),
            ("doc_type", doc.to_string()),
            ("name", "Giấy chứng nhận (bản số hóa)".to_string()),
            ("number", "12/2026".to_string()),
            ("signer", SIGNER.to_string()),
        ]
    };
    let url = format!("/p06/units/{UNIT}/files");

    // Without the session's CSRF token: the stale-form answer, nothing kept.
    let (ct, body) = upload(
        fields("wrong", &first, "scan", "GCN_KH"),
        Some(("a.pdf", pdf("a"))),
    );
    let r = b.post_multipart(&url, &ct, body).await;
    assert_ne!(r.status, StatusCode::OK, "{}", r.text);
    assert!(results_of(&app, &first).await.is_empty());

    // An identity card, a file that is none of the four types, an over-large file: refused
    // with their reasons, nothing kept.
    let png = [&b"\x89PNG\r\n\x1a\n"[..], &[0u8; 64]].concat();
    let (ct, body) = upload(
        fields(&csrf, &first, "scan", "CCCD"),
        Some(("cccd.png", png)),
    );
    let r = b.post_multipart(&url, &ct, body).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN, "{}", r.text);
    assert!(r.text.contains("căn cước"), "{}", r.text);
    let (ct, body) = upload(
        fields(&csrf, &first, "scan", "GCN_KH"),
        Some(("giay.pdf", b"MZ\x90\x00 not a pdf".to_vec())),
    );
    let r = b.post_multipart(&url, &ct, body).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN, "{}", r.text);
    assert!(
        r.text.contains("chỉ nhận PDF, PNG, JPEG hoặc XML"),
        "{}",
        r.text
    );
    let mut big = pdf("big");
    big.resize(chiso_p06::rules::MAX_FILE + 1, b' ');
    let (ct, body) = upload(
        fields(&csrf, &first, "scan", "GCN_KH"),
        Some(("big.pdf", big)),
    );
    let r = b.post_multipart(&url, &ct, body).await;
    assert!(
        r.status == StatusCode::PAYLOAD_TOO_LARGE || r.status == StatusCode::FORBIDDEN,
        "{} {}",
        r.status,
        r.text
    );
    assert!(r.text.contains("tối đa 10 MB"), "{}", r.text);
    assert!(results_of(&app, &first).await.is_empty());

    // A signed scan of the earlier paper: kept, the component marked digitised.
    let bytes = pdf("scan");
    let (ct, body) = upload(
        fields(&csrf, &first, "scan", "GCN_KH"),
        Some(("scan.pdf", bytes.clone())),
    );
    let r = b.post_multipart(&url, &ct, body).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert!(
        r.text.contains(&format!("Đã ghi {first}-KQ1")),
        "{}",
        r.text
    );
    let kept = results_of(&app, &first).await;
    assert_eq!(kept.len(), 1);
    let sha = kept[0].sha256.clone().expect("the file's hash");
    assert_eq!(sha, chiso_p06::rules::sha256_hex(&bytes));
    assert_eq!(kept[0].media_type.as_deref(), Some("application/pdf"));
    // The same bytes as the second dossier's result: one file on disk for both.
    let (ct, body) = upload(
        fields(&csrf, &second, "result", "GCN_KH"),
        Some(("kq.pdf", bytes.clone())),
    );
    let r = b.post_multipart(&url, &ct, body).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    let other = results_of(&app, &second).await;
    assert_eq!(other[0].sha256.as_deref(), Some(sha.as_str()));
    let files = app.store.p06_files().expect("a place for files");
    assert_eq!(
        files.list().unwrap().iter().filter(|h| **h == sha).count(),
        1
    );

    // The file served to the officer, as a download, never cached; the read logged.
    let code = kept[0].code.clone();
    let r = b.get(&format!("/p06/results/{code}/file")).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert_eq!(r.text.as_bytes(), bytes.as_slice());
    let disposition = r.headers["content-disposition"].to_str().unwrap();
    assert!(disposition.starts_with("attachment"), "{disposition}");
    assert_eq!(r.headers["cache-control"], "no-store");
    assert_eq!(r.headers["content-type"], "application/pdf");
    let log = app
        .store
        .p06_access_log(&chiso_store::AccessQuery {
            subject: None,
            entity: Some(code.clone()),
            limit: Some(100),
        })
        .await
        .unwrap();
    assert!(
        log.iter()
            .any(|e| e.record.action == "read_file" && e.record.actor == "p06.files"),
        "{log:?}"
    );
    // Another commune's officer is refused (and that is logged); nobody signed in is sent
    // to the login page.
    let other_pw = make_user(
        app.store.as_ref(),
        "p06.files.other",
        vec![Assignment {
            role: Role::DataEntry,
            unit: Some(Code::parse("2025-22738").unwrap()),
        }],
    )
    .await;
    let (mut o, _) = browser_login(&app, "p06.files.other", &other_pw).await;
    let r = o.get(&format!("/p06/results/{code}/file")).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN, "{}", r.text);
    assert!(!r.text.contains("chiso test scan"));
    let log = app
        .store
        .p06_access_log(&chiso_store::AccessQuery {
            subject: None,
            entity: Some(code.clone()),
            limit: Some(100),
        })
        .await
        .unwrap();
    assert!(log
        .iter()
        .any(|e| e.record.action == "refused" && e.record.actor == "p06.files.other"));
    let r = get(&app, &format!("/p06/results/{code}/file")).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);

    // Withdraw the first dossier (still open: a scan does not finish it), once.
    let withdraw = format!("/p06/units/{UNIT}/withdraw");
    let r = b
        .post_form(&withdraw, &[("csrf", "wrong"), ("dossier", &first)])
        .await;
    assert_ne!(r.status, StatusCode::OK);
    let r = b
        .post_form(&withdraw, &[("csrf", &csrf), ("dossier", &first)])
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert!(r.text.contains("đã được ghi nhận rút"), "{}", r.text);
    let r = b
        .post_form(&withdraw, &[("csrf", &csrf), ("dossier", &first)])
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN, "{}", r.text);
    assert!(r.text.contains("hồ sơ không còn đang xử lý"), "{}", r.text);
    // The finished second dossier is not withdrawn either.
    let r = b
        .post_form(&withdraw, &[("csrf", &csrf), ("dossier", &second)])
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN, "{}", r.text);
    app.finish().await;
}

#[tokio::test]
async fn desk_uploads_serves_and_withdraws_on_sqlite() {
    desk_uploads_serves_and_withdraws(spawn_app(true).await).await;
}

#[tokio::test]
async fn desk_uploads_serves_and_withdraws_on_postgres() {
    // PostgreSQL keeps the files where CHISO_FILES_DIR says; files are content-addressed, so
    // tests sharing the directory share nothing but identical bytes.
    if std::env::var_os("CHISO_FILES_DIR").is_none() {
        std::env::set_var(
            "CHISO_FILES_DIR",
            std::env::temp_dir().join("chiso-web-test-p06-files"),
        );
    }
    desk_uploads_serves_and_withdraws(spawn_app_pg().await).await;
}
