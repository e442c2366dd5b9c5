//! The `chiso` command line: `demo`, `serve`, `units import`, `migrate`.

use anyhow::{bail, Context};
use chiso_app::App;
use chiso_core::Via;
use chiso_store::{Actor, Changes, Store};
use clap::{Parser, Subcommand};
use std::path::PathBuf;
use std::sync::Arc;

mod anchor;
mod audit;
mod backup;
mod boundaries;
mod engine_cmd;
mod logging;
mod p06;
mod report;
mod roadmap;
mod serve_lock;
mod serve_opts;
mod transfer;

#[derive(Parser)]
#[command(
    name = "chiso",
    version,
    about = "chiso — chỉ số: the indicator system of a province's Steering Committee for Digital Transformation"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Load the Ninh Thuận 2023 demo into a SQLite database in a data directory and serve it.
    Demo {
        /// Where the demo database lives (created when missing, reused when present).
        #[arg(long, env = "CHISO_DATA_DIR", default_value = "chiso-data")]
        data_dir: PathBuf,
        /// Address to listen on.
        #[arg(long, env = "CHISO_LISTEN", default_value = "127.0.0.1:8080")]
        listen: String,
        /// Load the demo and exit without serving.
        #[arg(long)]
        no_serve: bool,
        /// Load the demo into this database instead (sqlite://PATH or postgres://…).
        #[arg(long)]
        database: Option<String>,
    },
    /// Serve the web pages and the API.
    Serve {
        /// sqlite://PATH (created when missing) or postgres://USER@HOST:PORT/DATABASE.
        #[arg(
            long,
            env = "CHISO_DATABASE_URL",
            default_value = "sqlite://chiso-data/chiso.db"
        )]
        database: String,
        /// Address to listen on.
        #[arg(long, env = "CHISO_LISTEN", default_value = "127.0.0.1:8080")]
        listen: String,
        /// Let anyone read without logging in (writes still need an account). Off by default.
        #[arg(long, env = "CHISO_PUBLIC_READ")]
        public_read: bool,
        /// Let anyone read the indicators marked published (analytics and indicator values),
        /// and nothing else. Off by default.
        #[arg(long, env = "CHISO_PUBLIC")]
        public: bool,
        /// Mark cookies Secure: set this when users reach chiso over HTTPS (directly or through
        /// a TLS reverse proxy).
        #[arg(long, env = "CHISO_SECURE_COOKIES")]
        secure_cookies: bool,
        /// Behind a reverse proxy that writes X-Forwarded-For: take the client's address from
        /// its last entry (failed logins are counted per user name and client address).
        /// Without it, the connection's address.
        #[arg(long, env = "CHISO_TRUST_FORWARDED_FOR")]
        trust_forwarded_for: bool,
        #[command(flatten)]
        ops: serve_opts::Operations,
    },
    /// Administrative units.
    Units {
        #[command(subcommand)]
        command: UnitsCommand,
    },
    /// Units' real outlines, for the maps.
    Boundaries {
        #[command(subcommand)]
        command: boundaries::BoundariesCommand,
    },
    /// The yearly review of a target framework written from the data: PDF or DOCX laid out as
    /// an official report, the XLSX annex of its tables, or HTML; in vi, en or bn.
    Report(report::ReportArgs),
    /// The electronic data store (Project 06): import, owners, the access log.
    P06 {
        #[command(subcommand)]
        command: p06::P06Command,
    },
    /// Load the indicator engine from the database (or with --from-snapshot as the server
    /// does at start), and report what it holds, how long the load took and the memory used.
    EngineLoad(engine_cmd::LoadArgs),
    /// Write the engine's snapshot, from which the server starts without reading every value.
    EngineSnapshot(engine_cmd::EngineArgs),
    /// Accounts: add, list, disable, enable, reset a password, set roles.
    User {
        #[command(subcommand)]
        command: UserCommand,
    },
    /// API tokens for other systems of the province.
    Token {
        #[command(subcommand)]
        command: TokenCommand,
    },
    /// The audit log.
    Audit {
        #[command(subcommand)]
        command: audit::AuditCommand,
    },
    /// Import data values from a file — an Excel template (.xlsx), CSV (chiso's or DHIS2's
    /// columns) or DHIS2 dataValueSets JSON — all or nothing: any error and nothing is written.
    /// Run at the server, it acts as an administrator (it may write into closed reports;
    /// approved reports stay locked).
    Import {
        /// The file; its kind is found from its content.
        file: PathBuf,
        /// Check everything and say what would change; write nothing.
        #[arg(long)]
        dry_run: bool,
        /// CREATE_AND_UPDATE, CREATE (new values only), UPDATE (existing only) or DELETE.
        #[arg(long, default_value = "CREATE_AND_UPDATE")]
        strategy: String,
        #[arg(
            long,
            env = "CHISO_DATABASE_URL",
            default_value = "sqlite://chiso-data/chiso.db"
        )]
        database: String,
    },
    /// Export data values as CSV or DHIS2 dataValueSets.
    Export {
        /// Only the elements of this data set.
        #[arg(long)]
        data_set: Option<String>,
        /// Periods (repeatable or comma-separated), e.g. 2023 or 2024Q1.
        #[arg(long = "period")]
        periods: Vec<String>,
        /// Units (repeatable or comma-separated).
        #[arg(long = "unit")]
        units: Vec<String>,
        /// Also the units below them.
        #[arg(long)]
        children: bool,
        #[arg(long, value_enum, default_value = "csv")]
        format: transfer::ExportFormat,
        /// Write here instead of to standard output.
        #[arg(long, short)]
        output: Option<PathBuf>,
        #[arg(
            long,
            env = "CHISO_DATABASE_URL",
            default_value = "sqlite://chiso-data/chiso.db"
        )]
        database: String,
    },
    /// Write a plan's roadmap as SVG to standard output (or, without --plan, every plan of
    /// --year: the province's), as the pages show it. Only reads.
    Roadmap(roadmap::RoadmapArgs),
    Backup(backup::BackupArgs),
    Restore(backup::RestoreArgs),
    /// Create or upgrade the database schema and exit.
    Migrate {
        #[arg(
            long,
            env = "CHISO_DATABASE_URL",
            default_value = "sqlite://chiso-data/chiso.db"
        )]
        database: String,
    },
}

