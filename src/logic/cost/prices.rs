//! The prices cost estimates use: ddb-ferry's own list prices (`assets/prices.json`) and, over
//! them, a person's own file of the same format. A prices file is read from wherever a person
//! points, so it is checked like a plan: every refusal names the field, and no value can make
//! an estimate absurd (a negative price, a price in cents, a region that cannot exist).

use std::collections::BTreeMap;

use serde::Serialize;
use serde_json::{Map, Value};

use crate::logic::names;

/// The prices shipped with ddb-ferry, with their date and sources.
pub const BUILTIN: &str = include_str!("../../../assets/prices.json");

/// The highest price accepted per GB or GB-month: far above any AWS list price, low enough to
/// catch a price written in cents.
const MAX_PRICE: f64 = 100.0;

/// Longest label, date or URL accepted: they are printed on every cost line.
const MAX_TEXT_CHARS: usize = 300;

/// The top-level fields of a prices file.
const TOP_FIELDS: [&str; 6] = ["about", "currency", "label", "as_of", "sources", "regions"];

/// What a price is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Charge {
    /// Export to S3, per GB of the table.
    Export,
    /// Import from S3, per GB of uncompressed data.
    Import,
    /// Point-in-time recovery, per GB-month of the table while it is on.
    Pitr,
    /// S3 Standard storage, per GB-month.
    S3Standard,
    /// A backup kept (DynamoDB's own or AWS Backup's warm storage), per GB-month.
    BackupStorage,
    /// Restoring a table from a backup or a point in time, per GB restored.
    Restore,
}

impl Charge {
    pub const ALL: [Charge; 6] = [
        Charge::Export,
        Charge::Import,
        Charge::Pitr,
        Charge::S3Standard,
        Charge::BackupStorage,
        Charge::Restore,
    ];

    /// The field of a region's entry in a prices file.
    pub fn field(self) -> &'static str {
        match self {
            Charge::Export => "export_per_gb",
            Charge::Import => "import_per_gb",
            Charge::Pitr => "pitr_per_gb_month",
            Charge::S3Standard => "s3_standard_per_gb_month",
            Charge::BackupStorage => "backup_per_gb_month",
            Charge::Restore => "restore_per_gb",
        }
    }

    /// Billed every month while the thing exists, rather than once.
    pub fn monthly(self) -> bool {
        matches!(
            self,
            Charge::Pitr | Charge::S3Standard | Charge::BackupStorage
        )
    }

    /// The unit of the price, as a cost line says it.
    pub fn unit(self) -> &'static str {
        if self.monthly() {
            "per GB-month"
        } else {
            "per GB"
        }
    }

    /// Which `sources` entry of a prices file names the page of this price.
    fn service(self) -> &'static str {
        match self {
            Charge::S3Standard => "s3",
            _ => "dynamodb",
        }
    }
}

/// One price, with where it comes from, so that every estimate can say it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Price {
    /// Per GB (2^30 bytes), or per GB-month for monthly charges.
    pub amount: f64,
    /// ISO 4217 code; "USD" unless a person's file says otherwise.
    pub currency: String,
    /// How a cost line names the price: "list price", or what a person's file calls it.
    pub label: String,
    /// When the price was read off its source ("2026-11").
    #[serde(skip_serializing_if = "Option::is_none")]
    pub as_of: Option<String>,
    /// The page the price comes from.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub source: Option<String>,
}

/// Prices by region and charge. A region or charge without a figure has no entry: its
/// estimate says "unknown" rather than borrowing another region's price.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Prices {
    by_region: BTreeMap<String, BTreeMap<Charge, Price>>,
}

/// A prices file that cannot be used, naming the field.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{}", self.describe())]
pub struct PriceError {
    /// The field's path (`regions.us-east-1.export_per_gb`); empty for the whole file.
    pub field: String,
    pub message: String,
}

impl PriceError {
    fn describe(&self) -> String {
        if self.field.is_empty() {
            self.message.clone()
        } else {
            format!("field `{}`: {}", self.field, self.message)
        }
    }
}

fn fail(field: impl Into<String>, message: impl Into<String>) -> PriceError {
    PriceError {
        field: field.into(),
        message: message.into(),
    }
}

impl Prices {
    /// ddb-ferry's own prices. The file is part of the program and a test parses it, so an
    /// error cannot happen; were it to, estimates would say "unknown" rather than stop a run.
    pub fn builtin() -> Prices {
        Prices::parse(BUILTIN).unwrap_or_default()
    }

