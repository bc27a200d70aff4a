//! Which image of an archive to analyse, and its parts: the format told from
//! the members present (never from the file name), the image chosen by tag or
//! index and by platform, its config, and its layers *in manifest order*
//! (never archive order) with the digests they must have. Formats:
//! OCI layouts (`index.json`, also inside Docker 25+ `docker save`), Docker's
//! `manifest.json`, and the pre-1.10 `repositories` + `<id>/json` chain.

use crate::archive::digest::Digest;
use crate::archive::manifest::{
    self, ConfigJson, Descriptor, DockerSaveEntry, HistoryJson, IndexJson, ManifestJson,
    RepositoriesJson, V1LayerJson,
};
use crate::diagnostic::{Diagnostic, Severity};
use crate::{Error, ErrorKind};
use std::collections::{BTreeMap, HashSet};
use std::fmt;

/// What to analyse when an archive holds more than one image.
#[derive(Debug, Clone, Default)]
pub struct Options {
    /// A tag or reference name (`alpine:3.19`, `latest`), or a 0-based index.
    pub image: Option<String>,
    /// `os/arch[/variant]`; by default linux/amd64 or the only platform.
    pub platform: Option<String>,
}

/// Read access to the members, whatever holds them.
pub(crate) trait Members {
    fn has(&self, name: &str) -> bool;
    fn read_json(&mut self, name: &str) -> Result<Vec<u8>, Error>;
    fn names(&self) -> Vec<String>;
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// `docker save` before Docker 25: `manifest.json` + `<id>/layer.tar` or `<hex>.tar[.gz]`.
    DockerSave,
    /// Docker 25+ `docker save`: an OCI layout plus `manifest.json`.
    DockerSaveOci,
    /// An OCI image layout (podman, skopeo, buildah, buildx), with or without `manifest.json`.
    OciLayout,
    /// `docker save` before Docker 1.10: `repositories` and `<id>/json` only.
    DockerV1,
}

impl Format {
    pub fn name(self) -> &'static str {
        match self {
            Format::DockerSave => "docker-save",
            Format::DockerSaveOci => "docker-save-oci",
            Format::OciLayout => "oci-layout",
            Format::DockerV1 => "docker-save-v1",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Platform {
    pub os: String,
    pub architecture: String,
    pub variant: Option<String>,
}

impl Platform {
    /// Parses `os/arch[/variant]`.
    pub fn parse(text: &str) -> Option<Platform> {
        let mut parts = text.split('/');
        let os = parts.next()?.trim();
        let architecture = parts.next()?.trim();
        let variant = parts
            .next()
            .map(|v| v.trim().to_string())
            .filter(|v| !v.is_empty());
        if os.is_empty() || architecture.is_empty() || parts.next().is_some() {
            return None;
        }
        Some(Platform {
            os: os.into(),
            architecture: architecture.into(),
            variant,
        })
    }

    /// Whether `self` (from the image) satisfies a requested platform: the
    /// variant only matters when asked for (arm64 means arm64/v8).
    pub fn matches(&self, wanted: &Platform) -> bool {
        if self.os != wanted.os || self.architecture != wanted.architecture {
            return false;
        }
        match (&wanted.variant, &self.variant) {
            (None, _) => true,
            (Some(w), Some(v)) => w == v,
            (Some(w), None) => self.architecture == "arm64" && w == "v8",
        }
    }

    /// Whether two labels of one image disagree: neither satisfies the
    /// other ([`Platform::matches`]), so a label that only says less (no
    /// variant) is no contradiction.
    fn contradicts(&self, other: &Platform) -> bool {
        !self.matches(other) && !other.matches(self)
    }

    fn is_unknown(&self) -> bool {
        self.os == "unknown" || self.architecture == "unknown"
    }
}

impl fmt::Display for Platform {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.os, self.architecture)?;
        if let Some(v) = &self.variant {
            write!(f, "/{v}")?;
        }
        Ok(())
    }
}

/// A step of the image's history (`docker history` shows one per row).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct HistoryEntry {
    pub created: Option<String>,
    pub created_by: Option<String>,
    pub author: Option<String>,
    pub comment: Option<String>,
    pub empty_layer: bool,
}

impl From<HistoryJson> for HistoryEntry {
    fn from(h: HistoryJson) -> Self {
        HistoryEntry {
            created: h.created,
            created_by: h.created_by,
            author: h.author,
            comment: h.comment,
            empty_layer: h.empty_layer.unwrap_or(false),
        }
    }
}

