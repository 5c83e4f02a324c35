use server::{config::Config, Application};
use std::process::ExitCode;
use tracing_subscriber::EnvFilter;

#[tokio::main]
async fn main() -> ExitCode {
    tracing_subscriber::fmt()
        .with_env_filter(
            EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info")),
        )
        .init();
    let config = match Config::from_env() {
        Ok(config) => config,
        Err(err) => {
            eprintln!("gatehouse: configuration error: {err}");
            return ExitCode::FAILURE;
        }
    };
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
        eprintln!("gatehouse: server error: {err}");
        return ExitCode::FAILURE;
    }
    ExitCode::SUCCESS
}
