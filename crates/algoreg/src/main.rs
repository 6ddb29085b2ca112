//! `algoreg`: the algorithm register. Every command that touches the store takes `--data DIR`.

use algoreg::cli;

#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

use clap::Parser;
use std::process::ExitCode;

fn main() -> ExitCode {
    let args = cli::Cli::parse();
    if !args.is_server() {
        // Like other Unix tools: `algoreg org list | head` ends quietly when the reader closes the pipe.
        // SAFETY: setting a signal disposition to its default before any thread starts.
        #[cfg(unix)]
        unsafe {
            libc::signal(libc::SIGPIPE, libc::SIG_DFL);
        }
    }
    let logs = tracing_subscriber::fmt().with_writer(std::io::stderr).with_env_filter(
        tracing_subscriber::EnvFilter::try_from_env("ALGOREG_LOG")
            .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("warn,algoreg=info")),
    );
    // ALGOREG_LOG_FORMAT=json: one JSON object per line, for log collectors.
    if std::env::var("ALGOREG_LOG_FORMAT").is_ok_and(|f| f.eq_ignore_ascii_case("json")) {
        logs.event_format(algoreg::logs::JsonLines).init();
    } else {
        logs.init();
    }
    let rt = match tokio::runtime::Builder::new_multi_thread().enable_all().build() {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("error: cannot start the runtime: {e}");
            return ExitCode::from(1);
        }
    };
    match rt.block_on(cli::run(args)) {
        Ok(code) => code,
        Err(e) => {
            eprintln!("error: {}", cli::said(&e));
            ExitCode::from(1)
        }
    }
}
