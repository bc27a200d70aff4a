//! `layerscope cache` as a user runs it: the reconstructed build, a change's
//! outcome and costs, the JSON document (docs/cache.md), and one-line errors
//! with exit code 2. Docker's rules it encodes: "If no cached layer matches the
//! instruction exactly, the cache is invalidated"; COPY/ADD are invalidated
//! when "the file metadata has changed for any of the files involved";
//! "once the cache is invalidated, all subsequent Dockerfile commands generate
//! new images" (docs.docker.com/build/cache/invalidation).

mod support;
use support::*;

#[test]
fn without_a_change_it_prints_the_build_the_base_and_the_advice() {
    let o = run(&["cache", &corpus(DIVE)]);
    assert!(o.status.success(), "{}", stderr(&o));
    let out = stdout(&o);
    assert!(out.contains("Base       steps 1–2"), "{out}");
    assert!(
        out.contains("   2      -             CMD [\"sh\"]"),
        "{out}"
    );
    assert!(
        out.contains("  11      9     2.0 kB  RUN rm -rf /root/example/"),
        "{out}"
    );
    // The separator sits between step 2 and step 3.
    let lines: Vec<&str> = out.lines().collect();
    let sep = lines
        .iter()
        .position(|l| l.contains("base image ends"))
        .unwrap();
    assert!(lines[sep - 1].trim_start().starts_with("2 "));
    assert!(lines[sep + 1].trim_start().starts_with("3 "));
    assert!(
        out.contains("step 5 adds /root/example/somefile1.txt (6.4 kB) and step 11 deletes it"),
        "{out}"
    );
}

