//! A fixed-window rate limiter per client key (an IP address), in memory, bounded in size
//! ([`crate::limits::Bounded`]). Pure logic: the caller passes the clock, so it is testable without waiting.

use crate::limits::{key_of, Bounded};
use std::sync::Mutex;
use std::time::{Duration, Instant};

pub struct RateLimiter {
    /// Requests allowed per window; 0 turns the limiter off.
    pub limit: u32,
    pub window: Duration,
    seen: Mutex<Bounded<(Instant, u32)>>,
}

/// Keys a limiter keeps at most; beyond it the oldest are forgotten.
pub const MAX_KEYS: usize = 100_000;

impl RateLimiter {
    pub fn new(limit: u32, window: Duration) -> RateLimiter {
        RateLimiter { limit, window, seen: Mutex::new(Bounded::new(MAX_KEYS, window)) }
    }

    pub fn off() -> RateLimiter {
        RateLimiter::new(0, Duration::from_secs(60))
    }

    /// `Ok(())` when allowed; `Err(seconds)` to wait when over the limit.
    pub fn check(&self, key: &str, now: Instant) -> Result<(), u64> {
        if self.limit == 0 {
            return Ok(());
        }
        let mut seen = self.seen.lock().unwrap_or_else(|e| e.into_inner());
        let entry = seen.entry(key_of(key), now, || (now, 0));
        if now.duration_since(entry.0) >= self.window {
            *entry = (now, 0);
        }
        if entry.1 >= self.limit {
            let wait = self.window.saturating_sub(now.duration_since(entry.0));
            return Err(wait.as_secs().max(1));
        }
        entry.1 += 1;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn limits_per_key_and_window() {
        let r = RateLimiter::new(2, Duration::from_secs(60));
        let t = Instant::now();
        assert!(r.check("a", t).is_ok());
        assert!(r.check("a", t).is_ok());
        assert_eq!(r.check("a", t + Duration::from_secs(15)), Err(45));
        assert!(r.check("b", t).is_ok());
        assert!(r.check("a", t + Duration::from_secs(60)).is_ok());
        assert!(RateLimiter::off().check("a", t).is_ok());
    }
}
