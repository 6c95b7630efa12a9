//! `loadgen`: the command line over `loadgen::run`.

use std::process::ExitCode;

use clap::Parser;
use loadgen::Options;

fn main() -> ExitCode {
    let opts = Options::parse();
    let json = opts.json.clone();
    let result = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(anyhow::Error::from)
        .and_then(|runtime| runtime.block_on(loadgen::run(opts)))
        .and_then(|report| loadgen::emit(&report, json.as_deref()));
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            // The chain of causes on one line; a backtrace (RUST_BACKTRACE) would only show
            // loadgen's own frames, never the host's.
            eprintln!("loadgen: {e:#}");
            ExitCode::FAILURE
        }
    }
}
