//! `fiscal-host plugin new <world> <name>`: a vendor's new plugin crate, made from the SDK's
//! templates (`sdk/templates/`), ready to build for `wasm32-wasip2` and pass `plugin check`.
//!
//! The templates and the SDK are read from this host's source tree (or `--sdk`): the new crate
//! depends on the SDK by path, so it builds offline against exactly the contract this host
//! loads. Placeholders: `{{name}}` (kebab-case), `{{crate}}` (snake_case), `{{sdk_path}}`.

use std::path::{Path, PathBuf};

/// The SDK in this host's source tree.
pub fn default_sdk() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../sdk/fiscal-host-guest")
}

#[derive(Debug, thiserror::Error)]
pub enum ScaffoldError {
    #[error(
        "no template for the world {0}; there are tax-calculator, receipt-layout and \
         device-driver (a receipt-printer; see its README for a fiscal register or terminal)"
    )]
    UnknownWorld(String),
    #[error(
        "{0:?} is not a crate name: use lower-case letters, digits and dashes, e.g. acme-printer"
    )]
    BadName(String),
    #[error("{0} already exists and is not empty")]
    Exists(PathBuf),
    #[error("the SDK is not at {0} (give its folder with --sdk)")]
    NoSdk(PathBuf),
    #[error("{path}: {source}")]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
}

/// The template folder for a world as a vendor names it.
fn template(world: &str) -> Result<&'static str, ScaffoldError> {
    match world {
        "tax-calculator" | "tax" => Ok("tax-calculator"),
        "receipt-layout" | "layout" => Ok("receipt-layout"),
        "device-driver" | "receipt-printer" | "driver" => Ok("device-driver"),
        other => Err(ScaffoldError::UnknownWorld(other.to_owned())),
    }
}

/// Makes the crate `name` of `world` in `dest` from the templates beside `sdk`.
pub fn new_plugin(world: &str, name: &str, dest: &Path, sdk: &Path) -> Result<(), ScaffoldError> {
    let template = template(world)?;
    let valid = name.starts_with(|c: char| c.is_ascii_lowercase())
        && !name.ends_with('-')
        && name
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-');
    if !valid {
        return Err(ScaffoldError::BadName(name.to_owned()));
    }
    let sdk = sdk
        .canonicalize()
        .map_err(|_| ScaffoldError::NoSdk(sdk.to_owned()))?;
    let source = sdk.join("../templates").join(template);
    if !source.is_dir() {
        return Err(ScaffoldError::NoSdk(sdk));
    }
    if dest.exists() && dest.read_dir().map_err(io(dest))?.next().is_some() {
        return Err(ScaffoldError::Exists(dest.to_owned()));
    }
    let fill = |text: &str| {
        text.replace("{{name}}", name)
            .replace("{{crate}}", &name.replace('-', "_"))
            .replace("{{sdk_path}}", &sdk.to_string_lossy())
    };
    copy_filled(&source, dest, &fill)
}

/// The error of an I/O failure on `path`, for `map_err`.
fn io(path: &Path) -> impl FnOnce(std::io::Error) -> ScaffoldError {
    let path = path.to_owned();
    move |source| ScaffoldError::Io { path, source }
}

fn copy_filled(from: &Path, to: &Path, fill: &dyn Fn(&str) -> String) -> Result<(), ScaffoldError> {
    std::fs::create_dir_all(to).map_err(io(to))?;
    for entry in std::fs::read_dir(from).map_err(io(from))? {
        let entry = entry.map_err(io(from))?;
        let path = entry.path();
        let target = to.join(entry.file_name());
        if path.is_dir() {
            // A template rendered and built in place leaves a target dir; it is not template.
            if entry.file_name() != "target" {
                copy_filled(&path, &target, fill)?;
            }
        } else {
            let text = std::fs::read_to_string(&path).map_err(io(&path))?;
            std::fs::write(&target, fill(&text)).map_err(io(&target))?;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_placeholder_is_filled_and_a_bad_name_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        for world in ["tax-calculator", "receipt-layout", "device-driver"] {
            let dest = dir.path().join(world);
            new_plugin(world, "acme-thing", &dest, &default_sdk()).unwrap();
            let manifest = std::fs::read_to_string(dest.join("Cargo.toml")).unwrap();
            assert!(manifest.contains("name = \"acme-thing\""), "{manifest}");
            assert!(!manifest.contains("{{"), "{manifest}");
        }
        let err = new_plugin("tax", "Acme", &dir.path().join("x"), &default_sdk()).unwrap_err();
        assert!(matches!(err, ScaffoldError::BadName(_)), "{err}");
        let err = new_plugin(
            "tax",
            "acme",
            &dir.path().join("tax-calculator"),
            &default_sdk(),
        )
        .unwrap_err();
        assert!(matches!(err, ScaffoldError::Exists(_)), "{err}");
        let err = new_plugin(
            "printer-of-dreams",
            "acme",
            &dir.path().join("y"),
            &default_sdk(),
        )
        .unwrap_err();
        assert!(matches!(err, ScaffoldError::UnknownWorld(_)), "{err}");
    }
}