#[test]
fn a_changed_context_file_rebuilds_from_its_add() {
    let o = run(&[
        "cache",
        &corpus(DIVE),
        "--change-file",
        "/root/.data/tag.sh",
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    let out = stdout(&o);
    assert!(out.contains("First miss step 12: ADD's cache key includes the checksum of every file it copies; /root/.data/tag.sh changed"), "{out}");
    assert!(out.contains("Rebuilt    4 steps, 4 layers,"), "{out}");
    assert!(
        out.contains("  11      9     2.0 kB  cache hit  RUN rm -rf"),
        "{out}"
    );
    assert!(
        out.contains("  12     10     5.6 kB  REBUILT    ADD dir:"),
        "{out}"
    );
    assert!(
        out.contains("Time       at least"),
        "an estimate that says so: {out}"
    );
}

#[test]
fn json_is_the_documented_document() {
    let o = run(&[
        "cache",
        &corpus(DIVE),
        "--edit-step",
        "4",
        "--text",
        "RUN mkdir -p /other",
        "--json",
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    let v: serde_json::Value = serde_json::from_str(&stdout(&o)).unwrap();
    assert_eq!(v["schema"], "layerscope-cache/1");
    assert_eq!(v["base"]["end"], 2);
    assert_eq!(v["change"]["kind"], "edit-step");
    assert_eq!(v["change"]["step"], 4);
    assert_eq!(v["simulation"]["first_miss"], 4);
    assert_eq!(v["simulation"]["rule"], "instruction-text");
    let steps = v["steps"].as_array().unwrap();
    assert_eq!(steps.len(), 15);
    assert_eq!(steps[2]["outcome"], "hit");
    assert_eq!(steps[3]["outcome"], "rebuilt");
    assert_eq!(steps[1]["made_layer"], false);
    assert_eq!(steps[2]["copy"]["dest"], "/somefile.txt");
    // Push is the blobs of the 12 rebuilt layers (steps 4–15 less none: all made one).
    let push: u64 = steps[3..]
        .iter()
        .map(|s| s["blob_size"].as_u64().unwrap_or(0))
        .sum();
    assert_eq!(v["simulation"]["cost"]["push_bytes"], push);
    assert_eq!(v["simulation"]["cost"]["layers_rebuilt"], 12);
}

#[test]
fn base_end_moves_the_boundary() {
    let o = run(&[
        "cache",
        &corpus(DIVE),
        "--base-end",
        "0",
        "--change-base",
        "--json",
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    let v: serde_json::Value = serde_json::from_str(&stdout(&o)).unwrap();
    assert_eq!(v["base"]["signal"], "given");
    // No base: a new base rebuilds every step.
    assert_eq!(v["simulation"]["cost"]["steps_rebuilt"], 15);
}

#[test]
fn errors_are_one_line_naming_the_option() {
    for (args, msg) in [
        (vec!["--edit-step", "40"], "layerscope: error: --edit-step 40: the image has 15 steps\n"),
        (vec!["--change-file", "/root/saved.txt"], "layerscope: error: --change-file /root/saved.txt: no COPY or ADD step brought this path in; it was written by step 15 (RUN chmod +x /root/saved.txt)\n"),
        (vec!["--change-file", "/bin/sh"], "layerscope: error: --change-file /bin/sh: it was brought in by step 1 (ADD file:ce026b62356eec3ad1214f92be2c9dc063fe205bd5e600be34…), part of the base image (steps 1–2); change the base instead, or move the base boundary\n"),
        (vec!["--build-arg", "NOPE"], "layerscope: error: --build-arg NOPE: no step declares or uses this build ARG\n"),
        (vec!["--base-end", "99"], "layerscope: error: --base-end 99: the image has 15 steps\n"),
    ] {
        let image = corpus(DIVE);
        let mut all = vec!["cache", image.as_str()];
        all.extend(args);
        let o = run(&all);
        assert_eq!(o.status.code(), Some(2), "{all:?}");
        assert_eq!(stderr(&o), msg);
        assert!(stdout(&o).is_empty());
    }
}

#[test]
fn a_dockerfile_lines_up_with_the_steps() {
    let dir = std::env::temp_dir().join(format!("layerscope-cache-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let df = dir.join("Dockerfile");
    std::fs::write(&df, "FROM busybox AS base\nRUN true\nFROM busybox\nADD README.md /somefile.txt\nRUN mkdir -p \\\n  /root/example/really/nested\n").unwrap();
    let o = run(&["cache", &corpus(DIVE), "--dockerfile", df.to_str().unwrap()]);
    assert!(o.status.success(), "{}", stderr(&o));
    let out = stdout(&o);
    assert!(out.contains("Dockerfile (2 stages"), "{out}");
    assert!(
        out.contains("line    4  ~  step   3  ADD README.md /somefile.txt"),
        "{out}"
    );
    assert!(
        out.contains("line    5  =  step   4  RUN mkdir -p /root/example/really/nested"),
        "{out}"
    );
    std::fs::remove_dir_all(&dir).unwrap();
}

/// The page's "Download JSON" in the build pane (the worker's answer to
/// `ExportCache`) is byte for byte what `layerscope cache --json` prints with
/// the same boundary, Dockerfile and change.
#[test]
fn the_pages_download_is_the_cli_document() {
    use layerscope_core::{analyze, NoProgress, Options};
    use layerscope_protocol::{Request, Response, SimChange};
    use layerscope_worker::session::{self, Image};
    use layerscope_worker::views::Views;

    let path = corpus(DIVE);
    let dir = std::env::temp_dir().join(format!("layerscope-cache-doc-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let dockerfile = "FROM busybox:latest\nADD README.md /somefile.txt\nRUN mkdir -p /root/example/really/nested\nRUN cp /somefile.txt /root/example/somefile1.txt\n";
    let df_path = dir.join("Dockerfile");
    std::fs::write(&df_path, dockerfile).unwrap();
    let df_arg = df_path.display().to_string();
    let image = Image {
        name: "test-docker-image.tar".into(),
        analysis: analyze(
            std::io::BufReader::new(std::fs::File::open(&path).unwrap()),
            &Options::default(),
            &mut NoProgress,
        )
        .unwrap(),
    };
    let cases: Vec<(Vec<&str>, Option<usize>, bool, Option<SimChange>)> = vec![
        (vec![], None, false, None),
        (vec!["--no-cache"], None, false, Some(SimChange::NoCache)),
        (vec!["--change-base"], None, false, Some(SimChange::Base)),
        (
            vec!["--change-file", "/root/.data/tag.sh"],
            None,
            false,
            Some(SimChange::File {
                path: "/root/.data/tag.sh".into(),
            }),
        ),
        (
            vec![
                "--edit-step",
                "7",
                "--text",
                "RUN echo edited",
                "--base-end",
                "4",
            ],
            Some(4),
            true,
            Some(SimChange::EditStep {
                step: 6,
                text: "RUN echo edited".into(),
            }),
        ),
    ];
    let mut views = Views::new();
    for (flags, base_end, with_dockerfile, change) in cases {
        // Run from the image's folder, naming it by its base name, as the page knows it.
        let mut args = vec!["cache", "--json", "test-docker-image.tar"];
        args.extend(&flags);
        if with_dockerfile {
            args.extend(["--dockerfile", &df_arg]);
        }
        let o = std::process::Command::new(env!("CARGO_BIN_EXE_layerscope"))
            .args(&args)
            .current_dir(std::path::Path::new(&path).parent().unwrap())
            .output()
            .unwrap();
        assert!(o.status.success(), "{args:?}: {}", stderr(&o));
        let request = Request::ExportCache {
            base_end,
            dockerfile: with_dockerfile.then(|| dockerfile.to_string()),
            change,
        };
        match session::answer(Some(&image), &mut views, &request) {
            Response::ExportCache { json } => assert!(
                json == stdout(&o),
                "{args:?}: the page's document differs from the CLI's"
            ),
            other => panic!("{args:?}: {other:?}"),
        }
    }
    // A change the image cannot take: a clear failure, as the CLI's.
    let request = Request::ExportCache {
        base_end: None,
        dockerfile: None,
        change: Some(SimChange::EditStep {
            step: 99,
            text: "RUN x".into(),
        }),
    };
    assert!(matches!(
        session::answer(Some(&image), &mut views, &request),
        Response::Failed { .. }
    ));
    let _ = std::fs::remove_dir_all(&dir);
}
