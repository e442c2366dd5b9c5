//! The demo's 2022 and 2023 values: the raw counts behind the published ratios (calibrated
//! so that their sums give the published figures exactly), the other illustrative figures and
//! the few published ones.

use super::c;
use super::units::Tiers;
use crate::calibrate::{numerators, split, unit_interval};
use chiso_core::{Code, DataValueInput, Period, SourceTag, Unit};
use std::collections::BTreeSet;

const CALIBRATED: &str = "Số minh họa, hiệu chỉnh để tổng khớp đúng số công bố";
const ILLUSTRATIVE: &str = "Số minh họa";

struct Builder {
    values: Vec<DataValueInput>,
}

impl Builder {
    fn put(
        &mut self,
        element: &str,
        unit: &str,
        period: Period,
        value: String,
        source: SourceTag,
        comment: &str,
    ) {
        self.values.push(DataValueInput {
            element: c(element),
            unit: c(unit),
            period,
            breakdown: None,
            value,
            comment: (!comment.is_empty()).then(|| comment.to_string()),
            source,
        });
    }

    #[allow(clippy::too_many_arguments)]
    fn put_by(
        &mut self,
        element: &str,
        unit: &str,
        period: Period,
        option: &str,
        value: String,
        source: SourceTag,
        comment: &str,
    ) {
        self.put(element, unit, period, value, source, comment);
        if let Some(v) = self.values.last_mut() {
            v.breakdown = Some(c(option));
        }
    }

    /// A ratio's raw counts over `units`: denominators split by weight to `den_total`,
    /// numerators near the common rate (± `jitter`) adding up to `num_total`.
    #[allow(clippy::too_many_arguments)]
    fn ratio(
        &mut self,
        (num_el, den_el): (&str, &str),
        units: &[(String, f64)],
        year: i32,
        (num_total, den_total): (i64, i64),
        jitter: f64,
        capped: bool,
        comment: &str,
    ) {
        let weights: Vec<f64> = units.iter().map(|(_, w)| *w).collect();
        let dens = split(den_total, &weights);
        let jit: Vec<f64> = units
            .iter()
            .map(|(code, _)| {
                (unit_interval(&format!("{num_el}/{code}/{year}")) - 0.5) * 2.0 * jitter
            })
            .collect();
        let nums = numerators(&dens, num_total, &jit, capped)
            .unwrap_or_else(|| panic!("demo calibration of {num_el} {year} has no solution"));
        let period = Period::Year(year);
        for (((code, _), d), n) in units.iter().zip(&dens).zip(&nums) {
            self.put(
                den_el,
                code,
                period,
                d.to_string(),
                SourceTag::Illustrative,
                comment,
            );
            self.put(
                num_el,
                code,
                period,
                n.to_string(),
                SourceTag::Illustrative,
                comment,
            );
        }
    }
}

/// Weights for spreading a province's counts over units: wards and towns are bigger.
fn weights(units: &[&Unit], salt: &str) -> Vec<(String, f64)> {
    units
        .iter()
        .map(|u| {
            let size = if u.name_vi.starts_with("Phường") {
                1.8
            } else if u.name_vi.starts_with("Thị trấn") {
                1.4
            } else {
                1.0
            };
            let w = size * (0.55 + 0.9 * unit_interval(&format!("{salt}/{}", u.code)));
            (u.code.to_string(), w)
        })
        .collect()
}

