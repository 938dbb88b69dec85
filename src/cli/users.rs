//! `newsdesk users create` and the demo admin.

use std::io::{BufRead, IsTerminal};

use clap::Args;
use diesel_async::AsyncPgConnection;

use crate::auth::password;
use crate::models::user::{self, NewUser, Role};

#[derive(Debug, Args)]
pub struct CreateUserArgs {
    #[command(flatten)]
    pub db: super::DbArgs,
    #[arg(long)]
    pub email: String,
    /// admin, editor or writer.
    #[arg(long)]
    pub role: String,
    /// Shown in bylines of edits; defaults to the part of the email before `@`.
    #[arg(long)]
    pub display_name: Option<String>,
    /// The password (else NEWSDESK_PASSWORD, else read from stdin).
    #[arg(long, env = "NEWSDESK_PASSWORD", hide_env_values = true)]
    pub password: Option<String>,
}

fn read_password() -> Result<String, String> {
    if std::io::stdin().is_terminal() {
        return rpassword::prompt_password("password: ").map_err(|e| e.to_string());
    }
    let mut line = String::new();
    std::io::stdin()
        .lock()
        .read_line(&mut line)
        .map_err(|e| e.to_string())?;
    Ok(line.trim_end_matches(['\r', '\n']).to_owned())
}

fn check_password(email: &str, pw: &str) -> Result<(), String> {
    password::check_rules(email, pw).map_err(|why| format!("the password {why}"))
}

fn check_email(email: &str) -> Result<String, String> {
    user::valid_email(email).ok_or_else(|| format!("`{}` is not an email address", email.trim()))
}

async fn create_user(
    conn: &mut AsyncPgConnection,
    email: &str,
    display_name: &str,
    role: Role,
    pw: &str,
) -> Result<user::User, String> {
    let hash = password::hash(pw)?;
    user::insert(
        conn,
        NewUser {
            email,
            display_name,
            role,
            password_hash: &hash,
        },
    )
    .await
    .map_err(|e| match e {
        diesel::result::Error::DatabaseError(
            diesel::result::DatabaseErrorKind::UniqueViolation,
            _,
        ) => {
            format!("a user with email {email} already exists")
        }
        other => other.to_string(),
    })
}

pub async fn create(args: CreateUserArgs) -> Result<(), String> {
    let email = check_email(&args.email)?;
    let role: Role = args.role.parse().map_err(|e| format!("--role {e}"))?;
    let pw = match args.password {
        Some(p) => p,
        None => read_password()?,
    };
    check_password(&email, &pw)?;
    let display_name = args
        .display_name
        .unwrap_or_else(|| email.split('@').next().unwrap_or(&email).to_owned());
    crate::db::run_migrations(&args.db.database_url).await?;
    let mut conn = super::connect(&args.db.database_url).await?;
    let u = create_user(&mut conn, &email, &display_name, role, &pw).await?;
    println!("created {} user {} (id {})", u.role, u.email, u.id);
    Ok(())
}

/// Creates the demo admin unless that email exists; prints the credentials once.
pub async fn ensure_admin(
    conn: &mut AsyncPgConnection,
    email: &str,
    pw: &str,
) -> Result<(), String> {
    let email = check_email(email)?;
    if let Some(existing) = user::find_by_email(conn, &email)
        .await
        .map_err(|e| e.to_string())?
    {
        println!(
            "seed: a user {email} already exists (role {})",
            existing.role
        );
        return Ok(());
    }
    let pw = if pw.is_empty() {
        use rand::Rng;
        let mut rng = rand::rng();
        (0..20)
            .map(|_| char::from(rng.sample(rand::distr::Alphanumeric)))
            .collect()
    } else {
        pw.to_owned()
    };
    check_password(&email, &pw).map_err(|e| format!("NEWSDESK_ADMIN_PASSWORD: {e}"))?;
    create_user(conn, &email, "Administrator", Role::Admin, &pw).await?;
    println!("seed: created admin account (shown once)\n  email:    {email}\n  password: {pw}");
    Ok(())
}
