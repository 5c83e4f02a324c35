use server::{
    cli::{self, Command},
    config::Config,
    Application,
};
use std::process::ExitCode;
use tracing_subscriber::EnvFilter;

// A page render makes many small allocations (Leptos' reactive graph, the
// HTML): with glibc's malloc they were a quarter to a third of the CPU of
// /profile and /login in a profile. mimalloc made pages and /api/me about
// 20 % faster on the bench machine.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[tokio::main]
async fn main() -> ExitCode {
    let filter = || EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info"));
    // Logs go to stderr: stdout is what the operator commands print.
    match server::config::log_json() {
        Ok(true) => tracing_subscriber::fmt()
            .json()
            .with_env_filter(filter())
            .with_writer(std::io::stderr)
            .init(),
        // A bad LOG_FORMAT is reported with the rest of the configuration.
        _ => tracing_subscriber::fmt()
            .with_env_filter(filter())
            .with_writer(std::io::stderr)
            .init(),
    }
    let args: Vec<String> = std::env::args().skip(1).collect();
    let command = match Command::parse(&args) {
        Ok(command) => command,
        Err(usage) => {
            eprintln!("{usage}");
            return ExitCode::from(2);
        }
    };
    let config = match Config::from_env() {
        Ok(config) => config,
        Err(err) => {
            eprintln!("gatehouse: configuration error: {err}");
            return ExitCode::FAILURE;
        }
    };
    if command != Command::Serve {
        return cli::run(command, config).await;
    }
    let app = match Application::build(config).await {
        Ok(app) => app,
        Err(err) => {
            eprintln!("gatehouse: could not start: {err:#}");
            return ExitCode::FAILURE;
        }
    };
    match app.local_addr() {
        Ok(addr) => tracing::info!("listening on http://{addr}"),
        Err(err) => tracing::warn!(%err, "could not read the listening address"),
    }
    if let Err(err) = app.run().await {
        eprintln!("gatehouse: server error: {err:#}");
        return ExitCode::FAILURE;
    }
    tracing::info!("stopped");
    ExitCode::SUCCESS
}
