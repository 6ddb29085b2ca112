//! Algorithm IDs as the register uses them ("LARS" codes): eight digits, seven random digits 1 to 9
//! followed by a check digit `(3*(d1+d3+d5+d7) + (d2+d4+d6)) mod 10`.

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct AlgorithmId([u8; 8]);

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum IdError {
    #[error("must be exactly 8 digits")]
    Format,
    #[error("the first seven digits must each be 1 to 9")]
    ZeroDigit,
    #[error("the check digit does not match")]
    CheckDigit,
}

impl IdError {
    pub fn message_nl(&self) -> &'static str {
        match self {
            IdError::Format => "moet uit precies 8 cijfers bestaan",
            IdError::ZeroDigit => "de eerste zeven cijfers moeten elk 1 tot en met 9 zijn",
            IdError::CheckDigit => "het controlecijfer klopt niet",
        }
    }
}

/// The check digit for seven leading digits.
pub fn check_digit(d: &[u8; 7]) -> u8 {
    let odd = d[0] as u32 + d[2] as u32 + d[4] as u32 + d[6] as u32;
    let even = d[1] as u32 + d[3] as u32 + d[5] as u32;
    ((3 * odd + even) % 10) as u8
}

impl AlgorithmId {
    /// Parses and checks an ID given on input.
    pub fn parse(s: &str) -> Result<AlgorithmId, IdError> {
        let b = s.as_bytes();
        if b.len() != 8 || !b.iter().all(u8::is_ascii_digit) {
            return Err(IdError::Format);
        }
        let mut d = [0u8; 8];
        for (i, c) in b.iter().enumerate() {
            d[i] = c - b'0';
        }
        if d[..7].contains(&0) {
            return Err(IdError::ZeroDigit);
        }
        let head: [u8; 7] = d[..7].try_into().expect("seven digits");
        if check_digit(&head) != d[7] {
            return Err(IdError::CheckDigit);
        }
        Ok(AlgorithmId(d))
    }

    /// Makes a new ID from a source of randomness (any `u64` source; the caller chooses the generator).
    pub fn generate(mut next_u64: impl FnMut() -> u64) -> AlgorithmId {
        let mut head = [0u8; 7];
        for h in head.iter_mut() {
            *h = (next_u64() % 9) as u8 + 1;
        }
        let mut d = [0u8; 8];
        d[..7].copy_from_slice(&head);
        d[7] = check_digit(&head);
        AlgorithmId(d)
    }

    pub fn as_string(&self) -> String {
        self.0.iter().map(|d| (b'0' + d) as char).collect()
    }
}

impl std::fmt::Display for AlgorithmId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.as_string())
    }
}

impl std::str::FromStr for AlgorithmId {
    type Err = IdError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        AlgorithmId::parse(s)
    }
}

impl TryFrom<String> for AlgorithmId {
    type Error = IdError;
    fn try_from(s: String) -> Result<Self, Self::Error> {
        AlgorithmId::parse(&s)
    }
}

impl From<AlgorithmId> for String {
    fn from(id: AlgorithmId) -> String {
        id.as_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn known_register_ids_pass() {
        for s in ["11136893", "11234933", "11243612"] {
            assert!(AlgorithmId::parse(s).is_ok(), "{s}");
        }
    }

    #[test]
    fn rejects_bad_input() {
        assert_eq!(AlgorithmId::parse("1113689"), Err(IdError::Format));
        assert_eq!(AlgorithmId::parse("1113689a"), Err(IdError::Format));
        assert_eq!(AlgorithmId::parse("11136894"), Err(IdError::CheckDigit));
        assert_eq!(AlgorithmId::parse("10136893"), Err(IdError::ZeroDigit));
        assert_eq!(AlgorithmId::parse("١١١٣٦٨٩٣"), Err(IdError::Format));
    }

    proptest! {
        #[test]
        fn generated_ids_round_trip(seed in any::<u64>()) {
            let mut s = seed;
            let id = AlgorithmId::generate(|| { s = s.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407); s >> 33 });
            let text = id.to_string();
            prop_assert_eq!(text.len(), 8);
            prop_assert_eq!(AlgorithmId::parse(&text), Ok(id));
        }

        #[test]
        fn exactly_one_check_digit_is_valid(head in proptest::array::uniform7(1u8..=9)) {
            let prefix: String = head.iter().map(|d| (b'0' + d) as char).collect();
            let valid: Vec<u8> = (0..10u8).filter(|c| AlgorithmId::parse(&format!("{prefix}{c}")).is_ok()).collect();
            prop_assert_eq!(valid, vec![check_digit(&head)]);
        }

        #[test]
        fn parse_never_panics(s in ".{0,12}") {
            let _ = AlgorithmId::parse(&s);
        }
    }
}
