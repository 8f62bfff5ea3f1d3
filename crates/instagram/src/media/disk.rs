//! The disk cache of fetched images under `<data_dir>/media/`: one file per content hash
//! (`ab/abcdef…`), so an image reached by two URLs is stored once and a changed image gets a new
//! name. Files are written under `tmp/` and renamed into place: a reader never sees half a file.
//!
//! The total size is capped: above the cap the least recently served files are removed until
//! the cache is back under 90 % of it. "Recently served" is the file's modification time, moved
//! forward when a file is served (at most once a minute per file). Each node keeps its own cache;
//! the running total is held in memory and recounted from the directory whenever it says the cap
//! was crossed, so files removed or added by hand or by another process are picked up there.

use std::{
    io,
    path::{Path, PathBuf},
    time::{Duration, SystemTime},
};

use tokio::{fs, io::AsyncWriteExt, sync::Mutex};

/// Serving a file moves its modification time forward only when it is older than this.
const TOUCH_AFTER: Duration = Duration::from_secs(60);
/// Partial files older than this are from a fetch that died with its process.
const STALE_TEMP: Duration = Duration::from_secs(3600);
const TEMP_DIR: &str = "tmp";

pub struct DiskCache {
    root: PathBuf,
    max_bytes: u64,
    /// Bytes in the cache; `None` until first counted.
    usage: Mutex<Option<u64>>,
}

/// A file being written; [`DiskCache::commit`] or [`DiskCache::discard`] ends it.
pub struct TempFile {
    path: PathBuf,
    pub file: fs::File,
}

impl DiskCache {
    pub fn new(root: PathBuf, max_bytes: u64) -> Self {
        Self {
            root,
            max_bytes,
            usage: Mutex::new(None),
        }
    }

    /// Where the image of this hash lives; `None` for anything that is not a SHA-256 in hex
    /// (the name comes from the database, and must never become a path elsewhere).
    fn path(&self, sha256: &str) -> Option<PathBuf> {
        let is_hash = sha256.len() == 64
            && sha256
                .bytes()
                .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b));
        is_hash.then(|| self.root.join(&sha256[..2]).join(sha256))
    }

    /// The stored image and its length, marking it as recently served.
    pub async fn open(&self, sha256: &str) -> io::Result<Option<(fs::File, u64)>> {
        let Some(path) = self.path(sha256) else {
            return Ok(None);
        };
        let file = match fs::File::open(&path).await {
            Ok(file) => file,
            Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(None),
            Err(e) => return Err(e),
        };
        let meta = file.metadata().await?;
        let served_long_ago = meta
            .modified()
            .ok()
            .and_then(|m| m.elapsed().ok())
            .is_none_or(|age| age > TOUCH_AFTER);
        if served_long_ago {
            let touched = tokio::task::spawn_blocking(move || {
                std::fs::File::open(&path)?.set_modified(SystemTime::now())
            })
            .await
            .map_err(io::Error::other)
            .and_then(|r| r);
            // A missed touch only makes the file look older to the next eviction.
            if let Err(e) = touched {
                tracing::debug!(error = %e, "media cache: touch failed");
            }
        }
        Ok(Some((file, meta.len())))
    }

    pub async fn temp_file(&self) -> io::Result<TempFile> {
        let dir = self.root.join(TEMP_DIR);
        fs::create_dir_all(&dir).await?;
        let path = dir.join(format!("{}.part", uuid::Uuid::new_v4().simple()));
        let file = fs::File::create(&path).await?;
        Ok(TempFile { path, file })
    }

    pub async fn discard(&self, temp: TempFile) {
        drop(temp.file);
        if let Err(e) = fs::remove_file(&temp.path).await {
            tracing::warn!(error = %e, path = %temp.path.display(), "media cache: temp file left behind");
        }
    }

    /// Moves a completely written image into place under its hash, then keeps the cache under
    /// its cap (never evicting this image).
    pub async fn commit(&self, mut temp: TempFile, sha256: &str, bytes: u64) -> io::Result<()> {
        let Some(path) = self.path(sha256) else {
            self.discard(temp).await;
            return Err(io::Error::other("not a SHA-256"));
        };
        // Durable before visible: after a crash the name never points at a short file.
        let synced = async {
            temp.file.flush().await?;
            temp.file.sync_all().await
        }
        .await;
        if let Err(e) = synced {
            self.discard(temp).await;
            return Err(e);
        }
        if fs::try_exists(&path).await? {
            // The same image through another URL.
            self.discard(temp).await;
            return Ok(());
        }
        let placed = async {
            if let Some(dir) = path.parent() {
                fs::create_dir_all(dir).await?;
            }
            fs::rename(&temp.path, &path).await
        }
        .await;
        if let Err(e) = placed {
            self.discard(temp).await;
            return Err(e);
        }
        let mut usage = self.usage.lock().await;
        let total = match *usage {
            Some(total) => total.saturating_add(bytes),
            None => self.sweep(u64::MAX, sha256).await?.0,
        };
        *usage = Some(if total > self.max_bytes {
            let (left, evicted) = self.sweep(self.max_bytes / 10 * 9, sha256).await?;
            metrics::counter!("media_proxy_evictions_total").increment(evicted);
            tracing::info!(
                evicted,
                left,
                "media cache: evicted least recently served images"
            );
            left
        } else {
            total
        });
        Ok(())
    }

    /// Counts the cache and, when it holds more than `target` bytes, removes the least recently
    /// served files (except `keep`) until it does not. Returns (bytes left, files removed).
    async fn sweep(&self, target: u64, keep: &str) -> io::Result<(u64, u64)> {
        let root = self.root.clone();
        let keep = keep.to_string();
        tokio::task::spawn_blocking(move || sweep(&root, target, &keep))
            .await
            .map_err(io::Error::other)?
    }
}

