//! The public overview's figures as JSON (`/api/v1/statistics`): the same figures as `/nl/overzicht`.

use super::feedback::FiguresDto;
use crate::problem::ApiResult;
use algoreg_domain::statistics::Statistics;
use algoreg_service::App;
use axum::extract::State;
use axum::Json;
use serde::Serialize;
use utoipa::ToSchema;

#[derive(Debug, Serialize, ToSchema)]
pub struct StatisticsDto {
    /// When the figures were counted (they are counted again at most once a minute).
    pub generated_at: String,
    pub totals: TotalsDto,
    /// Per organisation type: organisations the register knows, and how many of them publish.
    pub coverage: Vec<CoverageDto>,
    /// Per month since the first publication: registrations first published, organisations that published their first.
    pub months: Vec<MonthDto>,
    /// Published registrations per publication category.
    pub categories: Vec<CountDto>,
    /// Published registrations per conclusion of their public AI Act classification.
    pub ai_act: Vec<CountDto>,
    /// Every organisation that publishes or has signals: registrations, completeness, answers to signals.
    pub organisations: Vec<OrganisationFiguresDto>,
    /// Per ministry: it and the organisations that belong to it (from the organisation register), how
    /// many of them publish, and their registrations.
    pub ministries: Vec<MinistryDto>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct MinistryDto {
    pub code: String,
    pub name: String,
    pub organisations: u64,
    pub publishing: u64,
    pub published: u64,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct TotalsDto {
    pub organisations: u64,
    pub publishing: u64,
    pub published: u64,
    pub high_risk: u64,
    pub classified: u64,
    /// Mean share (0–1) of required fields filled, over every published registration.
    pub completeness: Option<f64>,
    pub signals: FiguresDto,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct CoverageDto {
    /// The organisation type's code (`gemeente`, `provincie`, …).
    pub org_type: String,
    pub label_nl: String,
    pub label_en: String,
    pub organisations: u64,
    pub publishing: u64,
    /// Published registrations of organisations of this type.
    pub published: u64,
    /// Share (0–1) of organisations of this type that publish.
    pub share: f64,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct MonthDto {
    /// `YYYY-MM`.
    pub month: String,
    pub published: u64,
    pub joined: u64,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct CountDto {
    pub value: String,
    pub records: u64,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct OrganisationFiguresDto {
    pub code: String,
    pub name: String,
    pub org_type: String,
    pub published: u64,
    pub high_risk: u64,
    pub completeness: Option<f64>,
    pub signals: FiguresDto,
}

impl From<&algoreg_domain::feedback::ResponseFigures> for FiguresDto {
    fn from(f: &algoreg_domain::feedback::ResponseFigures) -> FiguresDto {
        FiguresDto {
            received: f.received,
            answered: f.answered,
            answered_in_time: f.answered_in_time,
            median_answer_days: f.median_answer_days,
        }
    }
}

impl From<&Statistics> for StatisticsDto {
    fn from(s: &Statistics) -> StatisticsDto {
        let t = &s.totals;
        let counts = |rows: &[algoreg_domain::statistics::CountRow]| {
            rows.iter().map(|r| CountDto { value: r.value.clone(), records: r.records }).collect()
        };
        StatisticsDto {
            generated_at: s.generated_at.to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
            totals: TotalsDto {
                organisations: t.organisations,
                publishing: t.publishing,
                published: t.published,
                high_risk: t.high_risk,
                classified: t.classified,
                completeness: t.completeness,
                signals: FiguresDto::from(&t.signals),
            },
            coverage: s
                .coverage
                .iter()
                .map(|r| CoverageDto {
                    org_type: r.org_type.code().into(),
                    label_nl: r.org_type.label_nl().into(),
                    label_en: r.org_type.label_en().into(),
                    organisations: r.organisations,
                    publishing: r.publishing,
                    published: r.published,
                    share: r.share(),
                })
                .collect(),
            months: s.months.iter().map(|m| MonthDto { month: m.month.clone(), published: m.published, joined: m.joined }).collect(),
            categories: counts(&s.categories),
            ai_act: counts(&s.ai_act),
            organisations: s
                .organisations
                .iter()
                .map(|o| OrganisationFiguresDto {
                    code: o.code.clone(),
                    name: o.name.clone(),
                    org_type: o.org_type.code().into(),
                    published: o.published,
                    high_risk: o.high_risk,
                    completeness: o.completeness,
                    signals: FiguresDto::from(&o.signals),
                })
                .collect(),
            ministries: s
                .ministries
                .iter()
                .map(|m| MinistryDto {
                    code: m.code.clone(),
                    name: m.name.clone(),
                    organisations: m.organisations,
                    publishing: m.publishing,
                    published: m.published,
                })
                .collect(),
        }
    }
}

#[utoipa::path(get, path = "/api/v1/statistics", tag = "statistics", responses((status = 200, body = StatisticsDto)))]
pub async fn get(State(app): State<App>) -> ApiResult<Json<StatisticsDto>> {
    let s = app.statistics().await?;
    Ok(Json(StatisticsDto::from(s.as_ref())))
}
