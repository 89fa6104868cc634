//! `faxd user` run as an administrator runs it, on a fresh data directory: adding a user
//! twice says how to get a new token, `token` prints one, `delete` ends the user's tokens and
//! keeps the last administrator; and every failure is one plain line, with RUST_BACKTRACE set
//! or not.

use std::path::Path;
use std::process::Command;

use ferrofax_server::store::AccountStore;
use ferrofax_server::store::sqlite::SqliteStore;

/// Runs `faxd --data-dir DIR ARGS…` with backtraces asked for; (succeeded, stdout, stderr).
fn faxd(dir: &Path, args: &[&str]) -> (bool, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_faxd"))
        .arg("--data-dir")
        .arg(dir)
        .args(args)
        .env_remove("FAXD_CONFIG")
        .env("RUST_BACKTRACE", "1")
        .output()
        .expect("faxd runs");
    let text = |b: &[u8]| String::from_utf8_lossy(b).into_owned();
    (out.status.success(), text(&out.stdout), text(&out.stderr))
}

/// A failure's message: one line naming faxd, no Rust debugging output.
fn plain_failure(what: &str, (ok, _, err): &(bool, String, String)) {
    assert!(!ok, "{what} fails");
    assert!(err.starts_with("faxd: "), "{what}: {err}");
    assert_eq!(err.trim_end().lines().count(), 1, "{what}: one line: {err}");
    for debug in ["Caused by", "backtrace", "Error {", "Os {", "panicked", "Custom {"] {
        assert!(!err.contains(debug), "{what}: `{debug}` in {err}");
    }
}

async fn owner(dir: &Path, token: &str) -> Option<String> {
    let store = SqliteStore::open(&dir.join("faxd.sqlite")).await.unwrap();
    store.user_by_token(&ferrofax_server::auth::hash_token(token)).await.unwrap().map(|u| u.name)
}

#[tokio::test]
async fn users_are_added_once_given_tokens_and_deleted() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    let (ok, first, err) = faxd(dir, &["user", "add", "alice"]);
    assert!(ok, "{err}");
    let first = first.trim().to_string();
    assert!(first.starts_with("ffx_"), "{first}");

    // Adding her again tells how to get a new token (and how to change her role).
    let again = faxd(dir, &["user", "add", "alice", "--role", "admin"]);
    plain_failure("adding alice again", &again);
    assert!(again.2.contains("exists already, with role user"), "{}", again.2);
    assert!(again.2.contains("faxd user token alice"), "{}", again.2);
    assert!(again.2.contains("faxd user role alice"), "{}", again.2);

    let (ok, second, err) = faxd(dir, &["user", "token", "alice", "--label", "laptop"]);
    assert!(ok, "{err}");
    let second = second.trim().to_string();
    assert!(second.starts_with("ffx_") && second != first, "{second}");
    assert_eq!(owner(dir, &first).await.as_deref(), Some("alice"), "her first token still works");
    assert_eq!(owner(dir, &second).await.as_deref(), Some("alice"));
    plain_failure("a token for nobody", &faxd(dir, &["user", "token", "nobody"]));

    // Deleting her ends both tokens.
    let (ok, _, err) = faxd(dir, &["user", "delete", "alice"]);
    assert!(ok, "{err}");
    assert!(err.contains("alice is deleted"), "{err}");
    assert_eq!(owner(dir, &first).await, None);
    assert_eq!(owner(dir, &second).await, None);
    let (_, list, _) = faxd(dir, &["user", "list"]);
    assert!(!list.contains("alice"), "{list}");
    let gone = faxd(dir, &["user", "delete", "alice"]);
    plain_failure("deleting her twice", &gone);
    assert!(gone.2.contains("`alice` does not exist"), "{}", gone.2);

    // The only administrator stays, until there is another.
    assert!(faxd(dir, &["user", "add", "root", "--role", "admin"]).0);
    let last = faxd(dir, &["user", "delete", "root"]);
    plain_failure("deleting the last administrator", &last);
    assert!(last.2.contains("last administrator"), "{}", last.2);
    assert!(faxd(dir, &["user", "add", "ops", "--role", "admin"]).0);
    assert!(faxd(dir, &["user", "delete", "root"]).0);
    let (_, list, _) = faxd(dir, &["user", "list"]);
    assert_eq!(list, "ops\tadmin\n");
}

#[tokio::test]
async fn a_role_changes_in_place_but_never_leaves_no_administrator() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    let (ok, token, err) = faxd(dir, &["user", "add", "alice"]);
    assert!(ok, "{err}");
    let (ok, _, err) = faxd(dir, &["user", "role", "alice", "admin"]);
    assert!(ok && err.contains("alice is now admin"), "{err}");
    let (_, list, _) = faxd(dir, &["user", "list"]);
    assert_eq!(list, "alice\tadmin\n");
    // Her token is hers still, with the new role.
    let store = SqliteStore::open(&dir.join("faxd.sqlite")).await.unwrap();
    let user = store.user_by_token(&ferrofax_server::auth::hash_token(token.trim())).await.unwrap().unwrap();
    assert_eq!(user.role, "admin");
    // She is the only administrator: she stays one until there is another.
    let demoted = faxd(dir, &["user", "role", "alice", "user"]);
    plain_failure("demoting the last administrator", &demoted);
    assert!(demoted.2.contains("last administrator"), "{}", demoted.2);
    assert!(faxd(dir, &["user", "add", "ops", "--role", "admin"]).0);
    assert!(faxd(dir, &["user", "role", "alice", "user"]).0);
    let (_, list, _) = faxd(dir, &["user", "list"]);
    assert_eq!(list, "alice\tuser\nops\tadmin\n");
    assert!(!faxd(dir, &["user", "role", "alice", "root"]).0, "a role that does not exist is refused");
    plain_failure("a user who does not exist", &faxd(dir, &["user", "role", "nobody", "admin"]));
}

#[test]
fn start_up_errors_are_plain_words() {
    let tmp = tempfile::tempdir().unwrap();
    let missing = tmp.path().join("missing.toml");
    let out = faxd(tmp.path(), &["--config", missing.to_str().unwrap()]);
    plain_failure("a missing configuration", &out);
    assert!(out.2.contains("missing.toml"), "{}", out.2);
    let not_a_dir = tmp.path().join("file");
    std::fs::write(&not_a_dir, "").unwrap();
    let out = faxd(&not_a_dir.join("data"), &["user", "list"]);
    plain_failure("a data directory that cannot be made", &out);
}
