//! The panel after Decision 766/QĐ-TTg (23 June 2022): the quality of serving people and
//! businesses in administrative procedures, in five groups with the Decision's maxima —
//! publicity and transparency 18, progress and results 20, digitisation of dossiers 22,
//! online services 22, satisfaction 18 (100 in all).
//!
//! The Decision's own sub-indicators and their points could not be read in full here, so each
//! group is scored from the rates the store's records give, with sub-weights and thresholds
//! that are chiso's, configurable and *not official*: a part earns its share of the group's
//! maximum in proportion to its rate, full at its threshold. A part without data (no
//! denominator) is left out and the others share the group; a group without any data has no
//! score.

use crate::figures::{Counts, Rate};
use serde::{Deserialize, Serialize};

/// The five groups of the Decision.
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    Hash,
    PartialOrd,
    Ord,
    Serialize,
    Deserialize,
    utoipa::ToSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum Group {
    /// Công khai, minh bạch.
    Transparency,
    /// Tiến độ, kết quả giải quyết.
    Progress,
    /// Số hóa hồ sơ.
    Digitisation,
    /// Cung cấp dịch vụ công trực tuyến.
    Online,
    /// Mức độ hài lòng.
    Satisfaction,
}

impl Group {
    pub const ALL: [Group; 5] = [
        Group::Transparency,
        Group::Progress,
        Group::Digitisation,
        Group::Online,
        Group::Satisfaction,
    ];

    /// The group's maximum in the Decision (official).
    pub fn maximum(self) -> f64 {
        match self {
            Group::Transparency => 18.0,
            Group::Progress => 20.0,
            Group::Digitisation => 22.0,
            Group::Online => 22.0,
            Group::Satisfaction => 18.0,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Group::Transparency => "transparency",
            Group::Progress => "progress",
            Group::Digitisation => "digitisation",
            Group::Online => "online",
            Group::Satisfaction => "satisfaction",
        }
    }
}

/// One part of a group: a rate, its weight within the group and the rate (in percent) at
/// which it earns full points. Not official.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Part {
    pub rate: Rate,
    pub weight: f64,
    pub full_at: f64,
}

/// The panel's configurable parts, by group (the maxima are not configurable).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct PanelConfig {
    pub transparency: Vec<Part>,
    pub progress: Vec<Part>,
    pub digitisation: Vec<Part>,
    pub online: Vec<Part>,
    pub satisfaction: Vec<Part>,
}

fn part(rate: Rate, weight: f64, full_at: f64) -> Part {
    Part {
        rate,
        weight,
        full_at,
    }
}

impl Default for PanelConfig {
    /// chiso's default parts (not official).
    fn default() -> Self {
        PanelConfig {
            transparency: vec![part(Rate::StoreLinked, 1.0, 100.0)],
            progress: vec![part(Rate::OnTime, 1.0, 100.0)],
            digitisation: vec![
                part(Rate::Digitisation, 2.0, 100.0),
                part(Rate::ElectronicResults, 2.0, 100.0),
                part(Rate::Reuse, 1.0, 100.0),
            ],
            online: vec![
                part(Rate::Online, 1.0, 80.0),
                part(Rate::Essential53, 1.0, 100.0),
            ],
            satisfaction: vec![part(Rate::Satisfaction, 1.0, 90.0)],
        }
    }
}

impl PanelConfig {
    pub fn parts(&self, g: Group) -> &[Part] {
        match g {
            Group::Transparency => &self.transparency,
            Group::Progress => &self.progress,
            Group::Digitisation => &self.digitisation,
            Group::Online => &self.online,
            Group::Satisfaction => &self.satisfaction,
        }
    }

    /// The parts of a group, to change.
    pub fn parts_mut(&mut self, g: Group) -> &mut Vec<Part> {
        match g {
            Group::Transparency => &mut self.transparency,
            Group::Progress => &mut self.progress,
            Group::Digitisation => &mut self.digitisation,
            Group::Online => &mut self.online,
            Group::Satisfaction => &mut self.satisfaction,
        }
    }

    /// What is wrong with a configuration, by field (`online[0].weight`, `online[0].full_at`,
    /// or the group's name when the fault is the group's): a weight is from 0 to 1,000 and a
    /// group's weights are not all 0; a threshold is above 0 % and at most 100 %.
    pub fn check(&self) -> Vec<(String, String)> {
        let mut out = Vec::new();
        for g in Group::ALL {
            let parts = self.parts(g);
            if parts.is_empty() {
                out.push((
                    g.as_str().to_string(),
                    "nhóm cần ít nhất một chỉ số (a group needs a part)".into(),
                ));
            }
            for (i, p) in parts.iter().enumerate() {
                let f = format!("{}[{i}]", g.as_str());
                if !(p.weight.is_finite() && p.weight >= 0.0 && p.weight <= 1000.0) {
                    out.push((
                        format!("{f}.weight"),
                        "trọng số từ 0 đến 1.000 (the weight must be from 0 to 1,000)".into(),
                    ));
                }
                if !(p.full_at.is_finite() && p.full_at > 0.0 && p.full_at <= 100.0) {
                    out.push((
                        format!("{f}.full_at"),
                        "ngưỡng đủ điểm phải lớn hơn 0 % và không quá 100 % (the threshold must be above 0 % and at most 100 %)"
                            .into(),
                    ));
                }
            }
            if !parts.is_empty() && parts.iter().all(|p| p.weight == 0.0) {
                out.push((
                    g.as_str().to_string(),
                    "các trọng số của nhóm không được đều bằng 0 (a group's weights cannot all be 0)"
                        .into(),
                ));
            }
        }
        out
    }
}

