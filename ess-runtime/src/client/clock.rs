//! Time sources for request timestamps.
//!
//! Every signature covers the request's timestamp (`X-TC-Timestamp`), and the
//! service refuses timestamps too far from its own clock. The client reads the
//! time through the [`Clock`] trait so that tests can pin it and so that a
//! known offset can be corrected.

use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{SystemTime, UNIX_EPOCH};

/// A source of the current time, as whole seconds since the Unix epoch (UTC).
///
/// Implemented by [`SystemClock`], [`FixedClock`], [`SkewedClock`] and by any
/// `Fn() -> u64 + Send + Sync` closure.
pub trait Clock: Send + Sync {
    /// The current time in seconds since 1970-01-01T00:00:00Z.
    fn now_unix(&self) -> u64;
}

impl<F> Clock for F
where
    F: Fn() -> u64 + Send + Sync,
{
    fn now_unix(&self) -> u64 {
        self()
    }
}

/// The operating system's wall clock.
#[derive(Clone, Copy, Debug, Default)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now_unix(&self) -> u64 {
        SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map(|d| d.as_secs())
            .unwrap_or(0)
    }
}

/// A clock that only moves when told to; meant for tests.
#[derive(Debug, Default)]
pub struct FixedClock {
    secs: AtomicU64,
}

impl FixedClock {
    /// A clock reading `secs` seconds since the epoch.
    pub fn new(secs: u64) -> Self {
        Self {
            secs: AtomicU64::new(secs),
        }
    }

    /// Sets the time.
    pub fn set(&self, secs: u64) {
        self.secs.store(secs, Ordering::Relaxed);
    }

    /// Moves the time forward by `secs` seconds.
    pub fn advance(&self, secs: u64) {
        self.secs.fetch_add(secs, Ordering::Relaxed);
    }
}

impl Clock for FixedClock {
    fn now_unix(&self) -> u64 {
        self.secs.load(Ordering::Relaxed)
    }
}

/// Another clock shifted by a fixed number of seconds (negative: behind).
#[derive(Clone, Copy, Debug, Default)]
pub struct SkewedClock<C> {
    inner: C,
    offset_secs: i64,
}

impl<C: Clock> SkewedClock<C> {
    /// `inner`'s time plus `offset_secs`.
    pub fn new(inner: C, offset_secs: i64) -> Self {
        Self { inner, offset_secs }
    }

    /// The offset applied to the inner clock, in seconds.
    pub fn offset_secs(&self) -> i64 {
        self.offset_secs
    }
}

impl<C: Clock> Clock for SkewedClock<C> {
    fn now_unix(&self) -> u64 {
        self.inner
            .now_unix()
            .saturating_add_signed(self.offset_secs)
    }
}

/// Days since 1970-01-01 of a proleptic Gregorian date.
pub(crate) fn days_from_civil(year: i64, month: u32, day: u32) -> i64 {
    let y = if month <= 2 { year - 1 } else { year };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let m = i64::from(month);
    let mp = if m > 2 { m - 3 } else { m + 9 };
    let doy = (153 * mp + 2) / 5 + i64::from(day) - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// The proleptic Gregorian date (year, month, day) of a day count since 1970-01-01.
#[cfg(test)]
fn civil_from_days(days: i64) -> (i64, u32, u32) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    // Both casts are in range: day is 1..=31 and month 1..=12.
    let day = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let month = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    let year = yoe + era * 400 + i64::from(month <= 2);
    (year, month, day)
}

/// Parses an HTTP `Date` header in the preferred format of RFC 9110
/// (`Sun, 06 Nov 1994 08:49:37 GMT`) into seconds since the epoch.
pub(crate) fn parse_http_date(value: &str) -> Option<u64> {
    let mut parts = value.split_ascii_whitespace();
    let _weekday = parts.next()?.strip_suffix(',')?;
    let day: u32 = parse_digits(parts.next()?, 2)?;
    let month = match parts.next()? {
        "Jan" => 1,
        "Feb" => 2,
        "Mar" => 3,
        "Apr" => 4,
        "May" => 5,
        "Jun" => 6,
        "Jul" => 7,
        "Aug" => 8,
        "Sep" => 9,
        "Oct" => 10,
        "Nov" => 11,
        "Dec" => 12,
        _ => return None,
    };
    let year: u32 = parse_digits(parts.next()?, 4)?;
    let mut hms = parts.next()?.split(':');
    let hour: u32 = parse_digits(hms.next()?, 2)?;
    let minute: u32 = parse_digits(hms.next()?, 2)?;
    let second: u32 = parse_digits(hms.next()?, 2)?;
    if hms.next().is_some() || parts.next()? != "GMT" || parts.next().is_some() {
        return None;
    }
    if !(1..=31).contains(&day) || hour > 23 || minute > 59 || second > 60 || year < 1970 {
        return None;
    }
    let days = days_from_civil(i64::from(year), month, day);
    let secs = days * 86_400 + i64::from(hour * 3600 + minute * 60 + second);
    u64::try_from(secs).ok()
}

fn parse_digits(s: &str, len: usize) -> Option<u32> {
    if s.len() != len || !s.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    s.parse().ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn civil_round_trip() {
        for days in [-1_000_000i64, -1, 0, 1, 59, 10_956, 17_952, 2_932_896] {
            let (y, m, d) = civil_from_days(days);
            assert_eq!(days_from_civil(y, m, d), days);
        }
        assert_eq!(civil_from_days(0), (1970, 1, 1));
        assert_eq!(civil_from_days(17_952), (2019, 2, 25));
        assert_eq!(civil_from_days(11_016), (2000, 2, 29));
    }

    #[test]
    fn http_dates() {
        assert_eq!(
            parse_http_date("Sun, 06 Nov 1994 08:49:37 GMT"),
            Some(784_111_777)
        );
        assert_eq!(
            parse_http_date("Mon, 25 Feb 2019 17:24:25 GMT"),
            Some(1_551_115_465)
        );
        assert_eq!(parse_http_date("Sunday, 06-Nov-94 08:49:37 GMT"), None);
        assert_eq!(parse_http_date("Sun, 06 Nov 1994 08:49:37 UTC"), None);
        assert_eq!(parse_http_date(""), None);
        assert_eq!(parse_http_date("Sun, 6 Nov 1994 08:49:37 GMT"), None);
    }

    #[test]
    fn clocks() {
        let fixed = FixedClock::new(100);
        fixed.advance(5);
        assert_eq!(fixed.now_unix(), 105);
        fixed.set(7);
        assert_eq!(fixed.now_unix(), 7);
        let skewed = SkewedClock::new(FixedClock::new(100), -30);
        assert_eq!(skewed.now_unix(), 70);
        assert_eq!(SkewedClock::new(FixedClock::new(10), -30).now_unix(), 0);
        let closure = || 42u64;
        assert_eq!(closure.now_unix(), 42);
        assert!(SystemClock.now_unix() > 1_600_000_000);
    }
}
