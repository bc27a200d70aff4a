//! The `layerscope` command as a user runs it: output formats, exit codes and
//! the one-line errors, over real archives of the shared corpus.

use std::process::{Command, Stdio};

mod support;
use support::*;

#[test]
fn ls_prints_the_union_like_find() {
    let o = run(&["ls", &corpus(DIVE)]);
    assert!(o.status.success(), "{}", stderr(&o));
    let out = stdout(&o);
    let lines: Vec<&str> = out.lines().collect();
    // Sorted by bytes, `/` left out, seven tab-separated columns.
    let mut sorted = lines.clone();
    sorted.sort();
    assert_eq!(lines, sorted);
    assert!(lines
        .iter()
        .all(|l| l.starts_with('/') && l.split('\t').count() == 7));
    assert!(!lines.iter().any(|l| l.starts_with("/\t")));
    // busybox: /bin/sh is a hard link to /bin/[ in the base layer: a regular file with its size.
    let sh = lines.iter().find(|l| l.starts_with("/bin/sh\t")).unwrap();
    let bracket = lines.iter().find(|l| l.starts_with("/bin/[\t")).unwrap();
    assert_eq!(sh.split('\t').nth(1), Some("f"));
    assert_eq!(sh.split('\t').nth(2), bracket.split('\t').nth(2));
    assert_ne!(sh.split('\t').nth(2), Some("0"));
    // The files the Dockerfile made, with their final modes (chmod +x in the last layer).
    assert!(
        lines.contains(&"/root/saved.txt\tf\t6405\t0755\t0\t0\t"),
        "{out}"
    );
    assert!(lines.contains(&"/root\td\t0\t0700\t0\t0\t"));
    assert!(!out.contains("/root/example"));
}

#[test]
fn ls_at_an_earlier_layer_and_its_changes() {
    let o = run(&["ls", &corpus(DIVE), "--layer", "3"]);
    assert!(o.status.success());
    assert!(stdout(&o).contains("/root/example/somefile1.txt\tf\t6405\t0644\t0\t0\t\n"));
    let o = run(&["ls", &corpus(DIVE), "--layer", "4", "--changes"]);
    assert_eq!(stdout(&o), "M\t/root/example/somefile1.txt\tmode\n");
    let o = run(&["ls", &corpus(DIVE), "--layer", "9", "--changes"]);
    let out = stdout(&o);
    assert!(out.starts_with("D\t/root/example\t\n"), "{out}");
    assert_eq!(out.lines().count(), 5);
}

#[test]
fn inspect_json_has_the_documented_keys() {
    let o = run(&["inspect", &corpus(DIVE), "--json"]);
    assert!(o.status.success());
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(v["report_version"], 2);
    for key in [
        "layers",
        "history",
        "efficiency",
        "wasted_bytes",
        "user_wasted_percent",
        "exact",
        "dive",
        "diagnostics",
        "image",
    ] {
        assert!(v.get(key).is_some(), "missing {key}");
    }
    let layers = v["layers"].as_array().unwrap();
    // 14 filesystem layers and one empty-layer step, in history order.
    assert_eq!(layers.len(), 15);
    assert_eq!(
        layers.iter().filter(|l| l["empty_layer"] == true).count(),
        1
    );
    for l in layers {
        for key in [
            "digest",
            "diff_id",
            "size",
            "created_by",
            "empty_layer",
            "changes",
        ] {
            assert!(l.get(key).is_some(), "layer missing {key}");
        }
    }
    assert_eq!(v["wasted_bytes"], 32025);
    assert!(v["efficiency"].as_f64().unwrap() > 0.98);
}

#[test]
fn stdin_is_read_as_a_stream() {
    let bytes = std::fs::read(corpus(DIVE)).unwrap();
    let mut child = Command::new(env!("CARGO_BIN_EXE_layerscope"))
        .args(["ls", "-"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let mut stdin = child.stdin.take().unwrap();
    let writer = std::thread::spawn(move || std::io::Write::write_all(&mut stdin, &bytes));
    let piped = child.wait_with_output().unwrap();
    writer.join().unwrap().unwrap();
    assert!(piped.status.success());
    assert_eq!(stdout(&piped), stdout(&run(&["ls", &corpus(DIVE)])));
}

#[test]
fn a_layout_directory_reads_like_its_archive() {
    let o = run(&[
        "inspect",
        &corpus("aquasecurity-trivy/pkg/fanal/test/testdata/test.oci"),
        "--json",
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(v["image"]["format"], "oci-layout");
    assert_eq!(v["layers"][0]["diff_id_verified"], true);
    assert_eq!(v["layers"][0]["digest_verified"], true);
    assert_eq!(v["layers"][1]["empty_layer"], true);
}

#[test]
fn errors_are_one_line_with_exit_code_2() {
    let dir = std::env::temp_dir().join(format!("layerscope-cli-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let empty = dir.join("empty.tar");
    std::fs::write(&empty, b"").unwrap();
    let cases = [
        (empty.to_string_lossy().into_owned(), "the file is empty"),
        (
            corpus("regclient-regclient/testdata/layer-wh.tar"),
            "not a container image",
        ),
        (
            dir.join("missing.tar").to_string_lossy().into_owned(),
            "cannot open",
        ),
    ];
    for (path, message) in cases {
        let o = run(&["inspect", &path]);
        assert_eq!(o.status.code(), Some(2), "{path}");
        let err = stderr(&o);
        assert_eq!(err.lines().count(), 1, "{err}");
        assert!(err.starts_with("layerscope: error: "), "{err}");
        assert!(err.contains(&path), "the error names the file: {err}");
        assert!(err.contains(message), "{err}");
    }
    // A truncated layer names the layer and the member.
    let bytes = std::fs::read(corpus(DIVE)).unwrap();
    let cut = dir.join("cut.tar");
    std::fs::write(&cut, &bytes[..bytes.len() / 2]).unwrap();
    let o = run(&["inspect", &cut.to_string_lossy()]);
    assert_eq!(o.status.code(), Some(2));
    assert_eq!(stderr(&o).lines().count(), 1, "{}", stderr(&o));
    let o = run(&["ls", &corpus(DIVE), "--layer", "99"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("there is no layer 99: the image has 14 layers (0 to 13)"));
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn a_digest_mismatch_is_shown_and_fails() {
    let o = run(&["inspect", &corpus("google-go-containerregistry/pkg/v1/mutate/testdata/source_image_with_empty_layer_history.tar")]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stdout(&o).contains("Layers     1"));
    let err = stderr(&o);
    assert_eq!(err.lines().count(), 1);
    assert!(err.contains("digest mismatch"), "{err}");
}

#[test]
fn inspect_text_reads_like_docker_history() {
    let o = run(&["inspect", &corpus(DIVE)]);
    assert!(o.status.success());
    let out = stdout(&o);
    assert!(out.contains("Image      dive-test:latest"));
    assert!(out.contains("CREATED BY"));
    assert!(out.contains("/bin/sh -c rm -rf /root/example/"));
    assert!(
        out.contains("Efficiency (dive 0.13.1)  98.44 %   wasted 32.0 kB   user wasted 48.35 %")
    );
    assert!(out.contains("/root/example/somefile1.txt  (deleted)"));
}
