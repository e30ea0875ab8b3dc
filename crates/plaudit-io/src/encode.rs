//! Text forms of values JSON has no type for: dates, times, timestamps,
//! UUIDs and non-UTF-8 bytes.
//!
//! Written here rather than pulled from chrono and base64 because each is a
//! few lines and the workspace keeps its dependency list short.

/// The unit of a time or timestamp value.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Unit {
    Millis,
    Micros,
    Nanos,
}

impl Unit {
    fn per_second(self) -> i64 {
        match self {
            Unit::Millis => 1_000,
            Unit::Micros => 1_000_000,
            Unit::Nanos => 1_000_000_000,
        }
    }

    fn digits(self) -> usize {
        match self {
            Unit::Millis => 3,
            Unit::Micros => 6,
            Unit::Nanos => 9,
        }
    }
}

/// Days since 1970-01-01 as `YYYY-MM-DD`.
pub(crate) fn date(days: i64) -> String {
    let (y, m, d) = civil_from_days(days);
    format!("{y:04}-{m:02}-{d:02}")
}

/// Time since midnight as `HH:MM:SS.fff` with as many fraction digits as the
/// unit has.
pub(crate) fn time_of_day(value: i64, unit: Unit) -> String {
    let per_second = unit.per_second();
    let (seconds, fraction) = (value.div_euclid(per_second), value.rem_euclid(per_second));
    let (h, m, s) = (seconds / 3600, seconds / 60 % 60, seconds % 60);
    format!(
        "{h:02}:{m:02}:{s:02}.{fraction:0width$}",
        width = unit.digits()
    )
}

/// Time since the Unix epoch as RFC 3339 (`2024-03-01T12:34:56.789Z`), with a
/// `Z` only when the value is adjusted to UTC: a naive timestamp stays naive.
pub(crate) fn timestamp(value: i64, unit: Unit, utc: bool) -> String {
    let per_second = unit.per_second();
    let (seconds, fraction) = (value.div_euclid(per_second), value.rem_euclid(per_second));
    let (days, second_of_day) = (seconds.div_euclid(86_400), seconds.rem_euclid(86_400));
    let clock = time_of_day(second_of_day * per_second + fraction, unit);
    let zone = if utc { "Z" } else { "" };
    format!("{}T{clock}{zone}", date(days))
}

/// Howard Hinnant's `civil_from_days`: the proleptic Gregorian date of a day
/// number, exact over the whole `i64` range a Parquet timestamp can reach.
fn civil_from_days(days: i64) -> (i64, i64, i64) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let day_of_era = z.rem_euclid(146_097);
    let year_of_era =
        (day_of_era - day_of_era / 1460 + day_of_era / 36_524 - day_of_era / 146_096) / 365;
    let day_of_year = day_of_era - (365 * year_of_era + year_of_era / 4 - year_of_era / 100);
    let shifted_month = (5 * day_of_year + 2) / 153;
    let day = day_of_year - (153 * shifted_month + 2) / 5 + 1;
    let month = if shifted_month < 10 {
        shifted_month + 3
    } else {
        shifted_month - 9
    };
    let year = year_of_era + era * 400 + i64::from(month <= 2);
    (year, month, day)
}

/// Sixteen bytes as a hyphenated lowercase UUID.
pub(crate) fn uuid(bytes: &[u8; 16]) -> String {
    let mut out = String::with_capacity(36);
    for (i, byte) in bytes.iter().enumerate() {
        if matches!(i, 4 | 6 | 8 | 10) {
            out.push('-');
        }
        out.push_str(&format!("{byte:02x}"));
    }
    out
}

/// Standard base64 (RFC 4648 §4) with padding.
pub(crate) fn base64(bytes: &[u8]) -> String {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::with_capacity(bytes.len().div_ceil(3) * 4);
    for chunk in bytes.chunks(3) {
        let b = [
            chunk[0],
            *chunk.get(1).unwrap_or(&0),
            *chunk.get(2).unwrap_or(&0),
        ];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        for (i, shift) in [18, 12, 6, 0].into_iter().enumerate() {
            if i <= chunk.len() {
                out.push(char::from(ALPHABET[((n >> shift) & 63) as usize]));
            } else {
                out.push('=');
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base64_matches_rfc_4648_vectors() {
        let vectors = [
            ("", ""),
            ("f", "Zg=="),
            ("fo", "Zm8="),
            ("foo", "Zm9v"),
            ("foob", "Zm9vYg=="),
            ("fooba", "Zm9vYmE="),
            ("foobar", "Zm9vYmFy"),
        ];
        for (input, expected) in vectors {
            assert_eq!(base64(input.as_bytes()), expected, "{input:?}");
        }
        assert_eq!(base64(&[0xff, 0x00, 0x01]), "/wAB");
        assert_eq!(base64(&[0xfb, 0xff]), "+/8=");
    }

    #[test]
    fn dates_around_epochs_and_leap_days() {
        assert_eq!(date(0), "1970-01-01");
        assert_eq!(date(-1), "1969-12-31");
        assert_eq!(date(11_016), "2000-02-29");
        assert_eq!(date(19_783), "2024-03-01");
        assert_eq!(date(-25_567), "1900-01-01");
        assert_eq!(date(2_932_896), "9999-12-31");
    }

    #[test]
    fn timestamps_keep_their_unit_and_zone() {
        assert_eq!(
            timestamp(1_709_296_496_789, Unit::Millis, true),
            "2024-03-01T12:34:56.789Z"
        );
        assert_eq!(
            timestamp(1_709_296_496_789_012, Unit::Micros, false),
            "2024-03-01T12:34:56.789012"
        );
        assert_eq!(
            timestamp(-1, Unit::Nanos, true),
            "1969-12-31T23:59:59.999999999Z"
        );
        assert_eq!(
            timestamp(i64::MIN, Unit::Nanos, true),
            "1677-09-21T00:12:43.145224192Z"
        );
        assert_eq!(
            timestamp(i64::MAX, Unit::Nanos, true),
            "2262-04-11T23:47:16.854775807Z"
        );
    }

    #[test]
    fn times_of_day() {
        assert_eq!(time_of_day(45_296_789, Unit::Millis), "12:34:56.789");
        assert_eq!(time_of_day(86_399_999_999, Unit::Micros), "23:59:59.999999");
        assert_eq!(time_of_day(0, Unit::Nanos), "00:00:00.000000000");
    }

    #[test]
    fn uuid_is_hyphenated_lowercase() {
        let bytes = [
            0x12, 0x3e, 0x45, 0x67, 0xe8, 0x9b, 0x12, 0xd3, 0xa4, 0x56, 0x42, 0x66, 0x14, 0x17,
            0x40, 0x00,
        ];
        assert_eq!(uuid(&bytes), "123e4567-e89b-12d3-a456-426614174000");
    }
}
