//! The wait a server asks for before the next attempt: OpenAI's
//! `retry-after-ms`, else `Retry-After` as delay-seconds or as an HTTP-date.
//!
//! HTTP-dates are parsed here rather than through a crate: the grammar is
//! three fixed layouts (RFC 9110 §5.6.7), and the only arithmetic is days
//! since 1970 from a civil date. A recipient must accept all three layouts:
//! IMF-fixdate (`Sun, 06 Nov 1994 08:49:37 GMT`), the obsolete RFC 850 form
//! (`Sunday, 06-Nov-94 08:49:37 GMT`) and C's asctime form
//! (`Sun Nov  6 08:49:37 1994`).
//!
//! Every form of the wait is treated alike: it replaces the client's own
//! backoff, a date in the past means "now", and the aspect's deadline is
//! what bounds a long one (a sample whose server asks it to wait past the
//! deadline is timed out rather than retried early into another 429).

use std::time::{Duration, SystemTime, UNIX_EPOCH};

/// The wait the server asks for, if it names one that can be read.
/// `header` looks a response header up by its lowercase name (its value,
/// when it is text); `now` is the local clock, against which a date is
/// measured.
pub fn retry_after<'a>(
    header: impl Fn(&str) -> Option<&'a str>,
    now: SystemTime,
) -> Option<Duration> {
    let header = |name: &str| header(name).map(str::trim);
    let seconds = |text: &str| {
        text.parse::<f64>()
            .ok()
            .filter(|v| v.is_finite() && *v >= 0.0)
    };
    if let Some(ms) = header("retry-after-ms").and_then(seconds) {
        return Duration::try_from_secs_f64(ms / 1000.0).ok();
    }
    let value = header("retry-after")?;
    if let Some(s) = seconds(value) {
        return Duration::try_from_secs_f64(s).ok();
    }
    let at = Duration::from_secs(http_date(value, year_of(now))?);
    Some(at.saturating_sub(now.duration_since(UNIX_EPOCH).ok()?))
}

/// Seconds since 1970 of an HTTP-date in any of its three layouts; `None`
/// for anything else, or a date before 1970. `this_year` places the
/// two-digit years of the RFC 850 form.
fn http_date(text: &str, this_year: i64) -> Option<u64> {
    let parts: Vec<&str> = text.split_ascii_whitespace().collect();
    let (day, month, year, time) = match parts.as_slice() {
        // IMF-fixdate: `Sun, 06 Nov 1994 08:49:37 GMT`.
        [weekday, day, month, year, time, "GMT"] => {
            weekday_name(weekday.strip_suffix(',')?, false)?;
            (*day, *month, four_digits(year)?, *time)
        }
        // RFC 850: `Sunday, 06-Nov-94 08:49:37 GMT`.
        [weekday, date, time, "GMT"] => {
            weekday_name(weekday.strip_suffix(',')?, true)?;
            let mut date = date.split('-');
            let (day, month, yy) = (date.next()?, date.next()?, date.next()?);
            if date.next().is_some() {
                return None;
            }
            let yy = i64::try_from(digits(yy, 2..=2)?).ok()?;
            (day, month, two_digit_year(yy, this_year), *time)
        }
        // asctime: `Sun Nov  6 08:49:37 1994`.
        [weekday, month, day, time, year] => {
            weekday_name(weekday, false)?;
            (*day, *month, four_digits(year)?, *time)
        }
        _ => return None,
    };
    let month = month_number(month)?;
    let day = u32::try_from(digits(day, 1..=2)?).ok()?;
    if day == 0 || day > days_in_month(year, month) {
        return None;
    }
    let mut clock = time.split(':');
    let mut field = |max: u64| digits(clock.next()?, 2..=2).filter(|v| *v <= max);
    // RFC 9110 allows a leap second (60).
    let (h, m, s) = (field(23)?, field(59)?, field(60)?);
    if clock.next().is_some() {
        return None;
    }
    let days = u64::try_from(days_since_epoch(year, month, day)).ok()?;
    Some(days * 86_400 + h * 3600 + m * 60 + s)
}

