//! Checks of names and values a person types, made before any AWS call.
//!
//! AWS rejects a bad bucket or table name only when the call is made — sometimes minutes
//! into a wizard, sometimes (an export prefix) by producing output nobody can find. Each
//! check here says which field is wrong and the rule in plain words, so the person can fix
//! it on the spot.

use time::format_description::well_known::{Iso8601, Rfc3339};
use time::OffsetDateTime;

/// Longest value quoted back in an error.
const VALUE_EXCERPT_CHARS: usize = 64;

/// A value that breaks a naming rule.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{field} {value:?} is not valid: {rule}")]
pub struct NameError {
    /// The field as the person knows it, e.g. "Destination bucket".
    pub field: String,
    /// The value, cut to a readable length.
    pub value: String,
    /// The rule that was broken, in plain words.
    pub rule: String,
}

fn fail(field: &str, value: &str, rule: impl Into<String>) -> NameError {
    let mut excerpt: String = value.chars().take(VALUE_EXCERPT_CHARS).collect();
    if value.chars().nth(VALUE_EXCERPT_CHARS).is_some() {
        excerpt.push('…');
    }
    NameError {
        field: field.to_owned(),
        value: excerpt,
        rule: rule.into(),
    }
}

/// The first character for which `allowed` is false, as a phrase for an error.
fn first_bad_char(s: &str, allowed: impl Fn(char) -> bool) -> Option<String> {
    s.chars()
        .enumerate()
        .find(|(_, c)| !allowed(*c))
        .map(|(i, c)| format!("{c:?} at position {}", i + 1))
}

/// A DynamoDB table name: 3–255 characters of letters, digits, `_`, `.` and `-`.
pub fn table_name(field: &str, s: &str) -> Result<(), NameError> {
    let length = s.chars().count();
    if !(3..=255).contains(&length) {
        return Err(fail(
            field,
            s,
            format!("a table name must be 3 to 255 characters long (this one has {length})"),
        ));
    }
    if let Some(bad) = first_bad_char(s, |c| c.is_ascii_alphanumeric() || "_.-".contains(c)) {
        return Err(fail(
            field,
            s,
            format!(
                "a table name may contain only letters, digits, underscores (_), dots (.) and \
                 hyphens (-); found {bad}"
            ),
        ));
    }
    Ok(())
}

/// An S3 general-purpose bucket name, by the rules S3 enforces at CreateBucket.
pub fn bucket_name(field: &str, s: &str) -> Result<(), NameError> {
    let rule = |text: String| Err(fail(field, s, text));
    let length = s.chars().count();
    if !(3..=63).contains(&length) {
        return rule(format!(
            "a bucket name must be 3 to 63 characters long (this one has {length})"
        ));
    }
    if s.chars().any(|c| c.is_ascii_uppercase()) {
        return rule("a bucket name may not contain uppercase letters; use lowercase".into());
    }
    if let Some(bad) = first_bad_char(s, |c| {
        c.is_ascii_lowercase() || c.is_ascii_digit() || c == '.' || c == '-'
    }) {
        return rule(format!(
            "a bucket name may contain only lowercase letters, digits, dots (.) and hyphens (-); \
             found {bad}"
        ));
    }
    let edge_ok = |c: Option<char>| c.is_some_and(|c| c.is_ascii_alphanumeric());
    if !edge_ok(s.chars().next()) || !edge_ok(s.chars().last()) {
        return rule("a bucket name must begin and end with a letter or digit".into());
    }
    if s.contains("..") {
        return rule("a bucket name may not contain two dots in a row".into());
    }
    if looks_like_ipv4(s) {
        return rule("a bucket name may not look like an IP address (such as 192.168.5.4)".into());
    }
    for prefix in ["xn--", "sthree-", "amzn-s3-demo-"] {
        if s.starts_with(prefix) {
            return rule(format!(
                "bucket names starting with {prefix:?} are reserved by AWS"
            ));
        }
    }
    for suffix in ["-s3alias", "--ol-s3", ".mrap", "--x-s3", "--table-s3"] {
        if s.ends_with(suffix) {
            return rule(format!(
                "bucket names ending with {suffix:?} are reserved by AWS for other kinds of bucket \
                 or access point"
            ));
        }
    }
    Ok(())
}

fn looks_like_ipv4(s: &str) -> bool {
    let parts: Vec<&str> = s.split('.').collect();
    parts.len() == 4
        && parts
            .iter()
            .all(|p| (1..=3).contains(&p.len()) && p.bytes().all(|b| b.is_ascii_digit()))
}

