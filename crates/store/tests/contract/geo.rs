use super::*;
use chiso_store::BoundaryInput;

const SQUARE: &str =
    r#"{"type":"Polygon","coordinates":[[[108.9,11.5],[109.0,11.5],[109.0,11.6],[108.9,11.5]]]}"#;

pub(crate) async fn areas_and_outlines_are_stored_audited_and_all_or_nothing(db: &Db) {
    seeded(db).await;
    let s = db.store();
    let changes = s
        .set_areas(&[(c("22738"), 4.52), (c("22741"), 3.1)], &actor())
        .await
        .unwrap();
    assert_eq!(changes.inserted, 2);
    let again = s.set_areas(&[(c("22738"), 4.52)], &actor()).await.unwrap();
    assert_eq!(
        (again.changed(), again.unchanged),
        (0, 1),
        "the same area twice changes nothing"
    );

    // An unknown unit, or an area that is not a positive number, refuses the whole batch.
    let before = s.geography(&[c("22753")]).await.unwrap();
    assert!(before.is_empty());
    assert_eq!(
        invalid_fields(
            s.set_areas(&[(c("22753"), 9.0), (c("99999"), 1.0)], &actor())
                .await
        ),
        vec![(Some(1), "unit".to_string())]
    );
    assert_eq!(
        invalid_fields(s.set_areas(&[(c("22753"), f64::NAN)], &actor()).await),
        vec![(Some(0), "area_km2".to_string())]
    );
    assert!(
        s.geography(&[c("22753")]).await.unwrap().is_empty(),
        "nothing written"
    );

    // An outline beside the area; the area stays.
    let b = |u: &str| BoundaryInput {
        unit: c(u),
        geometry: SQUARE.to_string(),
    };
    let changes = s
        .set_boundaries(&[b("22738"), b("22753")], "xa.geojson", &actor())
        .await
        .unwrap();
    assert_eq!((changes.updated, changes.inserted), (1, 1));
    let g = s
        .geography(&[c("22738"), c("22753"), c("58")])
        .await
        .unwrap();
    assert_eq!(g.len(), 2);
    assert_eq!(g[0].unit, "22738");
    assert_eq!(g[0].area_km2, Some(4.52));
    assert_eq!(g[0].boundary.as_deref(), Some(SQUARE));
    assert_eq!(g[0].boundary_source.as_deref(), Some("xa.geojson"));
    assert_eq!(g[1].area_km2, None);
    assert_eq!(
        invalid_fields(
            s.set_boundaries(&[b("22741"), b("22741")], "x.geojson", &actor())
                .await
        ),
        vec![(Some(1), "unit".to_string())]
    );
    assert_eq!(
        invalid_fields(
            s.set_boundaries(&[b("22741"), b("12345")], "x.geojson", &actor())
                .await
        ),
        vec![(Some(1), "unit".to_string())]
    );
    assert!(s.geography(&[c("22741")]).await.unwrap()[0]
        .boundary
        .is_none());

    // Each change is in the audit log, the outline by its hash, and the chain holds.
    let audit = s
        .audit(&AuditQuery {
            action_prefix: Some("unit_geography.".into()),
            ..Default::default()
        })
        .await
        .unwrap();
    assert_eq!(audit.len(), 4, "{audit:?}");
    assert!(audit.iter().all(|e| e.actor == "tester"));
    let outline = audit
        .iter()
        .find(|e| e.entity == "unit:22753")
        .and_then(|e| e.new_value.clone())
        .unwrap();
    assert!(
        outline.contains("boundary_sha256") && !outline.contains("108.9"),
        "{outline}"
    );
    assert!(s.verify_audit().await.unwrap().broken.is_none());
}
