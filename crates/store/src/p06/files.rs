//! The store's files on disk, content-addressed: a file is kept once under its SHA-256
//! (`ab/cd/abcd…`), however many results name it. Written to a temporary name and renamed,
//! so a file is whole or absent; a file written for a transaction that then failed is left,
//! unnamed by any record, and is the same bytes the next write of it would bring.

use std::io::Write;
use std::path::{Path, PathBuf};

#[derive(Debug, Clone)]
pub struct FileStore {
    dir: PathBuf,
}

fn hex64(s: &str) -> bool {
    s.len() == 64
        && s.bytes()
            .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
}

impl FileStore {
    pub fn new(dir: PathBuf) -> FileStore {
        FileStore { dir }
    }

    /// Where the files of the SQLite database file `db` are kept: `NAME-p06-files` beside it
    /// (none in memory).
    pub fn beside(db: &Path) -> Option<PathBuf> {
        let dir = db.parent()?.to_path_buf();
        let name = db.file_stem()?.to_string_lossy().to_string();
        (!name.is_empty() && name != ":memory:").then(|| dir.join(format!("{name}-p06-files")))
    }

    pub fn dir(&self) -> &Path {
        &self.dir
    }

    fn path_of(&self, sha256: &str) -> Option<PathBuf> {
        hex64(sha256).then(|| self.dir.join(&sha256[..2]).join(&sha256[2..4]).join(sha256))
    }

    /// Keep `bytes` (once: a file already kept is left as it is); returns its SHA-256.
    pub fn put(&self, bytes: &[u8]) -> std::io::Result<String> {
        let sha = chiso_p06::rules::sha256_hex(bytes);
        let Some(path) = self.path_of(&sha) else {
            return Err(std::io::Error::other("bad hash"));
        };
        if path.exists() {
            return Ok(sha);
        }
        let parent = path.parent().unwrap_or(&self.dir);
        std::fs::create_dir_all(parent)?;
        let tmp = parent.join(format!(".{sha}.{}.tmp", std::process::id()));
        {
            let mut f = std::fs::File::create(&tmp)?;
            f.write_all(bytes)?;
            f.sync_all()?;
        }
        std::fs::rename(&tmp, &path)?;
        Ok(sha)
    }

    /// The bytes kept under `sha256`, checked against it; none when absent.
    pub fn get(&self, sha256: &str) -> std::io::Result<Option<Vec<u8>>> {
        let Some(path) = self.path_of(sha256) else {
            return Ok(None);
        };
        match std::fs::read(&path) {
            Ok(b) if chiso_p06::rules::sha256_hex(&b) == sha256 => Ok(Some(b)),
            Ok(_) => Err(std::io::Error::other(format!(
                "the file {sha256} does not match its hash"
            ))),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
            Err(e) => Err(e),
        }
    }

    /// Every file kept (its hash), for a backup.
    pub fn list(&self) -> std::io::Result<Vec<String>> {
        let mut out = Vec::new();
        if !self.dir.exists() {
            return Ok(out);
        }
        for a in std::fs::read_dir(&self.dir)? {
            let a = a?.path();
            if !a.is_dir() {
                continue;
            }
            for b in std::fs::read_dir(&a)? {
                let b = b?.path();
                if !b.is_dir() {
                    continue;
                }
                for f in std::fs::read_dir(&b)? {
                    let name = f?.file_name().to_string_lossy().to_string();
                    if hex64(&name) {
                        out.push(name);
                    }
                }
            }
        }
        out.sort();
        Ok(out)
    }

    /// Copy every file into `to` (the same layout), checking each against its hash.
    pub fn copy_to(&self, to: &Path) -> std::io::Result<usize> {
        let target = FileStore::new(to.to_path_buf());
        let mut n = 0;
        for sha in self.list()? {
            if let Some(bytes) = self.get(&sha)? {
                target.put(&bytes)?;
                n += 1;
            }
        }
        Ok(n)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn files_are_kept_once_by_their_hash() {
        let dir = std::env::temp_dir().join(format!("chiso-files-{}", std::process::id()));
        let fs = FileStore::new(dir.clone());
        let a = fs.put(b"%PDF-1.7 a").unwrap();
        assert_eq!(fs.put(b"%PDF-1.7 a").unwrap(), a);
        assert_eq!(fs.list().unwrap(), vec![a.clone()]);
        assert_eq!(fs.get(&a).unwrap().as_deref(), Some(&b"%PDF-1.7 a"[..]));
        assert_eq!(fs.get(&"0".repeat(64)).unwrap(), None);
        assert_eq!(fs.get("../../etc/passwd").unwrap(), None);
        let copy = dir.join("copy");
        assert_eq!(fs.copy_to(&copy).unwrap(), 1);
        let _ = std::fs::remove_dir_all(dir);
    }
}