/// An AWS account id: exactly 12 digits.
pub fn account_id(field: &str, s: &str) -> Result<(), NameError> {
    if s.len() == 12 && s.bytes().all(|b| b.is_ascii_digit()) {
        Ok(())
    } else {
        Err(fail(
            field,
            s,
            "an AWS account ID is exactly 12 digits, like 123456789012 (no spaces or dashes)",
        ))
    }
}

/// A KMS key reference: key id, `alias/NAME`, or a key or alias ARN.
///
/// For an export to another account's bucket, a key ARN is what works: an alias or bare
/// id is looked up in the caller's own account.
pub fn kms_key(field: &str, s: &str) -> Result<(), NameError> {
    let ok = if let Some(rest) = s.strip_prefix("arn:") {
        kms_arn(rest)
    } else if let Some(name) = s.strip_prefix("alias/") {
        alias_name(name)
    } else {
        key_id(s)
    };
    if ok {
        Ok(())
    } else {
        Err(fail(
            field,
            s,
            "a KMS key is written as a key ID (1234abcd-12ab-34cd-56ef-1234567890ab or \
             mrk-…), an alias (alias/my-key), or an ARN \
             (arn:aws:kms:REGION:ACCOUNT:key/KEY-ID or …:alias/NAME)",
        ))
    }
}

/// The region in a KMS key ARN (`arn:aws:kms:REGION:ACCOUNT:key/ID`); `None` for ids and
/// aliases, which AWS looks up in the caller's region.
pub fn kms_key_region(key: &str) -> Option<&str> {
    let [_, Some("kms"), Some(region), ..] = arn_fields(key.strip_prefix("arn:")?) else {
        return None;
    };
    (!region.is_empty()).then_some(region)
}

/// The fields of an ARN after its leading `arn:`, as far as they go: partition, service,
/// region, account and resource (the resource keeps any further colons). One splitter, so
/// the key check and the region check read an ARN the same way.
fn arn_fields(rest: &str) -> [Option<&str>; 5] {
    let mut parts = rest.splitn(5, ':');
    std::array::from_fn(|_| parts.next())
}

/// `partition:kms:region:account:key/ID` or `…:alias/NAME` (after the leading `arn:`).
fn kms_arn(rest: &str) -> bool {
    let [Some(partition), Some(service), Some(region), Some(account), Some(resource)] =
        arn_fields(rest)
    else {
        return false;
    };
    let partition_ok = partition == "aws"
        || partition.strip_prefix("aws-").is_some_and(|p| {
            !p.is_empty() && p.bytes().all(|b| b.is_ascii_lowercase() || b == b'-')
        });
    let region_ok = !region.is_empty()
        && region
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-');
    let account_ok = account.len() == 12 && account.bytes().all(|b| b.is_ascii_digit());
    let resource_ok = if let Some(id) = resource.strip_prefix("key/") {
        key_id(id)
    } else if let Some(name) = resource.strip_prefix("alias/") {
        alias_name(name)
    } else {
        false
    };
    partition_ok && service == "kms" && region_ok && account_ok && resource_ok
}

/// A key id: a UUID, or `mrk-` and 32 hex digits for a multi-Region key.
fn key_id(s: &str) -> bool {
    if let Some(hex) = s.strip_prefix("mrk-") {
        return hex.len() == 32 && hex.bytes().all(|b| b.is_ascii_hexdigit());
    }
    let groups: Vec<&str> = s.split('-').collect();
    groups.len() == 5
        && groups
            .iter()
            .zip([8, 4, 4, 4, 12])
            .all(|(g, len)| g.len() == len && g.bytes().all(|b| b.is_ascii_hexdigit()))
}

/// An alias name after `alias/`: letters, digits, `/`, `_`, `-`; at most 250 characters.
fn alias_name(name: &str) -> bool {
    (1..=250).contains(&name.len())
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"/_-".contains(&b))
}

/// An export prefix inside the bucket (may be empty).
///
/// Rejected: more than 1024 bytes (S3's key limit); a leading `/` or a `//`, because the
/// export appends `/AWSDynamoDB/...` and the result has empty path segments that the S3
/// console and most tools cannot browse; `*` and `?`, which the bucket policy would read as
/// wildcards and so grant more than the prefix; control characters.
pub fn s3_prefix(field: &str, s: &str) -> Result<(), NameError> {
    let rule = |text: &str| Err(fail(field, s, text));
    if s.len() > 1024 {
        return rule("a prefix can be at most 1024 bytes long");
    }
    if s.starts_with('/') {
        return rule(
            "a prefix may not start with \"/\": S3 keys have no leading slash, and the export \
             would create a folder with an empty name; leave the slash out",
        );
    }
    if s.contains("//") {
        return rule(
            "a prefix may not contain \"//\": the export would create folders with empty names \
             that the S3 console cannot show; use single slashes",
        );
    }
    if s.contains(['*', '?']) {
        return rule(
            "a prefix may not contain \"*\" or \"?\": the bucket policy would read them as \
             wildcards and grant access beyond the prefix",
        );
    }
    if s.chars().any(char::is_control) {
        return rule("a prefix may not contain control characters such as tabs or newlines");
    }
    Ok(())
}