/// What the image runs with: the config's `config` block (`Env`,
/// `Entrypoint`, `Cmd`, `User`, `WorkingDir`, `Labels`, `ExposedPorts`).
/// A part of the wrong type is left out: it does not stop the analysis.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RuntimeConfig {
    /// `NAME=value`, in the config's order.
    pub env: Vec<String>,
    pub entrypoint: Option<Vec<String>>,
    pub cmd: Option<Vec<String>>,
    pub user: Option<String>,
    pub workdir: Option<String>,
    pub labels: BTreeMap<String, String>,
    /// `80/tcp`, sorted.
    pub exposed_ports: Vec<String>,
}

impl RuntimeConfig {
    pub(crate) fn from_json(config: Option<&serde_json::Value>) -> RuntimeConfig {
        use serde_json::Value;
        let Some(Value::Object(c)) = config else {
            return RuntimeConfig::default();
        };
        let string = |key: &str| match c.get(key) {
            Some(Value::String(s)) if !s.is_empty() => Some(s.clone()),
            _ => None,
        };
        let strings = |key: &str| match c.get(key) {
            Some(Value::Array(items)) => items
                .iter()
                .map(|v| v.as_str().map(str::to_string))
                .collect::<Option<Vec<_>>>(),
            _ => None,
        };
        let mut exposed_ports: Vec<String> = match c.get("ExposedPorts") {
            Some(Value::Object(ports)) => ports.keys().cloned().collect(),
            _ => Vec::new(),
        };
        exposed_ports.sort();
        RuntimeConfig {
            env: strings("Env").unwrap_or_default(),
            entrypoint: strings("Entrypoint"),
            cmd: strings("Cmd"),
            user: string("User"),
            workdir: string("WorkingDir"),
            labels: match c.get("Labels") {
                Some(Value::Object(labels)) => labels
                    .iter()
                    .filter_map(|(k, v)| Some((k.clone(), v.as_str()?.to_string())))
                    .collect(),
                _ => BTreeMap::new(),
            },
            exposed_ports,
        }
    }
}

/// A layer as the manifest describes it, before it is read.
#[derive(Debug, Clone)]
pub(crate) struct PlannedLayer {
    pub member: String,
    pub media_type: Option<String>,
    pub digest: Option<Digest>,
    pub size: Option<u64>,
    pub diff_id: Option<Digest>,
}

/// The chosen image, resolved.
#[derive(Debug, Clone)]
pub(crate) struct Plan {
    pub format: Format,
    pub reference: Option<String>,
    pub images: Vec<String>,
    pub platform: Option<Platform>,
    pub platforms: Vec<Platform>,
    pub manifest_digest: Option<Digest>,
    pub config_digest: Option<Digest>,
    pub created: Option<String>,
    pub layers: Vec<PlannedLayer>,
    pub history: Vec<HistoryEntry>,
    pub runtime: RuntimeConfig,
    pub diagnostics: Vec<Diagnostic>,
}

pub(crate) fn resolve(m: &mut dyn Members, options: &Options) -> Result<Plan, Error> {
    let docker = m.has("manifest.json");
    if m.has("index.json") {
        match resolve_oci(m, options) {
            Ok(mut plan) => {
                if docker {
                    plan.format = Format::DockerSaveOci;
                }
                return Ok(plan);
            }
            // Docker 25+ writes both; when the index is empty, manifest.json still says it all.
            Err(e) if docker && e.kind == ErrorKind::NotAnImage => {}
            Err(e) => return Err(e),
        }
    }
    if docker {
        let bytes = m.read_json("manifest.json")?;
        let entries: Option<Vec<DockerSaveEntry>> =
            manifest::parse(&bytes, "manifest.json").map_err(|e| e.member("manifest.json"))?;
        match entries {
            Some(entries) if !entries.is_empty() => {
                let mut plan = resolve_docker(m, entries, options)?;
                if m.has("index.json") {
                    plan.format = Format::DockerSaveOci;
                    plan.diagnostics.push(Diagnostic::new(
                        Severity::Info,
                        "index.json lists no image; read manifest.json instead",
                    ));
                }
                return Ok(plan);
            }
            _ if m.has("repositories") => {}
            _ => {
                return Err(Error::new(
                    ErrorKind::NotAnImage,
                    "manifest.json lists no images (it is null or empty)",
                )
                .member("manifest.json"))
            }
        }
    }
    if m.has("repositories") {
        return resolve_v1(m, options);
    }
    let names = m.names();
    let hint = if names.iter().any(|n| {
        n.contains("/.wh.")
            || n.starts_with(".wh.")
            || n.starts_with("etc/")
            || n == "etc"
            || n.starts_with("bin/")
            || n.starts_with("usr/")
    }) {
        " It looks like a filesystem tar (a single layer or a rootfs), not an image."
    } else {
        ""
    };
    Err(Error::new(
        ErrorKind::NotAnImage,
        format!("not a container image: the archive has no index.json, manifest.json or repositories.{hint} Expected `docker save` output or an OCI archive."),
    ))
}

