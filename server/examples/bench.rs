//! The benchmark behind `scripts/bench.sh` (which builds the release server
//! and the site first): what a user feels, measured with wrk on loopback.
//!
//! For each backend (SQLite alone; Postgres for users with Redis for
//! sessions) it starts the release server with a fresh database, signs a
//! user up, and drives five workloads, printing one table: requests/s, p50,
//! p99, non-2xx answers and socket errors, and the ratio to `/healthz` in
//! the same run. It also prints the release WASM and CSS sizes, and counts
//! the session-store writes that 1,000 authenticated reads cause.
//!
//! Settings (environment): `BENCH_SECS` (per workload, default 10),
//! `BENCH_CONNECTIONS` (default 32), `BENCH_THREADS` (wrk threads, default
//! the core count), `BENCH_BACKENDS` (`sqlite,postgres+redis`),
//! `BENCH_POSTGRES_URL`, `BENCH_REDIS_URL`, `GATEHOUSE_SERVER_BIN`,
//! `LEPTOS_SITE_ROOT`.

use anyhow::{bail, Context, Result};
use app::ssr::passwords;
use std::{
    io::{BufRead, BufReader},
    path::{Path, PathBuf},
    process::{Child, Command, Stdio},
    time::Duration,
};

const EMAIL: &str = "bench@example.com";
/// Accounts the login workloads take turns on (see [`Workload::login`]).
const LOGIN_ACCOUNTS: usize = 8;

/// The `i`th bench account: the first is [`EMAIL`].
fn account(i: usize) -> String {
    if i == 0 { EMAIL.to_owned() } else { format!("bench{i}@example.com") }
}
const PASSWORD: &str = "correct horse battery staple";

struct Settings {
    secs: u64,
    connections: u64,
    threads: u64,
    cores: usize,
    /// The build just made, after an earlier one when one is given.
    builds: Vec<Build>,
    postgres_url: String,
    redis_url: String,
}

/// One build of the server and its site. With `BENCH_BASELINE_BIN` and
/// `BENCH_BASELINE_SITE` an earlier build is measured in the same run, on
/// the same machine, so before and after can be compared.
struct Build {
    label: &'static str,
    server_bin: PathBuf,
    site_root: PathBuf,
}

fn env_or(name: &str, default: &str) -> String {
    std::env::var(name)
        .ok()
        .filter(|v| !v.trim().is_empty())
        .unwrap_or_else(|| default.to_owned())
}

fn env_number(name: &str, default: u64) -> Result<u64> {
    let text = env_or(name, &default.to_string());
    match text.trim().parse::<u64>() {
        Ok(n) if n > 0 => Ok(n),
        _ => bail!("{name}={text}: expected a whole number above zero"),
    }
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Backend {
    Sqlite,
    PostgresRedis,
}

impl Backend {
    fn parse(name: &str) -> Result<Self> {
        match name.trim() {
            "sqlite" => Ok(Self::Sqlite),
            "postgres+redis" => Ok(Self::PostgresRedis),
            other => bail!("BENCH_BACKENDS: unknown backend {other:?} (sqlite, postgres+redis)"),
        }
    }

    fn title(self) -> &'static str {
        match self {
            Self::Sqlite => "SQLite (users and sessions in one file)",
            Self::PostgresRedis => "Postgres (users) + Redis (sessions)",
        }
    }
}

fn main() -> Result<()> {
    // The bench starts itself again as the bare axum hello it compares
    // against, so that runs in its own process, as the server does.
    if std::env::args().nth(1).as_deref() == Some(HELLO_ARG) {
        return hello();
    }
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?
        .block_on(bench())
}

const HELLO_ARG: &str = "--bare-axum-hello";

/// A bare axum `GET /healthz` answering "ok", on the multi-threaded tokio
/// runtime the server uses (one worker per core): the ceiling for any
/// handler on this machine, which `/api/me` is held against.
fn hello() -> Result<()> {
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?
        .block_on(async {
            let app = axum::Router::new().route("/healthz", axum::routing::get(|| async { "ok" }));
            let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
            eprintln!("listening on http://{}", listener.local_addr()?);
            axum::serve(listener, app).await?;
            Ok(())
        })
}

