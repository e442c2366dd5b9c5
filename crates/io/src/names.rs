//! English renderings of Vietnamese unit names: "Tỉnh Ninh Thuận" → "Ninh Thuan Province".

/// Vietnamese text without diacritics ("Đô Vinh" → "Do Vinh").
pub fn strip_diacritics(s: &str) -> String {
    s.chars()
        .map(|c| {
            let lower = c.to_lowercase().next().unwrap_or(c);
            let base = match lower {
                'à' | 'á' | 'ả' | 'ã' | 'ạ' | 'ă' | 'ằ' | 'ắ' | 'ẳ' | 'ẵ' | 'ặ' | 'â' | 'ầ'
                | 'ấ' | 'ẩ' | 'ẫ' | 'ậ' => 'a',
                'è' | 'é' | 'ẻ' | 'ẽ' | 'ẹ' | 'ê' | 'ề' | 'ế' | 'ể' | 'ễ' | 'ệ' => {
                    'e'
                }
                'ì' | 'í' | 'ỉ' | 'ĩ' | 'ị' => 'i',
                'ò' | 'ó' | 'ỏ' | 'õ' | 'ọ' | 'ô' | 'ồ' | 'ố' | 'ổ' | 'ỗ' | 'ộ' | 'ơ' | 'ờ'
                | 'ớ' | 'ở' | 'ỡ' | 'ợ' => 'o',
                'ù' | 'ú' | 'ủ' | 'ũ' | 'ụ' | 'ư' | 'ừ' | 'ứ' | 'ử' | 'ữ' | 'ự' => {
                    'u'
                }
                'ỳ' | 'ý' | 'ỷ' | 'ỹ' | 'ỵ' => 'y',
                'đ' => 'd',
                other => other,
            };
            if c.is_uppercase() {
                base.to_uppercase().next().unwrap_or(base)
            } else {
                base
            }
        })
        .collect()
}

/// The English name of an administrative unit from its Vietnamese name, by its type word.
pub fn english_unit_name(name_vi: &str) -> String {
    const TYPES: [(&str, &str); 10] = [
        ("Tỉnh ", "Province"),
        ("Thành phố ", "City"),
        ("Thị xã ", "Town"),
        ("Huyện ", "District"),
        ("Quận ", "Urban District"),
        ("Thị trấn ", "Township"),
        ("Phường ", "Ward"),
        ("Xã ", "Commune"),
        ("Đặc khu ", "Special Zone"),
        ("Ủy ban nhân dân ", "People's Committee"),
    ];
    for (prefix, word) in TYPES {
        if let Some(rest) = name_vi.strip_prefix(prefix) {
            return format!("{} {word}", strip_diacritics(rest));
        }
    }
    strip_diacritics(name_vi)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn renders_english_names() {
        assert_eq!(english_unit_name("Tỉnh Ninh Thuận"), "Ninh Thuan Province");
        assert_eq!(
            english_unit_name("Thành phố Phan Rang - Tháp Chàm"),
            "Phan Rang - Thap Cham City"
        );
        assert_eq!(english_unit_name("Phường Đô Vinh"), "Do Vinh Ward");
        assert_eq!(english_unit_name("Xã Phước Đại"), "Phuoc Dai Commune");
        assert_eq!(english_unit_name("Huyện Bác Ái"), "Bac Ai District");
        assert_eq!(strip_diacritics("ĐẮK LẮK"), "DAK LAK");
    }
}