    /// The built-in prices with `overrides` on top: a price the overrides give replaces the
    /// built-in one of the same region and charge; everything else is kept.
    pub fn overridden_by(mut self, overrides: Prices) -> Prices {
        for (region, charges) in overrides.by_region {
            self.by_region.entry(region).or_default().extend(charges);
        }
        self
    }

    /// The price of `charge` in `region`, if there is a figure for it.
    pub fn get(&self, region: &str, charge: Charge) -> Option<&Price> {
        self.by_region.get(region)?.get(&charge)
    }

    /// The regions with at least one price.
    pub fn regions(&self) -> impl Iterator<Item = &str> {
        self.by_region.keys().map(String::as_str)
    }

    /// Reads a prices file (JSON; `//` and `/* */` comments allowed).
    pub fn parse(text: &str) -> Result<Prices, PriceError> {
        let stripped = json_comments::StripComments::new(text.as_bytes());
        let doc: Value = serde_json::from_reader(stripped)
            .map_err(|e| fail("", format!("not valid JSON: {e}")))?;
        let Value::Object(top) = doc else {
            return Err(fail(
                "",
                "a prices file is a JSON object with a `regions` object (see assets/prices.json)",
            ));
        };
        if let Some(unknown) = top.keys().find(|k| !TOP_FIELDS.contains(&k.as_str())) {
            return Err(fail(
                shown(unknown),
                format!("unknown field; the fields are {}", TOP_FIELDS.join(", ")),
            ));
        }
        if let Some(about) = top.get("about") {
            if !about.is_string() {
                return Err(fail("about", "must be text"));
            }
        }
        let currency = match top.get("currency") {
            None => "USD".to_owned(),
            Some(v) => currency(v)?,
        };
        let label = match top.get("label") {
            None => "your price".to_owned(),
            Some(v) => text_field("label", v, |t| !t.is_empty(), "must not be empty")?,
        };
        let as_of = top
            .get("as_of")
            .map(|v| {
                text_field(
                    "as_of",
                    v,
                    is_date,
                    "must be a month or a day, like 2026-11 or 2026-11-23",
                )
            })
            .transpose()?;
        let sources = match top.get("sources") {
            None => Map::new(),
            Some(v) => sources(v)?,
        };
        let Some(regions) = top.get("regions") else {
            return Err(fail(
                "regions",
                "missing: give the prices by region, like {\"us-east-1\": {\"export_per_gb\": 0.10}}",
            ));
        };
        let Value::Object(regions) = regions else {
            return Err(fail("regions", "must be an object keyed by region"));
        };
        let mut prices = Prices::default();
        for (region, entry) in regions {
            let at = format!("regions.{}", shown(region));
            names::region(&at, region).map_err(|e| fail(at.clone(), e.rule))?;
            let Value::Object(entry) = entry else {
                return Err(fail(at, "must be an object of prices"));
            };
            let mut charges = BTreeMap::new();
            for (field, value) in entry {
                let Some(charge) = Charge::ALL.into_iter().find(|c| c.field() == field) else {
                    let known: Vec<&str> = Charge::ALL.iter().map(|c| c.field()).collect();
                    return Err(fail(
                        format!("{at}.{}", shown(field)),
                        format!("unknown field; the prices are {}", known.join(", ")),
                    ));
                };
                let amount = amount(&format!("{at}.{field}"), value, charge)?;
                let source = sources
                    .get(charge.service())
                    .and_then(Value::as_str)
                    .map(str::to_owned);
                charges.insert(
                    charge,
                    Price {
                        amount,
                        currency: currency.clone(),
                        label: label.clone(),
                        as_of: as_of.clone(),
                        source,
                    },
                );
            }
            prices.by_region.insert(region.clone(), charges);
        }
        Ok(prices)
    }
}

/// A key of the file quoted back in a field path: short, and with control characters escaped.
fn shown(key: &str) -> String {
    let cut: String = key.chars().take(40).collect();
    cut.escape_debug().to_string()
}

fn currency(v: &Value) -> Result<String, PriceError> {
    text_field(
        "currency",
        v,
        |t| t.len() == 3 && t.chars().all(|c| c.is_ascii_uppercase()),
        "must be a three-letter currency code, like USD",
    )
}

/// A text field that is printed on cost lines: short, no control characters, and `valid`.
fn text_field(
    field: &str,
    v: &Value,
    valid: impl Fn(&str) -> bool,
    rule: &str,
) -> Result<String, PriceError> {
    let Some(t) = v.as_str() else {
        return Err(fail(field, format!("must be text ({rule})")));
    };
    if t.chars().count() > MAX_TEXT_CHARS || t.chars().any(char::is_control) {
        return Err(fail(
            field,
            format!("must be at most {MAX_TEXT_CHARS} characters, without control characters"),
        ));
    }
    if !valid(t) {
        return Err(fail(field, rule));
    }
    Ok(t.to_owned())
}