async fn bench() -> Result<()> {
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    let mut builds = Vec::new();
    let baseline = env_or("BENCH_BASELINE_BIN", "");
    if !baseline.is_empty() {
        builds.push(Build {
            label: "before",
            server_bin: PathBuf::from(baseline),
            site_root: PathBuf::from(env_or("BENCH_BASELINE_SITE", "")),
        });
    }
    builds.push(Build {
        label: "now",
        server_bin: PathBuf::from(env_or("GATEHOUSE_SERVER_BIN", "target/release/server")),
        site_root: PathBuf::from(env_or("LEPTOS_SITE_ROOT", "target/site")),
    });
    let settings = Settings {
        secs: env_number("BENCH_SECS", 10)?,
        connections: env_number("BENCH_CONNECTIONS", 32)?,
        threads: env_number("BENCH_THREADS", cores as u64)?,
        cores,
        builds,
        postgres_url: env_or(
            "BENCH_POSTGRES_URL",
            "postgres://postgres:postgres@127.0.0.1:5432/postgres",
        ),
        redis_url: env_or("BENCH_REDIS_URL", "redis://127.0.0.1:6379"),
    };
    let backends = env_or("BENCH_BACKENDS", "sqlite,postgres+redis")
        .split(',')
        .map(Backend::parse)
        .collect::<Result<Vec<_>>>()?;
    for build in &settings.builds {
        if !build.server_bin.is_file() {
            bail!(
                "no server binary at {} (scripts/bench.sh builds it)",
                build.server_bin.display()
            );
        }
        if !build.site_root.join("pkg").is_dir() {
            bail!(
                "no site at {} (BENCH_BASELINE_SITE goes with BENCH_BASELINE_BIN)",
                build.site_root.display()
            );
        }
    }
    let wrk = Command::new("wrk")
        .arg("--version")
        .output()
        .context("wrk is not installed (scripts/bench.sh installs it)")?;
    let wrk_version = String::from_utf8_lossy(&wrk.stdout)
        .split_whitespace()
        .nth(1)
        .unwrap_or("?")
        .to_owned();

    println!(
        "Gatehouse benchmark: {} cores, wrk {wrk_version} on 127.0.0.1, {} threads x {} connections, {} s per workload\n",
        settings.cores, settings.threads, settings.connections, settings.secs
    );
    let machine = Machine {
        hello: bare_hello(&settings)?,
        hashes_per_sec: argon2_rate(settings.cores, settings.secs.min(5)),
    };
    println!(
        "The machine: a bare axum hello answers {:.0} requests/s (p99 {}); argon2id at Gatehouse's parameters ({} KiB, {} passes, {} lane) runs {:.1} hashes/s on {} threads\n",
        machine.hello.rps,
        ms(machine.hello.p99_us),
        passwords::MEMORY_KIB,
        passwords::ITERATIONS,
        passwords::PARALLELISM,
        machine.hashes_per_sec,
        settings.cores,
    );
    for build in &settings.builds {
        print_sizes(build)?;
    }
    for backend in backends {
        let mut runs = Vec::new();
        for build in &settings.builds {
            runs.push(run_backend(&settings, backend, build).await?);
        }
        print_table(&settings, backend, &runs, &machine);
    }
    for build in &settings.builds {
        phone_load(&settings, build)?;
    }
    Ok(())
}

/// What the machine itself does, as the yardsticks of the targets.
struct Machine {
    hello: Run,
    hashes_per_sec: f64,
}

/// `GET /healthz` of the bare axum hello (this program, started again).
fn bare_hello(settings: &Settings) -> Result<Run> {
    let mut cmd = Command::new(std::env::current_exe()?);
    cmd.arg(HELLO_ARG);
    let server = spawn_listening(cmd, tempfile::tempdir()?)?;
    let wrk = Wrk {
        settings,
        base: server.base.clone(),
        dir: tempfile::tempdir()?,
    };
    let healthz = Workload::get("/healthz", "", "*/*");
    wrk.run(&healthz, 2)?;
    wrk.run(&healthz, settings.secs)
}

