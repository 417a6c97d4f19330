use super::*;

#[test]
fn rate_limits_are_read_as_burst_per_minute_or_off() {
    assert_eq!(parse_rate_limit("20/30").unwrap(), Some(RateLimit { burst: 20, per_minute: 30 }));
    assert_eq!(parse_rate_limit("off").unwrap(), None);
}

#[test]
fn malformed_rate_limits_are_refused_with_a_reason() {
    for (text, reason) in [
        ("20", "BURST/PER_MINUTE"),
        ("x/30", "BURST is not a number"),
        ("20/-1", "PER_MINUTE is not a number"),
        ("0/30", "at least 1"),
        ("99999999999/1", "BURST is not a number"),
        ("", "BURST/PER_MINUTE"),
    ] {
        let error = format!("{:#}", parse_rate_limit(text).unwrap_err());
        assert!(error.contains(reason), "{text:?}: {error}");
    }
}

#[test]
fn the_cap_per_address_is_a_positive_number_or_off() {
    assert_eq!(parse_cap("--tier-cap-per-address", "10").unwrap(), Some(10));
    assert_eq!(parse_cap("--tier-cap-per-address", "off").unwrap(), None);
    for bad in ["0", "-1", "ten", ""] {
        let error = format!("{:#}", parse_cap("--unpaid-cap-per-address", bad).unwrap_err());
        assert!(error.starts_with("--unpaid-cap-per-address:"), "{bad}: {error}");
    }
}

#[test]
fn the_unpaid_share_of_a_tier_is_a_percentage_or_off() {
    #[derive(clap::Parser)]
    struct Serve {
        #[command(flatten)]
        args: ServeArgs,
    }
    let parse = |argv: &[&str]| <Serve as clap::Parser>::try_parse_from(argv).unwrap().args.settings();
    let settings = |share: &str| parse(&["serve", &format!("--unpaid-share-of-tier={share}")]);
    assert_eq!(settings("50").unwrap().unpaid_share_of_tier, Some(50));
    assert_eq!(settings("100").unwrap().unpaid_share_of_tier, Some(100));
    assert_eq!(settings("off").unwrap().unpaid_share_of_tier, None);
    for bad in ["0", "101", "-5", "half", "", "99999999999"] {
        let error = format!("{:#}", settings(bad).unwrap_err());
        assert!(error.contains("percentage from 1 to 100"), "{bad}: {error}");
    }
    let defaults = parse(&["serve"]).unwrap();
    assert_eq!((defaults.unpaid_cap_per_address, defaults.unpaid_share_of_tier), (Some(3), Some(50)));
}

#[test]
fn a_file_stands_for_the_flags_it_names() {
    let text = r#"
        listen = "0.0.0.0:8080"
        rate_limit = "5/10"
        demo = true
        open-signup = false
        pledge-batch = 64
        trusted-proxy = ["10.0.0.0/8", "127.0.0.1"]
    "#;
    let mut got: Vec<String> = flags(text).unwrap().into_iter().map(|f| f.into_string().unwrap()).collect();
    got.sort();
    assert_eq!(
        got,
        [
            "--demo",
            "--listen=0.0.0.0:8080",
            "--pledge-batch=64",
            "--rate-limit=5/10",
            "--trusted-proxy=10.0.0.0/8",
            "--trusted-proxy=127.0.0.1"
        ]
    );
}

#[test]
fn a_file_with_sections_odd_values_or_hostile_keys_is_refused_with_a_reason() {
    for (text, reason) in [
        ("[server]\nlisten = \"x\"", "table values are not taken"),
        ("listen = 1.5", "float values are not taken"),
        ("config = \"other.toml\"", "is not a setting"),
        ("\"--listen\" = \"x\"", "is not a setting"),
        ("\"LISTEN\" = \"x\"", "is not a setting"),
        ("listen = ", "not valid TOML"),
    ] {
        let error = format!("{:#}", flags(text).unwrap_err());
        assert!(error.contains(reason), "{text:?}: {error}");
    }
}

fn write(name: &str, text: &[u8]) -> PathBuf {
    let path = std::env::temp_dir().join(format!("tf-config-{}-{name}", std::process::id()));
    std::fs::write(&path, text).unwrap();
    path
}

#[test]
fn the_command_line_wins_over_the_file_which_is_placed_after_the_subcommand() {
    let file = write("order.toml", b"listen = \"0.0.0.0:1\"\nrate-limit = \"1/1\"\n");
    let argv: Vec<OsString> =
        ["tribefund", "serve", "--config", file.to_str().unwrap(), "--listen", "127.0.0.1:2"]
            .map(Into::into)
            .into();
    let merged = with_file(argv, 2).unwrap();
    std::fs::remove_file(&file).unwrap();
    let merged: Vec<String> = merged.into_iter().map(|a| a.into_string().unwrap()).collect();
    assert_eq!(&merged[..2], ["tribefund", "serve"]);
    assert_eq!(merged.last().unwrap(), "127.0.0.1:2", "the real command line comes last");
    assert!(merged.contains(&"--rate-limit=1/1".to_owned()));
}

#[test]
fn a_missing_oversized_or_binary_file_is_refused_naming_it() {
    let big = write("big.toml", &vec![b'#'; 70 * 1024]);
    let binary = write("binary.toml", &[0xff, 0xfe, 0x00]);
    for (path, reason) in [
        (PathBuf::from("/nonexistent/tribefund.toml"), "cannot read it"),
        (big.clone(), "at most"),
        (binary.clone(), "UTF-8"),
    ] {
        let argv: Vec<OsString> =
            vec!["tribefund".into(), "serve".into(), "--config".into(), path.clone().into()];
        let error = format!("{:#}", with_file(argv, 2).unwrap_err());
        assert!(error.contains(reason) && error.contains(path.to_str().unwrap()), "{error}");
    }
    std::fs::remove_file(big).unwrap();
    std::fs::remove_file(binary).unwrap();
    let error = with_file(vec!["tribefund".into(), "serve".into(), "--config".into()], 2).unwrap_err();
    assert!(error.to_string().contains("needs a file"));
}

#[test]
fn secrets_and_database_passwords_are_redacted_in_what_is_printed() {
    assert_eq!(redact_password("postgres://tf:hunter2@db:5432/tf"), "postgres://tf:redacted@db:5432/tf");
    assert_eq!(redact_password("sqlite://data/tribefund.db"), "sqlite://data/tribefund.db");
}
