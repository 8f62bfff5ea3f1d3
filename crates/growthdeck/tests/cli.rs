//! The real binary, as an operator runs it: first start, second start, shutdown, and the
//! operational subcommands.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::{
    io::{BufRead, BufReader, Write},
    process::{Command, Stdio},
    time::{Duration, Instant},
};

const BIN: &str = env!("CARGO_BIN_EXE_growthdeck");

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// A command with a clean environment, run in `dir` (so the default `./data` is inside it);
/// only the listen address is set.
fn growthdeck(dir: &std::path::Path, port: u16) -> Command {
    let mut cmd = Command::new(BIN);
    cmd.env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .env("GROWTHDECK_LISTEN", format!("127.0.0.1:{port}"))
        .env("GROWTHDECK_LOG", "warn")
        .current_dir(dir);
    cmd
}

/// Starts `serve`, reads stdout until the server answers, returns the child and what it printed.
/// The caller waits for the child (`interrupt`).
#[allow(clippy::zombie_processes)]
fn start(data: &std::path::Path, port: u16) -> (std::process::Child, String) {
    let mut child = growthdeck(data, port)
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let stdout = child.stdout.take().unwrap();
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines().map_while(Result::ok) {
            if tx.send(line).is_err() {
                break;
            }
        }
    });
    let deadline = Instant::now() + Duration::from_secs(30);
    let mut printed = String::new();
    loop {
        while let Ok(line) = rx.try_recv() {
            printed.push_str(&line);
            printed.push('\n');
        }
        if std::net::TcpStream::connect(("127.0.0.1", port)).is_ok() {
            std::thread::sleep(Duration::from_millis(200));
            while let Ok(line) = rx.try_recv() {
                printed.push_str(&line);
                printed.push('\n');
            }
            return (child, printed);
        }
        assert!(
            Instant::now() < deadline,
            "server did not start; printed: {printed}"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
}

fn interrupt(child: &mut std::process::Child) {
    let status = Command::new("kill")
        .arg("-INT")
        .arg(child.id().to_string())
        .status()
        .unwrap();
    assert!(status.success());
    let deadline = Instant::now() + Duration::from_secs(15);
    loop {
        if let Some(status) = child.try_wait().unwrap() {
            assert!(status.success(), "graceful exit, got {status}");
            return;
        }
        assert!(Instant::now() < deadline, "did not shut down");
        std::thread::sleep(Duration::from_millis(50));
    }
}

#[test]
fn first_start_creates_data_and_prints_the_setup_link_once() {
    let dir = tempfile::tempdir().unwrap();
    let port = free_port();
    let (mut child, printed) = start(dir.path(), port);
    assert!(
        printed.contains(&format!("http://127.0.0.1:{port}/")),
        "{printed}"
    );
    assert!(
        printed.contains("/setup?token="),
        "first start prints the link: {printed}"
    );
    interrupt(&mut child);

    let data = dir.path().join("data");
    assert!(data.join("growthdeck.db").exists());
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(data.join("platform.key"))
            .unwrap()
            .permissions()
            .mode();
        assert_eq!(mode & 0o777, 0o600);
    }
    // WAL mode is recorded in the database file header (bytes 18 and 19 are 2 for WAL).
    let header = std::fs::read(data.join("growthdeck.db")).unwrap();
    assert_eq!((header[18], header[19]), (2, 2), "journal mode is WAL");

    let (mut child, printed) = start(dir.path(), port);
    assert!(
        !printed.contains("/setup?token="),
        "second start does not print it: {printed}"
    );
    interrupt(&mut child);
}

#[test]
fn in_flight_requests_finish_on_shutdown() {
    let dir = tempfile::tempdir().unwrap();
    let port = free_port();
    let (mut child, _) = start(dir.path(), port);
    // A request is in flight when the interrupt comes: its headers and all of its body but the
    // last byte are sent and given time to be accepted (a fixed 5 ms after the whole request
    // lost the race on a loaded CI machine: the connection was not accepted yet and was reset).
    // The last byte follows the interrupt; the answer must still come.
    let mut stream = std::net::TcpStream::connect(("127.0.0.1", port)).unwrap();
    let body = r#"{"email":"s@example.com","password":"correct horse battery staple","name":"S","workspace":"S"}"#;
    let (head, last) = body.split_at(body.len() - 1);
    write!(
        stream,
        "POST /api/v1/auth/signup HTTP/1.1\r\nhost: 127.0.0.1\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{head}",
        body.len()
    )
    .unwrap();
    std::thread::sleep(Duration::from_millis(300));
    Command::new("kill")
        .arg("-INT")
        .arg(child.id().to_string())
        .status()
        .unwrap();
    std::thread::sleep(Duration::from_millis(50));
    write!(stream, "{last}").unwrap();
    let mut response = String::new();
    std::io::Read::read_to_string(&mut stream, &mut response).unwrap();
    assert!(response.starts_with("HTTP/1.1 202"), "{response}");
    interrupt_wait(&mut child);
}

