//! The default plugins, built by `build.rs` and embedded in the binary.

/// Russia, 54-FZ: rates 22/20/10/7/5/0 %, без НДС and the computed rates.
pub const TAX_RU: &[u8] = include_bytes!(concat!(env!("OUT_DIR"), "/tax_ru.wasm"));
/// Kazakhstan and Uzbekistan.
pub const TAX_KZ_UZ: &[u8] = include_bytes!(concat!(env!("OUT_DIR"), "/tax_kz_uz.wasm"));
/// The default receipt layout for 32, 42 and 48 character paper.
pub const RECEIPT_DEFAULT: &[u8] =
    include_bytes!(concat!(env!("OUT_DIR"), "/receipt_default.wasm"));

/// The Shtrih-M fiscal register driver.
pub const DRIVER_SHTRIH_M: &[u8] = include_bytes!(concat!(env!("OUT_DIR"), "/shtrih_m.wasm"));
/// The ESC/POS receipt printer driver.
pub const DRIVER_ESCPOS: &[u8] = include_bytes!(concat!(env!("OUT_DIR"), "/escpos.wasm"));
/// The ZVT card terminal driver.
pub const DRIVER_ZVT: &[u8] = include_bytes!(concat!(env!("OUT_DIR"), "/zvt_driver.wasm"));

/// A built-in driver's bytes by the name the configuration uses.
pub fn builtin_driver(name: &str) -> Option<&'static [u8]> {
    match name {
        "shtrih-m" => Some(DRIVER_SHTRIH_M),
        "escpos" => Some(DRIVER_ESCPOS),
        "zvt" => Some(DRIVER_ZVT),
        _ => None,
    }
}

/// Where the build put a guest component that is not embedded (test plugins, the template).
pub fn guest_path(file: &str) -> std::path::PathBuf {
    std::path::Path::new(env!("OUT_DIR")).join(file)
}

/// A built-in plugin's bytes by the name the configuration uses.
pub fn builtin(name: &str) -> Option<&'static [u8]> {
    match name {
        "tax-ru" => Some(TAX_RU),
        "tax-kz-uz" => Some(TAX_KZ_UZ),
        "receipt-default" => Some(RECEIPT_DEFAULT),
        _ => None,
    }
}
