//! The login throttle's rule: after `free` failed attempts each further attempt waits, doubling from one
//! second, up to a maximum (slowed, never locked). The same rule in memory and in the store.

/// How long the next attempt waits after `failures` failures, when `free` go without delay.
pub fn login_delay_seconds(failures: u32, free: u32, max_seconds: u64) -> u64 {
    if failures < free {
        return 0;
    }
    let step = (failures - free).min(20);
    (1u64 << step).min(max_seconds)
}

/// One key of a login attempt (an account or an address, hashed) and its rule. `applies`: whether its
/// wait holds the attempt back (an account's does not from an address it logged in from before); it
/// is counted either way.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ThrottleKey {
    pub key: String,
    pub free: u32,
    pub max_seconds: u64,
    pub applies: bool,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn doubling_to_the_maximum() {
        assert_eq!((0..5).map(|f| login_delay_seconds(f, 5, 60)).collect::<Vec<_>>(), vec![0; 5]);
        assert_eq!((5..13).map(|f| login_delay_seconds(f, 5, 60)).collect::<Vec<_>>(), vec![1, 2, 4, 8, 16, 32, 60, 60]);
        assert_eq!(login_delay_seconds(u32::MAX, 0, 900), 900);
    }
}