/// A number written with only ASCII digits, as many as `len` allows.
fn digits(text: &str, len: std::ops::RangeInclusive<usize>) -> Option<u64> {
    (len.contains(&text.len()) && text.bytes().all(|b| b.is_ascii_digit()))
        .then(|| text.parse().ok())
        .flatten()
}

fn four_digits(text: &str) -> Option<i64> {
    i64::try_from(digits(text, 4..=4)?).ok()
}

/// RFC 9110: a two-digit year that would be more than 50 years in the
/// future is the most recent past year with those digits.
fn two_digit_year(yy: i64, this_year: i64) -> i64 {
    let year = this_year - this_year.rem_euclid(100) + yy;
    if year > this_year + 50 {
        year - 100
    } else {
        year
    }
}

fn weekday_name(name: &str, long: bool) -> Option<()> {
    const SHORT: [&str; 7] = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"];
    const LONG: [&str; 7] = [
        "Monday",
        "Tuesday",
        "Wednesday",
        "Thursday",
        "Friday",
        "Saturday",
        "Sunday",
    ];
    let names: &[&str] = if long { &LONG } else { &SHORT };
    names.contains(&name).then_some(())
}

fn month_number(name: &str) -> Option<u32> {
    const MONTHS: [&str; 12] = [
        "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
    ];
    MONTHS.iter().position(|m| *m == name).map(|i| i as u32 + 1)
}

fn is_leap(year: i64) -> bool {
    year % 4 == 0 && (year % 100 != 0 || year % 400 == 0)
}