fn is_date(t: &str) -> bool {
    let digits = |s: &str, n: usize| s.len() == n && s.chars().all(|c| c.is_ascii_digit());
    let parts: Vec<&str> = t.split('-').collect();
    match parts.as_slice() {
        [y, m] => digits(y, 4) && digits(m, 2),
        [y, m, d] => digits(y, 4) && digits(m, 2) && digits(d, 2),
        _ => false,
    }
}

fn sources(v: &Value) -> Result<Map<String, Value>, PriceError> {
    let Value::Object(map) = v else {
        return Err(fail(
            "sources",
            "must be an object: {\"dynamodb\": URL, \"s3\": URL}",
        ));
    };
    for (key, url) in map {
        let field = format!("sources.{}", shown(key));
        if key != "dynamodb" && key != "s3" {
            return Err(fail(field, "unknown field; the sources are dynamodb, s3"));
        }
        text_field(
            &field,
            url,
            |t| (t.starts_with("https://") || t.starts_with("http://")) && !t.contains(' '),
            "must be a web address (https://…)",
        )?;
    }
    Ok(map.clone())
}

fn amount(field: &str, v: &Value, charge: Charge) -> Result<f64, PriceError> {
    let rule = format!(
        "must be a number of the currency {} (0 to {MAX_PRICE})",
        charge.unit()
    );
    match v.as_f64() {
        Some(x) if x.is_finite() && (0.0..=MAX_PRICE).contains(&x) => Ok(x),
        Some(_) => Err(fail(field, rule)),
        None => Err(fail(field, format!("{rule}, not {}", kind_of(v)))),
    }
}

