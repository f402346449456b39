//! The calendar a lease record needs: Unix seconds to and from kazoo's `%Y-%m-%dT%H:%M:%S`
//! in UTC, and the end of a lease.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use crate::error::{Error, Result};

const NANOS_PER_SECOND: i128 = 1_000_000_000;
const SECONDS_PER_DAY: i64 = 86_400;

/// `time` as nanoseconds since the Unix epoch (negative before it).
fn unix_nanos(time: SystemTime) -> i128 {
    match time.duration_since(UNIX_EPOCH) {
        Ok(after) => after.as_nanos() as i128,
        Err(before) => -(before.duration().as_nanos() as i128),
    }
}

/// `time` as whole seconds since the Unix epoch, rounded down (kazoo compares a time with
/// microseconds to an end in whole seconds: `now < end` exactly when this is below `end`).
pub(super) fn unix_seconds(time: SystemTime) -> i64 {
    let seconds = unix_nanos(time).div_euclid(NANOS_PER_SECOND);
    seconds.clamp(i64::MIN.into(), i64::MAX.into()) as i64
}

/// The end of a lease obtained at `now` for `duration`, in whole Unix seconds rounded down
/// (`strftime` drops the fraction), or an error past the year 9999 (Python's limit).
pub(super) fn lease_end(now: SystemTime, duration: Duration) -> Result<i64> {
    let end = (unix_nanos(now) + duration.as_nanos() as i128).div_euclid(NANOS_PER_SECOND);
    i64::try_from(end)
        .ok()
        .filter(|end| *end <= MAX_SECONDS)
        .ok_or_else(|| {
            Error::InvalidArgument(format!(
                "a lease of {duration:?} from now would end after the year 9999"
            ))
        })
}

/// The first second of the year 10000, less one: the last time `%Y` can write.
const MAX_SECONDS: i64 = 253_402_300_799;
/// 0001-01-01T00:00:00, the first time Python's datetime can hold.
const MIN_SECONDS: i64 = -62_135_596_800;

/// Days since 1970-01-01 of a date in the proleptic Gregorian calendar.
fn days_from_civil(year: i64, month: u32, day: u32) -> i64 {
    let year = if month <= 2 { year - 1 } else { year };
    let era = year.div_euclid(400);
    let year_of_era = year - era * 400;
    let month = i64::from(month);
    let day_of_year =
        (153 * (if month > 2 { month - 3 } else { month + 9 }) + 2) / 5 + i64::from(day) - 1;
    let day_of_era = year_of_era * 365 + year_of_era / 4 - year_of_era / 100 + day_of_year;
    era * 146_097 + day_of_era - 719_468
}

/// The date (year, month, day) `days` after 1970-01-01.
fn civil_from_days(days: i64) -> (i64, u32, u32) {
    let days = days + 719_468;
    let era = days.div_euclid(146_097);
    let day_of_era = days - era * 146_097;
    let year_of_era =
        (day_of_era - day_of_era / 1460 + day_of_era / 36_524 - day_of_era / 146_096) / 365;
    let day_of_year = day_of_era - (365 * year_of_era + year_of_era / 4 - year_of_era / 100);
    let shifted_month = (5 * day_of_year + 2) / 153;
    let day = (day_of_year - (153 * shifted_month + 2) / 5 + 1) as u32;
    let month = if shifted_month < 10 {
        shifted_month + 3
    } else {
        shifted_month - 9
    } as u32;
    let year = year_of_era + era * 400 + i64::from(month <= 2);
    (year, month, day)
}

fn is_leap_year(year: i64) -> bool {
    year % 4 == 0 && (year % 100 != 0 || year % 400 == 0)
}

