//! Writes an OCI image archive (an image layout in a tar) that `ctr image
//! import` reads: wasi-run's own, written for the containerd shim's tests.
//!
//! Why it exists: containerd-shim-wasm 1.0's `testing` feature (runwasi's
//! in-process test harness) calls `Builder::add_config(config, name,
//! media_type)` with oci-spec 0.9 types (0.7 in 1.0.0), an API of runwasi's
//! in-tree oci-tar-builder that was never published: crates.io's only 0.4
//! release (0.4.0) takes two arguments and oci-spec 0.6 types, so the
//! feature does not build from crates.io. The shim's workspace patches this crate in
//! (`[patch.crates-io]`), with the calls the harness makes; the shim's
//! end-to-end test builds its images with it too.

use std::collections::BTreeMap;
use std::io::Write;
use std::path::{Path, PathBuf};

use anyhow::{Context, Result};
use oci_spec::image::{
    DescriptorBuilder, ImageConfiguration, ImageIndexBuilder, ImageManifestBuilder, MediaType, SCHEMA_VERSION,
};
use sha2::{Digest as _, Sha256};

/// The media type runwasi reads a wasm module's layer by.
pub const WASM_LAYER_MEDIA_TYPE: &str = "application/vnd.bytecodealliance.wasm.component.layer.v0+wasm";

/// An image: layers (files, each with its media type) and a configuration.
#[derive(Debug, Default)]
pub struct Builder {
    layers: Vec<(PathBuf, String)>,
    config: Option<(ImageConfiguration, String, MediaType)>,
}

impl Builder {
    /// The image's configuration, the name `ctr image import` gives it
    /// (`registry/name:tag`), and the configuration's media type.
    pub fn add_config(&mut self, config: ImageConfiguration, name: String, media_type: MediaType) -> &mut Self {
        self.config = Some((config, name, media_type));
        self
    }

    /// A layer: the file's bytes, as they are, under `media_type` (a wasm
    /// module, or a tar of files for a root file system).
    pub fn add_layer_with_media_type(&mut self, layer: &Path, media_type: String) -> &mut Self {
        self.layers.push((layer.to_path_buf(), media_type));
        self
    }

    /// Writes the archive to `w`.
    ///
    /// # Errors
    /// A layer that cannot be read, no configuration, or `w`'s error.
    pub fn build<W: Write>(&mut self, w: W) -> Result<()> {
        let (config, name, config_type) = self.config.as_ref().context("the image has no configuration")?;
        let mut blobs: BTreeMap<String, Vec<u8>> = BTreeMap::new();
        let mut add = |bytes: Vec<u8>, media_type: MediaType| -> Result<oci_spec::image::Descriptor> {
            let digest = format!("sha256:{:x}", Sha256::digest(&bytes));
            let d = DescriptorBuilder::default()
                .media_type(media_type)
                .digest(digest.parse::<oci_spec::image::Digest>()?)
                .size(bytes.len() as u64)
                .build()?;
            blobs.insert(digest, bytes);
            Ok(d)
        };
        let mut layers = Vec::new();
        for (path, media_type) in &self.layers {
            let bytes = std::fs::read(path).with_context(|| format!("layer {}", path.display()))?;
            layers.push(add(bytes, MediaType::Other(media_type.clone()))?);
        }
        let config = add(serde_json::to_vec(config)?, config_type.clone())?;
        let manifest = ImageManifestBuilder::default()
            .schema_version(SCHEMA_VERSION)
            .media_type(MediaType::ImageManifest)
            .config(config)
            .layers(layers)
            .build()?;
        let mut manifest = add(serde_json::to_vec(&manifest)?, MediaType::ImageManifest)?;
        let tag = name.rsplit_once(':').map_or("latest", |(_, t)| t);
        manifest.set_annotations(Some(
            [
                ("io.containerd.image.name".to_owned(), name.clone()),
                ("org.opencontainers.image.ref.name".to_owned(), tag.to_owned()),
            ]
            .into(),
        ));
        let index = ImageIndexBuilder::default()
            .schema_version(SCHEMA_VERSION)
            .media_type(MediaType::ImageIndex)
            .manifests(vec![manifest])
            .build()?;
        let mut tar = tar::Builder::new(w);
        let mut put = |path: &str, bytes: &[u8]| -> Result<()> {
            let mut header = tar::Header::new_gnu();
            header.set_size(bytes.len() as u64);
            header.set_mode(0o644);
            header.set_cksum();
            tar.append_data(&mut header, path, bytes)?;
            Ok(())
        };
        put("oci-layout", br#"{"imageLayoutVersion":"1.0.0"}"#)?;
        put("index.json", &serde_json::to_vec(&index)?)?;
        for (digest, bytes) in &blobs {
            put(&format!("blobs/{}", digest.replacen(':', "/", 1)), bytes)?;
        }
        tar.into_inner()?.flush()?;
        Ok(())
    }
}