/// Hashes per second that `threads` threads do flat out with the
/// server's argon2id parameters and the crate's own allocation per hash:
/// what a login storm could reach if hashing were all the machine did.
fn argon2_rate(threads: usize, secs: u64) -> f64 {
    use argon2::{Algorithm, Argon2, Params, Version};
    let started = std::time::Instant::now();
    let until = started + Duration::from_secs(secs);
    let hashes: u64 = std::thread::scope(|scope| {
        let workers: Vec<_> = (0..threads)
            .map(|_| {
                scope.spawn(move || {
                    let params = Params::new(
                        passwords::MEMORY_KIB,
                        passwords::ITERATIONS,
                        passwords::PARALLELISM,
                        None,
                    )
                    .expect("the server's own parameters");
                    let argon2 = Argon2::new(Algorithm::Argon2id, Version::V0x13, params);
                    let mut out = [0u8; 32];
                    let mut n = 0u64;
                    while std::time::Instant::now() < until {
                        argon2
                            .hash_password_into(PASSWORD.as_bytes(), b"bench-salt-16byt", &mut out)
                            .expect("hashing");
                        n += 1;
                    }
                    n
                })
            })
            .collect();
        workers.into_iter().map(|w| w.join().unwrap_or(0)).sum()
    });
    hashes as f64 / started.elapsed().as_secs_f64()
}

/// `/login` on an emulated phone and mobile network, through Chromium
/// (`end2end/bench/phone-load.mjs`, which prints its own table).
fn phone_load(settings: &Settings, build: &Build) -> Result<()> {
    let server = start_server(build, tempfile::tempdir()?, &[])?;
    println!("#### {}", build.label);
    let status = Command::new("node")
        .arg("end2end/bench/phone-load.mjs")
        .arg(&server.base)
        .arg("/login")
        .arg(settings.secs.clamp(3, 5).to_string())
        .env("LEPTOS_SITE_ROOT", &build.site_root)
        .status()
        .context("running node end2end/bench/phone-load.mjs")?;
    if !status.success() {
        bail!("the phone-load measurement failed");
    }
    println!();
    Ok(())
}

/// The release WASM (every module), JS and CSS, as built: raw, gzipped
/// (`gzip -9`) and as served (the precompressed brotli copy).
fn print_sizes(build: &Build) -> Result<()> {
    let pkg = build.site_root.join("pkg");
    let mut files: Vec<PathBuf> = std::fs::read_dir(&pkg)
        .with_context(|| format!("reading {} (build the site first)", pkg.display()))?
        .filter_map(|entry| entry.ok().map(|e| e.path()))
        .filter(|p| {
            matches!(
                p.extension().and_then(|e| e.to_str()),
                Some("wasm" | "css" | "js")
            )
        })
        .collect();
    files.sort();
    println!(
        "#### {}: release assets\n\n| file | raw | gzipped | as served (brotli) |\n|---|---:|---:|---:|",
        build.label
    );
    let (mut wasm_gz, mut wasm_brotli, mut modules) = (0, 0, 0);
    for file in files {
        let raw = std::fs::metadata(&file)?.len();
        let gz = gzipped_len(&file)?;
        let name = file.file_name().unwrap_or_default().to_string_lossy();
        // The release build precompresses; the server sends the .br copy
        // to browsers that accept it.
        let brotli = std::fs::metadata(format!("{}.br", file.display()))
            .ok()
            .map(|m| m.len());
        let served = brotli.map_or_else(|| "not precompressed".to_owned(), kb);
        println!("| {name} | {} | {} | {served} |", kb(raw), kb(gz));
        if name.ends_with(".wasm") {
            wasm_gz += gz;
            wasm_brotli += brotli.unwrap_or(0);
            modules += 1;
        }
    }
    let met = |ok: bool| if ok { "met" } else { "MISSED" };
    println!(
        "\nTarget: the whole release WASM ({modules} module{}) at most 100 kB gzipped: {} ({}); as served {}",
        if modules == 1 { "" } else { "s" },
        kb(wasm_gz),
        met(wasm_gz <= 100_000),
        kb(wasm_brotli),
    );
    println!("(the test command fails a bundle over 100 kB gzipped, and /login's over its own ceiling)\n");
    Ok(())
}

fn gzipped_len(file: &Path) -> Result<u64> {
    let out = Command::new("gzip")
        .args(["-9", "-n", "-c"])
        .arg(file)
        .stderr(Stdio::inherit())
        .output()
        .context("running gzip")?;
    if !out.status.success() {
        bail!("gzip failed on {}", file.display());
    }
    Ok(out.stdout.len() as u64)
}

