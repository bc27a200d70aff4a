//! The JSON documents of image archives, as read (never written): Docker's
//! `manifest.json` and `repositories`, OCI `index.json`, manifests and image
//! configs, and the pre-1.10 per-layer `json`. Every field a real tool may
//! leave out is optional; unknown fields are ignored; what a field means is
//! quoted from the spec where it matters.

use crate::{Error, ErrorKind};
use serde::Deserialize;
use std::collections::BTreeMap;

pub const OCI_INDEX: &str = "application/vnd.oci.image.index.v1+json";
pub const OCI_MANIFEST: &str = "application/vnd.oci.image.manifest.v1+json";
pub const OCI_CONFIG: &str = "application/vnd.oci.image.config.v1+json";
pub const DOCKER_LIST: &str = "application/vnd.docker.distribution.manifest.list.v2+json";
pub const DOCKER_MANIFEST: &str = "application/vnd.docker.distribution.manifest.v2+json";
pub const DOCKER_CONFIG: &str = "application/vnd.docker.container.image.v1+json";

/// Parses a JSON document, naming it in the error.
pub fn parse<T: serde::de::DeserializeOwned>(bytes: &[u8], what: &str) -> Result<T, Error> {
    serde_json::from_slice(bytes)
        .map_err(|e| Error::new(ErrorKind::BadJson, format!("{what} is not valid: {e}")))
}

/// One image of Docker's `manifest.json` (an array of these).
#[derive(Debug, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct DockerSaveEntry {
    pub config: String,
    #[serde(default)]
    pub repo_tags: Option<Vec<String>>,
    pub layers: Vec<String>,
}

/// An OCI content descriptor (image-spec descriptor.md).
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Descriptor {
    #[serde(default)]
    pub media_type: Option<String>,
    /// REQUIRED: the digest of the targeted content.
    pub digest: String,
    /// REQUIRED: the size, in bytes, of the raw content.
    #[serde(default)]
    pub size: Option<i64>,
    #[serde(default)]
    pub platform: Option<PlatformJson>,
    #[serde(default)]
    pub annotations: Option<BTreeMap<String, String>>,
    #[serde(default)]
    pub artifact_type: Option<String>,
}

impl Descriptor {
    pub fn annotation(&self, key: &str) -> Option<&str> {
        self.annotations.as_ref()?.get(key).map(String::as_str)
    }
}

#[derive(Debug, Clone, Deserialize)]
pub struct PlatformJson {
    #[serde(default)]
    pub architecture: String,
    #[serde(default)]
    pub os: String,
    #[serde(default)]
    pub variant: Option<String>,
}

/// An image index (image-spec image-index.md) or Docker manifest list; also
/// the shape of `index.json` at the top of a layout.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct IndexJson {
    /// REQUIRED: the list of manifests.
    #[serde(default)]
    pub manifests: Option<Vec<Descriptor>>,
}

/// An image manifest (image-spec manifest.md) or Docker v2 schema 2 manifest.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ManifestJson {
    #[serde(default)]
    pub artifact_type: Option<String>,
    pub config: Descriptor,
    #[serde(default)]
    pub layers: Vec<Descriptor>,
}

/// An image config (image-spec config.md): only the parts layerscope shows.
#[derive(Debug, Default, Deserialize)]
pub struct ConfigJson {
    #[serde(default)]
    pub architecture: Option<String>,
    #[serde(default)]
    pub os: Option<String>,
    #[serde(default)]
    pub variant: Option<String>,
    #[serde(default)]
    pub created: Option<String>,
    #[serde(default)]
    pub rootfs: Option<RootFsJson>,
    #[serde(default)]
    pub history: Option<Vec<HistoryJson>>,
    /// What the image runs with (`Env`, `Cmd`, `Labels`…), kept loose:
    /// an ill-typed part is left out, never a reason to refuse the image.
    #[serde(default)]
    pub config: Option<serde_json::Value>,
}

#[derive(Debug, Default, Deserialize)]
pub struct RootFsJson {
    #[serde(default)]
    pub diff_ids: Vec<String>,
}

#[derive(Debug, Clone, Default, Deserialize)]
pub struct HistoryJson {
    #[serde(default)]
    pub created: Option<String>,
    #[serde(default)]
    pub created_by: Option<String>,
    #[serde(default)]
    pub author: Option<String>,
    #[serde(default)]
    pub comment: Option<String>,
    /// "This field is used to mark if the history item created a filesystem diff."
    #[serde(default)]
    pub empty_layer: Option<bool>,
}

/// The per-layer `json` of the pre-1.10 `docker save` layout.
#[derive(Debug, Deserialize)]
pub struct V1LayerJson {
    pub id: String,
    #[serde(default)]
    pub parent: Option<String>,
    #[serde(default)]
    pub created: Option<String>,
    #[serde(default)]
    pub comment: Option<String>,
    #[serde(default)]
    pub author: Option<String>,
    #[serde(default)]
    pub container_config: Option<V1ContainerConfig>,
    #[serde(default)]
    pub os: Option<String>,
    #[serde(default)]
    pub architecture: Option<String>,
    /// The runtime config of the image this layer tops (as `ConfigJson::config`).
    #[serde(default)]
    pub config: Option<serde_json::Value>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct V1ContainerConfig {
    #[serde(default)]
    pub cmd: Option<Vec<String>>,
}

/// Docker's `repositories`: repository → tag → top layer id.
pub type RepositoriesJson = BTreeMap<String, BTreeMap<String, String>>;