fn blob_member(digest: &Digest) -> String {
    format!("blobs/{}/{}", digest.algorithm, digest.hex)
}

fn parse_digest(text: &str, what: &str) -> Result<Digest, Error> {
    Digest::parse(text).ok_or_else(|| {
        Error::new(
            ErrorKind::BadJson,
            format!("{what} has a malformed digest {text:?}"),
        )
    })
}

/// Reads a blob of an OCI layout and checks it against its descriptor.
fn read_blob(
    m: &mut dyn Members,
    digest: &Digest,
    diags: &mut Vec<Diagnostic>,
) -> Result<Vec<u8>, Error> {
    let name = blob_member(digest);
    let bytes = m.read_json(&name)?;
    if digest.algorithm == "sha256" {
        let actual = Digest::of(&bytes);
        if &actual != digest {
            diags.push(Diagnostic::new(
                Severity::Error,
                format!(
                    "digest mismatch: {name} hashes to {actual}, but is referenced as {digest}"
                ),
            ));
        }
    }
    Ok(bytes)
}

/// A candidate image found by walking an index.
struct Candidate {
    reference: Option<String>,
    descriptor: Descriptor,
    platform: Option<Platform>,
}

fn ref_name(d: &Descriptor) -> Option<String> {
    d.annotation("io.containerd.image.name")
        .or_else(|| d.annotation("org.opencontainers.image.ref.name"))
        .map(str::to_string)
}

fn is_index(media_type: Option<&str>) -> bool {
    matches!(
        media_type,
        Some(manifest::OCI_INDEX) | Some(manifest::DOCKER_LIST)
    )
}

fn is_manifest(media_type: Option<&str>) -> bool {
    matches!(
        media_type,
        Some(manifest::OCI_MANIFEST) | Some(manifest::DOCKER_MANIFEST)
    )
}

/// A descriptor's platform; one without an os or an architecture is none
/// (the image's config then says).
fn platform_of(d: &Descriptor) -> Option<Platform> {
    d.platform
        .as_ref()
        .filter(|p| !p.os.is_empty() && !p.architecture.is_empty())
        .map(|p| Platform {
            os: p.os.clone(),
            architecture: p.architecture.clone(),
            variant: p.variant.clone().filter(|v| !v.is_empty()),
        })
}

fn walk(
    m: &mut dyn Members,
    descriptors: &[Descriptor],
    reference: Option<&str>,
    stack: &mut Vec<Digest>,
    out: &mut Vec<Candidate>,
    notes: &mut Notes,
) -> Result<(), Error> {
    for d in descriptors {
        let reference = ref_name(d).or_else(|| reference.map(str::to_string));
        let mut diags = Vec::new();
        let result = walk_one(m, d, &reference, stack, out, &mut diags, notes);
        notes.extend(diags.into_iter().map(|n| (reference.clone(), n)));
        result?;
    }
    Ok(())
}

/// Notes found while walking an index, with the reference they belong to,
/// so that only the chosen image's are reported.
type Notes = Vec<(Option<String>, Diagnostic)>;

fn walk_one(
    m: &mut dyn Members,
    d: &Descriptor,
    reference: &Option<String>,
    stack: &mut Vec<Digest>,
    out: &mut Vec<Candidate>,
    diags: &mut Vec<Diagnostic>,
    notes: &mut Notes,
) -> Result<(), Error> {
    {
        let reference = reference.clone();
        let digest = parse_digest(&d.digest, "an index entry")?;
        let name = blob_member(&digest);
        let mt = d.media_type.as_deref();
        if d.artifact_type.is_some() {
            diags.push(Diagnostic::new(
                Severity::Info,
                format!("skipped {} (an artifact, not an image)", digest.short()),
            ));
            return Ok(());
        }
        if d.annotation("vnd.docker.reference.type") == Some("attestation-manifest") {
            diags.push(Diagnostic::new(
                Severity::Info,
                format!("skipped {} (an attestation, not an image)", digest.short()),
            ));
            return Ok(());
        }
        if is_manifest(mt) {
            push_candidate(out, reference, d);
            return Ok(());
        }
        if !m.has(&name) {
            let what = if is_index(mt) { "index" } else { "entry" };
            diags.push(Diagnostic::new(
                Severity::Info,
                format!(
                    "the {what} {} is listed but its blob is not in the archive; skipped",
                    digest
                ),
            ));
            return Ok(());
        }
        let bytes = read_blob(m, &digest, diags)?;
        let value: serde_json::Value =
            manifest::parse(&bytes, &name).map_err(|e| e.member(&name))?;
        one_kind_of_document(&value, &name)?;
        let looks_like_index = value.get("manifests").is_some();
        let looks_like_manifest = value.get("layers").is_some() && value.get("config").is_some();
        if is_index(mt) || (mt.is_none() && looks_like_index) {
            if stack.len() >= crate::limits::INDEX_DEPTH || stack.contains(&digest) {
                diags.push(Diagnostic::new(
                    Severity::Warning,
                    format!(
                        "the index {} refers back to itself or nests too deep; not followed again",
                        digest
                    ),
                ));
                return Ok(());
            }
            let index: IndexJson = manifest::parse(&bytes, &name).map_err(|e| e.member(&name))?;
            stack.push(digest);
            let result = walk(
                m,
                index.manifests.as_deref().unwrap_or(&[]),
                reference.as_deref(),
                stack,
                out,
                notes,
            );
            stack.pop();
            result?;
        } else if looks_like_manifest {
            push_candidate(out, reference, d);
        } else {
            diags.push(Diagnostic::new(
                Severity::Info,
                format!(
                    "skipped {} (media type {}: not an image)",
                    digest.short(),
                    mt.unwrap_or("none")
                ),
            ));
        }
    }
    Ok(())
}

