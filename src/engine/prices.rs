//! The prices in effect for a run: ddb-ferry's own, with a person's file over them. The file
//! is read here rather than in `logic` (which reads no disk), once per process, and capped in
//! size because it may be anything a person points at.

use std::io::Read;
use std::path::{Path, PathBuf};

use crate::logic::cost::{PriceError, Prices};

/// The environment variable naming a prices file, for when `--prices` is not given.
pub const PRICES_ENV: &str = "DDB_FERRY_PRICES";

/// A prices file is a few hundred bytes; anything far larger is not one.
const MAX_PRICES_FILE_BYTES: u64 = 1024 * 1024;

/// A prices file that could not be used.
#[derive(Debug, thiserror::Error)]
pub enum PricesFileError {
    #[error("cannot read the prices file {path}{from}: {source}")]
    Read {
        path: String,
        from: &'static str,
        source: std::io::Error,
    },
    #[error("the prices file {path}{from} is not valid: {error}")]
    Invalid {
        path: String,
        from: &'static str,
        error: PriceError,
    },
}

/// The prices in effect: the built-in ones with `file` over them; without `file`, with the
/// file `DDB_FERRY_PRICES` names; with neither, the built-in ones alone.
pub fn load_prices(file: Option<&Path>) -> Result<Prices, PricesFileError> {
    let (path, from) = match file {
        Some(p) => (p.to_path_buf(), ""),
        None => match std::env::var_os(PRICES_ENV).filter(|v| !v.is_empty()) {
            Some(p) => (PathBuf::from(p), " (named by DDB_FERRY_PRICES)"),
            None => return Ok(Prices::builtin()),
        },
    };
    let mine = read_prices_file(&path, from)?;
    Ok(Prices::builtin().overridden_by(mine))
}

fn read_prices_file(path: &Path, from: &'static str) -> Result<Prices, PricesFileError> {
    let shown = path.display().to_string();
    let read_error = |source| PricesFileError::Read {
        path: shown.clone(),
        from,
        source,
    };
    let mut text = String::new();
    std::fs::File::open(path)
        .and_then(|f| f.take(MAX_PRICES_FILE_BYTES + 1).read_to_string(&mut text))
        .map_err(read_error)?;
    if text.len() as u64 > MAX_PRICES_FILE_BYTES {
        return Err(read_error(std::io::Error::other(
            "it is larger than 1 MiB, which no prices file is",
        )));
    }
    Prices::parse(&text).map_err(|error| PricesFileError::Invalid {
        path: shown.clone(),
        from,
        error,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::logic::cost::Charge;

    #[test]
    fn a_file_overrides_the_builtin_prices_and_its_errors_name_file_and_field() {
        let dir = tempfile::tempdir().unwrap();
        let good = dir.path().join("prices.json");
        std::fs::write(
            &good,
            r#"{"regions": {"eu-west-1": {"export_per_gb": 0.11}}}"#,
        )
        .unwrap();
        let prices = load_prices(Some(&good)).unwrap();
        assert_eq!(
            prices.get("eu-west-1", Charge::Export).unwrap().amount,
            0.11
        );
        assert_eq!(
            prices.get("us-east-1", Charge::Export).unwrap().amount,
            0.10
        );

        let bad = dir.path().join("bad.json");
        std::fs::write(&bad, r#"{"regions": {"eu-west-1": {"export_per_gb": -1}}}"#).unwrap();
        let e = load_prices(Some(&bad)).unwrap_err().to_string();
        assert!(e.contains("bad.json"), "{e}");
        assert!(e.contains("`regions.eu-west-1.export_per_gb`"), "{e}");

        let e = load_prices(Some(&dir.path().join("missing.json")))
            .unwrap_err()
            .to_string();
        assert!(e.starts_with("cannot read the prices file"), "{e}");

        let big = dir.path().join("big.json");
        std::fs::write(&big, vec![b' '; MAX_PRICES_FILE_BYTES as usize + 10]).unwrap();
        let e = load_prices(Some(&big)).unwrap_err().to_string();
        assert!(e.contains("larger than 1 MiB"), "{e}");
    }
}
