//! The registers as of 30 June 2024: DX products (the seed's four platforms and the communes'
//! products), information systems, strategic partners and mobile-signal dead zones.

use super::{c, d, note, note_en};
use crate::calibrate::unit_interval;
use chiso_core::plan::{
    DeadZone, InfoSystem, Partner, Product, ProductStatus, ProductType, RegisterEntry,
};
use chiso_core::{Code, DataValueInput, Period, SourceTag, Unit};
use chrono::NaiveDate;

/// The register entries over the communes and their 2023 values, and the communes' village
/// counts for 2024 (the 2023 count, unchanged).
pub(super) fn register(
    communes: &[&Unit],
    values: &[DataValueInput],
) -> (Vec<RegisterEntry>, Vec<DataValueInput>) {
    let mut register = Vec::new();
    // The seed's four platforms: code, name and sector in Vietnamese and English, owner.
    type Text<'a> = (&'a str, &'a str);
    let platforms: &[(&str, Text, &str, Text, ProductStatus)] = &[
        (
            "SP-GIAO-DUC",
            (
                "Nền tảng dạy và học trực tuyến",
                "Online teaching and learning platform",
            ),
            "58-SO-GDDT",
            ("Giáo dục", "Education"),
            ProductStatus::InUse,
        ),
        (
            "SP-HSSK",
            ("Hồ sơ sức khỏe điện tử", "Electronic health records"),
            "58-SO-YT",
            ("Y tế", "Health"),
            ProductStatus::InUse,
        ),
        (
            "SP-CONG-DAN-SO",
            (
                "Ứng dụng Công dân số Ninh Thuận",
                "Ninh Thuan Digital Citizen app",
            ),
            "58-SO-TTTT",
            (
                "Thông tin và Truyền thông",
                "Information and communications",
            ),
            ProductStatus::InUse,
        ),
        (
            "SP-THANH-TOAN-SO",
            (
                "Thanh toán số trong dịch vụ công và y tế",
                "Digital payment in public services and health care",
            ),
            "58-SO-CT",
            ("Công Thương", "Industry and trade"),
            ProductStatus::Pilot,
        ),
    ];
    for (code, name, owner, sector, status) in platforms {
        register.push(RegisterEntry::Product(Product {
            code: c(code),
            name: name.0.to_string(),
            name_en: Some(name.1.to_string()),
            owner: c(owner),
            sector: sector.0.to_string(),
            sector_en: Some(sector.1.to_string()),
            product_type: ProductType::Platform,
            status: *status,
            registered_on: d(2023, 3, 1),
            in_use_on: (*status == ProductStatus::InUse).then(|| d(2023, 6, 1)),
            link: None,
            evidence: None,
            note: Some("Nền tảng nêu trong bài viết; ngày và trạng thái là minh họa".into()),
            note_en: Some(
                "A platform the article names; its dates and status are illustrative".into(),
            ),
        }));
    }
    // Communes: the 2023 count of products registered, then a few more in the first half of
    // 2024 — some communes still have none.
    for u in communes {
        let code = u.code.as_str();
        let n2023: i64 = values
            .iter()
            .find(|v| {
                v.element.as_str() == "SP_CDS_DANG_KY"
                    && v.unit == u.code
                    && v.period == Period::Year(2023)
            })
            .and_then(|v| v.value.parse().ok())
            .unwrap_or(0);
        let extra = i64::from(n2023 == 0 && unit_interval(&format!("sp2024/{code}")) < 0.45);
        for k in 0..(n2023 + extra) {
            let in_2023 = k < n2023;
            let registered_on = if in_2023 {
                d(2023, 9, 1)
            } else {
                d(2024, 5, 15)
            };
            register.push(RegisterEntry::Product(Product {
                code: c(&format!("SP-{code}-{}", k + 1)),
                name: if k == 0 {
                    format!("Trang thông tin điện tử và Zalo OA của {}", u.name_vi)
                } else {
                    format!("Bản đồ số nông sản {}", u.name_vi)
                },
                name_en: Some(if k == 0 {
                    format!("Website and Zalo OA of {}", u.name("en"))
                } else {
                    format!("Digital farm-produce map of {}", u.name("en"))
                }),
                owner: u.code.clone(),
                sector: "Chính quyền số".into(),
                sector_en: Some("Digital government".into()),
                product_type: if k == 0 {
                    ProductType::Service
                } else {
                    ProductType::Data
                },
                status: if in_2023 {
                    ProductStatus::InUse
                } else {
                    ProductStatus::Registered
                },
                registered_on,
                in_use_on: in_2023.then(|| d(2023, 12, 1)),
                link: None,
                evidence: None,
                note: note(),
                note_en: note_en(),
            }));
        }
    }
    // Information systems and their connections.
    type Connections = (Option<NaiveDate>, Option<NaiveDate>, Option<NaiveDate>);
    let systems: &[(&str, &str, &str, Connections)] = &[
        (
            "HT-DVC",
            "Hệ thống thông tin giải quyết thủ tục hành chính",
            "58-VP-UBND",
            (
                Some(d(2022, 10, 1)),
                Some(d(2022, 6, 1)),
                Some(d(2021, 5, 1)),
            ),
        ),
        (
            "HT-QLVB",
            "Hệ thống quản lý văn bản và điều hành",
            "58-VP-UBND",
            (None, Some(d(2023, 4, 1)), Some(d(2021, 5, 1))),
        ),
        (
            "HT-HSSK",
            "Hệ thống hồ sơ sức khỏe điện tử",
            "58-SO-YT",
            (Some(d(2023, 8, 1)), None, Some(d(2023, 8, 1))),
        ),
        (
            "HT-CSDL-GD",
            "Cơ sở dữ liệu ngành giáo dục",
            "58-SO-GDDT",
            (Some(d(2024, 3, 1)), None, None),
        ),
        (
            "HT-CSDL-DD",
            "Cơ sở dữ liệu đất đai",
            "58-SO-TNMT",
            (None, None, Some(d(2024, 2, 1))),
        ),
        (
            "HT-LDTBXH",
            "Cơ sở dữ liệu an sinh xã hội",
            "58-SO-LDTBXH",
            (Some(d(2024, 5, 1)), None, Some(d(2023, 11, 1))),
        ),
        (
            "HT-HTX",
            "Cơ sở dữ liệu doanh nghiệp, hợp tác xã",
            "58-SO-KHDT",
            (None, None, None),
        ),
        (
            "HT-KHO-DL",
            "Kho dữ liệu điện tử của tổ chức, cá nhân (Đề án 06)",
            "58-VP-UBND",
            // In operation on 20 June 2024; connected nationally only in July.
            (
                Some(d(2024, 7, 15)),
                Some(d(2024, 7, 15)),
                Some(d(2024, 6, 20)),
            ),
        ),
    ];
    for (code, name, owner, (pop, ndxp, lgsp)) in systems {
        register.push(RegisterEntry::System(InfoSystem {
            code: c(code),
            name: name.to_string(),
            owner: c(owner),
            purpose: name.to_string(),
            population_db: *pop,
            ndxp: *ndxp,
            lgsp: *lgsp,
            since: d(2021, 1, 1),
            note: note(),
        }));
    }
    // Strategic partners.
    let partners: &[(&str, &str, &str, NaiveDate, &[&str])] = &[
        (
            "DT-DOI-TAC-1",
            "58-DOI-TAC-1",
            "Thỏa thuận hợp tác chiến lược về chuyển đổi số giai đoạn 2024-2025",
            d(2024, 3, 15),
            &[
                "Hỗ trợ xây dựng trung tâm điều hành thông minh",
                "Đào tạo kỹ năng số cho cán bộ",
            ],
        ),
        (
            "DT-VIETTEL",
            "58-VIETTEL",
            "Thỏa thuận hợp tác về hạ tầng số và phủ sóng 5G",
            d(2023, 5, 10),
            &["Phủ sóng 5G toàn tỉnh", "Xóa thôn lõm sóng"],
        ),
        (
            "DT-VNPT",
            "58-VNPT",
            "Thỏa thuận hợp tác về chính quyền số",
            d(2023, 7, 1),
            &["Hệ thống quản lý văn bản", "Hồ sơ sức khỏe điện tử"],
        ),
    ];
    for (code, owner, agreement, signed_on, commitments) in partners {
        register.push(RegisterEntry::Partner(Partner {
            code: c(code),
            owner: c(owner),
            agreement: agreement.to_string(),
            counterpart: c("58"),
            signed_on: *signed_on,
            commitments: commitments.iter().map(|s| s.to_string()).collect(),
            note: note(),
        }));
    }
    // Dead zones: one for each village the 2023 figures count as not free of dead zones
    // (THON_TONG − THON_KHONG_LOM_SONG per commune); seven resolved by June 2024.
    let get = |element: &str, unit: &Code| -> i64 {
        values
            .iter()
            .find(|v| {
                v.element.as_str() == element && &v.unit == unit && v.period == Period::Year(2023)
            })
            .and_then(|v| v.value.parse().ok())
            .unwrap_or(0)
    };
    let operators = ["58-VIETTEL", "58-VNPT", "58-MOBIFONE"];
    let mut n = 0usize;
    let mut villages_2024 = Vec::new();
    for u in communes {
        let total = get("THON_TONG", &u.code);
        let gap = total - get("THON_KHONG_LOM_SONG", &u.code);
        if total > 0 {
            villages_2024.push(DataValueInput {
                element: c("THON_TONG"),
                unit: u.code.clone(),
                period: Period::Year(2024),
                breakdown: None,
                value: total.to_string(),
                comment: Some(
                    "Suy ra từ số thôn năm 2023 (số minh họa), giả định không đổi; dùng cho \
                     sổ vùng lõm sóng"
                        .into(),
                ),
                source: SourceTag::Derived,
            });
        }
        for k in 0..gap {
            n += 1;
            let resolved = n <= 7;
            register.push(RegisterEntry::DeadZone(DeadZone {
                code: c(&format!("VLS-{n:02}")),
                owner: u.code.clone(),
                village: format!("Thôn {} (minh họa)", k + 1),
                operator: c(operators[n % 3]),
                found_on: d(2023, 3, 1),
                planned_on: Some(if resolved {
                    d(2024, 4, 30)
                } else {
                    d(2024, 9, 30)
                }),
                resolved_on: resolved.then(|| d(2024, 2 + (n as u32 % 4), 10)),
                note: note(),
            }));
        }
    }
    (register, villages_2024)
}