/// Refuses a document that is both an index (`manifests`) and a manifest
/// (`config`, `layers`): which image it means depends on who reads it, so,
/// as containerd does, it is read as neither.
fn one_kind_of_document(value: &serde_json::Value, name: &str) -> Result<(), Error> {
    if value.get("manifests").is_some()
        && (value.get("layers").is_some() || value.get("config").is_some())
    {
        return Err(Error::new(
            ErrorKind::BadJson,
            "the document has both `manifests` (an index) and `config`/`layers` (a manifest); \
             refused, as containerd refuses it, since readers would disagree on the image",
        )
        .member(name));
    }
    Ok(())
}

/// Adds a candidate unless the same manifest under the same reference is already one.
fn push_candidate(out: &mut Vec<Candidate>, reference: Option<String>, d: &Descriptor) {
    if out
        .iter()
        .any(|c| c.reference == reference && c.descriptor.digest == d.digest)
    {
        return;
    }
    out.push(Candidate {
        reference,
        descriptor: d.clone(),
        platform: platform_of(d),
    });
}

/// Matches a requested image (`--image`) against a reference: the whole
/// name, or its tag, or its name without a registry.
fn ref_matches(reference: &str, wanted: &str) -> bool {
    reference == wanted
        || reference.ends_with(&format!(":{wanted}"))
        || reference.ends_with(&format!("/{wanted}"))
}

fn resolve_oci(m: &mut dyn Members, options: &Options) -> Result<Plan, Error> {
    let mut diags = Vec::new();
    let bytes = m.read_json("index.json")?;
    let index: IndexJson =
        manifest::parse(&bytes, "index.json").map_err(|e| e.member("index.json"))?;
    let Some(top) = index.manifests.filter(|m| !m.is_empty()) else {
        return Err(
            Error::new(ErrorKind::NotAnImage, "index.json lists no manifests").member("index.json"),
        );
    };
    let mut candidates = Vec::new();
    let mut notes = Notes::new();
    walk(m, &top, None, &mut Vec::new(), &mut candidates, &mut notes)?;

    // Load each candidate's manifest: artifacts and blobs that are absent drop out.
    let mut images: Vec<(Candidate, ManifestJson, Digest)> = Vec::new();
    for c in candidates {
        let mut diags = Vec::new();
        let reference = c.reference.clone();
        let kept = load_candidate(m, c, &mut diags)?;
        notes.extend(diags.into_iter().map(|n| (reference.clone(), n)));
        images.extend(kept);
    }
    if images.is_empty() {
        let mut why: Vec<&str> = notes.iter().map(|(_, d)| d.message.as_str()).collect();
        why.dedup();
        let why = if why.is_empty() {
            String::new()
        } else {
            format!(": {}", why.join("; "))
        };
        return Err(Error::new(
            ErrorKind::NotAnImage,
            format!("the index lists no image whose manifest is in the archive{why}"),
        )
        .member("index.json"));
    }
    let mut refs: Vec<Option<String>> = Vec::new();
    for (c, _, _) in &images {
        if !refs.contains(&c.reference) {
            refs.push(c.reference.clone());
        }
    }
    let chosen_ref = choose_ref(&refs, options)?;
    // Only the chosen image's notes (and those of no image) are worth showing.
    for (r, note) in notes {
        if (r.is_none() || r == chosen_ref)
            && !diags.iter().any(|d: &Diagnostic| d.message == note.message)
        {
            diags.push(note);
        }
    }
    resolve_chosen(m, images, refs, chosen_ref, options, diags)
}

