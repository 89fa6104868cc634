//! What a new user meets cancelling a fax during its call: the answer is how the job ends,
//! never the internal Deleting state; a cancelled fax is not said to have been received; and
//! the job types the list shows are the ones `--type` takes. The lines run at the pace of a
//! real call, so that there is time to cancel during one.

use std::path::Path;
use std::time::{Duration, Instant};

mod support;
use support::{fax, json_of, ok, start_faxd};

/// Lines at real pace: loop1 sends, loop2 answers.
const SLOW_LINES: &str = r#"
[[lines]]
id = "loop1"
driver = "loopback"
peer = "loop2"
speed = 1.0
ring_seconds = 0.2
send = true
receive = false
tsid = "+1 555 0100"

[[lines]]
id = "loop2"
driver = "loopback"
peer = "loop1"
send = false
receive = true
csid = "+1 555 0200"
"#;

fn text(out: &std::process::Output) -> String {
    String::from_utf8_lossy(&out.stdout).into_owned() + &String::from_utf8_lossy(&out.stderr)
}

/// The value of a `fax job show` line.
fn field(shown: &str, label: &str) -> Option<String> {
    shown.lines().find_map(|l| l.strip_prefix(label).filter(|v| v.starts_with("  ")).map(|v| v.trim().to_string()))
}

/// Sends `file` to 100; returns the job id.
fn send(data: &Path, file: &Path) -> i64 {
    let sent = json_of(&ok(fax(data, &["send", file.to_str().unwrap(), "--to", "100", "--json"])));
    sent["job_ids"][0].as_i64().unwrap()
}

/// Waits until the job is sending its second page, so that a cancel comes during its call
/// and the other line has a page to keep.
fn wait_sending(data: &Path, id: i64) {
    let start = Instant::now();
    loop {
        let j = json_of(&ok(fax(data, &["job", "show", &id.to_string(), "--json"])));
        if j["device_status"] == "sending" && j["current_page"].as_u64() >= Some(2) {
            return;
        }
        assert!(start.elapsed() < Duration::from_secs(60), "job {id} did not start sending: {j}");
        std::thread::sleep(Duration::from_millis(100));
    }
}

#[test]
fn a_fax_cancelled_during_its_call_ends_canceled_and_the_lists_say_so() {
    let tmp = tempfile::tempdir().unwrap();
    let data = tmp.path().join("data");
    let config = tmp.path().join("faxd.toml");
    std::fs::write(&config, SLOW_LINES).unwrap();
    let _faxd = start_faxd(&data, Some(&config));
    let letter = tmp.path().join("letter.txt");
    std::fs::write(&letter, "Page one.\x0cPage two.\x0cPage three.\x0cPage four.\n").unwrap();

    // By default the command waits for the line to end the call and shows how the job ended.
    let first = send(&data, &letter);
    wait_sending(&data, first);
    let out = ok(fax(&data, &["job", "cancel", &first.to_string()]));
    let shown = text(&out);
    assert!(!shown.contains("Deleting") && !shown.contains("deleting"), "{shown}");
    assert!(shown.contains("Canceled") && shown.contains("cancelled during the call"), "{shown}");
    let j = json_of(&ok(fax(&data, &["job", "show", &first.to_string(), "--json"])));
    assert_eq!(j["queue_status"], "canceled", "{j}");

    // With --no-wait it answers at once and says the job is being cancelled.
    let second = send(&data, &letter);
    wait_sending(&data, second);
    let shown = text(&ok(fax(&data, &["job", "cancel", &second.to_string(), "--no-wait"])));
    assert!(!shown.contains("Deleting") && !shown.contains("deleting"), "{shown}");
    assert!(shown.contains("being cancelled") || shown.contains("Canceled"), "{shown}");
    let start = Instant::now();
    while json_of(&ok(fax(&data, &["job", "show", &second.to_string(), "--json"])))["queue_status"] != "canceled" {
        assert!(start.elapsed() < Duration::from_secs(60), "job {second} did not end");
        std::thread::sleep(Duration::from_millis(100));
    }

    // Neither cancelled fax is said to be received by the far end, which answered; what the
    // other line kept of each was sent by the first line; the table shows each type as
    // `--type` takes it.
    for id in [first, second] {
        let shown = text(&ok(fax(&data, &["job", "show", &id.to_string()])));
        assert!(!shown.contains("received by"), "{shown}");
        assert_eq!(field(&shown, "answered by").as_deref(), Some("+1 555 0200"), "{shown}");
    }
    let listed = text(&ok(fax(&data, &["jobs"])));
    assert!(!listed.contains("received by"), "{listed}");
    let jobs = json_of(&ok(fax(&data, &["jobs", "--json"])));
    let jobs = jobs.as_array().unwrap();
    assert_eq!(jobs.len(), 4, "two sent, two partly received: {jobs:?}");
    for t in ["send", "fail_receive"] {
        assert!(listed.contains(&format!(" {t} ")), "the TYPE column shows `{t}`: {listed}");
        let only = json_of(&ok(fax(&data, &["jobs", "--type", t, "--json"])));
        assert_eq!(only.as_array().unwrap().len(), 2, "{t}: {only}");
    }
    for j in jobs.iter().filter(|j| j["type"] == "fail_receive") {
        let shown = text(&ok(fax(&data, &["job", "show", &j["job_id"].to_string()])));
        assert!(!shown.contains("received by") && !shown.contains("confirmed"), "{shown}");
        assert_eq!(field(&shown, "sent by").as_deref(), Some("+1 555 0100"), "{shown}");
        assert!(shown.contains("received before the call ended"), "{shown}");
    }

    // A fax that went through was received by the far end.
    let note = tmp.path().join("note.txt");
    std::fs::write(&note, "One page.\n").unwrap();
    let done = json_of(&ok(fax(&data, &["send", note.to_str().unwrap(), "--to", "100", "--wait", "--json"])));
    let shown = text(&ok(fax(&data, &["job", "show", &done[0]["job_id"].to_string()])));
    assert_eq!(field(&shown, "received by").as_deref(), Some("+1 555 0200"), "{shown}");
}