fn kind_of(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "true or false",
        Value::Number(_) => "that number",
        Value::String(_) => "text",
        Value::Array(_) => "a list",
        Value::Object(_) => "an object",
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn the_builtin_prices_parse_and_carry_their_date_and_source() {
        let prices = Prices::parse(BUILTIN).expect("assets/prices.json parses");
        assert_eq!(prices, Prices::builtin());
        let export = prices.get("us-east-1", Charge::Export).unwrap();
        assert_eq!(export.amount, 0.10);
        assert_eq!(export.currency, "USD");
        assert_eq!(export.label, "list price");
        assert_eq!(export.as_of.as_deref(), Some("2026-11"));
        assert!(export
            .source
            .as_deref()
            .unwrap()
            .starts_with("https://aws.amazon.com/dynamodb/pricing"));
        let s3 = prices.get("us-east-1", Charge::S3Standard).unwrap();
        assert_eq!(s3.amount, 0.023);
        assert!(s3.source.as_deref().unwrap().contains("/s3/pricing"));
        assert_eq!(
            prices.get("us-east-1", Charge::Import).unwrap().amount,
            0.15
        );
        assert_eq!(prices.get("us-east-1", Charge::Pitr).unwrap().amount, 0.20);
        assert!(prices.get("ap-south-1", Charge::Export).is_none());
    }

    #[test]
    fn a_persons_file_overrides_and_extends_field_by_field() {
        let mine = Prices::parse(
            r#"{
                // our negotiated price
                "label": "price of our contract", "as_of": "2026-10-01",
                "regions": {
                    "us-east-1": {"import_per_gb": 0.12},
                    "eu-west-1": {"export_per_gb": 0.11, "s3_standard_per_gb_month": 0.024}
                }
            }"#,
        )
        .unwrap();
        let prices = Prices::builtin().overridden_by(mine);
        let import = prices.get("us-east-1", Charge::Import).unwrap();
        assert_eq!(import.amount, 0.12);
        assert_eq!(import.label, "price of our contract");
        assert_eq!(import.source, None);
        assert_eq!(import.currency, "USD");
        let export = prices.get("us-east-1", Charge::Export).unwrap();
        assert_eq!(export.label, "list price", "the built-in price is kept");
        assert_eq!(
            prices.get("eu-west-1", Charge::Export).unwrap().amount,
            0.11
        );
        assert!(prices.get("eu-west-1", Charge::Import).is_none());
        assert!(prices.regions().any(|r| r == "eu-west-1"));
    }

    #[test]
    fn refusals_name_the_field() {
        let cases = [
            ("[]", ""),
            ("{", ""),
            (r#"{"regions": {}, "colour": 1}"#, "colour"),
            (r#"{"currency": "dollars", "regions": {}}"#, "currency"),
            (r#"{"as_of": "last year", "regions": {}}"#, "as_of"),
            (r#"{"label": "", "regions": {}}"#, "label"),
            (r#"{"label": "a\u0007b", "regions": {}}"#, "label"),
            (
                r#"{"sources": {"s3": "not a url"}, "regions": {}}"#,
                "sources.s3",
            ),
            (
                r#"{"sources": {"ec2": "https://x"}, "regions": {}}"#,
                "sources.ec2",
            ),
            (r#"{}"#, "regions"),
            (r#"{"regions": []}"#, "regions"),
            (r#"{"regions": {"Virginia": {}}}"#, "regions.Virginia"),
            (r#"{"regions": {"us-east-1": 1}}"#, "regions.us-east-1"),
            (
                r#"{"regions": {"us-east-1": {"exprot_per_gb": 1}}}"#,
                "regions.us-east-1.exprot_per_gb",
            ),
            (
                r#"{"regions": {"us-east-1": {"export_per_gb": "0.10"}}}"#,
                "regions.us-east-1.export_per_gb",
            ),
            (
                r#"{"regions": {"us-east-1": {"import_per_gb": -1}}}"#,
                "regions.us-east-1.import_per_gb",
            ),
            (
                r#"{"regions": {"us-east-1": {"pitr_per_gb_month": 1000}}}"#,
                "regions.us-east-1.pitr_per_gb_month",
            ),
        ];
        for (text, field) in cases {
            match Prices::parse(text) {
                Err(e) => {
                    assert_eq!(e.field, field, "{text}: {e}");
                    if !field.is_empty() {
                        assert!(e.to_string().contains(&format!("`{field}`")), "{e}");
                    }
                }
                Ok(_) => assert!(field.is_empty(), "{text} was accepted"),
            }
        }
        let e = Prices::parse(r#"{"regions": {"us-east-1": {"export_per_gb": "x"}}}"#).unwrap_err();
        assert!(e.message.contains("not text"), "{e}");
    }

    fn any_json() -> impl Strategy<Value = Value> {
        let leaf = prop_oneof![
            Just(Value::Null),
            any::<bool>().prop_map(Value::Bool),
            any::<i64>().prop_map(|n| serde_json::json!(n)),
            any::<f64>().prop_map(|n| serde_json::json!(n)),
            "\\PC{0,20}".prop_map(Value::String),
            Just(serde_json::json!("us-east-1")),
            Just(serde_json::json!("https://aws.amazon.com/s3/pricing/")),
        ];
        leaf.prop_recursive(4, 32, 5, |inner| {
            prop_oneof![
                prop::collection::vec(inner.clone(), 0..4).prop_map(Value::Array),
                prop::collection::btree_map(
                    prop_oneof![
                        Just("regions".to_owned()),
                        Just("us-east-1".to_owned()),
                        Just("export_per_gb".to_owned()),
                        Just("s3_standard_per_gb_month".to_owned()),
                        Just("sources".to_owned()),
                        Just("s3".to_owned()),
                        Just("label".to_owned()),
                        Just("as_of".to_owned()),
                        Just("currency".to_owned()),
                        "\\PC{0,10}",
                    ],
                    inner,
                    0..5
                )
                .prop_map(|m| Value::Object(m.into_iter().collect())),
            ]
        })
    }

    proptest! {
        /// Any JSON document: prices or a refusal, never a panic; and accepted prices are
        /// always usable (finite, in range, in a region-shaped key).
        #[test]
        fn any_json_never_panics(doc in any_json()) {
            if let Ok(prices) = Prices::parse(&doc.to_string()) {
                for region in prices.regions() {
                    prop_assert!(names::region("r", region).is_ok());
                    for charge in Charge::ALL {
                        if let Some(p) = prices.get(region, charge) {
                            prop_assert!(p.amount.is_finite() && (0.0..=MAX_PRICE).contains(&p.amount));
                        }
                    }
                }
            }
        }

        /// Any text at all: never a panic.
        #[test]
        fn any_text_never_panics(text in "\\PC{0,200}") {
            let _ = Prices::parse(&text);
        }

        /// Any value in place of one price: accepted, or refused naming that price.
        #[test]
        fn a_bad_price_is_refused_by_name(value in any_json()) {
            let doc = serde_json::json!({"regions": {"us-west-2": {"import_per_gb": value}}});
            if let Err(e) = Prices::parse(&doc.to_string()) {
                prop_assert_eq!(e.field, "regions.us-west-2.import_per_gb");
            }
        }
    }
}