fn sweep(root: &Path, target: u64, keep: &str) -> io::Result<(u64, u64)> {
    let shards = match std::fs::read_dir(root) {
        Ok(shards) => shards,
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok((0, 0)),
        Err(e) => return Err(e),
    };
    let mut files: Vec<(SystemTime, u64, PathBuf)> = Vec::new();
    let mut total: u64 = 0;
    // Entries may vanish while we look (another process evicting, a fetch renaming): such an
    // entry is skipped, not an error.
    for shard in shards.flatten() {
        if !shard.file_type().is_ok_and(|t| t.is_dir()) {
            continue;
        }
        let is_temp = shard.file_name() == TEMP_DIR;
        let Ok(entries) = std::fs::read_dir(shard.path()) else {
            continue;
        };
        for entry in entries.flatten() {
            let Ok(meta) = entry.metadata() else {
                continue;
            };
            if !meta.is_file() {
                continue;
            }
            let modified = meta.modified().unwrap_or(SystemTime::UNIX_EPOCH);
            if is_temp {
                if modified.elapsed().is_ok_and(|age| age > STALE_TEMP) {
                    let _ = std::fs::remove_file(entry.path());
                }
                continue;
            }
            total = total.saturating_add(meta.len());
            files.push((modified, meta.len(), entry.path()));
        }
    }
    if total <= target {
        return Ok((total, 0));
    }
    files.sort_by_key(|(modified, _, _)| *modified);
    let mut evicted = 0;
    for (_, len, path) in files {
        if total <= target {
            break;
        }
        if path.file_name().is_some_and(|n| n == keep) {
            continue;
        }
        match std::fs::remove_file(&path) {
            Ok(()) => {
                total = total.saturating_sub(len);
                evicted += 1;
            }
            Err(e) if e.kind() == io::ErrorKind::NotFound => total = total.saturating_sub(len),
            Err(e) => {
                tracing::warn!(error = %e, path = %path.display(), "media cache: cannot evict")
            }
        }
    }
    Ok((total, evicted))
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn only_hashes_become_paths() {
        let cache = DiskCache::new(PathBuf::from("/data/media"), 100);
        let sha = "ab".repeat(32);
        assert_eq!(
            cache.path(&sha),
            Some(PathBuf::from(format!("/data/media/ab/{sha}")))
        );
        assert_eq!(cache.path("../../etc/passwd"), None);
        assert_eq!(cache.path(&"AB".repeat(32)), None);
        assert_eq!(cache.path(&format!("{}/", "a".repeat(63))), None);
    }
}