#[derive(Subcommand)]
enum UserCommand {
    /// Create an account with a one-time password, printed once, to be changed at first login.
    Add {
        /// 3 to 64 lower-case letters, digits, '.', '_' or '-' (e.g. nguyen.van.a).
        username: String,
        /// The person's name as shown (e.g. "Nguyễn Văn A").
        #[arg(long)]
        name: String,
        /// ROLE or ROLE@UNIT (repeatable): system_admin, framework_admin, approver,
        /// data_entry, viewer; @UNIT limits it to that unit and everything below it.
        #[arg(long = "role")]
        roles: Vec<String>,
        #[arg(
            long,
            env = "CHISO_DATABASE_URL",
            default_value = "sqlite://chiso-data/chiso.db"
        )]
        database: String,
    },
    /// List accounts with their roles.
    List {
        #[arg(
            long,
            env = "CHISO_DATABASE_URL",
            default_value = "sqlite://chiso-data/chiso.db"
        )]
        database: String,
    },
    /// Disable an account: it can no longer log in or use its sessions and tokens.
    Disable {
        username: String,
        #[arg(
            long,
            env = "CHISO_DATABASE_URL",
            default_value = "sqlite://chiso-data/chiso.db"
        )]
        database: String,
    },
    /// Enable a disabled account.
    Enable {
        username: String,
        #[arg(
            long,
            env = "CHISO_DATABASE_URL",
            default_value = "sqlite://chiso-data/chiso.db"
        )]
        database: String,
    },
    /// Give an account a new one-time password, printed once, to be changed at next login.
    ResetPassword {
        username: String,
        #[arg(
            long,
            env = "CHISO_DATABASE_URL",
            default_value = "sqlite://chiso-data/chiso.db"
        )]
        database: String,
    },
    /// Replace an account's roles (ROLE or ROLE@UNIT, repeatable).
    Roles {
        username: String,
        #[arg(long = "role")]
        roles: Vec<String>,
        #[arg(
            long,
            env = "CHISO_DATABASE_URL",
            default_value = "sqlite://chiso-data/chiso.db"
        )]
        database: String,
    },
}