/// An AWS CLI profile name as it appears in `[profile NAME]`.
pub fn profile_name(field: &str, s: &str) -> Result<(), NameError> {
    if s.is_empty() {
        return Err(fail(field, s, "a profile name may not be empty"));
    }
    if let Some(bad) = first_bad_char(s, |c| !c.is_whitespace() && c != '[' && c != ']') {
        return Err(fail(
            field,
            s,
            format!(
                "a profile name may not contain spaces or square brackets, because the AWS \
                 config file could not name it; found {bad}"
            ),
        ));
    }
    Ok(())
}

/// A point in time with a time zone, in ISO 8601 (e.g. `2024-05-01T13:45:00Z`).
pub fn iso8601(field: &str, s: &str) -> Result<OffsetDateTime, NameError> {
    let text = s.trim();
    OffsetDateTime::parse(text, &Rfc3339)
        .or_else(|_| OffsetDateTime::parse(text, &Iso8601::PARSING))
        .map_err(|_| {
            fail(
                field,
                s,
                "write a date and time with a time zone, like 2024-05-01T13:45:00Z or \
                 2024-05-01T15:45:00+02:00",
            )
        })
}

/// An AWS region name such as `us-east-1` or `eu-central-2`.
pub fn region(field: &str, s: &str) -> Result<(), NameError> {
    let parts: Vec<&str> = s.split('-').collect();
    let shaped = parts.len() >= 3
        && parts.iter().all(|p| {
            !p.is_empty()
                && p.chars()
                    .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit())
        })
        && parts
            .last()
            .is_some_and(|p| p.chars().all(|c| c.is_ascii_digit()));
    if !shaped {
        return Err(fail(
            field,
            s,
            "a region looks like us-east-1 or eu-west-2 (lowercase, words joined by hyphens, ending in a number)",
        ));
    }
    Ok(())
}

/// An endpoint URL (`--endpoint-url`, a local emulator or a VPC endpoint): `http://` or
/// `https://`, a host, an optional port and path.
pub fn endpoint_url(field: &str, s: &str) -> Result<(), NameError> {
    let rule = "an endpoint URL looks like https://dynamodb.eu-west-1.amazonaws.com or http://127.0.0.1:4566 (scheme, host, optional port)";
    let Some(rest) = s
        .strip_prefix("https://")
        .or_else(|| s.strip_prefix("http://"))
    else {
        return Err(fail(field, s, rule));
    };
    let authority = rest.split('/').next().unwrap_or_default();
    // An IPv6 host is bracketed: [::1]:4566.
    let split_at = if authority.starts_with('[') {
        authority
            .find(']')
            .map(|i| i + 1)
            .unwrap_or(authority.len())
    } else {
        authority.find(':').unwrap_or(authority.len())
    };
    let (host, tail) = authority.split_at(split_at);
    let port = match tail {
        "" => None,
        t => Some(t.strip_prefix(':').unwrap_or("not a port")),
    };
    let host_ok = !host.is_empty()
        && host
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || ".-_[]:".contains(c));
    let port_ok = port.is_none_or(|p| !p.is_empty() && p.parse::<u16>().is_ok());
    if host_ok && port_ok && !s.chars().any(|c| c.is_whitespace() || c.is_control()) {
        Ok(())
    } else {
        Err(fail(field, s, rule))
    }
}

/// A key attribute name: 1 to 255 bytes (DynamoDB's limit for key attributes).
pub fn attribute_name(field: &str, s: &str) -> Result<(), NameError> {
    if s.is_empty() || s.len() > 255 {
        return Err(fail(
            field,
            s,
            format!(
                "a key attribute name must be 1 to 255 bytes long (this one has {})",
                s.len()
            ),
        ));
    }
    Ok(())
}

