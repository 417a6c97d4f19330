//! The posters already drawn, by the hash of what they show (`poster::Shown`): the most
//! recently served kept within [`CACHE_BYTES`], the least recently served forgotten first.

use bytes::Bytes;
use std::collections::HashMap;
use std::sync::Mutex;

/// The most bytes of posters kept (a poster is 100 to 200 KB).
const CACHE_BYTES: usize = 16 * 1024 * 1024;

/// Posters drawn, by the hash of what they show, the most recently served kept within
/// [`CACHE_BYTES`].
#[derive(Debug, Default)]
pub struct Posters {
    kept: Mutex<Kept>,
}

#[derive(Debug, Default)]
struct Kept {
    posters: HashMap<String, (Bytes, u64)>,
    bytes: usize,
    /// Counts uses: a poster's last use orders evictions.
    clock: u64,
}

impl Posters {
    pub fn get(&self, key: &str) -> Option<Bytes> {
        let mut kept = self.kept.lock().unwrap_or_else(|e| e.into_inner());
        kept.clock += 1;
        let now = kept.clock;
        let (png, used) = kept.posters.get_mut(key)?;
        *used = now;
        Some(png.clone())
    }

    pub fn insert(&self, key: String, png: Bytes) {
        let mut kept = self.kept.lock().unwrap_or_else(|e| e.into_inner());
        kept.clock += 1;
        let now = kept.clock;
        kept.bytes += png.len();
        if let Some((old, _)) = kept.posters.insert(key, (png, now)) {
            kept.bytes -= old.len();
        }
        // A few hundred posters at most: finding the least recently used is a short scan.
        while kept.bytes > CACHE_BYTES {
            let Some(oldest) = kept.posters.iter().min_by_key(|(_, (_, used))| *used).map(|(k, _)| k.clone())
            else {
                break;
            };
            if let Some((png, _)) = kept.posters.remove(&oldest) {
                kept.bytes -= png.len();
            }
        }
    }

    /// How many posters and bytes are kept.
    #[cfg(test)]
    fn size(&self) -> (usize, usize) {
        let kept = self.kept.lock().unwrap_or_else(|e| e.into_inner());
        (kept.posters.len(), kept.bytes)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_cache_forgets_the_least_recently_served_posters_beyond_its_bytes() {
        let posters = Posters::default();
        let poster = |n: u8| Bytes::from(vec![n; CACHE_BYTES / 4]);
        for n in 0..4 {
            posters.insert(format!("p{n}"), poster(n));
        }
        assert_eq!(posters.size(), (4, CACHE_BYTES));
        assert!(posters.get("p0").is_some(), "served again: now the most recent");
        posters.insert("p4".to_owned(), poster(4));
        assert_eq!(posters.size(), (4, CACHE_BYTES), "one went");
        assert!(posters.get("p1").is_none(), "the least recently served");
        for kept in ["p0", "p2", "p3", "p4"] {
            assert!(posters.get(kept).is_some(), "{kept}");
        }
        posters.insert("p4".to_owned(), poster(9));
        assert_eq!(posters.size(), (4, CACHE_BYTES), "a key drawn again is replaced, not counted twice");
    }
}