#[derive(Subcommand)]
enum TokenCommand {
    /// Create an API token for another system, acting as an account (with its roles). The
    /// token is printed once; send it as `Authorization: ApiToken …`.
    Create {
        /// The account the token acts as.
        username: String,
        /// Which system uses it (e.g. "Cổng dịch vụ công").
        #[arg(long)]
        name: String,
        #[arg(
            long,
            env = "CHISO_DATABASE_URL",
            default_value = "sqlite://chiso-data/chiso.db"
        )]
        database: String,
    },
    /// List tokens: id, account, name, created, last used, revoked.
    List {
        #[arg(
            long,
            env = "CHISO_DATABASE_URL",
            default_value = "sqlite://chiso-data/chiso.db"
        )]
        database: String,
    },
    /// Revoke a token by its id.
    Revoke {
        id: String,
        #[arg(
            long,
            env = "CHISO_DATABASE_URL",
            default_value = "sqlite://chiso-data/chiso.db"
        )]
        database: String,
    },
}

#[derive(Subcommand)]
enum UnitsCommand {
    /// Load Vietnam's administrative units (legacy and 2025 structures, with the crosswalk as
    /// successor links). Running it again changes nothing.
    Import {
        #[arg(
            long,
            env = "CHISO_DATABASE_URL",
            default_value = "sqlite://chiso-data/chiso.db"
        )]
        database: String,
        /// Only this legacy province (statistics office code, e.g. 58) and its 2025 successors.
        #[arg(long)]
        province: Option<String>,
        /// Read units_legacy.csv, units_2025.csv and crosswalk_2025.csv from this directory
        /// instead of the copies built into chiso.
        #[arg(long)]
        from: Option<PathBuf>,
    },
}

fn main() -> std::process::ExitCode {
    logging::init();
    let cli = Cli::parse();
    let rt = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("chiso: cannot start: {e}");
            return std::process::ExitCode::FAILURE;
        }
    };
    match rt.block_on(run(cli)) {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("chiso: {e:#}");
            std::process::ExitCode::FAILURE
        }
    }
}

pub(crate) async fn open(url: &str) -> anyhow::Result<Arc<dyn Store>> {
    if let Some(path) = url.strip_prefix("sqlite://") {
        if let Some(dir) = std::path::Path::new(path)
            .parent()
            .filter(|d| !d.as_os_str().is_empty())
        {
            std::fs::create_dir_all(dir)
                .with_context(|| format!("cannot create {}", dir.display()))?;
        }
    }
    chiso_store::open(url)
        .await
        .with_context(|| format!("cannot open the database {url}"))
}

fn changes(c: &Changes) -> String {
    format!(
        "{} inserted, {} updated, {} unchanged",
        c.inserted, c.updated, c.unchanged
    )
}