/// Reads a candidate's manifest; None (with a note) when it is absent, an
/// artifact, or not for a real platform.
fn load_candidate(
    m: &mut dyn Members,
    c: Candidate,
    diags: &mut Vec<Diagnostic>,
) -> Result<Option<(Candidate, ManifestJson, Digest)>, Error> {
    {
        let digest = parse_digest(&c.descriptor.digest, "an index entry")?;
        let name = blob_member(&digest);
        if !m.has(&name) {
            let plat = c
                .platform
                .as_ref()
                .map(|p| format!(" ({p})"))
                .unwrap_or_default();
            diags.push(Diagnostic::new(
                Severity::Info,
                format!(
                    "the manifest {}{plat} is listed but not in the archive; skipped",
                    digest.short()
                ),
            ));
            return Ok(None);
        }
        let bytes = read_blob(m, &digest, diags)?;
        let value: serde_json::Value =
            manifest::parse(&bytes, &name).map_err(|e| e.member(&name))?;
        one_kind_of_document(&value, &name)?;
        let man: ManifestJson = manifest::parse(&bytes, &name).map_err(|e| e.member(&name))?;
        let config_type = man.config.media_type.as_deref();
        let is_image_config = matches!(
            config_type,
            None | Some(manifest::OCI_CONFIG) | Some(manifest::DOCKER_CONFIG)
        );
        if !is_image_config || man.artifact_type.is_some() {
            diags.push(Diagnostic::new(
                Severity::Info,
                format!(
                    "skipped {} (an artifact with config type {}, not an image)",
                    digest.short(),
                    config_type.unwrap_or("none")
                ),
            ));
            return Ok(None);
        }
        if c.platform.as_ref().is_some_and(Platform::is_unknown) {
            diags.push(Diagnostic::new(
                Severity::Info,
                format!(
                    "skipped {} (platform unknown/unknown: not an image)",
                    digest.short()
                ),
            ));
            return Ok(None);
        }
        Ok(Some((c, man, digest)))
    }
}

fn resolve_chosen(
    m: &mut dyn Members,
    images: Vec<(Candidate, ManifestJson, Digest)>,
    refs: Vec<Option<String>>,
    chosen_ref: Option<String>,
    options: &Options,
    mut diags: Vec<Diagnostic>,
) -> Result<Plan, Error> {
    let mut group: Vec<(Candidate, ManifestJson, Digest)> = images
        .into_iter()
        .filter(|(c, _, _)| c.reference == chosen_ref)
        .collect();

    // Platforms missing from the descriptors come from the configs (a config
    // that cannot be read leaves it unknown; it only matters if chosen).
    for (c, man, _) in group.iter_mut() {
        if c.platform.is_none() {
            if let Ok((config, _)) = read_config(m, man, &mut Vec::new()) {
                c.platform = config_platform(&config);
            }
        }
    }
    let platforms: Vec<Platform> = group
        .iter()
        .filter_map(|(c, _, _)| c.platform.clone())
        .collect();
    let pick = choose_platform(
        &group
            .iter()
            .map(|(c, _, _)| c.platform.clone())
            .collect::<Vec<_>>(),
        options,
        &mut diags,
    )?;
    let (c, man, manifest_digest) = group.swap_remove(pick);
    // An error without a member of its own (a malformed config digest) is the manifest's.
    let (config, config_digest) =
        read_config(m, &man, &mut diags).map_err(|e| e.member(blob_member(&manifest_digest)))?;
    // The index's label is what the image is chosen by (and `platforms`
    // lists); its config, under the manifest's digest, says what it runs on.
    if let (Some(index), Some(config)) = (&c.platform, config_platform(&config)) {
        if index.contradicts(&config) {
            diags.push(Diagnostic::new(
                Severity::Warning,
                format!("the index calls this image {index} but its config says {config}"),
            ));
        }
    }

    let manifest_name = blob_member(&manifest_digest);
    let diff_ids = config_diff_ids(&config, &mut diags)?;
    if diff_ids.len() != man.layers.len() {
        diags.push(Diagnostic::new(
            Severity::Error,
            format!(
                "the manifest lists {} layers but the config lists {} diff_ids",
                man.layers.len(),
                diff_ids.len()
            ),
        ));
    }
    let mut layers = Vec::new();
    for (i, d) in man.layers.iter().enumerate() {
        let digest = parse_digest(&d.digest, &format!("the descriptor of layer {i}"))
            .map_err(|e| e.member(&manifest_name))?;
        if digest.algorithm != "sha256" {
            diags.push(
                Diagnostic::new(
                    Severity::Warning,
                    format!(
                        "the layer's digest {digest} uses {}, which layerscope cannot verify \
                         (it checks sha256); its bytes are read unverified",
                        digest.algorithm
                    ),
                )
                .at_layer(i),
            );
        }
        if d.size.is_some_and(|s| s < 0) {
            diags.push(
                Diagnostic::new(
                    Severity::Error,
                    format!(
                        "the layer's descriptor gives a negative size ({})",
                        d.size.unwrap_or(0)
                    ),
                )
                .at_layer(i),
            );
        }
        layers.push(PlannedLayer {
            member: blob_member(&digest),
            media_type: d.media_type.clone(),
            digest: Some(digest),
            size: d.size.and_then(|s| u64::try_from(s).ok()),
            diff_id: diff_ids.get(i).cloned(),
        });
    }
    Ok(Plan {
        format: Format::OciLayout,
        reference: c.reference,
        images: refs
            .iter()
            .map(|r| r.clone().unwrap_or_else(|| "(untagged)".into()))
            .collect(),
        platform: c.platform,
        platforms,
        manifest_digest: Some(manifest_digest),
        config_digest: Some(config_digest),
        created: config.created.clone(),
        layers,
        runtime: RuntimeConfig::from_json(config.config.as_ref()),
        history: config
            .history
            .unwrap_or_default()
            .into_iter()
            .map(HistoryEntry::from)
            .collect(),
        diagnostics: diags,
    })
}