/// Kilobytes of 1,000 bytes, as the targets are written.
fn kb(bytes: u64) -> String {
    format!("{:.1} kB", bytes as f64 / 1000.0)
}

/// One running server with a fresh store, and what it takes to clean up.
struct Server {
    child: Child,
    base: String,
    _dir: tempfile::TempDir,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn start_server(build: &Build, dir: tempfile::TempDir, env: &[(&str, String)]) -> Result<Server> {
    let mut cmd = Command::new(&build.server_bin);
    cmd.env("LEPTOS_SITE_ADDR", "127.0.0.1:0")
        .env("LEPTOS_SITE_ROOT", &build.site_root)
        .env("GATEHOUSE_DATA_DIR", dir.path())
        .env("RUST_LOG", "info")
        .env("NO_COLOR", "1")
        .env_remove("DATABASE_URL")
        .env_remove("SESSION_STORE_URL")
        .env_remove("SESSION_KEY_PREFIX")
        .env_remove("APP_ENV");
    for (name, value) in env {
        cmd.env(name, value);
    }
    spawn_listening(cmd, dir)
}

/// Starts `cmd` and waits for the "listening on URL" line of its log.
fn spawn_listening(mut cmd: Command, dir: tempfile::TempDir) -> Result<Server> {
    cmd.stdout(Stdio::null()).stderr(Stdio::piped());
    let mut child = cmd.spawn().context("starting the server")?;
    let log = child.stderr.take().context("server stderr")?;
    let mut lines = BufReader::new(log).lines();
    let base = loop {
        let Some(line) = lines.next() else {
            let _ = child.kill();
            bail!("the server stopped before it listened");
        };
        let line = line?;
        if let Some(at) = line.find("listening on ") {
            break line[at + "listening on ".len()..].trim().to_owned();
        }
    };
    // Keep reading its log so it never blocks on a full pipe; warnings and
    // errors are shown.
    std::thread::spawn(move || {
        for line in lines.map_while(Result::ok) {
            if line.contains("WARN") || line.contains("ERROR") {
                eprintln!("server: {line}");
            }
        }
    });
    Ok(Server {
        child,
        base,
        _dir: dir,
    })
}

/// A fresh Postgres database for one run (dropped first if a run left it).
async fn fresh_postgres(admin_url: &str) -> Result<String> {
    use sqlx::{Connection, Executor};
    let name = "gatehouse_bench";
    let mut admin = sqlx::PgConnection::connect(admin_url)
        .await
        .with_context(|| format!("connecting to Postgres at {admin_url}"))?;
    admin
        .execute(format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)").as_str())
        .await?;
    admin
        .execute(format!("CREATE DATABASE {name}").as_str())
        .await?;
    let (base, _) = admin_url
        .rsplit_once('/')
        .context("BENCH_POSTGRES_URL needs a /database part")?;
    Ok(format!("{base}/{name}"))
}

/// One build's figures on one backend.
struct BackendRun {
    label: &'static str,
    rows: Vec<(String, Run)>,
    writes: Writes,
}

async fn run_backend(settings: &Settings, backend: Backend, build: &Build) -> Result<BackendRun> {
    let prefix = format!("gatehouse-bench-{}", std::process::id());
    let data = tempfile::tempdir()?;
    let sqlite_file = data.path().join("bench.db");
    let (env, redis) = match backend {
        Backend::Sqlite => (
            vec![(
                "DATABASE_URL",
                format!("sqlite://{}", sqlite_file.display()),
            )],
            None,
        ),
        Backend::PostgresRedis => {
            let database = fresh_postgres(&settings.postgres_url).await?;
            let redis = redis::Client::open(settings.redis_url.as_str())?
                .get_multiplexed_async_connection()
                .await
                .context("connecting to Redis")?;
            (
                vec![
                    ("DATABASE_URL", database),
                    ("SESSION_STORE_URL", settings.redis_url.clone()),
                    ("SESSION_KEY_PREFIX", prefix.clone()),
                ],
                Some(redis),
            )
        }
    };
    let server = start_server(build, data, &env)?;
    let cookie = sign_up(&server.base).await?;
    let wrk = Wrk {
        settings,
        base: server.base.clone(),
        dir: tempfile::tempdir()?,
    };

    let me = Workload::get("/api/me", &cookie, "application/json");
    let workloads = [
        Workload::get("/healthz", "", "*/*"),
        me.clone(),
        Workload::get("/login", "", "text/html"),
        Workload::get("/profile", &cookie, "text/html"),
    ];
    // Warm-up (connections, pools, caches), not measured.
    wrk.run(&me, 2)?;
    let mut rows = Vec::new();
    for workload in &workloads {
        rows.push((workload.name(), wrk.run(workload, settings.secs)?));
    }
    // Logins flat out, on several accounts in turn: four in flight per
    // core keep every hashing thread busy while others do the rest of a
    // login.
    let login = Workload::login();
    let in_flight = 4 * settings.cores as u64;
    rows.push((login.name(), Wrk::finish(wrk.spawn(&login, settings.secs, in_flight)?)?));
    // The storm: logins flat out from a second wrk (one connection per
    // core; more would only queue for the hasher) while /api/me is
    // measured again.
    let storm = wrk.spawn(&Workload::login(), settings.secs + 2, settings.cores as u64)?;
    tokio::time::sleep(Duration::from_secs(1)).await;
    let during = wrk.run(&me, settings.secs)?;
    let storm = Wrk::finish(storm)?;
    rows.push(("GET /api/me during a login storm".to_owned(), during));
    rows.push(("  the storm: POST /api/login".to_owned(), storm));

    let counter = match &redis {
        None => WriteCounter::sqlite(&sqlite_file).await?,
        Some(redis) => WriteCounter::Redis(redis.clone()),
    };
    let writes = store_writes(&server.base, &cookie, &counter, 1_000).await?;
    drop(server);
    if let Some(mut redis) = redis {
        clear_redis(&mut redis, &prefix).await?;
    }
    Ok(BackendRun {
        label: build.label,
        rows,
        writes,
    })
}

/// Posts the bench user's email and password to `path`, as a script does.
async fn post_credentials(
    client: &reqwest::Client,
    base: &str,
    path: &str,
) -> Result<reqwest::Response> {
    post_credentials_of(client, base, path, EMAIL).await
}

async fn post_credentials_of(
    client: &reqwest::Client,
    base: &str,
    path: &str,
    email: &str,
) -> Result<reqwest::Response> {
    let res = client
        .post(format!("{base}{path}"))
        .header("Accept", "application/json")
        .form(&[("email", email), ("password", PASSWORD)])
        .send()
        .await?;
    if !res.status().is_success() {
        bail!("{path} answered {}", res.status());
    }
    Ok(res)
}

/// Signs the bench accounts up; answers the first one's session cookie.
async fn sign_up(base: &str) -> Result<String> {
    let client = reqwest::Client::new();
    for i in 1..LOGIN_ACCOUNTS {
        post_credentials_of(&client, base, "/api/signup", &account(i)).await?;
    }
    let res = post_credentials(&client, base, "/api/signup").await?;
    res.headers()
        .get_all("set-cookie")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find(|v| v.starts_with("gatehouse="))
        .and_then(|v| v.split(';').next())
        .map(str::to_owned)
        .context("sign-up set no session cookie")
}

#[derive(Clone)]
struct Workload {
    path: &'static str,
    method: &'static str,
    headers: Vec<(&'static str, String)>,
    body: String,
    /// Bodies sent in turn, when there are several.
    rotate: Vec<String>,
}

impl Workload {
    fn get(path: &'static str, cookie: &str, accept: &str) -> Self {
        let mut headers = vec![("Accept", accept.to_owned())];
        if !cookie.is_empty() {
            headers.push(("Cookie", cookie.to_owned()));
        }
        Self {
            path,
            method: "GET",
            headers,
            body: String::new(),
            rotate: Vec::new(),
        }
    }

