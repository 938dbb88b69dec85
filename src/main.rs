use clap::Parser;
use newsdesk::cli::{Cli, run};

#[tokio::main]
async fn main() {
    let _ = dotenvy::dotenv();
    let cli = Cli::parse();
    if let Err(message) = run(cli).await {
        eprintln!("newsdesk: {message}");
        std::process::exit(1);
    }
}
