//! In-memory state keyed by what callers send (client addresses, accounts, recipients) is bounded and
//! expires: [`Bounded`] holds at most a fixed number of entries, forgets an entry after its time to live,
//! and, when full of live entries, drops the oldest half at once (amortised O(log n) per insert).
//! Keys are short fixed-size hashes ([`key_of`]), so a long input costs no memory either.

use sha2::{Digest, Sha256};
use std::collections::HashMap;
use std::net::IpAddr;
use std::time::{Duration, Instant};

/// A 16-byte hash of a key: the map never holds what the caller typed.
pub type Key = [u8; 16];

pub fn key_of(s: &str) -> Key {
    let d = Sha256::digest(s.as_bytes());
    let mut k = [0u8; 16];
    k.copy_from_slice(&d[..16]);
    k
}

/// The key of a client address: an IPv4 address, or the /64 of an IPv6 address (one IPv6 host
/// usually has a whole /64). IPv6 forms that carry an IPv4 address count as that IPv4 address.
pub fn client_key(ip: IpAddr) -> String {
    match ip {
        IpAddr::V4(a) => a.to_string(),
        IpAddr::V6(a) => match a.to_ipv4_mapped() {
            Some(v4) => v4.to_string(),
            None => {
                let s = a.segments();
                format!("{:x}:{:x}:{:x}:{:x}::/64", s[0], s[1], s[2], s[3])
            }
        },
    }
}

/// A map with a size limit and a time to live per entry (counted from its last touch).
pub struct Bounded<V> {
    map: HashMap<Key, (Instant, V)>,
    capacity: usize,
    ttl: Duration,
    /// Entries to keep when making room while others can go (a throttle keeps whom it is slowing down,
    /// so that a flood of new keys cannot reset a victim's count).
    keep: Option<fn(&V, Instant) -> bool>,
}

impl<V> Bounded<V> {
    pub fn new(capacity: usize, ttl: Duration) -> Bounded<V> {
        Bounded { map: HashMap::new(), capacity: capacity.max(2), ttl, keep: None }
    }

    /// Like [`Bounded::new`]; when room must be made, entries for which `keep` holds go last.
    pub fn keeping(capacity: usize, ttl: Duration, keep: fn(&V, Instant) -> bool) -> Bounded<V> {
        Bounded { keep: Some(keep), ..Bounded::new(capacity, ttl) }
    }

    pub fn len(&self) -> usize {
        self.map.len()
    }

    pub fn is_empty(&self) -> bool {
        self.map.is_empty()
    }

    /// The live entry of `key`, if any.
    pub fn get(&self, key: &Key, now: Instant) -> Option<&V> {
        self.map.get(key).filter(|(at, _)| now.saturating_duration_since(*at) < self.ttl).map(|(_, v)| v)
    }

    /// The entry of `key`, made with `init` when absent or expired; touching it renews its time to live.
    pub fn entry(&mut self, key: Key, now: Instant, init: impl FnOnce() -> V) -> &mut V {
        let expired = self.map.get(&key).is_some_and(|(at, _)| now.saturating_duration_since(*at) >= self.ttl);
        if expired {
            self.map.remove(&key);
        }
        if !self.map.contains_key(&key) && self.map.len() >= self.capacity {
            self.make_room(now);
        }
        let slot = self.map.entry(key).or_insert_with(|| (now, init()));
        slot.0 = now;
        &mut slot.1
    }

    pub fn remove(&mut self, key: &Key) {
        self.map.remove(key);
    }

    /// Drops expired entries; when that frees less than a quarter, the older half of the entries that
    /// need not be kept goes too (of all of them, when nearly all are to be kept).
    fn make_room(&mut self, now: Instant) {
        let ttl = self.ttl;
        self.map.retain(|_, (at, _)| now.saturating_duration_since(*at) < ttl);
        if self.map.len() < self.capacity - self.capacity / 4 {
            return;
        }
        let keep = self.keep;
        let kept = |v: &V| keep.is_some_and(|k| k(v, now));
        let mut ages: Vec<Instant> = self.map.values().filter(|(_, v)| !kept(v)).map(|(at, _)| *at).collect();
        let spare_all = ages.len() < self.capacity / 4;
        if spare_all {
            ages = self.map.values().map(|(at, _)| *at).collect();
        }
        let mid = ages.len() / 2;
        let (_, cut, _) = ages.select_nth_unstable(mid);
        let cut = *cut;
        self.map.retain(|_, (at, v)| *at > cut || (!spare_all && kept(v)));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stays_within_capacity_and_expires() {
        let mut m: Bounded<u32> = Bounded::new(100, Duration::from_secs(60));
        let t = Instant::now();
        for i in 0..10_000u32 {
            *m.entry(key_of(&i.to_string()), t + Duration::from_millis(i as u64), || 0) += 1;
            assert!(m.len() <= 100);
        }
        // The newest survive.
        assert!(m.get(&key_of("9999"), t + Duration::from_secs(10)).is_some());
        // Expired after the time to live.
        assert!(m.get(&key_of("9999"), t + Duration::from_secs(80)).is_none());
        // An expired entry starts afresh.
        assert_eq!(*m.entry(key_of("9999"), t + Duration::from_secs(80), || 7), 7);
    }

    #[test]
    fn entries_to_keep_survive_a_flood() {
        let mut m: Bounded<u32> = Bounded::keeping(100, Duration::from_secs(3600), |v, _| *v >= 5);
        let t = Instant::now();
        *m.entry(key_of("victim"), t, || 0) = 5;
        for i in 0..10_000u32 {
            m.entry(key_of(&i.to_string()), t + Duration::from_millis(1 + i as u64), || 1);
            assert!(m.len() <= 100);
        }
        assert_eq!(m.get(&key_of("victim"), t + Duration::from_secs(20)), Some(&5));
    }

    #[test]
    fn client_keys() {
        assert_eq!(client_key("192.0.2.1".parse().unwrap()), "192.0.2.1");
        assert_eq!(client_key("::ffff:192.0.2.1".parse().unwrap()), "192.0.2.1");
        assert_eq!(client_key("2001:db8:1:2:3:4:5:6".parse().unwrap()), "2001:db8:1:2::/64");
    }
}