/// Reads and checks the config a manifest points at.
fn read_config(
    m: &mut dyn Members,
    man: &ManifestJson,
    diags: &mut Vec<Diagnostic>,
) -> Result<(ConfigJson, Digest), Error> {
    let digest = parse_digest(&man.config.digest, "the manifest's config")?;
    let name = blob_member(&digest);
    let bytes = read_blob(m, &digest, diags).map_err(|e| e.member(&name))?;
    let config: ConfigJson = manifest::parse(&bytes, &name).map_err(|e| e.member(&name))?;
    Ok((config, digest))
}

fn config_diff_ids(
    config: &ConfigJson,
    _diags: &mut Vec<Diagnostic>,
) -> Result<Vec<Digest>, Error> {
    let Some(rootfs) = &config.rootfs else {
        return Ok(Vec::new());
    };
    rootfs
        .diff_ids
        .iter()
        .map(|d| parse_digest(d, "the config's rootfs.diff_ids"))
        .collect()
}

fn choose_ref(refs: &[Option<String>], options: &Options) -> Result<Option<String>, Error> {
    let Some(wanted) = options.image.as_deref() else {
        return Ok(refs.first().cloned().flatten());
    };
    if let Ok(i) = wanted.parse::<usize>() {
        return refs.get(i).cloned().ok_or_else(|| {
            Error::new(
                ErrorKind::NoSuchImage,
                format!(
                    "there is no image {i}: the archive holds {} (0 to {})",
                    refs.len(),
                    refs.len().saturating_sub(1)
                ),
            )
        });
    }
    refs.iter()
        .find(|r| r.as_deref().is_some_and(|r| ref_matches(r, wanted)))
        .cloned()
        .ok_or_else(|| {
            let names: Vec<&str> = refs
                .iter()
                .map(|r| r.as_deref().unwrap_or("(untagged)"))
                .collect();
            Error::new(
                ErrorKind::NoSuchImage,
                format!(
                    "no image tagged {wanted:?}; the archive holds: {}",
                    names.join(", ")
                ),
            )
        })
}

/// The platform an image's config names, if it names both os and architecture.
fn config_platform(config: &ConfigJson) -> Option<Platform> {
    match (&config.os, &config.architecture) {
        (Some(os), Some(architecture)) if !os.is_empty() && !architecture.is_empty() => {
            Some(Platform {
                os: os.clone(),
                architecture: architecture.clone(),
                variant: config.variant.clone().filter(|v| !v.is_empty()),
            })
        }
        _ => None,
    }
}

