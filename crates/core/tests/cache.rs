//! The build-cache simulation against Docker's rules, on constructed
//! histories and on real archives of the shared corpus. Each test names the
//! behaviour it encodes, quoting Docker's docs ("Build cache invalidation",
//! docs.docker.com/build/cache/invalidation; "Dockerfile reference", ARG
//! "Impact on build caching").

mod support;

use layerscope_core::archive::image::HistoryEntry;
use layerscope_core::build::advice::{advise, AdviceKind};
use layerscope_core::build::cache::{
    facts, simulate, Build, BuildFacts, Change, LayerFacts, Outcome, Rule, StepFacts, StepTime,
};
use layerscope_core::build::dockerfile;
use layerscope_core::figures::waste::WastedPath;
use layerscope_core::{analyze, NoProgress, Options};
use std::io::Cursor;

const DIVE: &str = "wagoodman-dive/.data/test-docker-image.tar";
const KANIKO: &str = "wagoodman-dive/.data/test-kaniko-image.tar";

fn real(rel: &str) -> BuildFacts {
    let a = analyze(
        Cursor::new(support::corpus(rel)),
        &Options::default(),
        &mut NoProgress,
    )
    .unwrap();
    facts(&a)
}

/// A step of a constructed history: `created_by`, created time, and for a
/// layer step the paths it wrote (with sizes) and removed.
/// Size, paths written (with sizes), paths removed.
type LayerSpec = (u64, Vec<(&'static str, u64)>, Vec<&'static str>);

struct S {
    by: &'static str,
    at: &'static str,
    layer: Option<LayerSpec>,
}

fn meta(by: &'static str, at: &'static str) -> S {
    S {
        by,
        at,
        layer: None,
    }
}

fn layer(by: &'static str, at: &'static str, size: u64, written: Vec<(&'static str, u64)>) -> S {
    S {
        by,
        at,
        layer: Some((size, written, vec![])),
    }
}

fn build_facts(steps: Vec<S>) -> BuildFacts {
    let mut f = BuildFacts::default();
    for (h, s) in steps.into_iter().enumerate() {
        let layer = s.layer.map(|(size, written, removed)| {
            let index = f.layers.len();
            let mut written: Vec<(String, u64)> = written
                .into_iter()
                .map(|(p, n)| (p.to_string(), n))
                .collect();
            written.sort();
            for (p, _) in &written {
                f.visible.insert(p.clone(), index);
            }
            for p in &removed {
                f.visible.remove(*p);
            }
            f.layers.push(LayerFacts {
                index,
                digest: format!("sha256:{index:064}"),
                size,
                tar_size: size + 2048,
                blob_size: size / 2,
                written,
                removed: removed.into_iter().map(str::to_string).collect(),
            });
            index
        });
        f.steps.push(StepFacts {
            history_index: Some(h),
            history: Some(HistoryEntry {
                created: Some(s.at.to_string()),
                created_by: Some(s.by.to_string()),
                author: None,
                comment: None,
                empty_layer: layer.is_none(),
            }),
            layer,
        });
    }
    f
}

const MB: u64 = 1 << 20;

/// A node app built by the classic builder on top of a two-step base.
fn node_app() -> BuildFacts {
    build_facts(vec![
        layer(
            "/bin/sh -c #(nop) ADD file:aaa in / ",
            "2024-01-01T00:00:00Z",
            5 * MB,
            vec![("etc/passwd", 1000), ("bin/sh", 100_000)],
        ),
        meta("/bin/sh -c #(nop)  CMD [\"node\"]", "2024-01-01T00:00:01Z"),
        meta("/bin/sh -c #(nop) WORKDIR /app", "2024-03-01T10:00:00Z"),
        layer(
            "/bin/sh -c #(nop) COPY dir:bbb in /app ",
            "2024-03-01T10:00:02Z",
            2 * MB,
            vec![
                ("app", 0),
                ("app/package.json", 1_000),
                ("app/package-lock.json", 50_000),
                ("app/src", 0),
                ("app/src/main.js", 2 * MB - 51_000),
            ],
        ),
        layer(
            "/bin/sh -c npm ci",
            "2024-03-01T10:01:32Z",
            40 * MB,
            vec![("app/node_modules", 0), ("app/node_modules/x.js", 40 * MB)],
        ),
        layer(
            "|1 VERSION=1.2 /bin/sh -c npm run build",
            "2024-03-01T10:01:52Z",
            3 * MB,
            vec![("app/dist", 0), ("app/dist/app.js", 3 * MB)],
        ),
        meta(
            "/bin/sh -c #(nop)  CMD [\"node\", \"dist/app.js\"]",
            "2024-03-01T10:01:53Z",
        ),
    ])
}

// "Each subsequent instruction is compared against the cached layers. If no
// cached layer matches the instruction exactly, the cache is invalidated" and
// "Once the cache is invalidated, all subsequent Dockerfile commands generate
// new images and the cache isn't used."
#[test]
fn an_edited_step_misses_and_every_later_step_rebuilds() {
    let b = Build::new(&node_app());
    assert_eq!(b.base_end, 2, "{:?}", b.base);
    let sim = simulate(
        &b,
        &Change::EditStep {
            step: 4,
            text: "RUN npm install".into(),
        },
    )
    .unwrap();
    use Outcome::*;
    assert_eq!(
        sim.outcomes,
        vec![Base, Base, Hit, Hit, Rebuilt, Rebuilt, Rebuilt]
    );
    assert_eq!(sim.rule, Some(Rule::InstructionText));
    assert!(sim.reason.contains("instruction text"), "{}", sim.reason);
    assert_eq!(sim.cost.layers_rebuilt, 2);
    assert_eq!(sim.cost.steps_rebuilt, 3);
    assert_eq!(sim.cost.push_bytes, 20 * MB + 3 * MB / 2);
    assert_eq!(sim.cost.rebuilt_bytes, 43 * MB + 4096);
    // npm ci took 90 s, the build 20 s, the CMD 1 s: an estimate from created times.
    assert_eq!(sim.cost.time.as_ref().unwrap().seconds, 111.0);
}

// Re-typing the same instruction is an exact match: nothing rebuilds.
#[test]
fn the_same_text_is_a_hit() {
    let b = Build::new(&node_app());
    let sim = simulate(
        &b,
        &Change::EditStep {
            step: 4,
            text: "  npm   ci ".into(),
        },
    )
    .unwrap();
    assert_eq!(sim.first_miss, None);
    assert_eq!(sim.cost.layers_rebuilt, 0);
}

// "For the ADD and COPY instructions … cache is invalidated if the file
// metadata has changed for any of the files involved."
#[test]
fn a_context_file_maps_to_its_copy_step() {
    let b = Build::new(&node_app());
    let sim = simulate(
        &b,
        &Change::File {
            path: "/app/src/main.js".into(),
        },
    )
    .unwrap();
    assert_eq!(sim.first_miss, Some(3));
    assert_eq!(sim.rule, Some(Rule::FileChecksum));
    assert_eq!(
        sim.reason,
        "COPY's cache key includes the checksum of every file it copies; /app/src/main.js changed, so this step and all after it rebuild"
    );
    // The npm ci (40 MiB) re-runs for a source edit: the waste advice (a) is about.
    assert_eq!(sim.cost.layers_rebuilt, 3);
    // Written by RUN, not copied: no context file to change.
    let err = simulate(
        &b,
        &Change::File {
            path: "/app/dist/app.js".into(),
        },
    )
    .unwrap_err();
    assert_eq!(
        err.to_string(),
        "no COPY or ADD step brought this path in; it was written by step 6 (RUN npm run build)"
    );
    // Brought in by the base image's ADD.
    let err = simulate(
        &b,
        &Change::File {
            path: "etc/passwd".into(),
        },
    )
    .unwrap_err();
    assert!(
        err.to_string()
            .contains("part of the base image (steps 1–2)"),
        "{err}"
    );
    assert!(simulate(
        &b,
        &Change::File {
            path: "/nope".into()
        }
    )
    .is_err());
}

// "The builder begins by checking if the base image is already cached": a
// new base changes the parent of the first step, so every step of the build
// misses; the base's own layers are pulled again, not pushed by this build.
#[test]
fn a_new_base_rebuilds_everything_after_it() {
    let b = Build::new(&node_app());
    let sim = simulate(&b, &Change::Base).unwrap();
    use Outcome::*;
    assert_eq!(
        sim.outcomes,
        vec![NewBase, NewBase, Rebuilt, Rebuilt, Rebuilt, Rebuilt, Rebuilt]
    );
    assert_eq!(sim.cost.push_bytes, (2 * MB + 40 * MB + 3 * MB) / 2);
    assert_eq!(sim.cost.pull_bytes, sim.cost.push_bytes + 5 * MB / 2);
    // The first step's time is the gap since the base was built: not counted.
    let t = sim.cost.time.unwrap();
    assert_eq!(t.unmeasured, vec![2]);
    // Edits inside the base are refused; the boundary can be moved.
    assert!(simulate(
        &b,
        &Change::EditStep {
            step: 1,
            text: "CMD [\"sh\"]".into()
        }
    )
    .is_err());
    let all = b.clone().with_base_end(0).unwrap();
    assert_eq!(
        simulate(
            &all,
            &Change::EditStep {
                step: 1,
                text: "CMD [\"sh\"]".into()
            }
        )
        .unwrap()
        .first_miss,
        Some(1)
    );
    assert!(b.with_base_end(8).is_err());
}

// ARG: "If a Dockerfile defines an ARG variable whose value is different from
// a previous build, then a 'cache miss' occurs upon its first usage, not its
// declaration." The classic builder records the ARGs a RUN saw as `|N A=b`.
#[test]
fn a_build_arg_misses_at_its_first_use() {
    let b = Build::new(&node_app());
    let sim = simulate(
        &b,
        &Change::BuildArg {
            name: "VERSION".into(),
        },
    )
    .unwrap();
    assert_eq!(sim.first_miss, Some(5));
    assert_eq!(sim.rule, Some(Rule::BuildArg));
    assert_eq!(sim.cost.layers_rebuilt, 1);
    assert_eq!(
        simulate(
            &b,
            &Change::BuildArg {
                name: "OTHER".into()
            }
        )
        .unwrap_err()
        .to_string(),
        "no step declares or uses this build ARG"
    );
}

// `--no-cache`: every step of the build runs again, the base is not pulled.
#[test]
fn no_cache_rebuilds_the_build_not_the_base() {
    let b = Build::new(&node_app());
    let sim = simulate(&b, &Change::NoCache).unwrap();
    assert_eq!(sim.first_miss, Some(2));
    assert_eq!(sim.cost.pull_bytes, sim.cost.push_bytes);
    assert_eq!(sim.cost.layers_rebuilt, 3);
}

// Timestamps that cannot time a build give no estimate rather than a wrong one.
#[test]
fn clamped_or_garbled_times_give_no_estimate() {
    let mut f = node_app();
    for s in &mut f.steps[2..] {
        s.history.as_mut().unwrap().created = Some("2021-01-01T00:00:00Z".into());
    }
    let sim = simulate(&Build::new(&f), &Change::NoCache).unwrap();
    assert_eq!(sim.cost.time, None, "all equal: SOURCE_DATE_EPOCH");
    let mut f = node_app();
    f.steps[4].history.as_mut().unwrap().created = Some("not a time".into());
    let b = Build::new(&f);
    assert_eq!(b.steps[4].time, StepTime::Unknown);
    assert_eq!(simulate(&b, &Change::NoCache).unwrap().cost.time, None);
    // A step after it is still measured when its own gap is known… but step 5's gap needs step 4's time.
    assert_eq!(b.steps[6].time, StepTime::Measured(1.0));
}

// Advice (a): the whole context before `npm ci`. The same source edit on the
// fixed order no longer re-runs the install: the saving is simulated.
#[test]
fn advice_splits_the_context_copy_and_proves_the_saving() {
    let f = node_app();
    let b = Build::new(&f);
    let advice = advise(&f, &b);
    let a = advice
        .iter()
        .find(|a| a.kind == AdviceKind::ContextBeforeInstall)
        .expect("advice");
    assert_eq!(a.steps, vec![3, 4]);
    let fix = a.fix.as_ref().unwrap();
    assert_eq!(
        fix.lines,
        vec![
            "WORKDIR /app",
            "COPY package-lock.json package.json /app/",
            "RUN npm ci",
            "COPY dir:bbb in /app",
            "RUN npm run build",
            "CMD [\"node\", \"dist/app.js\"]",
        ]
    );
    assert_eq!(
        fix.change,
        Change::File {
            path: "/app/src/main.js".into()
        }
    );
    assert_eq!(fix.before.cost.layers_rebuilt, 3);
    assert_eq!(fix.after.cost.layers_rebuilt, 2, "the install is a hit");
    assert!(fix.before.cost.push_bytes - fix.after.cost.push_bytes >= 20 * MB);
    assert!(fix.estimated && fix.after.cost.estimated_sizes);
    // 90 s of npm ci saved.
    let saved = fix.before.cost.time.as_ref().unwrap().seconds
        - fix.after.cost.time.as_ref().unwrap().seconds;
    assert!((saved - 90.0).abs() < 2.0, "{saved}");
}

// Advice (b) and (c): "deleting" in a later layer leaves the bytes in the
// lower one (each layer is a tar shipped whole), secrets included.
#[test]
fn advice_on_deleted_caches_and_secrets() {
    let mut f = build_facts(vec![
        layer(
            "/bin/sh -c #(nop) ADD file:aaa in / ",
            "2024-01-01T00:00:00Z",
            MB,
            vec![("bin/sh", MB)],
        ),
        meta("/bin/sh -c #(nop)  CMD [\"sh\"]", "2024-01-01T00:00:01Z"),
        layer(
            "/bin/sh -c apt-get update && apt-get install -y curl",
            "2024-03-01T00:00:00Z",
            30 * MB,
            vec![
                ("var/lib/apt/lists/x_Packages", 20 * MB),
                ("usr/bin/curl", 10 * MB),
            ],
        ),
        S {
            by: "/bin/sh -c rm -rf /var/lib/apt/lists/*",
            at: "2024-03-01T00:00:05Z",
            layer: Some((0, vec![], vec!["var/lib/apt/lists/x_Packages"])),
        },
        layer(
            "/bin/sh -c #(nop) COPY file:ccc in /root/.ssh/id_rsa ",
            "2024-03-01T00:00:06Z",
            3000,
            vec![("root/.ssh/id_rsa", 3000)],
        ),
        S {
            by: "/bin/sh -c git clone x && rm /root/.ssh/id_rsa",
            at: "2024-03-01T00:00:09Z",
            layer: Some((10, vec![("x", 10)], vec!["root/.ssh/id_rsa"])),
        },
    ]);
    f.wasted = vec![
        WastedPath {
            path: "var/lib/apt/lists/x_Packages".into(),
            wasted_bytes: 20 * MB,
            copies: 1,
            layers: vec![1],
            layer_bytes: vec![20 * MB],
            present: false,
        },
        WastedPath {
            path: "root/.ssh/id_rsa".into(),
            wasted_bytes: 3000,
            copies: 1,
            layers: vec![3],
            layer_bytes: vec![3000],
            present: false,
        },
    ];
    let b = Build::new(&f);
    let advice = advise(&f, &b);
    let apt = advice
        .iter()
        .find(|a| a.kind == AdviceKind::DeletedLater)
        .unwrap();
    assert_eq!(apt.steps, vec![2, 3]);
    assert!(
        apt.title.contains("apt-get's download cache"),
        "{}",
        apt.title
    );
    let fix = apt.fix.as_ref().unwrap();
    assert_eq!(
        fix.lines[0],
        "RUN apt-get update && apt-get install -y curl && rm -rf /var/lib/apt/lists/*"
    );
    // 20 MiB of lists out of the layer, compressed at its ratio (1:2 here): an estimate.
    let saved = fix.before.cost.push_bytes - fix.after.cost.push_bytes;
    assert!(saved.abs_diff(10 * MB) < 4096, "{saved}");
    let secret = advice
        .iter()
        .find(|a| a.kind == AdviceKind::Secret)
        .unwrap();
    assert_eq!(secret.paths, vec!["root/.ssh/id_rsa"]);
    assert!(
        secret.title.contains("removed by step 6"),
        "{}",
        secret.title
    );
}

// The real classic build of dive's test image: busybox (ADD rootfs, CMD)
// then the test's own steps; /somefile.txt came from `ADD file:… in
// /somefile.txt`, so changing it rebuilds from step 3.
#[test]
fn dive_image_classic_build() {
    let f = real(DIVE);
    let b = Build::new(&f);
    assert_eq!(b.steps.len(), 15);
    assert_eq!(b.base_end, 2, "{}", b.base.explanation);
    assert_eq!(b.steps[2].line(), "ADD file:139c3708fb6261126453e34483abd8bf7b26ed16d952fd976994d68e72d93be2 in /somefile.txt");
    let sim = simulate(
        &b,
        &Change::File {
            path: "/somefile.txt".into(),
        },
    )
    .unwrap();
    assert_eq!(sim.first_miss, Some(2));
    assert_eq!(sim.cost.layers_rebuilt, 13);
    let layers: u64 = f.layers[1..].iter().map(|l| l.blob_size).sum();
    assert_eq!(sim.cost.push_bytes, layers);
    // The ADD dir: at step 12 came hours after step 11 (a second build
    // session): that gap is not counted as work, so the estimate is a lower bound.
    let t = sim.cost.time.unwrap();
    assert!(t.seconds > 15.0 && t.seconds < 30.0, "{}", t.seconds);
    assert_eq!(t.unmeasured, vec![2, 11]);
    // /root/.data/tag.sh came from the ADD dir: step 12.
    let sim = simulate(
        &b,
        &Change::File {
            path: "/root/.data/tag.sh".into(),
        },
    )
    .unwrap();
    assert_eq!(sim.first_miss, Some(11));
    assert_eq!(sim.cost.layers_rebuilt, 4);
    let err = simulate(
        &b,
        &Change::File {
            path: "/root/saved.txt".into(),
        },
    )
    .unwrap_err();
    assert_eq!(err.to_string(), "no COPY or ADD step brought this path in; it was written by step 15 (RUN chmod +x /root/saved.txt)");
    // Its rm -rf of copies made by earlier RUNs is advice (b), without a merge (steps in between).
    let advice = advise(&f, &b);
    assert!(advice
        .iter()
        .any(|a| a.kind == AdviceKind::DeletedLater && a.steps == vec![4, 10]));
    assert!(advice.iter().all(|a| a.fix.is_none()));
}

// kaniko writes Dockerfile lines and zero times: the steps read the same, no time estimate.
#[test]
fn kaniko_image_has_steps_but_no_times() {
    let b = Build::new(&real(KANIKO));
    assert_eq!(b.base_end, 2);
    assert_eq!(b.steps[11].line(), "ADD .scripts/ /root/.data/");
    let sim = simulate(
        &b,
        &Change::File {
            path: "root/.data/tag.sh".into(),
        },
    )
    .unwrap();
    assert_eq!(sim.first_miss, Some(11));
    assert_eq!(sim.cost.time, None);
}

// BuildKit history (hello-world): no base steps, `COPY hello /` is the build.
#[test]
fn buildkit_hello_world() {
    let b = Build::new(&real(
        "google-go-containerregistry/pkg/v1/tarball/testdata/hello-world-v25.tar",
    ));
    assert_eq!(b.base_end, 0);
    let sim = simulate(
        &b,
        &Change::File {
            path: "/hello".into(),
        },
    )
    .unwrap();
    assert_eq!(sim.first_miss, Some(0));
    assert_eq!(sim.outcomes, vec![Outcome::Rebuilt, Outcome::Rebuilt]);
}

// A pasted Dockerfile: the final stage lines up with the build's own steps.
#[test]
fn dockerfile_aligns_with_the_dive_image() {
    let b = Build::new(&real(DIVE));
    let df = dockerfile::parse("FROM busybox:latest\nADD README.md /somefile.txt\nRUN mkdir -p /root/example/really/nested\nRUN cp /somefile.txt /root/example/somefile1.txt\nRUN echo not in the image\n");
    let rows = dockerfile::align(&df, &b.steps, b.base_end);
    use dockerfile::Aligned::*;
    assert_eq!(
        &rows[..4],
        &[
            Both {
                instruction: 1,
                step: 2,
                exact: false
            },
            Both {
                instruction: 2,
                step: 3,
                exact: true
            },
            Both {
                instruction: 3,
                step: 4,
                exact: true
            },
            // A RUN whose text differs still lines up with the RUN in its place (an edited line).
            Both {
                instruction: 4,
                step: 5,
                exact: false
            },
        ]
    );
    assert_eq!(&rows[4..], &(6..15).map(OnlyImage).collect::<Vec<_>>()[..]);
    let edited = dockerfile::parse("FROM busybox:latest\nADD README.md /somefile.txt\nRUN mkdir -p /root/other\nRUN cp /somefile.txt /root/example/somefile1.txt\nRUN echo not in the image\n");
    assert_eq!(
        dockerfile::edited_steps(&df, &edited, &rows),
        vec![(3, "RUN mkdir -p /root/other".to_string())]
    );
}