fn days_in_month(year: i64, month: u32) -> u32 {
    match month {
        2 if is_leap(year) => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

/// Days from 1970-01-01 to a date of the proleptic Gregorian calendar:
/// whole years as 365 days plus the leap days before the year, then the
/// days of the months before the month.
fn days_since_epoch(year: i64, month: u32, day: u32) -> i64 {
    let leap_days_before = |y: i64| {
        let y = y - 1;
        y.div_euclid(4) - y.div_euclid(100) + y.div_euclid(400)
    };
    let mut days = (year - 1970) * 365 + leap_days_before(year) - leap_days_before(1970);
    for m in 1..month {
        days += i64::from(days_in_month(year, m));
    }
    days + i64::from(day) - 1
}

/// The calendar year of `now` (UTC), for two-digit years.
fn year_of(now: SystemTime) -> i64 {
    let days = now
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| (d.as_secs() / 86_400) as i64);
    let mut year = 1970 + days / 366;
    while days_since_epoch(year + 1, 1, 1) <= days {
        year += 1;
    }
    year
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// 1994-11-06T08:49:37Z, the RFC's example.
    const EXAMPLE: u64 = 784_111_777;

    /// [`retry_after`] of a response with these headers.
    fn wait(pairs: &[(&str, &str)], now: SystemTime) -> Option<Duration> {
        retry_after(
            |name| pairs.iter().find(|(k, _)| *k == name).map(|(_, v)| *v),
            now,
        )
    }

    fn at(secs: u64) -> SystemTime {
        UNIX_EPOCH + Duration::from_secs(secs)
    }

    #[test]
    fn milliseconds_win_over_seconds() {
        let now = SystemTime::now();
        assert_eq!(wait(&[], now), None);
        let h: &[(&str, &str)] = &[("retry-after", "2")];
        assert_eq!(wait(h, now), Some(Duration::from_secs(2)));
        let h: &[(&str, &str)] = &[("retry-after", "2"), ("retry-after-ms", "250")];
        assert_eq!(wait(h, now), Some(Duration::from_millis(250)));
        for bad in ["-1", "soon", "NaN", ""] {
            assert_eq!(wait(&[("retry-after", bad)], now), None);
        }
    }

    #[test]
    fn the_three_date_layouts_are_read() {
        for text in [
            "Sun, 06 Nov 1994 08:49:37 GMT",
            "Sunday, 06-Nov-94 08:49:37 GMT",
            "Sun Nov  6 08:49:37 1994",
        ] {
            assert_eq!(http_date(text, 2025), Some(EXAMPLE), "{text}");
        }
        assert_eq!(
            http_date("Wed, 21 Oct 2015 07:28:00 GMT", 2025),
            Some(1_445_412_480)
        );
        assert_eq!(http_date("Thu, 01 Jan 1970 00:00:00 GMT", 2025), Some(0));
        assert_eq!(
            http_date("Tue, 29 Feb 2028 23:59:60 GMT", 2025),
            Some(1_835_481_600)
        );
    }

    #[test]
    fn malformed_dates_are_not_read() {
        for text in [
            "Sun, 06 Nov 1994 08:49:37 UTC",
            "Sun 06 Nov 1994 08:49:37 GMT",
            "Sun, 31 Nov 1994 08:49:37 GMT",
            "Sun, 29 Feb 2023 08:49:37 GMT",
            "Sun, 06 Nov 1994 24:00:00 GMT",
            "Sun, 06 Nov 1994 8:49:37 GMT",
            "Sun, 06 Nov 94 08:49:37 GMT",
            "Sun, 06 Nov 1969 08:49:37 GMT",
            "Funday, 06-Nov-94 08:49:37 GMT",
            "Sun, 06 Nov 1994 08:49 GMT",
            "2015-10-21T07:28:00Z",
        ] {
            assert_eq!(http_date(text, 2025), None, "{text}");
        }
    }

    #[test]
    fn two_digit_years_stay_within_fifty_years_ahead() {
        assert_eq!(two_digit_year(94, 2025), 1994);
        assert_eq!(two_digit_year(30, 2025), 2030);
        assert_eq!(two_digit_year(75, 2025), 2075);
        assert_eq!(two_digit_year(76, 2025), 1976);
    }

    #[test]
    fn a_date_is_a_wait_from_now_and_the_past_is_now() {
        let h: &[(&str, &str)] = &[("retry-after", "Wed, 21 Oct 2015 07:28:00 GMT")];
        let date = 1_445_412_480;
        assert_eq!(wait(h, at(date - 90)), Some(Duration::from_secs(90)));
        assert_eq!(wait(h, at(date + 5)), Some(Duration::ZERO));
        // Seconds still win when the value is a number.
        let h: &[(&str, &str)] = &[("retry-after", "3")];
        assert_eq!(wait(h, at(date)), Some(Duration::from_secs(3)));
    }

    /// Walking the calendar a day at a time from 1970 to 2200 meets every
    /// date at the count `days_since_epoch` gives it.
    #[test]
    fn days_since_epoch_counts_days() {
        let mut days = 0;
        for year in 1970..2200 {
            for month in 1..=12 {
                for day in 1..=days_in_month(year, month) {
                    assert_eq!(days_since_epoch(year, month, day), days);
                    days += 1;
                }
            }
            assert_eq!(year_of(at(days as u64 * 86_400 - 1)), year);
        }
    }

    #[test]
    fn the_year_of_a_time() {
        assert_eq!(year_of(at(0)), 1970);
        assert_eq!(year_of(at(EXAMPLE)), 1994);
        assert_eq!(year_of(at(1_445_412_480)), 2015);
        // The last second of 2016 and the first of 2017.
        assert_eq!(year_of(at(1_483_228_799)), 2016);
        assert_eq!(year_of(at(1_483_228_800)), 2017);
    }

    proptest! {
        #[test]
        fn http_date_never_panics(s in any::<String>(), year in 1970i64..3000) {
            let _ = http_date(&s, year);
        }
    }
}