/// A secondary index name: the same rule as a table name.
pub fn index_name(field: &str, s: &str) -> Result<(), NameError> {
    table_name(field, s).map_err(|mut e| {
        e.rule = e.rule.replace("a table name", "an index name");
        e
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn rule_of(result: Result<(), NameError>) -> String {
        result.expect_err("should be rejected").rule
    }

    #[test]
    fn endpoint_urls() {
        for good in [
            "http://127.0.0.1:4566",
            "https://dynamodb.eu-west-1.amazonaws.com",
            "http://localhost:8000/",
            "http://[::1]:4566",
            "http://[::1]/",
        ] {
            assert!(endpoint_url("--endpoint-url", good).is_ok(), "{good}");
        }
        for bad in [
            "",
            "not a url",
            "127.0.0.1:4566",
            "ftp://host",
            "http://",
            "http://host:port",
            "http://host:99999",
            "http://ho st",
            "http://[::1]x",
        ] {
            assert!(endpoint_url("--endpoint-url", bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn regions_attributes_and_indexes() {
        assert!(region("r", "us-east-1").is_ok());
        assert!(region("r", "eu-central-2").is_ok());
        assert!(region("r", "US-EAST-1").is_err());
        assert!(region("r", "useast1").is_err());
        assert!(attribute_name("k", "").is_err());
        assert!(attribute_name("k", "PK").is_ok());
        assert!(index_name("i", "by status")
            .unwrap_err()
            .rule
            .contains("an index name"));
    }

    #[test]
    fn table_names() {
        for good in ["abc", "Orders_2024.v1-copy", &"a".repeat(255)] {
            assert!(table_name("Table", good).is_ok(), "{good}");
        }
        assert!(rule_of(table_name("Table", "ab")).contains("3 to 255"));
        assert!(rule_of(table_name("Table", &"a".repeat(256))).contains("256"));
        assert!(rule_of(table_name("Table", "my table")).contains("' ' at position 3"));
        assert!(table_name("Table", "tåble").is_err());
    }

    #[test]
    fn bucket_names() {
        for good in ["abc", "my-bucket.2024", "a1b", "0ab"] {
            assert!(bucket_name("Bucket", good).is_ok(), "{good}");
        }
        let cases = [
            ("ab", "3 to 63"),
            ("My-bucket", "uppercase"),
            ("my_bucket", "'_' at position 3"),
            ("-bucket", "begin and end"),
            ("bucket.", "begin and end"),
            ("my..bucket", "two dots"),
            ("192.168.5.4", "IP address"),
            ("xn--bucket", "\"xn--\""),
            ("sthree-bucket", "reserved"),
            ("amzn-s3-demo-bucket", "reserved"),
            ("bucket-s3alias", "\"-s3alias\""),
            ("bucket--ol-s3", "reserved"),
            ("bucket.mrap", "reserved"),
            ("bucket--x-s3", "reserved"),
            ("bucket--table-s3", "reserved"),
        ];
        for (name, fragment) in cases {
            let rule = rule_of(bucket_name("Bucket", name));
            assert!(rule.contains(fragment), "{name}: {rule}");
        }
        assert!(bucket_name("Bucket", &"a".repeat(64)).is_err());
        assert!(bucket_name("Bucket", "1.2.3.4.5").is_ok());
    }

    #[test]
    fn account_ids() {
        assert!(account_id("Owner", "123456789012").is_ok());
        for bad in [
            "",
            "12345678901",
            "1234567890123",
            "1234-5678-9012",
            "12345678901a",
            "١٢٣٤٥٦٧٨٩٠١٢",
        ] {
            assert!(account_id("Owner", bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn kms_keys() {
        for good in [
            "1234abcd-12ab-34cd-56ef-1234567890ab",
            "mrk-1234abcd12ab34cd56ef1234567890ab",
            "alias/my-key",
            "alias/aws/s3",
            "arn:aws:kms:us-east-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab",
            "arn:aws-us-gov:kms:us-gov-west-1:111122223333:key/mrk-1234abcd12ab34cd56ef1234567890ab",
            "arn:aws-cn:kms:cn-north-1:111122223333:alias/ExampleAlias",
        ] {
            assert!(kms_key("Key", good).is_ok(), "{good}");
        }
        for bad in [
            "",
            "alias/",
            "alias/has space",
            "1234abcd-12ab-34cd-56ef-1234567890a",
            "mrk-123",
            "arn:aws:s3:us-east-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab",
            "arn:aws:kms:us-east-1:1111:key/1234abcd-12ab-34cd-56ef-1234567890ab",
            "arn:aws:kms::111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab",
            "arn:aws:kms:us-east-1:111122223333:key/not-a-uuid",
            "arn:azure:kms:us-east-1:111122223333:alias/x",
            "arn:aws:kms:us-east-1",
        ] {
            assert!(kms_key("Key", bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn kms_key_regions() {
        let arn = "arn:aws:kms:eu-west-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab";
        assert_eq!(kms_key_region(arn), Some("eu-west-1"));
        assert_eq!(kms_key_region("arn:aws:kms:eu-west-1"), Some("eu-west-1"));
        assert_eq!(kms_key_region("arn:aws:kms::111122223333:alias/x"), None);
        assert_eq!(
            kms_key_region("arn:aws:s3:eu-west-1:111122223333:key/x"),
            None
        );
        assert_eq!(kms_key_region("alias/my-key"), None);
        assert_eq!(kms_key_region("1234abcd-12ab-34cd-56ef-1234567890ab"), None);
    }

    #[test]
    fn s3_prefixes() {
        for good in ["", "exports", "exports/2024/orders", "exports/"] {
            assert!(s3_prefix("Prefix", good).is_ok(), "{good}");
        }
        assert!(rule_of(s3_prefix("Prefix", "/exports")).contains("empty name"));
        assert!(rule_of(s3_prefix("Prefix", "a//b")).contains("empty names"));
        assert!(rule_of(s3_prefix("Prefix", "a/*")).contains("wildcards"));
        assert!(rule_of(s3_prefix("Prefix", "a\tb")).contains("control"));
        assert!(rule_of(s3_prefix("Prefix", &"a".repeat(1025))).contains("1024"));
        assert!(s3_prefix("Prefix", &"é".repeat(512)).is_ok());
        assert!(s3_prefix("Prefix", &"é".repeat(513)).is_err());
    }

    #[test]
    fn profile_names() {
        for good in ["default", "prod-admin", "sso.dev_1"] {
            assert!(profile_name("Profile", good).is_ok(), "{good}");
        }
        for bad in ["", "my profile", "a[b", "b]", "tab\there"] {
            assert!(profile_name("Profile", bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn iso8601_times() {
        let t = iso8601("Export time", "2024-05-01T13:45:00Z").unwrap();
        assert_eq!(t.unix_timestamp(), 1714571100);
        let t = iso8601("Export time", " 2024-05-01T15:45:00+02:00 ").unwrap();
        assert_eq!(t.unix_timestamp(), 1714571100);
        assert!(iso8601("Export time", "2024-05-01T13:45:00.123Z").is_ok());
        for bad in [
            "",
            "yesterday",
            "2024-05-01",
            "2024-05-01T13:45:00",
            "2024-13-01T00:00:00Z",
        ] {
            let err = iso8601("Export time", bad).unwrap_err();
            assert!(err.to_string().contains("Export time"), "{bad}");
        }
    }

    #[test]
    fn message_quotes_field_value_and_rule() {
        let err = bucket_name("Destination bucket", "My_Bucket").unwrap_err();
        assert_eq!(
            err.to_string(),
            "Destination bucket \"My_Bucket\" is not valid: a bucket name may not contain \
             uppercase letters; use lowercase"
        );
        let long = table_name("Table", &"x y".repeat(100)).unwrap_err();
        assert!(long.value.chars().count() <= VALUE_EXCERPT_CHARS + 1);
    }

    type Check = fn(&str, &str) -> Result<(), NameError>;

    proptest! {
        #[test]
        fn never_panic_and_errors_name_the_field(field in "[A-Za-z][A-Za-z ]{0,20}", s in "\\PC{0,80}") {
            let checks: [Check; 10] = [
                table_name,
                bucket_name,
                account_id,
                kms_key,
                s3_prefix,
                profile_name,
                region,
                attribute_name,
                index_name,
                endpoint_url,
            ];
            for check in checks {
                if let Err(e) = check(&field, &s) {
                    prop_assert!(e.to_string().contains(&field));
                    prop_assert_eq!(&e.field, &field);
                    prop_assert!(!e.rule.is_empty());
                }
            }
            if let Err(e) = iso8601(&field, &s) {
                prop_assert!(e.to_string().contains(&field));
            }
        }

        #[test]
        fn ascii_soup_never_panics(s in "[a-z0-9.:/\\-A-Z_ ]{0,70}") {
            let _ = bucket_name("B", &s);
            let _ = kms_key("K", &s);
            let _ = iso8601("T", &s);
            let _ = endpoint_url("E", &s);
            let _ = region("R", &s);
        }

        #[test]
        fn urls_with_odd_parts_never_panic(
            scheme in "(http|https|ftp|)(://)?",
            host in "[a-z0-9.\\[\\]:-]{0,20}",
            port in "(:[0-9a-z]{0,7})?",
            path in "(/[a-z ]{0,5}){0,2}",
        ) {
            let url = format!("{scheme}{host}{port}{path}");
            if let Err(e) = endpoint_url("--endpoint-url", &url) {
                prop_assert!(e.to_string().contains("--endpoint-url"));
            }
        }
    }
}