fn interrupt_wait(child: &mut std::process::Child) {
    let status = child.wait().unwrap();
    assert!(status.success());
}

#[test]
fn help_lists_the_operator_commands() {
    let out = Command::new(BIN).arg("--help").output().unwrap();
    let text = String::from_utf8(out.stdout).unwrap();
    for cmd in ["serve", "migrate", "user", "config", "backup"] {
        assert!(text.contains(cmd), "{cmd} in {text}");
    }
    let out = Command::new(BIN).args(["user", "--help"]).output().unwrap();
    assert!(String::from_utf8(out.stdout).unwrap().contains("create"));
    let out = Command::new(BIN)
        .args(["config", "--help"])
        .output()
        .unwrap();
    assert!(String::from_utf8(out.stdout).unwrap().contains("check"));
}

#[test]
fn user_create_config_check_and_backup() {
    let dir = tempfile::tempdir().unwrap();
    let port = free_port();
    let mut child = growthdeck(dir.path(), port)
        .args([
            "user",
            "create",
            "--email",
            "ops@example.com",
            "--name",
            "Ops",
            "--workspace",
            "Ops HQ",
        ])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(b"correct horse battery staple\n")
        .unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(String::from_utf8_lossy(&out.stdout).contains("ops@example.com"));

    // A weak password is refused with the reason.
    let mut child = growthdeck(dir.path(), port)
        .args([
            "user",
            "create",
            "--email",
            "weak@example.com",
            "--name",
            "W",
        ])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child.stdin.take().unwrap().write_all(b"short\n").unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("password"));

    let out = growthdeck(dir.path(), port)
        .args(["config", "check"])
        .env(
            "GROWTHDECK_SMTP_URL",
            "smtp://mailer:sup3rs3cretpassw0rd@127.0.0.1:2525",
        )
        // A key billing declares (not platform): read, masked, and not an unknown key.
        .env("GROWTHDECK_STRIPE_SECRET_KEY", "sk_test_b1llingsecret4242")
        .env("GROWTHDECK_BILLING_GRACE_DAYS", "3")
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{text}");
    assert!(text.contains("listen") && text.contains(&port.to_string()));
    assert!(!text.contains("sup3rs3cret"), "secrets masked: {text}");
    assert!(
        !text.contains("b1llingsecret"),
        "feature secrets masked: {text}"
    );
    assert!(text.contains("stripe_secret_key = \"••••4242\""), "{text}");
    assert!(text.contains("billing_grace_days = 3"), "{text}");
    assert!(
        text.contains("stripe_api_base = \"https://api.stripe.com\""),
        "{text}"
    );
    assert!(!text.contains("unknown configuration key"), "{text}");
    assert!(text.contains("configuration OK"));

    let backup = dir.path().join("snapshot.db");
    let out = growthdeck(dir.path(), port)
        .arg("backup")
        .arg(&backup)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let header = std::fs::read(&backup).unwrap();
    assert!(header.starts_with(b"SQLite format 3\0"));
    // Nothing of the data directory or a backup is readable by other users of the machine.
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = |p: &std::path::Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
        let data = dir.path().join("data");
        assert_eq!(mode(&data), 0o700, "data directory");
        assert_eq!(mode(&data.join("media")), 0o700, "media cache directory");
        for file in ["growthdeck.db", "platform.key"] {
            assert_eq!(mode(&data.join(file)), 0o600, "{file}");
        }
        for file in ["growthdeck.db-wal", "growthdeck.db-shm"] {
            if data.join(file).exists() {
                assert_eq!(mode(&data.join(file)), 0o600, "{file}");
            }
        }
        assert_eq!(mode(&backup), 0o600, "backup");
    }
    let out = growthdeck(dir.path(), port)
        .arg("backup")
        .arg(&backup)
        .output()
        .unwrap();
    assert!(!out.status.success(), "refuses to overwrite");
}

#[test]
fn admin_create_prints_the_totp_enrolment() {
    let dir = tempfile::tempdir().unwrap();
    let port = free_port();
    let mut child = growthdeck(dir.path(), port)
        .args([
            "admin",
            "create",
            "--email",
            "root@example.com",
            "--role",
            "super_admin",
        ])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(b"correct horse battery staple\n")
        .unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("otpauth://totp/"), "{text}");
    assert!(
        text.contains('█') || text.contains('▀') || text.contains('▄'),
        "QR code drawn in the terminal"
    );

    let out = growthdeck(dir.path(), port)
        .args([
            "admin",
            "create",
            "--email",
            "x@example.com",
            "--role",
            "emperor",
        ])
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("--role"));
}

