//! The WordPress plugin as the zip WordPress's "Upload Plugin" takes: the folder
//! `integrations/wordpress/tribefund/` under `tribefund/`, deflated, written to
//! `www/pkg/tribefund-wordpress.zip` where the server offers it (`/pkg/…`, linked from the
//! guide). A plain ZIP (PKWARE APPNOTE 6.3): local headers, a central directory, its end.

use anyhow::Context;
use flate2::Compression;
use flate2::write::DeflateEncoder;
use std::io::Write;
use std::path::{Path, PathBuf};

/// Zips the WordPress plugin into `www/pkg/`.
pub(crate) fn wordpress(root: &Path) -> anyhow::Result<()> {
    let folder = root.join("integrations/wordpress/tribefund");
    let mut files = Vec::new();
    collect(&folder, &mut files)?;
    files.sort();
    let mut zip = Zip::default();
    for file in &files {
        let name = format!("tribefund/{}", file.strip_prefix(&folder)?.to_string_lossy());
        zip.add(&name, &std::fs::read(file).with_context(|| format!("reading {}", file.display()))?)?;
    }
    let out = root.join("www/pkg/tribefund-wordpress.zip");
    std::fs::create_dir_all(out.parent().expect("a folder"))?;
    std::fs::write(&out, zip.finish())?;
    println!("WordPress plugin zipped into {} ({} files)", out.display(), files.len());
    Ok(())
}

fn collect(dir: &Path, files: &mut Vec<PathBuf>) -> anyhow::Result<()> {
    for entry in std::fs::read_dir(dir).with_context(|| format!("reading {}", dir.display()))? {
        let path = entry?.path();
        if path.is_dir() { collect(&path, files)? } else { files.push(path) }
    }
    Ok(())
}

#[derive(Default)]
struct Zip {
    out: Vec<u8>,
    central: Vec<u8>,
    count: u16,
}

impl Zip {
    /// Adds `bytes` as `name`, deflated, dated 1 January 2026 (the same bytes every build).
    fn add(&mut self, name: &str, bytes: &[u8]) -> anyhow::Result<()> {
        let mut crc = flate2::Crc::new();
        crc.update(bytes);
        let mut deflate = DeflateEncoder::new(Vec::new(), Compression::best());
        deflate.write_all(bytes)?;
        let packed = deflate.finish()?;
        let (time, date) = (0u16, ((2026 - 1980) << 9 | 1 << 5 | 1) as u16);
        let offset = u32::try_from(self.out.len())?;
        let (crc, packed_len, len) = (crc.sum(), u32::try_from(packed.len())?, u32::try_from(bytes.len())?);
        let name_len = u16::try_from(name.len())?;
        // Local file header: version 2.0, no flags, deflate.
        let common = |out: &mut Vec<u8>| {
            for field in [20u16, 0, 8, time, date] {
                out.extend_from_slice(&field.to_le_bytes());
            }
            for field in [crc, packed_len, len] {
                out.extend_from_slice(&field.to_le_bytes());
            }
            out.extend_from_slice(&name_len.to_le_bytes());
            out.extend_from_slice(&0u16.to_le_bytes());
        };
        self.out.extend_from_slice(&0x0403_4b50u32.to_le_bytes());
        common(&mut self.out);
        self.out.extend_from_slice(name.as_bytes());
        self.out.extend_from_slice(&packed);
        // Its central directory entry: made by 2.0 on Unix, then the same, then comment,
        // disk, attributes (a regular file, 0644) and where its local header is.
        self.central.extend_from_slice(&0x0201_4b50u32.to_le_bytes());
        self.central.extend_from_slice(&(3u16 << 8 | 20).to_le_bytes());
        common(&mut self.central);
        for field in [0u16, 0, 0] {
            self.central.extend_from_slice(&field.to_le_bytes());
        }
        self.central.extend_from_slice(&(0o100644u32 << 16).to_le_bytes());
        self.central.extend_from_slice(&offset.to_le_bytes());
        self.central.extend_from_slice(name.as_bytes());
        self.count += 1;
        Ok(())
    }

    fn finish(mut self) -> Vec<u8> {
        let (start, size) = (self.out.len() as u32, self.central.len() as u32);
        self.out.extend_from_slice(&self.central);
        self.out.extend_from_slice(&0x0605_4b50u32.to_le_bytes());
        for field in [0u16, 0, self.count, self.count] {
            self.out.extend_from_slice(&field.to_le_bytes());
        }
        self.out.extend_from_slice(&size.to_le_bytes());
        self.out.extend_from_slice(&start.to_le_bytes());
        self.out.extend_from_slice(&0u16.to_le_bytes());
        self.out
    }
}