    /// Logins, each request for the next of the [`LOGIN_ACCOUNTS`]
    /// accounts in turn: one account's attempts in flight are held to
    /// LOGIN_MAX_FAILURES (5) before the hash, so a burst on one account
    /// can't guess past the throttle, and would measure refusals.
    fn login() -> Self {
        let bodies = (0..LOGIN_ACCOUNTS)
            .map(|i| {
                form_urlencoded::Serializer::new(String::new())
                    .append_pair("email", &account(i))
                    .append_pair("password", PASSWORD)
                    .finish()
            })
            .collect::<Vec<_>>();
        Self {
            path: "/api/login",
            method: "POST",
            headers: vec![
                ("Accept", "application/json".to_owned()),
                (
                    "Content-Type",
                    "application/x-www-form-urlencoded".to_owned(),
                ),
            ],
            body: bodies[0].clone(),
            rotate: bodies,
        }
    }

    fn name(&self) -> String {
        format!("{} {}", self.method, self.path)
    }

    /// A wrk script: the request, a per-thread count of non-2xx answers,
    /// and a summary line the harness reads.
    fn script(&self) -> String {
        let lua = |s: &str| format!("{s:?}");
        let mut out = format!(
            "wrk.method = {}\nwrk.body = {}\n",
            lua(self.method),
            lua(&self.body)
        );
        for (name, value) in &self.headers {
            out += &format!("wrk.headers[{}] = {}\n", lua(name), lua(value));
        }
        if !self.rotate.is_empty() {
            let bodies: Vec<String> = self.rotate.iter().map(|b| lua(b)).collect();
            out += &format!(
                "local bodies = {{{}}}\nlocal turn = 0\nfunction request()\n  turn = turn % #bodies + 1\n  return wrk.format(nil, nil, nil, bodies[turn])\nend\n",
                bodies.join(", ")
            );
        }
        out += r#"
local threads = {}
function setup(thread) table.insert(threads, thread) end
function init(args) non2xx = 0 end
function response(status, headers, body)
  if status < 200 or status > 299 then non2xx = non2xx + 1 end
end
function done(summary, latency, requests)
  local bad = 0
  for _, t in ipairs(threads) do bad = bad + t:get("non2xx") end
  local e = summary.errors
  io.write(string.format(
    "BENCH %d %d %d %d %d %d\n",
    summary.requests, summary.duration, latency:percentile(50),
    latency:percentile(99), bad, e.connect + e.read + e.write + e.timeout))
end
"#;
        out
    }
}

/// What one wrk run measured.
#[derive(Clone, Copy, Debug)]
struct Run {
    rps: f64,
    p50_us: f64,
    p99_us: f64,
    non2xx: u64,
    socket_errors: u64,
}

impl Run {
    fn errors(&self) -> u64 {
        self.non2xx + self.socket_errors
    }
}

/// Runs wrk against one server.
struct Wrk<'a> {
    settings: &'a Settings,
    base: String,
    dir: tempfile::TempDir,
}

impl Wrk<'_> {
    fn spawn(&self, workload: &Workload, secs: u64, connections: u64) -> Result<Child> {
        let script = self
            .dir
            .path()
            .join(format!("{}.lua", workload.path.replace('/', "_")));
        std::fs::write(&script, workload.script())?;
        Command::new("wrk")
            .arg(format!("-t{}", self.settings.threads.min(connections)))
            .arg(format!("-c{connections}"))
            .arg(format!("-d{secs}s"))
            .arg("--timeout=5s")
            .arg("-s")
            .arg(&script)
            .arg(format!("{}{}", self.base, workload.path))
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .context("starting wrk")
    }