/// Picks the platform: the one asked for, else the only one, else linux/amd64, else the first.
fn choose_platform(
    platforms: &[Option<Platform>],
    options: &Options,
    diags: &mut Vec<Diagnostic>,
) -> Result<usize, Error> {
    let listed = || {
        platforms
            .iter()
            .map(|p| {
                p.as_ref()
                    .map(|p| p.to_string())
                    .unwrap_or_else(|| "unknown".into())
            })
            .collect::<Vec<_>>()
            .join(", ")
    };
    if let Some(text) = options.platform.as_deref() {
        let wanted = Platform::parse(text).ok_or_else(|| {
            Error::new(
                ErrorKind::NoSuchImage,
                format!("{text:?} is not a platform; write os/arch[/variant], e.g. linux/arm64"),
            )
        })?;
        return platforms
            .iter()
            .position(|p| p.as_ref().is_some_and(|p| p.matches(&wanted)))
            .ok_or_else(|| {
                Error::new(
                    ErrorKind::NoSuchImage,
                    format!(
                        "no image for platform {wanted}; the archive has: {}",
                        listed()
                    ),
                )
            });
    }
    if platforms.len() == 1 {
        return Ok(0);
    }
    let amd64 = Platform {
        os: "linux".into(),
        architecture: "amd64".into(),
        variant: None,
    };
    if let Some(i) = platforms
        .iter()
        .position(|p| p.as_ref().is_some_and(|p| p.matches(&amd64)))
    {
        diags.push(Diagnostic::new(
            Severity::Info,
            format!(
                "{} platforms ({}); showing linux/amd64",
                platforms.len(),
                listed()
            ),
        ));
        return Ok(i);
    }
    diags.push(Diagnostic::new(
        Severity::Info,
        format!(
            "{} platforms ({}); showing the first",
            platforms.len(),
            listed()
        ),
    ));
    Ok(0)
}

/// The digest a member's name promises, for content-addressed names.
fn digest_from_name(name: &str) -> Option<Digest> {
    if let Some(rest) = name.strip_prefix("blobs/") {
        let (alg, hex) = rest.split_once('/')?;
        return Digest::parse(&format!("{alg}:{hex}"));
    }
    None
}

fn resolve_docker(
    m: &mut dyn Members,
    entries: Vec<DockerSaveEntry>,
    options: &Options,
) -> Result<Plan, Error> {
    let mut diags = Vec::new();
    let refs: Vec<Option<String>> = entries
        .iter()
        .map(|e| e.repo_tags.as_ref().and_then(|t| t.first().cloned()))
        .collect();
    let pick = match options.image.as_deref() {
        None => 0,
        Some(wanted) => match wanted.parse::<usize>() {
            Ok(i) if i < entries.len() => i,
            Ok(i) => {
                return Err(Error::new(
                    ErrorKind::NoSuchImage,
                    format!(
                        "there is no image {i}: manifest.json lists {} (0 to {})",
                        entries.len(),
                        entries.len() - 1
                    ),
                ))
            }
            Err(_) => entries
                .iter()
                .position(|e| e.repo_tags.iter().flatten().any(|t| ref_matches(t, wanted)))
                .ok_or_else(|| {
                    let tags: Vec<String> = entries
                        .iter()
                        .flat_map(|e| e.repo_tags.clone().unwrap_or_default())
                        .collect();
                    Error::new(
                        ErrorKind::NoSuchImage,
                        format!(
                            "no image tagged {wanted:?}; manifest.json has: {}",
                            tags.join(", ")
                        ),
                    )
                })?,
        },
    };
    if entries.len() > 1 && options.image.is_none() {
        diags.push(Diagnostic::new(
            Severity::Info,
            format!(
                "manifest.json holds {} images; showing the first",
                entries.len()
            ),
        ));
    }
    let entry = &entries[pick];
    let config_name = match crate::fs::path::clean(&entry.config) {
        crate::fs::path::Cleaned::Path(p) => p,
        _ => {
            return Err(Error::new(
                ErrorKind::BadJson,
                format!("manifest.json names an unusable config {:?}", entry.config),
            ))
        }
    };
    let bytes = m.read_json(&config_name)?;
    let config_digest = Digest::of(&bytes);
    let promised = digest_from_name(&config_name).or_else(|| {
        let stem = crate::fs::path::base(&config_name).strip_suffix(".json")?;
        Digest::parse(&format!("sha256:{stem}"))
    });
    if let Some(promised) = promised {
        if promised != config_digest {
            diags.push(Diagnostic::new(
                Severity::Error,
                format!("digest mismatch: the config {config_name} hashes to {config_digest}, but its name says {promised}"),
            ));
        }
    }
    let config: ConfigJson =
        manifest::parse(&bytes, &config_name).map_err(|e| e.member(&config_name))?;
    let diff_ids = config_diff_ids(&config, &mut diags)?;
    if diff_ids.len() != entry.layers.len() {
        diags.push(Diagnostic::new(
            Severity::Error,
            format!(
                "manifest.json lists {} layers but the config lists {} diff_ids",
                entry.layers.len(),
                diff_ids.len()
            ),
        ));
    }
    let mut layers = Vec::new();
    for (i, layer) in entry.layers.iter().enumerate() {
        let member = match crate::fs::path::clean(layer) {
            crate::fs::path::Cleaned::Path(p) => p,
            _ => {
                return Err(Error::new(
                    ErrorKind::BadJson,
                    format!("manifest.json names an unusable layer path {layer:?}"),
                ))
            }
        };
        layers.push(PlannedLayer {
            digest: digest_from_name(&member),
            member,
            media_type: None,
            size: None,
            diff_id: diff_ids.get(i).cloned(),
        });
    }
    let platform = config_platform(&config);
    Ok(Plan {
        format: Format::DockerSave,
        reference: refs[pick].clone(),
        images: refs
            .iter()
            .map(|r| r.clone().unwrap_or_else(|| "(untagged)".into()))
            .collect(),
        platforms: platform.iter().cloned().collect(),
        platform,
        manifest_digest: None,
        config_digest: Some(config_digest),
        created: config.created.clone(),
        layers,
        runtime: RuntimeConfig::from_json(config.config.as_ref()),
        history: config
            .history
            .unwrap_or_default()
            .into_iter()
            .map(HistoryEntry::from)
            .collect(),
        diagnostics: diags,
    })
}