#[test]
fn demo_fills_a_workspace_with_a_varied_showcase_and_refuses_bad_usernames() {
    let dir = tempfile::tempdir().unwrap();
    let port = free_port();
    // A username Instagram would refuse is refused before anything is made.
    let out = growthdeck(dir.path(), port)
        .args(["demo", "--account", "two..dots"])
        .output()
        .unwrap();
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("two periods in a row"), "{err}");
    assert!(!dir.path().join("data").exists(), "nothing created");

    let out = growthdeck(dir.path(), port).arg("demo").output().unwrap();
    let said = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{said}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    // Each account with its persona: different niches, languages and sizes.
    for part in [
        "@demo.travel.mia",
        "Mia Weber",
        "travel",
        "fitness",
        "food",
        "fashion",
        "tech",
        "beauty",
        "nano",
        "mega",
        "Sign in at",
    ] {
        assert!(said.contains(part), "{part}: {said}");
    }

    // The demo's posts analysed now, from the command line; a second run finds nothing stale.
    let analysed = |dir: &std::path::Path| {
        let out = growthdeck(dir, port)
            .args(["analyze", "--all"])
            .output()
            .unwrap();
        let said = String::from_utf8_lossy(&out.stdout).to_string();
        assert!(
            out.status.success(),
            "{said}{}",
            String::from_utf8_lossy(&out.stderr)
        );
        said
    };
    let first = analysed(dir.path());
    let numbers: Vec<usize> = first
        .split(|c: char| !c.is_ascii_digit())
        .filter_map(|n| n.parse().ok())
        .collect();
    assert!(first.contains("posts analysed"), "{first}");
    assert!(
        numbers[1] > 0 && numbers[1] == numbers[2],
        "all analysed: {first}"
    );
    let second = analysed(dir.path());
    assert!(
        second.contains(": 0 of"),
        "nothing stale the second time: {second}"
    );
    let out = growthdeck(dir.path(), port)
        .args(["analyze", "--workspace", "no-such-workspace"])
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("no workspace"));
}

/// `analyze-file`: one JSON line per input line, in input order, with the fields the docs
/// promise; `--output` refuses to overwrite a file; no database or configuration is touched.
#[test]
fn analyze_file_writes_one_record_per_line_in_order() {
    let dir = tempfile::tempdir().unwrap();
    let captions = dir.path().join("captions.txt");
    std::fs::write(
        &captions,
        "I absolutely love this sunset, best trip ever! #travel\n\
         \n\
         Das Essen war leider furchtbar und kalt.\n\
         😍😍🔥\n\
         This is the worst service I have ever had. Terrible!\n\
         Nuevo entrenamiento en el gimnasio hoy #fitness #gym",
    )
    .unwrap();
    let out = growthdeck(dir.path(), free_port())
        .args(["analyze-file"])
        .arg(&captions)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let records: Vec<serde_json::Value> = String::from_utf8(out.stdout)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(records.len(), 6, "one record per line, the empty one too");
    for r in &records {
        for field in [
            "language",
            "language_confidence",
            "sentiment",
            "sentiment_score",
            "category",
            "category_confidence",
            "method",
        ] {
            assert!(r.get(field).is_some(), "{field} missing in {r}");
        }
    }
    assert_eq!(records[0]["language"], "en");
    assert_eq!(records[0]["sentiment"], "positive");
    assert_eq!(records[0]["category"], "travel");
    assert!(records[1]["language"].is_null(), "empty line: no language");
    assert_eq!(records[1]["sentiment"], "not_analysed");
    assert_eq!(records[2]["language"], "de");
    assert_eq!(records[2]["sentiment"], "not_analysed", "no German method");
    assert!(records[3]["language"].is_null());
    assert_eq!(records[3]["sentiment"], "positive", "emoji sentiment");
    assert_eq!(records[4]["sentiment"], "negative");
    assert!(records[4]["sentiment_score"].as_f64().unwrap() < -0.05);
    assert_eq!(records[5]["language"], "es");
    assert_eq!(records[5]["category"], "fitness");
    assert!(!dir.path().join("data").exists(), "no data directory made");

    let written = dir.path().join("out.jsonl");
    let ok = growthdeck(dir.path(), free_port())
        .args(["analyze-file", "--output"])
        .arg(&written)
        .arg(&captions)
        .output()
        .unwrap();
    assert!(ok.status.success());
    assert_eq!(
        std::fs::read_to_string(&written).unwrap().lines().count(),
        6
    );
    let again = growthdeck(dir.path(), free_port())
        .args(["analyze-file", "--output"])
        .arg(&written)
        .arg(&captions)
        .output()
        .unwrap();
    assert!(
        !again.status.success(),
        "an existing output is not overwritten"
    );
}