    fn run(&self, workload: &Workload, secs: u64) -> Result<Run> {
        Self::finish(self.spawn(workload, secs, self.settings.connections)?)
    }

    fn finish(child: Child) -> Result<Run> {
        let out = child.wait_with_output()?;
        let text = String::from_utf8_lossy(&out.stdout);
        if !out.status.success() {
            bail!("wrk failed:\n{text}");
        }
        let line = text
            .lines()
            .find_map(|l| l.strip_prefix("BENCH "))
            .with_context(|| format!("wrk printed no summary:\n{text}"))?;
        let n: Vec<f64> = line
            .split_whitespace()
            .map(str::parse::<f64>)
            .collect::<Result<_, _>>()?;
        let [requests, duration_us, p50, p99, non2xx, socket] = n[..] else {
            bail!("unexpected wrk summary: {line}");
        };
        Ok(Run {
            rps: requests / (duration_us / 1e6),
            p50_us: p50,
            p99_us: p99,
            non2xx: non2xx as u64,
            socket_errors: socket as u64,
        })
    }
}

/// Session-store writes caused by `reads` authenticated `GET /api/me`s of
/// one session, counted by the store itself: SQLite through triggers on
/// the sessions table (added to this run's throwaway database), Redis by
/// its own count of changes to the dataset.
struct Writes {
    reads: u64,
    writes: u64,
    /// The writes of one login, counted the same way: shows the count
    /// sees writes at all.
    login: u64,
}