async fn run(cli: Cli) -> anyhow::Result<()> {
    match cli.command {
        Command::Demo {
            data_dir,
            listen,
            no_serve,
            database,
        } => {
            let url = match database {
                Some(url) => url,
                None => {
                    std::fs::create_dir_all(&data_dir)
                        .with_context(|| format!("cannot create {}", data_dir.display()))?;
                    format!("sqlite://{}", data_dir.join("demo.db").display())
                }
            };
            let store = open(&url).await?;
            println!("Dữ liệu mẫu / demo data: Ninh Thuận 2023 → {url}");
            let app = App::for_command(store.clone());
            let s = app.load_demo().await?;
            println!("  units: {}", changes(&s.units));
            println!("  successor links: {}", changes(&s.links));
            println!("  unit groups: {}", changes(&s.groups));
            println!("  data elements: {}", changes(&s.elements));
            println!("  data values: {}", changes(&s.values));
            println!("  indicators: {}", changes(&s.indicators));
            println!("  target frameworks: {}", changes(&s.frameworks));
            println!("  data sets: {}", changes(&s.data_sets));
            println!(
                "  reports received: {}, approval steps: {}",
                s.completions, s.approvals
            );
            println!("  plans: {}", changes(&s.plans));
            if no_serve {
                app.close().await;
                return Ok(());
            }
            let _lock = serve_lock::serving(&url, "demo", &listen)?;
            first_admin(&app).await?;
            println!("Chế độ mẫu: ai cũng xem được; đăng nhập để sửa số liệu / demo mode: anyone may read; log in to change data");
            let auth = chiso_web::auth::AuthConfig {
                public_read: true,
                ..Default::default()
            };
            serve(store, &listen, auth).await
        }
        Command::Serve {
            database,
            listen,
            public_read,
            public,
            secure_cookies,
            trust_forwarded_for,
            ops,
        } => {
            let _lock = serve_lock::serving(&database, "serve", &listen)?;
            ops.outage.apply();
            let store = open(&database).await?;
            first_admin(&App::for_command(store.clone())).await?;
            ops.start(&database, store.clone())?;
            let auth = chiso_web::auth::AuthConfig {
                public_read,
                public_published: public,
                secure_cookies,
                trust_forwarded_for,
                metrics_token: ops.outage.metrics_token,
                ..Default::default()
            };
            let serving = engine_cmd::open_for_serving(store, &database, &ops.snapshots).await?;
            let state = chiso_web::AppState::new(serving.app.clone(), auth);
            serve_state(state.map_err(|e| anyhow::anyhow!(e))?, &listen).await?;
            serving.at_shutdown().await;
            Ok(())
        }
        Command::Report(a) => report::run(a).await,
        Command::Backup(a) => backup::run_backup(a).await,
        Command::Restore(a) => backup::run_restore(a).await,
        Command::EngineLoad(a) => engine_cmd::load(a).await,
        Command::EngineSnapshot(a) => engine_cmd::snapshot(a).await,
        Command::Import {
            file,
            dry_run,
            strategy,
            database,
        } => {
            let store = open(&database).await?;
            let ok = transfer::import(store.clone(), &file, dry_run, &strategy).await;
            tracing::debug!("import: closing the database");
            store.close().await;
            tracing::debug!("import: closed");
            if !ok? {
                std::process::exit(1);
            }
            Ok(())
        }
        Command::Export {
            data_set,
            periods,
            units,
            children,
            format,
            output,
            database,
        } => {
            let store = open(&database).await?;
            let n = transfer::export(
                store,
                data_set,
                periods,
                units,
                children,
                format,
                output.as_deref(),
            )
            .await?;
            if output.is_some() {
                eprintln!("Đã xuất {n} giá trị.");
            }
            Ok(())
        }
        Command::User { command } => user_command(command).await,
        Command::Token { command } => token_command(command).await,
        Command::Audit { command } => audit::run(command).await,
        Command::Roadmap(args) => roadmap::run(args).await,
        Command::Boundaries { command } => boundaries::run(command).await,
        Command::P06 { command } => p06::run(command).await,
        Command::Migrate { database } => {
            open(&database).await?.close().await;
            println!("The database schema is up to date: {database}");
            Ok(())
        }
        Command::Units {
            command:
                UnitsCommand::Import {
                    database,
                    province,
                    from,
                },
        } => {
            let admin = match &from {
                None => chiso_io::vn_admin::embedded(province.as_deref()),
                Some(dir) => {
                    let read = |name: &str| {
                        std::fs::read_to_string(dir.join(name))
                            .with_context(|| format!("cannot read {}", dir.join(name).display()))
                    };
                    chiso_io::vn_admin::parse(
                        &read("units_legacy.csv")?,
                        &read("units_2025.csv")?,
                        &read("crosswalk_2025.csv")?,
                        province.as_deref(),
                    )
                }
            };
            let admin = admin.map_err(|e| anyhow::anyhow!("{e}"))?;
            let app = App::for_command(open(&database).await?);
            let actor = Actor::new("cli", Via::Cli);
            let started = std::time::Instant::now();
            let u = app.upsert_units(&admin.units, &actor).await?;
            let l = app.upsert_successors(&admin.links, &actor).await?;
            let a = app.set_areas(&admin.areas, &actor).await?;
            println!("areas: {} ({} read)", changes(&a), admin.areas.len());
            println!("units: {} ({} read)", changes(&u), admin.units.len());
            println!(
                "successor links: {} ({} read)",
                changes(&l),
                admin.links.len()
            );
            for n in &admin.notes {
                println!("note: {n}");
            }
            println!("done in {:.1} s", started.elapsed().as_secs_f64());
            Ok(())
        }
    }
}

