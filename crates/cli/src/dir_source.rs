//! A directory as an image source: an OCI image layout directory, or a
//! `docker save` extracted into one. Member names are paths relative to it.

use layerscope_core::{Error, ErrorKind, Source};
use std::collections::BTreeMap;
use std::fs::File;
use std::io::{BufReader, Read};
use std::path::{Path, PathBuf};

pub struct DirSource {
    root: PathBuf,
    sizes: BTreeMap<String, u64>,
}

impl DirSource {
    pub fn open(root: &Path) -> std::io::Result<DirSource> {
        let mut sizes = BTreeMap::new();
        let mut stack = vec![root.to_path_buf()];
        while let Some(dir) = stack.pop() {
            for entry in std::fs::read_dir(&dir)? {
                let entry = entry?;
                let path = entry.path();
                // Follows symlinks, as a layer.tar linking to another layer needs.
                let Ok(meta) = std::fs::metadata(&path) else {
                    continue;
                };
                if meta.is_dir() {
                    if !entry.file_type()?.is_symlink() {
                        stack.push(path);
                    }
                } else if meta.is_file() {
                    if let Ok(rel) = path.strip_prefix(root) {
                        let name = rel
                            .to_string_lossy()
                            .replace(std::path::MAIN_SEPARATOR, "/");
                        sizes.insert(name, meta.len());
                    }
                }
            }
        }
        Ok(DirSource {
            root: root.to_path_buf(),
            sizes,
        })
    }
}

impl Source for DirSource {
    fn names(&self) -> Vec<String> {
        self.sizes.keys().cloned().collect()
    }

    fn size(&self, name: &str) -> Option<u64> {
        self.sizes.get(name).copied()
    }

    fn open(&mut self, name: &str) -> Result<Box<dyn Read + '_>, Error> {
        if !self.sizes.contains_key(name) {
            return Err(
                Error::new(ErrorKind::MissingBlob, "the directory has no such file").member(name),
            );
        }
        let file = File::open(self.root.join(name))
            .map_err(|e| Error::new(ErrorKind::Io, format!("cannot open: {e}")).member(name))?;
        Ok(Box::new(BufReader::with_capacity(256 * 1024, file)))
    }
}