async fn store_writes(
    base: &str,
    cookie: &str,
    counter: &WriteCounter,
    reads: u64,
) -> Result<Writes> {
    let before = counter.count().await?;
    let client = reqwest::Client::new();
    for _ in 0..reads {
        let res = client
            .get(format!("{base}/api/me"))
            .header("Cookie", cookie)
            .header("Accept", "application/json")
            .send()
            .await?;
        if !res.status().is_success() {
            bail!("an authenticated read answered {}", res.status());
        }
    }
    let after = counter.count().await?;
    post_credentials(&client, base, "/api/login").await?;
    let after_login = counter.count().await?;
    counter.remove().await?;
    if after < before || after_login < after {
        bail!("the store's write count went backwards (a Redis SAVE ran?); run again");
    }
    Ok(Writes {
        reads,
        writes: after - before,
        login: after_login - after,
    })
}

enum WriteCounter {
    Sqlite(sqlx::SqlitePool),
    Redis(redis::aio::MultiplexedConnection),
}

impl WriteCounter {
    /// Counts inserts, updates and deletes of session rows.
    async fn sqlite(file: &Path) -> Result<Self> {
        let options = sqlx::sqlite::SqliteConnectOptions::new()
            .filename(file)
            .busy_timeout(Duration::from_secs(5));
        let pool = sqlx::SqlitePool::connect_with(options).await?;
        let count = "BEGIN UPDATE bench_writes SET n = n + 1; END";
        for sql in [
            "CREATE TABLE bench_writes (n INTEGER NOT NULL)".to_owned(),
            "INSERT INTO bench_writes VALUES (0)".to_owned(),
            format!("CREATE TRIGGER bench_insert AFTER INSERT ON sessions {count}"),
            format!("CREATE TRIGGER bench_update AFTER UPDATE ON sessions {count}"),
            format!("CREATE TRIGGER bench_delete AFTER DELETE ON sessions {count}"),
        ] {
            sqlx::query(&sql).execute(&pool).await?;
        }
        Ok(Self::Sqlite(pool))
    }

    async fn count(&self) -> Result<u64> {
        match self {
            Self::Sqlite(pool) => {
                let n: i64 = sqlx::query_scalar("SELECT n FROM bench_writes")
                    .fetch_one(pool)
                    .await?;
                Ok(n as u64)
            }
            Self::Redis(conn) => {
                let info: String = redis::cmd("INFO")
                    .arg("persistence")
                    .query_async(&mut conn.clone())
                    .await?;
                info.lines()
                    .find_map(|l| l.strip_prefix("rdb_changes_since_last_save:"))
                    .and_then(|n| n.trim().parse().ok())
                    .context("Redis INFO has no rdb_changes_since_last_save")
            }
        }
    }

    async fn remove(&self) -> Result<()> {
        if let Self::Sqlite(pool) = self {
            for sql in [
                "DROP TRIGGER bench_insert",
                "DROP TRIGGER bench_update",
                "DROP TRIGGER bench_delete",
                "DROP TABLE bench_writes",
            ] {
                sqlx::query(sql).execute(pool).await?;
            }
        }
        Ok(())
    }
}

async fn clear_redis(redis: &mut redis::aio::MultiplexedConnection, prefix: &str) -> Result<()> {
    let keys: Vec<String> = redis::cmd("KEYS")
        .arg(format!("{prefix}:*"))
        .query_async(redis)
        .await?;
    for chunk in keys.chunks(500) {
        let _: () = redis::cmd("DEL").arg(chunk).query_async(redis).await?;
    }
    Ok(())
}

fn ms(us: f64) -> String {
    format!("{:.2} ms", us / 1000.0)
}

