//! The real default plugins, loaded by the real runtime: tax figures and receipt layout.

mod common;
