//! Command-line interface: `serve` (default), `migrate`, `seed`, `users create`, `openapi`.

mod related;
mod users;

use clap::{Args, Parser, Subcommand};
use diesel_async::{AsyncConnection, AsyncPgConnection};

use crate::config::Config;
use crate::startup::Application;

#[derive(Debug, Parser)]
#[command(name = "newsdesk", version, about = "A headless news content API")]
pub struct Cli {
    #[command(subcommand)]
    pub command: Option<Command>,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Apply pending migrations, then serve the API (the default).
    Serve(Box<Config>),
    /// Apply pending migrations and exit.
    Migrate(DbArgs),
    /// Create the demo channels, sources, admin, articles and boards where missing;
    /// `--synthetic N` adds N generated articles with a year of view history.
    Seed(Box<SeedArgs>),
    /// Manage staff accounts.
    Users {
        #[command(subcommand)]
        command: UsersCommand,
    },
    /// Print the OpenAPI document.
    Openapi,
    /// Search index maintenance.
    Search {
        #[command(subcommand)]
        command: SearchCommand,
    },
}

#[derive(Debug, Subcommand)]
pub enum SearchCommand {
    /// Rebuild the search vectors and keywords of every article (after a dictionary change),
    /// in batches, with progress output.
    Reindex(ReindexArgs),
    /// Compute the stored 相关新闻 choices of every article that has none (after an upgrade or
    /// a bulk import), several articles at a time.
    Related(related::RelatedArgs),
}

#[derive(Debug, Args)]
pub struct ReindexArgs {
    #[command(flatten)]
    pub db: DbArgs,
    /// Articles per batch (one statement each).
    #[arg(long, default_value_t = 500)]
    pub batch: usize,
    /// Only articles that were never indexed.
    #[arg(long)]
    pub missing: bool,
    /// Extra dictionary, as for `serve`.
    #[arg(long, env = "SEARCH_DICTIONARY")]
    pub search_dictionary: Option<std::path::PathBuf>,
}

#[derive(Debug, Args)]
pub struct DbArgs {
    /// PostgreSQL connection URL.
    #[arg(long, env = "DATABASE_URL")]
    pub database_url: String,
}

#[derive(Debug, Args)]
pub struct SeedArgs {
    #[command(flatten)]
    pub db: DbArgs,
    /// Do nothing when the database already has categories.
    #[arg(long)]
    pub if_empty: bool,
    /// Email of the demo admin account.
    #[arg(
        long,
        env = "NEWSDESK_ADMIN_EMAIL",
        default_value = "admin@example.com"
    )]
    pub admin_email: String,
    /// Password of the demo admin account; a random one is generated (and printed) when empty.
    #[arg(
        long,
        env = "NEWSDESK_ADMIN_PASSWORD",
        default_value = "",
        hide_env_values = true
    )]
    pub admin_password: String,
    /// Where the demo media are stored (`MEDIA_*`, as `serve` reads them).
    #[command(flatten)]
    pub media: crate::config::MediaConfig,
    /// Also add N generated articles (after the demo content), in batches, with a progress bar.
    #[arg(long, value_name = "N", default_value_t = 0)]
    pub synthetic: usize,
    /// With `--synthetic`: leave the 相关新闻 choices to be computed on each article's first
    /// read (or by `search related`) instead of now (for very large synthetic sets).
    #[arg(long)]
    pub no_related: bool,
    /// Time zone of the daily view buckets (for the synthetic view history).
    #[arg(long, env = "NEWSDESK_TIMEZONE", default_value = "Asia/Shanghai")]
    pub timezone: chrono_tz::Tz,
}

#[derive(Debug, Subcommand)]
pub enum UsersCommand {
    /// Create a staff account. The password comes from --password, NEWSDESK_PASSWORD or stdin.
    Create(users::CreateUserArgs),
}

pub async fn connect(url: &str) -> Result<AsyncPgConnection, String> {
    AsyncPgConnection::establish(url)
        .await
        .map_err(|e| format!("cannot connect to the database: {e}"))
}

pub async fn run(cli: Cli) -> Result<(), String> {
    match cli.command {
        None => serve(Config::from_env()?).await,
        Some(Command::Serve(config)) => serve(*config).await,
        Some(Command::Migrate(args)) => {
            let applied = crate::db::run_migrations(&args.database_url).await?;
            println!(
                "applied {} migration(s){}",
                applied.len(),
                if applied.is_empty() { "" } else { ":" }
            );
            for v in applied {
                println!("  {v}");
            }
            Ok(())
        }
        Some(Command::Seed(args)) => seed(*args).await,
        Some(Command::Users {
            command: UsersCommand::Create(args),
        }) => users::create(args).await,
        Some(Command::Search {
            command: SearchCommand::Reindex(args),
        }) => reindex(args).await,
        Some(Command::Search {
            command: SearchCommand::Related(args),
        }) => related::run(args).await,
        Some(Command::Openapi) => {
            print!(
                "{}",
                crate::openapi::to_pretty_json(&crate::openapi::build())?
            );
            Ok(())
        }
    }
}

async fn serve(config: Config) -> Result<(), String> {
    crate::telemetry::init(config.log_format);
    let app = Application::build(config).await?;
    tracing::info!(port = app.port(), "newsdesk listening");
    app.run_until_signal().await.map_err(|e| e.to_string())
}