fn print_table(settings: &Settings, backend: Backend, runs: &[BackendRun], machine: &Machine) {
    println!("### {} ({} cores)\n", backend.title(), settings.cores);
    let mut header = "| workload |".to_owned();
    let mut rule = "|---|".to_owned();
    for run in runs {
        let label = if runs.len() > 1 { format!("{}: ", run.label) } else { String::new() };
        header += &format!(" {label}requests/s | p50 | p99 | vs /healthz |");
        rule += "---:|---:|---:|---:|";
    }
    println!("{header}\n{rule}");
    for (i, (name, _)) in runs[0].rows.iter().enumerate() {
        let mut line = format!("| {name} |");
        for run in runs {
            let healthz = run.rows[0].1.rps;
            let r = &run.rows[i].1;
            line += &format!(
                " {:.0} | {} | {} | {:.0} % |",
                r.rps,
                ms(r.p50_us),
                ms(r.p99_us),
                100.0 * r.rps / healthz
            );
        }
        println!("{line}");
    }
    println!();
    for run in runs {
        let errors: u64 = run.rows.iter().map(|(_, r)| r.errors()).sum();
        let w = &run.writes;
        println!(
            "{}: session-store writes for {} authenticated reads of one session: {} (and for one login: {}){}",
            run.label,
            w.reads,
            w.writes,
            w.login,
            if errors > 0 {
                format!("; THIS RUN HAD {errors} ERRORS (non-2xx answers or socket errors)")
            } else {
                String::new()
            }
        );
    }
    println!("\nTargets (the last column is judged):");
    let figures: Vec<Option<Targets>> = runs.iter().map(|r| Targets::of(r, machine)).collect();
    let line = |what: &str, show: &dyn Fn(&Targets) -> String, ok: &dyn Fn(&Targets) -> bool| {
        let shown: Vec<String> = runs
            .iter()
            .zip(&figures)
            .map(|(run, t)| {
                let value = t.as_ref().map_or_else(|| "–".to_owned(), show);
                if runs.len() > 1 { format!("{} {value}", run.label) } else { value }
            })
            .collect();
        let verdict = match figures.last().and_then(Option::as_ref) {
            Some(t) if ok(t) => "met",
            Some(_) => "MISSED",
            None => "not measured",
        };
        println!("- {what}: {} ({verdict})", shown.join(", "));
    };
    line(
        "/api/me at least 40 % of a bare axum hello's /healthz",
        &|t| format!("{:.0} %", 100.0 * t.me_vs_hello),
        &|t| t.me_vs_hello >= 0.40,
    );
    line(
        "/profile at least 15 % of Gatehouse's own /healthz",
        &|t| format!("{:.0} %", 100.0 * t.profile_vs_healthz),
        &|t| t.profile_vs_healthz >= 0.15,
    );
    line(
        "/api/me p99 in a login storm at most 2x idle",
        &|t| format!("{:.2}x", t.storm_p99),
        &|t| t.storm_p99 <= 2.0,
    );
    line(
        "logins/s at least 90 % of the bare argon2 rate",
        &|t| format!("{:.0} %", 100.0 * t.logins_vs_argon2),
        &|t| t.logins_vs_argon2 >= 0.90,
    );
    line(
        "/api/me keeps half its requests/s in a login storm",
        &|t| format!("{:.0} %", 100.0 * t.storm_kept),
        &|t| t.storm_kept >= 0.5,
    );
    line(
        "at most 2 store writes per 1,000 reads",
        &|t| format!("{:.1}", t.writes_per_1000),
        &|t| t.writes_per_1000 <= 2.0,
    );
    println!();
}

/// One build's figures set against the targets.
struct Targets {
    me_vs_hello: f64,
    profile_vs_healthz: f64,
    storm_p99: f64,
    storm_kept: f64,
    logins_vs_argon2: f64,
    writes_per_1000: f64,
}

impl Targets {
    fn of(run: &BackendRun, machine: &Machine) -> Option<Self> {
        let find = |name: &str| run.rows.iter().find(|(n, _)| n == name).map(|(_, r)| *r);
        let healthz = find("GET /healthz")?;
        let me = find("GET /api/me")?;
        let profile = find("GET /profile")?;
        let login = find("POST /api/login")?;
        let storm = find("GET /api/me during a login storm")?;
        Some(Self {
            me_vs_hello: me.rps / machine.hello.rps,
            profile_vs_healthz: profile.rps / healthz.rps,
            storm_p99: storm.p99_us / me.p99_us,
            storm_kept: storm.rps / me.rps,
            logins_vs_argon2: login.rps / machine.hashes_per_sec,
            writes_per_1000: run.writes.writes as f64 * 1000.0 / run.writes.reads as f64,
        })
    }
}