fn parse_roles(roles: &[String]) -> anyhow::Result<Vec<chiso_core::account::Assignment>> {
    roles
        .iter()
        .map(|r| {
            let (role, unit) = match r.split_once('@') {
                Some((a, b)) => (a, Some(b)),
                None => (r.as_str(), None),
            };
            let role = chiso_core::account::Role::parse(role).ok_or_else(|| {
                anyhow::anyhow!("'{role}' is not a role: system_admin, framework_admin, approver, data_entry or viewer")
            })?;
            let unit = unit.map(chiso_core::Code::parse).transpose().map_err(|e| anyhow::anyhow!("--role {r}: {e}"))?;
            Ok(chiso_core::account::Assignment { role, unit })
        })
        .collect()
}

async fn token_command(command: TokenCommand) -> anyhow::Result<()> {
    let actor = Actor::new("cli", Via::Cli);
    match command {
        TokenCommand::Create {
            username,
            name,
            database,
        } => {
            let store = open(&database).await?;
            let secret = chiso_core::account::random_secret();
            let id = format!("tk-{}", &chiso_core::account::random_secret()[..12]);
            let t = chiso_store::TokenRecord {
                id: id.clone(),
                username,
                name,
                token_hash: chiso_store::secret_hash(&secret),
                created_at: chrono::Utc::now(),
                last_used_at: None,
                revoked_at: None,
            };
            App::for_command(store).create_token(&t, &actor).await?;
            println!("Mã truy cập API / API token {id} (shown only now):");
            println!();
            println!("    {secret}");
            println!();
            println!("Send it as the header   Authorization: ApiToken {secret}");
            Ok(())
        }
        TokenCommand::List { database } => {
            let store = open(&database).await?;
            let when = |d: Option<chrono::DateTime<chrono::Utc>>| {
                d.map(|d| d.format("%Y-%m-%d %H:%M").to_string())
                    .unwrap_or_else(|| "-".into())
            };
            for t in store.tokens().await? {
                println!(
                    "{}\t{}\t{}\tcreated {}\tlast used {}\t{}",
                    t.id,
                    t.username,
                    t.name,
                    when(Some(t.created_at)),
                    when(t.last_used_at),
                    if t.revoked_at.is_some() {
                        "revoked"
                    } else {
                        "active"
                    }
                );
            }
            Ok(())
        }
        TokenCommand::Revoke { id, database } => {
            App::for_command(open(&database).await?)
                .revoke_token(&id, &actor)
                .await?;
            println!("{id} is revoked");
            Ok(())
        }
    }
}