/// The 2022 and 2023 values over the tiers' units. The communes that never sent their 2023
/// report have no 2023 values: the commune tier's 2023 figures are calibrated on the others.
pub(super) fn values(
    tiers: &Tiers<'_>,
    never_reported: &BTreeSet<Code>,
) -> anyhow::Result<Vec<DataValueInput>> {
    let mut b = Builder { values: Vec::new() };
    let y22 = Period::Year(2022);
    let y23 = Period::Year(2023);
    let reported: Vec<&Unit> = tiers
        .communes
        .iter()
        .filter(|u| !never_reported.contains(&u.code))
        .copied()
        .collect();
    let all_tiers_2023: Vec<&Unit> = tiers
        .all_tiers
        .iter()
        .filter(|u| !never_reported.contains(&u.code))
        .copied()
        .collect();

    // 1–3. E-documents by tier: the published 98.90 / 96.52 / 94.89 % in 2023.
    let docs = ("VB_XL_MANG", "VB_DEN");
    b.ratio(
        docs,
        &weights(&tiers.agencies, "vb"),
        2023,
        (178_020, 180_000),
        0.015,
        true,
        CALIBRATED,
    );
    b.ratio(
        docs,
        &weights(&tiers.districts, "vb"),
        2023,
        (72_390, 75_000),
        0.02,
        true,
        CALIBRATED,
    );
    b.ratio(
        docs,
        &weights(&reported, "vb"),
        2023,
        (113_868, 120_000),
        0.03,
        true,
        CALIBRATED,
    );
    b.ratio(
        docs,
        &weights(&tiers.agencies, "vb"),
        2022,
        (156_915, 165_000),
        0.02,
        true,
        ILLUSTRATIVE,
    );
    b.ratio(
        docs,
        &weights(&tiers.districts, "vb"),
        2022,
        (63_140, 70_000),
        0.03,
        true,
        ILLUSTRATIVE,
    );
    b.ratio(
        docs,
        &weights(&tiers.communes, "vb"),
        2022,
        (93_940, 110_000),
        0.05,
        true,
        ILLUSTRATIVE,
    );

    // 4. Personal digital signatures over all three tiers: 97.22 % (2023), 87.74 % (2022,
    // derived by reading the published "up 9.48" as percentage points). The province's 15,000
    // officials are spread by the same weights both years (over the units that reported that
    // year); 9. officials with a digital identity, 100 % in 2023.
    let staff_of = |units: &[&Unit]| -> Vec<(String, i64)> {
        let staff = weights(units, "cb");
        let officials = split(15_000, &staff.iter().map(|(_, w)| *w).collect::<Vec<_>>());
        staff.into_iter().map(|(u, _)| u).zip(officials).collect()
    };
    let as_weights = |s: &[(String, i64)]| -> Vec<(String, f64)> {
        s.iter().map(|(u, n)| (u.clone(), *n as f64)).collect()
    };
    let staff23 = staff_of(&all_tiers_2023);
    let staff22 = staff_of(&tiers.all_tiers);
    b.ratio(
        ("CB_KY_SO", "CB_TONG"),
        &as_weights(&staff23),
        2023,
        (14_583, 15_000),
        0.02,
        true,
        CALIBRATED,
    );
    b.ratio(("CB_KY_SO", "CB_TONG"), &as_weights(&staff22), 2022, (13_161, 15_000), 0.05, true,
        "Số minh họa, hiệu chỉnh theo tỷ lệ 87,74% suy ra từ số công bố (97,22% năm 2023, tăng 9,48 điểm phần trăm)");
    // The officials' counts are written once per year by the ratios; the identity counts
    // equal them in 2023 (100 %) and reach 93 % in 2022.
    for (code, n) in &staff23 {
        b.put(
            "CB_DINH_DANH",
            code,
            y23,
            n.to_string(),
            SourceTag::Illustrative,
            ILLUSTRATIVE,
        );
    }
    let ids22 = numerators(
        &staff22.iter().map(|(_, n)| *n).collect::<Vec<_>>(),
        13_950,
        &staff22
            .iter()
            .map(|(u, _)| (unit_interval(&format!("dd/{u}")) - 0.5) * 0.1)
            .collect::<Vec<_>>(),
        true,
    )
    .ok_or_else(|| anyhow::anyhow!("calibration of CB_DINH_DANH 2022"))?;
    for ((code, _), n) in staff22.iter().zip(&ids22) {
        b.put(
            "CB_DINH_DANH",
            code,
            y22,
            n.to_string(),
            SourceTag::Illustrative,
            ILLUSTRATIVE,
        );
    }

    // Province-wide figures kept on the province itself.
    let province = [("58".to_string(), 1.0)];
    // 5. Full-process online public services 72.4 % (2022: 61.0 %).
    b.ratio(
        ("DVCTT_TOAN_TRINH", "TTHC_DU_DK"),
        &province,
        2023,
        (905, 1_250),
        0.0,
        true,
        ILLUSTRATIVE,
    );
    b.ratio(
        ("DVCTT_TOAN_TRINH", "TTHC_DU_DK"),
        &province,
        2022,
        (732, 1_200),
        0.0,
        true,
        ILLUSTRATIVE,
    );
    // 7. Digitised dossiers 71.6 % (2022: 58.3 %).
    b.ratio(
        ("HS_SO_HOA", "HS_CAN_SO_HOA"),
        &province,
        2023,
        (179_000, 250_000),
        0.0,
        true,
        ILLUSTRATIVE,
    );
    b.ratio(
        ("HS_SO_HOA", "HS_CAN_SO_HOA"),
        &province,
        2022,
        (128_260, 220_000),
        0.0,
        true,
        ILLUSTRATIVE,
    );
    // 8. Periodic reports on the reporting system 64.0 % (2022: 45.0 %).
    b.ratio(
        ("BC_TREN_HT", "BC_DINH_KY"),
        &province,
        2023,
        (160, 250),
        0.0,
        true,
        ILLUSTRATIVE,
    );
    b.ratio(
        ("BC_TREN_HT", "BC_DINH_KY"),
        &province,
        2022,
        (108, 240),
        0.0,
        true,
        ILLUSTRATIVE,
    );
    // 15. E-commerce share of retail 5.3 % (2022: 4.1 %).
    b.ratio(
        ("TMDT_DOANH_THU", "BAN_LE_TONG"),
        &province,
        2023,
        (3_180, 60_000),
        0.0,
        true,
        ILLUSTRATIVE,
    );
    b.ratio(
        ("TMDT_DOANH_THU", "BAN_LE_TONG"),
        &province,
        2022,
        (2_132, 52_000),
        0.0,
        true,
        ILLUSTRATIVE,
    );
    // 16. SMEs on digital platforms 34.0 % (2022: 25.0 %).
    b.ratio(
        ("DN_NVV_NEN_TANG_SO", "DN_NVV"),
        &province,
        2023,
        (1_700, 5_000),
        0.0,
        true,
        ILLUSTRATIVE,
    );
    b.ratio(
        ("DN_NVV_NEN_TANG_SO", "DN_NVV"),
        &province,
        2022,
        (1_200, 4_800),
        0.0,
        true,
        ILLUSTRATIVE,
    );
    // 22. Units with a steering committee and a plan 91.9 % ("most units").
    b.ratio(
        ("DV_CO_BCD_KH", "DV_THUOC_DIEN"),
        &province,
        2023,
        (79, 86),
        0.0,
        true,
        "Số minh họa; bài viết chỉ nói \"hầu hết các đơn vị\"",
    );
    b.ratio(
        ("DV_CO_BCD_KH", "DV_THUOC_DIEN"),
        &province,
        2022,
        (60, 86),
        0.0,
        true,
        ILLUSTRATIVE,
    );

    // 6. Administrative dossiers processed online 53.1 % (2022: 38.0 %), by commune.
    b.ratio(
        ("HS_TRUC_TUYEN", "HS_TTHC"),
        &weights(&reported, "hs"),
        2023,
        (106_200, 200_000),
        0.08,
        true,
        ILLUSTRATIVE,
    );
    b.ratio(
        ("HS_TRUC_TUYEN", "HS_TTHC"),
        &weights(&tiers.communes, "hs"),
        2022,
        (72_200, 190_000),
        0.08,
        true,
        ILLUSTRATIVE,
    );
    // 17. Digital addresses: 146,587 collected of 146,587 planned (published), by commune.
    b.ratio(
        ("DCS_THU_THAP", "DCS_KE_HOACH"),
        &weights(&reported, "dcs"),
        2023,
        (146_587, 146_587),
        0.03,
        false,
        CALIBRATED,
    );
    // 18. Electronic health records 85.3 % (2022: 70.0 %).
    b.ratio(
        ("DAN_CO_HSSK", "DAN_SO"),
        &weights(&reported, "ds"),
        2023,
        (511_800, 600_000),
        0.05,
        true,
        ILLUSTRATIVE,
    );
    b.ratio(
        ("DAN_CO_HSSK", "DAN_SO"),
        &weights(&tiers.communes, "ds"),
        2022,
        (413_000, 590_000),
        0.06,
        true,
        ILLUSTRATIVE,
    );
    // 19. Adults with a smartphone 84.0 % (2022: 78.0 %).
    b.ratio(
        ("NGUOI_TT_CO_DTTM", "NGUOI_TRUONG_THANH"),
        &weights(&reported, "ds"),
        2023,
        (352_800, 420_000),
        0.05,
        true,
        ILLUSTRATIVE,
    );
    b.ratio(
        ("NGUOI_TT_CO_DTTM", "NGUOI_TRUONG_THANH"),
        &weights(&tiers.communes, "ds"),
        2022,
        (323_700, 415_000),
        0.05,
        true,
        ILLUSTRATIVE,
    );
    // 20. Households with fibre 78.2 % (2022: 70.0 %).
    b.ratio(
        ("HO_CAP_QUANG", "HO_GIA_DINH"),
        &weights(&reported, "ds"),
        2023,
        (125_120, 160_000),
        0.08,
        true,
        ILLUSTRATIVE,
    );
    b.ratio(
        ("HO_CAP_QUANG", "HO_GIA_DINH"),
        &weights(&tiers.communes, "ds"),
        2022,
        (110_600, 158_000),
        0.08,
        true,
        ILLUSTRATIVE,
    );
    // 21. People aged 15+ with a payment account 73.5 % (2022: 65.0 %).
    b.ratio(
        ("DAN_15_CO_TKTT", "DAN_15_TUOI"),
        &weights(&reported, "ds"),
        2023,
        (338_100, 460_000),
        0.06,
        true,
        ILLUSTRATIVE,
    );
    b.ratio(
        ("DAN_15_CO_TKTT", "DAN_15_TUOI"),
        &weights(&tiers.communes, "ds"),
        2022,
        (295_750, 455_000),
        0.06,
        true,
        ILLUSTRATIVE,
    );
    // 23. Villages free of dead zones 96.0 % (2022: 90.0 %): 300 villages.
    b.ratio(
        ("THON_KHONG_LOM_SONG", "THON_TONG"),
        &weights(&reported, "thon"),
        2023,
        (288, 300),
        0.05,
        true,
        ILLUSTRATIVE,
    );
    b.ratio(
        ("THON_KHONG_LOM_SONG", "THON_TONG"),
        &weights(&tiers.communes, "thon"),
        2022,
        (270, 300),
        0.1,
        true,
        ILLUSTRATIVE,
    );

    // Digital awareness and skills (no target): a community digital-technology team in every
    // commune in 2023 (41 in 2022), people trained in basic digital skills.
    for (i, u) in tiers.communes.iter().enumerate() {
        let code = u.code.as_str();
        let sent_2023 = !never_reported.contains(&u.code);
        if sent_2023 {
            b.put(
                "TO_CNS_CONG_DONG",
                code,
                y23,
                "1".into(),
                SourceTag::Illustrative,
                ILLUSTRATIVE,
            );
        }
        b.put(
            "TO_CNS_CONG_DONG",
            code,
            y22,
            if i % 3 == 2 { "0" } else { "1" }.into(),
            SourceTag::Illustrative,
            ILLUSTRATIVE,
        );
        let trained = 150 + (unit_interval(&format!("kns/{code}")) * 600.0) as i64;
        if sent_2023 {
            b.put(
                "DAN_DAO_TAO_KNS",
                code,
                y23,
                trained.to_string(),
                SourceTag::Illustrative,
                ILLUSTRATIVE,
            );
        }
        b.put(
            "DAN_DAO_TAO_KNS",
            code,
            y22,
            (trained * 55 / 100).to_string(),
            SourceTag::Illustrative,
            ILLUSTRATIVE,
        );
        // DX products registered in 2023: about a third of communes have none yet.
        let products = match (unit_interval(&format!("sp/{code}")) * 10.0) as i64 {
            0..=3 => 0,
            4..=7 => 1,
            _ => 2,
        };
        if sent_2023 {
            b.put(
                "SP_CDS_DANG_KY",
                code,
                y23,
                products.to_string(),
                SourceTag::Illustrative,
                ILLUSTRATIVE,
            );
        }
    }

    // 10. Chip-based ID cards: finished 52 days before the ministry's deadline (published);
    // the deadline itself is not in the article (illustrative date).
    b.put(
        "CCCD_HAN",
        "58-CONG-AN",
        y23,
        "2023-06-30".into(),
        SourceTag::Illustrative,
        "Ngày minh họa: bài viết không nêu hạn của Bộ Công an",
    );
    b.put("CCCD_HOAN_THANH", "58-CONG-AN", y23, "2023-05-09".into(), SourceTag::Derived,
        "Suy ra từ số công bố \"hoàn thành trước hạn 52 ngày\" và hạn minh họa 30/06/2023; một trong 28 tỉnh hoàn thành sớm");
    // 11. E-ID activation: 100 % of the assigned target (published); counts illustrative.
    b.put(
        "VNEID_CHI_TIEU",
        "58-CONG-AN",
        y23,
        "283500".into(),
        SourceTag::Illustrative,
        CALIBRATED,
    );
    b.put(
        "VNEID_KICH_HOAT",
        "58-CONG-AN",
        y23,
        "283500".into(),
        SourceTag::Illustrative,
        "Số minh họa; tỷ lệ 100% chỉ tiêu là số công bố; một trong 24 tỉnh hoàn thành chỉ tiêu",
    );
    // 12. 53 essential public services at 85.2 %: dossiers received online over received,
    // per service (illustrative counts summing to the published ratio).
    let svc: Vec<(String, f64)> = (1..=53)
        .map(|i| {
            (
                format!("DV{i:02}"),
                0.3 + 1.7 * unit_interval(&format!("dv{i}")),
            )
        })
        .collect();
    let received = split(50_000, &svc.iter().map(|(_, w)| *w).collect::<Vec<_>>());
    let online = numerators(
        &received,
        42_600,
        &svc.iter()
            .map(|(s, _)| (unit_interval(&format!("dvo/{s}")) - 0.5) * 0.2)
            .collect::<Vec<_>>(),
        true,
    )
    .ok_or_else(|| anyhow::anyhow!("calibration of DVC53"))?;
    for (((s, _), r), o) in svc.iter().zip(&received).zip(&online) {
        b.put_by(
            "DVC53_HS_NHAN",
            "58",
            y23,
            s,
            r.to_string(),
            SourceTag::Illustrative,
            CALIBRATED,
        );
        b.put_by(
            "DVC53_HS_TRUC_TUYEN",
            "58",
            y23,
            s,
            o.to_string(),
            SourceTag::Illustrative,
            CALIBRATED,
        );
    }
    // 13. All 14 population-data cleaning targets done (published; criterion names illustrative).
    for i in 1..=14 {
        b.put_by(
            "LSDL_HOAN_THANH",
            "58-CONG-AN",
            y23,
            &format!("TC{i:02}"),
            "true".into(),
            SourceTag::Published,
            "Công an tỉnh hoàn thành 14 chỉ tiêu làm sạch dữ liệu dân cư (số công bố)",
        );
    }
    // 14. Non-cash payment turnover: 314,792 billion VND, up 67,436 billion (published).
    b.put(
        "TT_KHONG_TIEN_MAT",
        "58",
        y23,
        "314792".into(),
        SourceTag::Published,
        "Ước tính năm 2023 (số công bố)",
    );
    b.put(
        "TT_KHONG_TIEN_MAT",
        "58",
        y22,
        "247356".into(),
        SourceTag::Derived,
        "Suy ra: 314.792 − 67.436 tỷ đồng (mức tăng so với cùng kỳ đã công bố)",
    );
    Ok(b.values)
}
