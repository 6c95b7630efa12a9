use super::*;

fn table(
    pairs: &'static [(&'static str, &'static str)],
) -> Settings<impl Fn(&str) -> Option<String>> {
    Settings::new(move |key: &str| {
        pairs
            .iter()
            .find(|(k, _)| *k == key)
            .map(|(_, v)| v.to_string())
    })
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Framing {
    Tcp,
    Serial,
}

const FRAMINGS: &[(&str, Framing)] = &[("tcp", Framing::Tcp), ("serial", Framing::Serial)];

#[test]
fn an_absent_key_is_none_for_every_reader() {
    let s = table(&[]);
    assert_eq!(s.text("k"), None);
    assert_eq!(s.get::<u32>("k"), Ok(None));
    assert_eq!(s.int::<u32>("k", 0..=9), Ok(None));
    assert_eq!(s.millis("k", 1..=9), Ok(None));
    assert_eq!(s.flag("k"), Ok(None));
    assert_eq!(s.choice("k", FRAMINGS), Ok(None));
}

#[test]
fn good_values_are_read_trimmed() {
    let s = table(&[
        ("password", " 30 "),
        ("timeout-ms", "2500"),
        ("status-check", "No"),
        ("cut", "ON"),
        ("framing", "Serial"),
        ("model", "  TM-T20 "),
        ("offset", "-5"),
    ]);
    assert_eq!(s.int("password", 0..=u32::MAX), Ok(Some(30)));
    assert_eq!(
        s.millis("timeout-ms", 100..=600_000),
        Ok(Some(Duration::from_millis(2500)))
    );
    assert_eq!(s.flag("status-check"), Ok(Some(false)));
    assert_eq!(s.flag("cut"), Ok(Some(true)));
    assert_eq!(s.choice("framing", FRAMINGS), Ok(Some(Framing::Serial)));
    assert_eq!(
        s.text("model").as_deref(),
        Some("  TM-T20 "),
        "text is as written"
    );
    assert_eq!(s.get::<String>("model"), Ok(Some("TM-T20".into())));
    assert_eq!(s.int("offset", -10i32..=10), Ok(Some(-5)));
}

#[test]
fn range_bounds_are_inclusive() {
    let s = table(&[("lo", "16"), ("hi", "96"), ("below", "15"), ("above", "97")]);
    assert_eq!(s.int("lo", 16u32..=96), Ok(Some(16)));
    assert_eq!(s.int("hi", 16u32..=96), Ok(Some(96)));
    assert!(s.int("below", 16u32..=96).is_err());
    assert!(s.int("above", 16u32..=96).is_err());
}

#[test]
fn a_bad_value_is_an_error_naming_key_value_and_expectation() {
    let s = table(&[("paper-width", "abc")]);
    let e = s.int("paper-width", 16u32..=96).unwrap_err();
    assert_eq!(
        e,
        SettingError {
            key: "paper-width".into(),
            value: Some("abc".into()),
            expected: "a whole number from 16 to 96".into(),
        }
    );
    assert_eq!(
        e.to_string(),
        "setting `paper-width` = \"abc\" is not a whole number from 16 to 96"
    );
}

#[test]
fn out_of_range_and_overflowing_numbers_are_errors() {
    let s = table(&[("width", "300"), ("code-page", "99999999999"), ("t", "0")]);
    assert!(s.int("width", 8u32..=255).is_err());
    assert!(s.int("code-page", 0u8..=255).is_err());
    let e = s.millis("t", 1..=60_000).unwrap_err();
    assert_eq!(
        e.expected,
        "a duration in whole milliseconds from 1 to 60000"
    );
}

#[test]
fn a_present_but_empty_value_is_an_error_not_a_default() {
    let s = table(&[("password", "   "), ("flag", "")]);
    assert_eq!(
        s.int("password", 0u32..=999_999)
            .unwrap_err()
            .value
            .as_deref(),
        Some("   ")
    );
    assert!(s.flag("flag").is_err());
    assert!(s.get::<u32>("flag").is_err());
}

#[test]
fn flags_accept_only_the_documented_words() {
    for yes in ["true", "YES", "on", "1"] {
        let s = Settings::new(move |_: &str| Some(yes.to_string()));
        assert_eq!(s.flag("f"), Ok(Some(true)), "{yes}");
    }
    for no in ["false", "No", "OFF", "0"] {
        let s = Settings::new(move |_: &str| Some(no.to_string()));
        assert_eq!(s.flag("f"), Ok(Some(false)), "{no}");
    }
    for bad in ["2", "y", "enabled", "truee"] {
        let s = Settings::new(move |_: &str| Some(bad.to_string()));
        let e = s.flag("f").unwrap_err();
        assert_eq!(e.key, "f");
        assert_eq!(e.value.as_deref(), Some(bad));
    }
}

#[test]
fn a_choice_lists_the_allowed_words() {
    let s = table(&[("framing", "usb")]);
    let e = s.choice("framing", FRAMINGS).unwrap_err();
    assert_eq!(e.expected, "\"tcp\" or \"serial\"");
    let three = [("a", 1), ("b", 2), ("c", 3)];
    let e = s.choice("framing", &three).unwrap_err();
    assert_eq!(e.expected, "\"a\", \"b\" or \"c\"");
}

#[test]
fn from_str_errors_quote_the_type_and_the_reason() {
    let s = table(&[("addr", "10.0.0.300")]);
    let e = s.get::<std::net::Ipv4Addr>("addr").unwrap_err();
    assert!(
        e.expected.starts_with("a valid Ipv4Addr ("),
        "{}",
        e.expected
    );
    assert_eq!(e.value.as_deref(), Some("10.0.0.300"));
}

#[test]
fn parse_with_takes_a_custom_parser() {
    let s = table(&[("password", "000123"), ("bad", "12a")]);
    let six_digits = |v: &str| {
        (v.len() <= 6 && v.bytes().all(|b| b.is_ascii_digit()))
            .then(|| v.parse::<u32>().ok())
            .flatten()
    };
    assert_eq!(
        s.parse_with("password", "at most six digits", six_digits),
        Ok(Some(123))
    );
    let e = s
        .parse_with("bad", "at most six digits", six_digits)
        .unwrap_err();
    assert_eq!(
        e.to_string(),
        "setting `bad` = \"12a\" is not at most six digits"
    );
}

#[test]
fn a_missing_required_key_says_so() {
    let e = SettingError::missing("port", "a whole number from 1 to 65535");
    assert_eq!(
        e.to_string(),
        "setting `port` is not set; it must be a whole number from 1 to 65535"
    );
}

#[test]
fn host_settings_are_absent_outside_wasm() {
    assert_eq!(Settings::host().text("password"), None);
}
