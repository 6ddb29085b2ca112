//! E-mail alerts for people without an account: how often a digest goes out.

use serde::Serialize;

/// How often a subscriber gets a digest of what is new.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Frequency {
    Daily,
    Weekly,
}

impl Frequency {
    pub fn parse(s: &str) -> Option<Frequency> {
        match s {
            "daily" | "dagelijks" => Some(Frequency::Daily),
            "weekly" | "wekelijks" => Some(Frequency::Weekly),
            _ => None,
        }
    }

    pub fn code(self) -> &'static str {
        match self {
            Frequency::Daily => "daily",
            Frequency::Weekly => "weekly",
        }
    }

    pub fn label_nl(self) -> &'static str {
        match self {
            Frequency::Daily => "dagelijks",
            Frequency::Weekly => "wekelijks",
        }
    }

    pub fn label_en(self) -> &'static str {
        match self {
            Frequency::Daily => "daily",
            Frequency::Weekly => "weekly",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_round_trip() {
        for f in [Frequency::Daily, Frequency::Weekly] {
            assert_eq!(Frequency::parse(f.code()), Some(f));
            assert_eq!(Frequency::parse(f.label_nl()), Some(f));
        }
        assert_eq!(Frequency::parse("hourly"), None);
    }
}