async fn reindex(args: ReindexArgs) -> Result<(), String> {
    crate::db::run_migrations(&args.db.database_url).await?;
    let mut conn = connect(&args.db.database_url).await?;
    let seg = crate::search::Segmenter::shared(args.search_dictionary.as_deref())?;
    let bar = indicatif::ProgressBar::new(0);
    bar.set_style(
        indicatif::ProgressStyle::with_template(
            "{msg} [{bar:40}] {pos}/{len} ({per_sec}, {eta} left)",
        )
        .map_err(|e| e.to_string())?
        .progress_chars("=> "),
    );
    bar.set_message("reindex");
    let mut progress = |total: Option<u64>, done: u64| {
        if let Some(t) = total {
            bar.set_length(t);
        }
        bar.inc(done);
    };
    let report = crate::models::search_index::reindex(
        &mut conn,
        &seg,
        args.missing,
        args.batch,
        &mut progress,
    )
    .await
    .map_err(|e| format!("reindex failed: {e}"))?;
    bar.finish_and_clear();
    let took = crate::db::vacuum_analyze(&mut conn, crate::db::SEARCH_TABLES).await?;
    println!(
        "reindex: VACUUM (ANALYZE) of {} in {:.1} s",
        crate::db::SEARCH_TABLES.join(", "),
        took.as_secs_f64()
    );
    // Running instances drop what they cached (search results changed behind their back).
    crate::listener::notify_all(&mut conn)
        .await
        .map_err(|e| format!("telling running instances failed: {e}"))?;
    let secs = report.elapsed.as_secs_f64();
    println!(
        "reindexed {} articles in {secs:.1} s ({:.0} articles/s)",
        report.articles,
        report.articles as f64 / secs.max(0.001)
    );
    Ok(())
}

async fn seed(args: SeedArgs) -> Result<(), String> {
    crate::db::run_migrations(&args.db.database_url).await?;
    let mut conn = connect(&args.db.database_url).await?;
    let has_content = crate::models::category::count(&mut conn)
        .await
        .map_err(|e| e.to_string())?
        > 0;
    if args.if_empty && has_content {
        println!("seed: the database already has categories; the demo content is not added again");
    } else {
        let report = crate::seed::run(&mut conn).await?;
        println!(
            "seed: created {} categories and {} sources",
            report.categories_created, report.sources_created
        );
        if report.site_created {
            println!("seed: created the site settings");
        }
        users::ensure_admin(&mut conn, &args.admin_email, &args.admin_password).await?;
        let demo = crate::seed::articles::run(&mut conn, Some(&args.admin_email)).await?;
        println!(
            "seed: created {} articles, {} authors and {} staff users of the demo content",
            demo.articles_created, demo.authors_created, demo.users_created
        );
        let boards = crate::seed::boards::run(&mut conn).await?;
        println!("seed: created {boards} ranking boards");
        args.media.validate()?;
        let store = crate::media::Media::new(&args.media)?;
        let assets = crate::seed::media::run(&mut conn, &store, Some(&args.admin_email)).await?;
        println!("seed: stored {assets} demo media assets (covers, a video, an audio)");
    }
    if args.synthetic > 0 {
        let s =
            crate::seed::synthetic::run(&mut conn, args.synthetic, Some(&args.admin_email), true)
                .await?;
        let today = chrono::Utc::now()
            .with_timezone(&args.timezone)
            .date_naive();
        let rows = crate::models::views::synthesize_history(&mut conn, today)
            .await
            .map_err(|e| e.to_string())?;
        println!("seed: wrote {rows} articles' view history (a year of daily buckets)");
        let seg = crate::search::Segmenter::shared(None)?;
        let mut noop = |_: Option<u64>, _: u64| {};
        let indexed = crate::models::search_index::reindex(&mut conn, &seg, true, 500, &mut noop)
            .await
            .map_err(|e| format!("indexing the synthetic articles failed: {e}"))?;
        println!(
            "seed: indexed {} articles for search in {:.1}s",
            indexed.articles,
            indexed.elapsed.as_secs_f64()
        );
        if !args.no_related {
            let (n, took) = related::backfill(&args.db.database_url, 60.0, 4).await?;
            println!(
                "seed: computed the related choices of {n} articles in {:.1}s",
                took.as_secs_f64()
            );
        }
        println!(
            "seed: generated {} synthetic articles in {:.1}s ({:.0} articles/s)",
            s.articles_created,
            s.elapsed.as_secs_f64(),
            s.rate()
        );
        let took = crate::db::vacuum_analyze(&mut conn, crate::db::CONTENT_TABLES).await?;
        println!(
            "seed: VACUUM (ANALYZE) of {} tables in {:.1} s (bulk writes leave the visibility map empty)",
            crate::db::CONTENT_TABLES.len(),
            took.as_secs_f64()
        );
    }
    crate::listener::notify_all(&mut conn)
        .await
        .map_err(|e| format!("telling running instances failed: {e}"))?;
    Ok(())
}

impl Config {
    /// The `serve` settings from the environment alone (no arguments).
    pub fn from_env() -> Result<Self, String> {
        use clap::FromArgMatches;
        #[derive(Parser)]
        struct Only {
            #[command(flatten)]
            config: Config,
        }
        let matches = <Only as clap::CommandFactory>::command()
            .try_get_matches_from(["newsdesk"])
            .map_err(|e| e.to_string())?;
        Only::from_arg_matches(&matches)
            .map(|o| o.config)
            .map_err(|e| e.to_string())
    }
}