/// A part's score.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct PartScore {
    pub rate: Rate,
    pub weight: f64,
    pub full_at: f64,
    pub numerator: i64,
    pub denominator: i64,
    /// The rate in percent; none without a denominator.
    pub value: Option<f64>,
    /// Points of the group's maximum; none without data.
    pub points: Option<f64>,
}

/// A group's score.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct GroupScore {
    pub group: Group,
    /// The Decision's maximum (official).
    pub max: f64,
    pub score: Option<f64>,
    pub parts: Vec<PartScore>,
}

/// The panel of one unit (its subtree) and period.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct Panel {
    pub groups: Vec<GroupScore>,
    /// The sum of the groups that have a score; none when none has.
    pub total: Option<f64>,
    /// The maxima of the groups that have a score.
    pub max: f64,
}

/// Score counts (summed over a unit's subtree and the months of a period) on the panel.
pub fn score(config: &PanelConfig, c: &Counts) -> Panel {
    let mut groups = Vec::new();
    for g in Group::ALL {
        let mut parts = Vec::new();
        let with_data: f64 = config
            .parts(g)
            .iter()
            .filter(|p| p.rate.parts(c).1 > 0)
            .map(|p| p.weight)
            .sum();
        for p in config.parts(g) {
            let (n, d) = p.rate.parts(c);
            let value = c.rate(p.rate);
            // Parts of weight 0 earn nothing; when only they have data, the group has none.
            let points = value
                .filter(|_| with_data > 0.0)
                .map(|v| g.maximum() * p.weight / with_data * (v / p.full_at).min(1.0));
            parts.push(PartScore {
                rate: p.rate,
                weight: p.weight,
                full_at: p.full_at,
                numerator: n,
                denominator: d,
                value,
                points,
            });
        }
        let score = parts
            .iter()
            .filter_map(|p| p.points)
            .fold(None, |acc: Option<f64>, x| Some(acc.unwrap_or(0.0) + x));
        groups.push(GroupScore {
            group: g,
            max: g.maximum(),
            score,
            parts,
        });
    }
    let scored: Vec<&GroupScore> = groups.iter().filter(|g| g.score.is_some()).collect();
    let total = (!scored.is_empty()).then(|| scored.iter().filter_map(|g| g.score).sum());
    let max = scored.iter().map(|g| g.max).sum();
    Panel { groups, total, max }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_official_maxima_add_up_to_100() {
        assert_eq!(Group::ALL.iter().map(|g| g.maximum()).sum::<f64>(), 100.0);
        assert!(PanelConfig::default().check().is_empty());
    }

    #[test]
    fn a_group_scores_its_parts_in_proportion_full_at_the_threshold() {
        let c = Counts {
            received: 10,
            digitised: 5,
            components: 30,
            reused: 30,
            results: 0,
            finished: 4,
            on_time: 3,
            online: 9,
            ..Default::default()
        };
        let p = score(&PanelConfig::default(), &c);
        let g = |g: Group| p.groups.iter().find(|x| x.group == g).unwrap();
        // Progress: 75 % on time of 20 points.
        assert_eq!(g(Group::Progress).score, Some(15.0));
        // Digitisation: no results, so the electronic-result part is left out: digitisation
        // (weight 2) at 50 % and reuse (weight 1) at 100 % share the 22 points.
        let want = 22.0 * 2.0 / 3.0 * 0.5 + 22.0 * 1.0 / 3.0;
        assert!((g(Group::Digitisation).score.unwrap() - want).abs() < 1e-9);
        // Online: 90 % is past the 80 % threshold (full); no essential-service dossiers.
        assert_eq!(g(Group::Online).score, Some(22.0));
        // No results, no ratings: no score, and the maximum counts only scored groups.
        assert_eq!(g(Group::Transparency).score, None);
        assert_eq!(g(Group::Satisfaction).score, None);
        assert_eq!(p.max, 64.0);
        let bad = PanelConfig {
            progress: vec![part(Rate::OnTime, 0.0, 120.0)],
            ..Default::default()
        };
        assert_eq!(bad.check().len(), 2);
        // A part of weight 0 earns nothing; a group whose parts with data all weigh 0 has no
        // score (not a division by zero); a group of weights all 0 is refused.
        let zero = PanelConfig {
            online: vec![
                part(Rate::Online, 0.0, 80.0),
                part(Rate::Essential53, 1.0, 100.0),
            ],
            ..Default::default()
        };
        assert!(zero.check().is_empty());
        let p = score(&zero, &c);
        let online = p.groups.iter().find(|x| x.group == Group::Online).unwrap();
        assert_eq!(online.score, None);
        assert!(online.parts.iter().all(|x| x.points.is_none()));
        let none = PanelConfig {
            progress: vec![part(Rate::OnTime, 0.0, 100.0)],
            ..Default::default()
        };
        assert_eq!(
            none.check(),
            vec![(
                "progress".to_string(),
                "các trọng số của nhóm không được đều bằng 0 (a group's weights cannot all be 0)"
                    .to_string()
            )]
        );
    }
}