async fn user_command(command: UserCommand) -> anyhow::Result<()> {
    use chiso_core::account::{hash_password, one_time_password};
    let actor = Actor::new("cli", Via::Cli);
    let print_once = |username: &str, password: &str| {
        println!("Mật khẩu dùng một lần / one-time password for {username}:");
        println!();
        println!("    {password}");
        println!();
        println!("It is shown only now and must be changed at the first login.");
    };
    match command {
        UserCommand::Add {
            username,
            name,
            roles,
            database,
        } => {
            let assignments = parse_roles(&roles)?;
            let store = open(&database).await?;
            let password = one_time_password();
            let user = chiso_store::UserRecord {
                username: username.clone(),
                display_name: name,
                password_hash: hash_password(&password).map_err(|e| anyhow::anyhow!(e))?,
                must_change_password: true,
                disabled: false,
                created_at: chrono::Utc::now(),
                assignments,
            };
            App::for_command(store).create_user(&user, &actor).await?;
            print_once(&username, &password);
            Ok(())
        }
        UserCommand::List { database } => {
            let store = open(&database).await?;
            for u in store.users().await? {
                let roles: Vec<String> = u
                    .assignments
                    .iter()
                    .map(|a| match &a.unit {
                        Some(unit) => format!("{}@{unit}", a.role.as_str()),
                        None => a.role.as_str().to_string(),
                    })
                    .collect();
                let state = if u.disabled {
                    "disabled"
                } else if u.must_change_password {
                    "must change password"
                } else {
                    "active"
                };
                println!(
                    "{}\t{}\t{}\t{}",
                    u.username,
                    u.display_name,
                    state,
                    roles.join(" ")
                );
            }
            Ok(())
        }
        UserCommand::Disable { username, database } => {
            App::for_command(open(&database).await?)
                .set_disabled(&username, true, &actor)
                .await?;
            println!("{username} is disabled");
            Ok(())
        }
        UserCommand::Enable { username, database } => {
            App::for_command(open(&database).await?)
                .set_disabled(&username, false, &actor)
                .await?;
            println!("{username} is enabled");
            Ok(())
        }
        UserCommand::ResetPassword { username, database } => {
            let store = open(&database).await?;
            let password = one_time_password();
            let hash = hash_password(&password).map_err(|e| anyhow::anyhow!(e))?;
            App::for_command(store)
                .set_password(&username, &hash, true, &actor)
                .await?;
            print_once(&username, &password);
            Ok(())
        }
        UserCommand::Roles {
            username,
            roles,
            database,
        } => {
            let assignments = parse_roles(&roles)?;
            App::for_command(open(&database).await?)
                .set_assignments(&username, &assignments, &actor)
                .await?;
            println!("{username}: roles set");
            Ok(())
        }
    }
}

/// On the first start there is no account: create the administrator with a one-time password,
/// printed once, to be changed at the first login.
async fn first_admin(app: &App) -> anyhow::Result<()> {
    if !app.reads().users().await?.is_empty() {
        return Ok(());
    }
    let password = chiso_core::account::one_time_password();
    let admin = chiso_store::UserRecord {
        username: "admin".into(),
        display_name: "Quản trị hệ thống".into(),
        password_hash: chiso_core::account::hash_password(&password)
            .map_err(|e| anyhow::anyhow!(e))?,
        must_change_password: true,
        disabled: false,
        created_at: chrono::Utc::now(),
        assignments: vec![chiso_core::account::Assignment {
            role: chiso_core::account::Role::SystemAdmin,
            unit: None,
        }],
    };
    match app.create_user(&admin, &Actor::new("cli", Via::Cli)).await {
        Ok(()) => {}
        // Another server starting on the same database made it first.
        Err(chiso_store::StoreError::Invalid(e))
            if e.iter().any(|f| f.reason.contains("already exists")) =>
        {
            return Ok(())
        }
        Err(e) => return Err(e.into()),
    }
    println!();
    println!("Tài khoản quản trị đầu tiên / the first administrator account:");
    println!("    user name: admin");
    println!("    one-time password: {password}");
    println!("It is shown only now; change it at the first login (or later: chiso user reset-password admin).");
    println!();
    Ok(())
}

async fn serve(
    store: Arc<dyn Store>,
    listen: &str,
    auth: chiso_web::auth::AuthConfig,
) -> anyhow::Result<()> {
    let state = chiso_web::AppState::load(store, auth)
        .await
        .map_err(|e| anyhow::anyhow!(e))?;
    serve_state(state, listen).await
}

async fn serve_state(state: chiso_web::AppState, listen: &str) -> anyhow::Result<()> {
    let listener = match tokio::net::TcpListener::bind(listen).await {
        Ok(l) => l,
        Err(e) if e.kind() == std::io::ErrorKind::AddrInUse => {
            bail!("{listen} is already in use; choose another address with --listen (e.g. 127.0.0.1:8081)")
        }
        Err(e) => bail!("cannot listen on {listen}: {e}"),
    };
    let addr = listener.local_addr()?;
    println!("chiso đang chạy tại / is running at http://{addr}/  (Ctrl-C để dừng / to stop)");
    use std::io::Write;
    let _ = std::io::stdout().flush();
    chiso_web::serve(state, listener).await?;
    Ok(())
}