fn days_in_month(year: i64, month: u32) -> u32 {
    match month {
        2 if is_leap_year(year) => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

/// Unix seconds as kazoo's `%Y-%m-%dT%H:%M:%S` in UTC (`2026-11-25T10:00:00`); years 1 to
/// 9999 only.
pub(super) fn format_utc(seconds: i64) -> Result<String> {
    if !(MIN_SECONDS..=MAX_SECONDS).contains(&seconds) {
        return Err(Error::InvalidArgument(format!(
            "{seconds} s after 1970 is outside the years 1 to 9999"
        )));
    }
    let (year, month, day) = civil_from_days(seconds.div_euclid(SECONDS_PER_DAY));
    let second_of_day = seconds.rem_euclid(SECONDS_PER_DAY);
    Ok(format!(
        "{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}",
        second_of_day / 3600,
        second_of_day / 60 % 60,
        second_of_day % 60
    ))
}

/// Parses a `%Y-%m-%dT%H:%M:%S` time in UTC into Unix seconds, as leniently as Python's
/// `strptime`: four-digit year; one or two digits (or a space and one) for the day, one or
/// two digits for the other fields; `T` or `t`; nothing around it. None when it does not
/// match or names no real time (a 30th of February, a 60th second).
pub(super) fn parse_utc(text: &str) -> Option<i64> {
    let mut cursor = Cursor {
        bytes: text.as_bytes(),
        at: 0,
    };
    let year = cursor.digits(4, 4)?;
    cursor.separator(b"-")?;
    let month = cursor.digits(1, 2)?;
    cursor.separator(b"-")?;
    let day = match cursor.separator(b" ") {
        Some(()) => cursor.digits(1, 1).filter(|day| *day != 0)?,
        None => cursor.digits(1, 2)?,
    };
    cursor.separator(b"Tt")?;
    let hour = cursor.digits(1, 2)?;
    cursor.separator(b":")?;
    let minute = cursor.digits(1, 2)?;
    cursor.separator(b":")?;
    let second = cursor.digits(1, 2)?;
    if cursor.at != cursor.bytes.len() {
        return None;
    }
    let year = i64::from(year);
    let valid = year >= 1
        && (1..=12).contains(&month)
        && day >= 1
        && day <= days_in_month(year, month)
        && hour < 24
        && minute < 60
        && second < 60;
    valid.then(|| {
        days_from_civil(year, month, day) * SECONDS_PER_DAY
            + i64::from(hour * 3600 + minute * 60 + second)
    })
}

/// Reads [`parse_utc`]'s fields.
struct Cursor<'a> {
    bytes: &'a [u8],
    at: usize,
}

impl Cursor<'_> {
    /// `min` to `max` ASCII digits as a number.
    fn digits(&mut self, min: usize, max: usize) -> Option<u32> {
        let start = self.at;
        while self.at - start < max && self.bytes.get(self.at).is_some_and(u8::is_ascii_digit) {
            self.at += 1;
        }
        if self.at - start < min {
            return None;
        }
        self.bytes[start..self.at]
            .iter()
            .try_fold(0u32, |value, digit| {
                Some(value * 10 + u32::from(digit - b'0'))
            })
    }

    /// One byte that is any of `accepted`.
    fn separator(&mut self, accepted: &[u8]) -> Option<()> {
        let byte = self.bytes.get(self.at)?;
        accepted.contains(byte).then(|| self.at += 1)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const NOW: i64 = 1_795_600_800; // 2026-11-25T10:00:00

    fn at(seconds: i64) -> SystemTime {
        if seconds >= 0 {
            UNIX_EPOCH + Duration::from_secs(seconds as u64)
        } else {
            UNIX_EPOCH - Duration::from_secs(seconds.unsigned_abs())
        }
    }

    #[test]
    fn times_format_and_parse_as_python_does() {
        // Python 3.11: (datetime(...) - datetime(1970, 1, 1)).total_seconds() and strftime.
        for (seconds, text) in [
            (1_795_600_800, "2026-11-25T10:00:00"),
            (1_709_251_199, "2024-02-29T23:59:59"),
            (951_825_600, "2000-02-29T12:00:00"),
            (-2_203_891_200, "1900-03-01T00:00:00"),
            (-1, "1969-12-31T23:59:59"),
            (0, "1970-01-01T00:00:00"),
            (4_107_459_723, "2100-02-28T01:02:03"),
            (253_402_300_799, "9999-12-31T23:59:59"),
            (-62_135_596_800, "0001-01-01T00:00:00"),
        ] {
            assert_eq!(format_utc(seconds).unwrap(), text);
            assert_eq!(parse_utc(text), Some(seconds), "{text}");
        }
        assert!(format_utc(MAX_SECONDS + 1).is_err());
        assert!(format_utc(MIN_SECONDS - 1).is_err());
        // Every day of four centuries round-trips (leap years, century rules).
        let first = days_from_civil(1900, 1, 1);
        for days in first..first + 146_097 {
            let (year, month, day) = civil_from_days(days);
            assert!(day >= 1 && day <= days_in_month(year, month));
            assert_eq!(days_from_civil(year, month, day), days);
            let text = format_utc(days * SECONDS_PER_DAY + 3661).unwrap();
            assert_eq!(parse_utc(&text), Some(days * SECONDS_PER_DAY + 3661));
        }
    }

    #[test]
    fn parsing_is_as_lenient_as_strptime_and_no_more() {
        let expected = parse_utc("2026-01-05T01:02:03");
        assert!(expected.is_some());
        for same in [
            "2026-1-5T1:2:3",
            "2026-01-05t01:02:03",
            "2026-01- 5T01:02:03",
        ] {
            assert_eq!(parse_utc(same), expected, "{same}");
        }
        assert!(parse_utc("2024-02-29T00:00:00").is_some());
        for bad in [
            "2026-02-29T00:00:00",
            "1900-02-29T00:00:00",
            "2026-04-31T00:00:00",
            "2026-13-01T00:00:00",
            "2026-00-01T00:00:00",
            "2026-01-00T00:00:00",
            "2026-01-01T24:00:00",
            "2026-01-01T00:60:00",
            "2026-01-01T00:00:60",
            "0000-01-01T00:00:00",
            "26-01-01T00:00:00",
            "20260-01-01T00:00:00",
            " 2026-01-01T00:00:00",
            "2026-01-01T00:00:00 ",
            "2026-01-01T00:00:00Z",
            "2026-01-01 00:00:00",
            "2026-01-01T00:00",
            "2026-001-01T00:00:00",
            "",
        ] {
            assert_eq!(parse_utc(bad), None, "{bad}");
        }
    }

    #[test]
    fn lease_ends_drop_the_fraction_and_stop_at_9999() {
        let now = at(NOW) + Duration::from_millis(999);
        assert_eq!(lease_end(now, Duration::from_secs(60)).unwrap(), NOW + 60);
        assert_eq!(lease_end(now, Duration::from_millis(1)).unwrap(), NOW + 1);
        assert_eq!(
            lease_end(at(-1) + Duration::from_millis(500), Duration::ZERO).unwrap(),
            -1
        );
        assert_eq!(unix_seconds(at(-1) + Duration::from_millis(500)), -1);
        assert_eq!(
            unix_seconds(at(NOW) + Duration::from_nanos(999_999_999)),
            NOW
        );
        assert!(lease_end(now, Duration::from_secs(u64::MAX)).is_err());
        assert!(lease_end(at(MAX_SECONDS), Duration::from_secs(1)).is_err());
    }
}
