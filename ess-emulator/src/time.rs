//! The emulator's clock and the date formats it writes.

use std::fmt;
use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::Arc;

use ess_api::client::{Clock, SystemClock};

/// Seconds in a day.
pub(crate) const DAY: u64 = 86_400;

/// The emulator's notion of now: a base clock plus an offset that can be
/// moved forward to make codes and contracts expire without waiting.
#[derive(Clone)]
pub(crate) struct EmulatorClock {
    base: Arc<dyn Clock>,
    offset: Arc<AtomicI64>,
}

impl EmulatorClock {
    pub(crate) fn new(base: Arc<dyn Clock>) -> Self {
        Self {
            base,
            offset: Arc::new(AtomicI64::new(0)),
        }
    }

    pub(crate) fn system() -> Self {
        Self::new(Arc::new(SystemClock))
    }

    /// Seconds since the Unix epoch.
    pub(crate) fn now(&self) -> u64 {
        self.base
            .now_unix()
            .saturating_add_signed(self.offset.load(Ordering::Relaxed))
    }

    /// Moves the clock forward by `secs`: at most `max_step` at once and
    /// `max_offset` in all; a refused move changes nothing and says why.
    pub(crate) fn advance(&self, secs: u64, max_step: u64, max_offset: u64) -> Result<(), String> {
        if secs > max_step {
            return Err(format!(
                "the clock moves at most {max_step} seconds at once, not {secs}"
            ));
        }
        let secs = i64::try_from(secs).map_err(|_| format!("{secs} seconds is too far"))?;
        let max_offset = i64::try_from(max_offset).unwrap_or(i64::MAX);
        self.offset
            .fetch_update(Ordering::Relaxed, Ordering::Relaxed, |o| {
                o.checked_add(secs).filter(|total| *total <= max_offset)
            })
            .map(drop)
            .map_err(|o| {
                format!(
                    "the clock is already {o} seconds ahead; it may be moved at most {max_offset} seconds in all"
                )
            })
    }
}

impl fmt::Debug for EmulatorClock {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("EmulatorClock")
            .field("now", &self.now())
            .field("offset_secs", &self.offset.load(Ordering::Relaxed))
            .finish()
    }
}

/// The proleptic Gregorian date (year, month, day) of a day count since 1970-01-01.
fn civil_from_days(days: i64) -> (i64, u32, u32) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let month = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    let year = yoe + era * 400 + i64::from(month <= 2);
    (year, month, day)
}

/// The largest timestamp formatted (9999-12-31T23:59:59Z); later ones are clamped.
const MAX_TIMESTAMP: u64 = 253_402_300_799;

/// `Sun, 06 Nov 1994 08:49:37 GMT`, the HTTP `Date` format.
pub(crate) fn http_date(secs: u64) -> String {
    let secs = secs.min(MAX_TIMESTAMP);
    let days = (secs / DAY) as i64;
    let rem = secs % DAY;
    let (year, month, day) = civil_from_days(days);
    const MONTHS: [&str; 12] = [
        "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
    ];
    const WEEKDAYS: [&str; 7] = ["Thu", "Fri", "Sat", "Sun", "Mon", "Tue", "Wed"];
    format!(
        "{}, {day:02} {} {year:04} {:02}:{:02}:{:02} GMT",
        WEEKDAYS[(days % 7) as usize],
        MONTHS[(month as usize).saturating_sub(1) % 12],
        rem / 3600,
        rem % 3600 / 60,
        rem % 60
    )
}

/// China Standard Time (UTC+8), in which the service writes local times.
const CHINA_OFFSET: u64 = 8 * 3600;

/// `YYYY-MM-DD hh:mm:ss` in China Standard Time (UTC+8), the format of
/// `SignUrls.EffectiveTime`.
pub(crate) fn china_local(secs: u64) -> String {
    let secs = secs.saturating_add(CHINA_OFFSET).min(MAX_TIMESTAMP);
    let days = (secs / DAY) as i64;
    let rem = secs % DAY;
    let (year, month, day) = civil_from_days(days);
    format!(
        "{year:04}-{month:02}-{day:02} {:02}:{:02}:{:02}",
        rem / 3600,
        rem % 3600 / 60,
        rem % 60
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use ess_api::client::FixedClock;

    #[test]
    fn formats() {
        assert_eq!(http_date(784_111_777), "Sun, 06 Nov 1994 08:49:37 GMT");
        assert_eq!(http_date(1_551_115_465), "Mon, 25 Feb 2019 17:24:25 GMT");
        assert_eq!(china_local(0), "1970-01-01 08:00:00");
        assert_eq!(china_local(1_735_660_800), "2025-01-01 00:00:00");
        assert_eq!(china_local(u64::MAX), "9999-12-31 23:59:59");
    }

    #[test]
    fn clock_moves_forward_within_bounds() {
        let clock = EmulatorClock::new(Arc::new(FixedClock::new(1_000)));
        assert_eq!(clock.now(), 1_000);
        clock.advance(500, 1_000, 2_000).unwrap();
        assert_eq!(clock.now(), 1_500);
        let copy = clock.clone();
        // Too far at once, too far in all, or beyond any integer: refused,
        // and the clock stays where it was.
        let e = copy.advance(1_001, 1_000, 2_000).unwrap_err();
        assert!(e.contains("at most 1000 seconds at once"), "{e}");
        copy.advance(1_000, 1_000, 2_000).unwrap();
        assert_eq!(clock.now(), 2_500);
        let e = copy.advance(1_000, 1_000, 2_000).unwrap_err();
        assert!(e.contains("1500 seconds ahead"), "{e}");
        assert!(copy.advance(u64::MAX, u64::MAX, u64::MAX).is_err());
        assert_eq!(clock.now(), 2_500);
    }
}