fn resolve_v1(m: &mut dyn Members, options: &Options) -> Result<Plan, Error> {
    let mut diags = Vec::new();
    let bytes = m.read_json("repositories")?;
    let repos: RepositoriesJson =
        manifest::parse(&bytes, "repositories").map_err(|e| e.member("repositories"))?;
    let tagged: Vec<(String, String)> = repos
        .iter()
        .flat_map(|(repo, tags)| {
            tags.iter()
                .map(move |(tag, id)| (format!("{repo}:{tag}"), id.clone()))
        })
        .collect();
    let refs: Vec<Option<String>> = tagged.iter().map(|(r, _)| Some(r.clone())).collect();
    let chosen = choose_ref(&refs, options)?;
    let Some((reference, top)) = tagged.into_iter().find(|(r, _)| Some(r) == chosen.as_ref())
    else {
        return Err(
            Error::new(ErrorKind::NotAnImage, "repositories lists no image").member("repositories"),
        );
    };
    diags.push(Diagnostic::new(
        Severity::Info,
        "pre-1.10 `docker save` layout: layers have no diff_ids to verify against",
    ));
    // Follow the parent chain from the top layer down, then reverse it.
    let mut chain = Vec::new();
    let mut seen = HashSet::new();
    let mut next = Some(top);
    while let Some(id) = next {
        if !seen.insert(id.clone()) {
            return Err(Error::new(
                ErrorKind::Corrupt,
                format!("the parent chain of layer {id} loops"),
            )
            .member(format!("{id}/json")));
        }
        if chain.len() >= crate::limits::V1_CHAIN {
            return Err(Error::new(
                ErrorKind::TooLarge,
                format!(
                    "the parent chain is over {} layers long at layer {id}",
                    crate::limits::V1_CHAIN
                ),
            )
            .member(format!("{id}/json")));
        }
        let name = format!("{id}/json");
        let bytes = m.read_json(&name)?;
        let json: V1LayerJson = manifest::parse(&bytes, &name).map_err(|e| e.member(&name))?;
        next = json.parent.clone().filter(|p| !p.is_empty());
        chain.push(json);
    }
    chain.reverse();
    let top = chain.last();
    let platform = top.and_then(|t| match (&t.os, &t.architecture) {
        (Some(os), Some(arch)) => Some(Platform {
            os: os.clone(),
            architecture: arch.clone(),
            variant: None,
        }),
        _ => None,
    });
    let created = top.and_then(|t| t.created.clone());
    let history = chain
        .iter()
        .map(|j| HistoryEntry {
            created: j.created.clone(),
            created_by: j
                .container_config
                .as_ref()
                .and_then(|c| c.cmd.as_ref())
                .map(|c| c.join(" ")),
            author: j.author.clone(),
            comment: j.comment.clone(),
            empty_layer: false,
        })
        .collect();
    let layers = chain
        .iter()
        .map(|j| PlannedLayer {
            member: format!("{}/layer.tar", j.id),
            media_type: None,
            digest: None,
            size: None,
            diff_id: None,
        })
        .collect();
    Ok(Plan {
        format: Format::DockerV1,
        reference: Some(reference),
        images: refs.into_iter().flatten().collect(),
        platforms: platform.iter().cloned().collect(),
        platform,
        manifest_digest: None,
        config_digest: None,
        created,
        layers,
        history,
        runtime: RuntimeConfig::from_json(top.and_then(|t| t.config.as_ref())),
        diagnostics: diags,
    })
}
