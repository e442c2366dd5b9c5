//! Value types as DHIS2 has them: a count is never negative, a percentage lies between 0 and
//! 100; an element's type may be narrowed while every stored value fits it.

use super::*;

fn typed(code: &str, t: ValueType) -> DataElement {
    DataElement {
        value_type: t,
        ..elements()
            .into_iter()
            .find(|e| e.code.as_str() == code)
            .unwrap()
    }
}

pub(crate) async fn a_value_outside_its_type_is_refused_and_types_narrow_only_when_values_fit(
    db: &Db,
) {
    let s = db.store();
    seeded(db).await;
    s.write_values(
        &[
            val("VB_DEN", "22738", "2023", "10"),
            val("VB_XL_MANG", "22738", "2023", "-4"),
        ],
        &actor(),
    )
    .await
    .unwrap();

    // VB_DEN's values are all counts: it becomes a count, and its values stay as they were.
    let count = typed("VB_DEN", ValueType::IntegerZeroOrPositive);
    assert_eq!(
        s.upsert_elements(std::slice::from_ref(&count), &actor())
            .await
            .unwrap()
            .updated,
        1
    );
    assert_eq!(
        s.element(&c("VB_DEN")).await.unwrap().unwrap().value_type,
        ValueType::IntegerZeroOrPositive
    );
    // VB_XL_MANG holds -4: it cannot become a count, nor a percentage; nothing is written.
    let audit_before = s.counts().await.unwrap().audit_log;
    let err = s
        .upsert_elements(
            &[
                typed("VB_XL_MANG", ValueType::IntegerZeroOrPositive),
                typed("TY_LE", ValueType::UnitInterval),
            ],
            &actor(),
        )
        .await;
    match err {
        Err(StoreError::Invalid(errs)) => {
            assert_eq!(errs.len(), 1, "{errs:?}");
            assert_eq!(
                (errs[0].index, errs[0].field.as_str()),
                (Some(0), "value_type")
            );
            assert!(errs[0].reason.contains("'-4'"), "{}", errs[0].reason);
        }
        other => panic!("expected a refusal, got {other:?}"),
    }
    assert_eq!(s.counts().await.unwrap().audit_log, audit_before);
    assert_eq!(
        s.element(&c("TY_LE")).await.unwrap().unwrap().value_type,
        ValueType::Percentage
    );

    // A negative count, a percentage over 100 are refused by name; nothing is written.
    let fields = invalid_fields(
        s.write_values(
            &[
                val("VB_DEN", "22741", "2023", "5"),
                val("VB_DEN", "22753", "2023", "-1"),
                val("TY_LE", "58", "2023", "100.5"),
                val("TY_LE", "58", "2022", "-0.1"),
            ],
            &actor(),
        )
        .await,
    );
    assert_eq!(
        fields,
        vec![
            (Some(1), "value".to_string()),
            (Some(2), "value".to_string()),
            (Some(3), "value".to_string()),
        ]
    );
    let q = ValueQuery {
        elements: vec![c("VB_DEN")],
        ..Default::default()
    };
    assert_eq!(s.values(&q).await.unwrap().len(), 1);
    assert_eq!(s.counts().await.unwrap().audit_log, audit_before);

    // Zero is a count.
    s.write_values(&[val("VB_DEN", "22753", "2023", "0")], &actor())
        .await
        .unwrap();
}
