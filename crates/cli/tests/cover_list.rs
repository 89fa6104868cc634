//! `fax cover list` lists every cover page template the server has (each one a job can name
//! with `fax send --cover`), and with `--shipped` those shipped with ferrofax, with no server.

mod support;
use support::{fax, json_of, ok, start_faxd};

fn text(out: &std::process::Output) -> String {
    String::from_utf8_lossy(&out.stdout).into_owned() + &String::from_utf8_lossy(&out.stderr)
}

#[test]
fn cover_list_holds_every_template_of_the_server() {
    let tmp = tempfile::tempdir().unwrap();
    let data = tmp.path().join("data");
    let _faxd = start_faxd(&data, None);
    std::fs::write(data.join("coverpages/letterhead.svg"), ferrofax_render::BUILTIN_TEMPLATES[0].1).unwrap();
    let listed = text(&ok(fax(&data, &["cover", "list"])));
    for name in ["classic", "confidential", "default", "letterhead", "modern"] {
        assert!(listed.contains(name), "{name}: {listed}");
    }
    let names: Vec<String> = json_of(&ok(fax(&data, &["cover", "list", "--json"])))
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["name"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(names, ["classic", "confidential", "default", "letterhead", "modern"]);
    // Each can be named by `fax send --cover`.
    let note = tmp.path().join("note.txt");
    std::fs::write(&note, "Hello\n").unwrap();
    ok(fax(&data, &["server", "set", "pause_server_queue", "true"]));
    for name in &names {
        let out = fax(&data, &["send", note.to_str().unwrap(), "--to", "100", "--cover", name]);
        assert!(out.status.success(), "{name}: {}", text(&out));
    }
    // Without a server, the templates shipped with ferrofax.
    let shipped = text(&ok(fax(tmp.path(), &["cover", "list", "--shipped"])));
    assert_eq!(shipped, "classic\nmodern\nconfidential\n");
}
