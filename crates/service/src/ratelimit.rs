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

    /// One hit of `key`, counted in this process's memory, or with `shared` in the store under `name`, so
    /// that every node on the database counts together (`serve --shared-limits`; fixed windows from the
    /// epoch; a store failure falls back to memory). `Ok(())` when allowed; `Err(seconds)` to wait.
    pub async fn hit(&self, shared: Option<&dyn algoreg_store::Store>, name: &str, key: &str) -> Result<(), u64> {
        let Some(store) = shared.filter(|_| self.limit > 0) else { return self.check(key, Instant::now()) };
        let window = self.window.as_secs().max(1) as i64;
        let now = chrono::Utc::now();
        let start = now.timestamp() - now.timestamp().rem_euclid(window);
        let Some(start_at) = chrono::DateTime::from_timestamp(start, 0) else { return self.check(key, Instant::now()) };
        let counter = format!("{name}:{}", hex::encode(key_of(key)));
        match store.count_hit(&counter, start_at).await {
            Ok(n) if n > self.limit as u64 => Err((start + window - now.timestamp()).max(1) as u64),
            Ok(_) => Ok(()),
            Err(e) => {
                tracing::warn!(error = %e, limit = name, "shared limit not counted; counting in memory");
                self.check(key, Instant::now())
            }
        }
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
