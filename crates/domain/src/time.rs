//! Which moments the register keeps: years 1900 to 9999. Both backends store and read back every
//! moment in that range exactly, and the arithmetic on it (deadlines, reminders, retention) cannot
//! overflow. A date from input outside it is refused with [`MESSAGE_NL`] / [`MESSAGE_EN`].

use chrono::{DateTime, Datelike, NaiveDate, Utc};

pub const FIRST_YEAR: i32 = 1900;
pub const LAST_YEAR: i32 = 9999;

pub const MESSAGE_NL: &str = "Geef een datum in de jaren 1900 tot en met 9999.";
pub const MESSAGE_EN: &str = "Give a date in the years 1900 to 9999.";

/// Whether the register keeps this date.
pub fn date_in_range(d: NaiveDate) -> bool {
    (FIRST_YEAR..=LAST_YEAR).contains(&d.year())
}

/// Whether the register keeps this moment.
pub fn in_range(t: &DateTime<Utc>) -> bool {
    date_in_range(t.date_naive())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_range_is_the_years_1900_to_9999() {
        let d = |y, m, day| NaiveDate::from_ymd_opt(y, m, day).unwrap();
        assert!(date_in_range(d(1900, 1, 1)) && date_in_range(d(9999, 12, 31)) && date_in_range(d(2026, 12, 5)));
        assert!(!date_in_range(d(1899, 12, 31)) && !date_in_range(d(10000, 1, 1)) && !date_in_range(d(-5, 1, 1)));
        assert!(!in_range(&DateTime::<Utc>::MAX_UTC) && !in_range(&DateTime::<Utc>::MIN_UTC));
    }
}
