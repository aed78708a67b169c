//! Files koe writes, and Ctrl-C.
//!
//! Every output file (`-o`, `--rejects`, `--summary-json`, overlays, emitted
//! taxonomies) is written to a temporary file beside its target and renamed over it
//! only when the run produced it: a failing run leaves nothing behind, a symlink at
//! the target is replaced instead of followed, and a reader of the target never sees
//! a half-written file. A target that is not a regular file (`/dev/null`, a FIFO) is
//! written straight through, never replaced. An output that is the same file as an input (same device and
//! inode, through any name or link) is refused before anything is read.

use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicU32, Ordering};

use anyhow::{Context, bail};

/// Refuses `output` when it is the same file as one of `inputs` (`-` is stdin).
pub fn check_not_input(output: &Path, inputs: &[PathBuf]) -> anyhow::Result<()> {
    let Ok(out) = std::fs::metadata(output) else {
        return Ok(()); // Does not exist yet: cannot be an input.
    };
    for input in inputs {
        if input.as_os_str() == "-" {
            continue;
        }
        if let Ok(inp) = std::fs::metadata(input)
            && same_file(&out, &inp)
        {
            bail!(
                "{} is also an input ({}): koe never writes over its inputs; choose another output path",
                output.display(),
                input.display()
            );
        }
    }
    Ok(())
}

#[cfg(unix)]
fn same_file(a: &std::fs::Metadata, b: &std::fs::Metadata) -> bool {
    use std::os::unix::fs::MetadataExt;
    a.dev() == b.dev() && a.ino() == b.ino()
}

#[cfg(not(unix))]
fn same_file(a: &std::fs::Metadata, b: &std::fs::Metadata) -> bool {
    // No inode numbers: compare what there is (conservative: may refuse a copy).
    a.len() == b.len() && a.modified().ok() == b.modified().ok()
}

/// Refuses any of `outputs` that is one of `inputs`, and two outputs with one path.
pub fn check_outputs(outputs: &[&Path], inputs: &[PathBuf]) -> anyhow::Result<()> {
    for (i, o) in outputs.iter().enumerate() {
        check_not_input(o, inputs)?;
        // Two outputs into one file would clobber each other (a device such as
        // /dev/null takes both).
        let device = std::fs::metadata(o).is_ok_and(|m| !m.is_file());
        if outputs[..i].contains(o) && !device {
            bail!("{} is given for two outputs", o.display());
        }
    }
    Ok(())
}

/// A file written to a temporary name beside `path` and renamed over it by
/// [`AtomicFile::commit`]; dropped without a commit, it leaves nothing behind.
pub struct AtomicFile {
    path: PathBuf,
    /// `None` once committed.
    tmp: Option<BufWriter<tempfile::NamedTempFile>>,
    /// Written straight through: the target is a device or a pipe (`-o /dev/null`,
    /// a FIFO), which a rename would replace by a regular file.
    direct: Option<BufWriter<std::fs::File>>,
}

impl AtomicFile {
    /// Starts writing `path`.
    pub fn create(path: &Path) -> anyhow::Result<AtomicFile> {
        let dir = match path.parent() {
            Some(d) if !d.as_os_str().is_empty() => d,
            _ => Path::new("."),
        };
        if path.is_dir() {
            bail!("cannot write {}: it is a directory", path.display());
        }
        if let Ok(m) = std::fs::metadata(path)
            && !m.is_file()
        {
            let f = std::fs::OpenOptions::new()
                .write(true)
                .open(path)
                .with_context(|| format!("cannot open {}", path.display()))?;
            return Ok(AtomicFile {
                path: path.to_path_buf(),
                tmp: None,
                direct: Some(BufWriter::new(f)),
            });
        }
        let name = path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_else(|| "output".into());
        let tmp = tempfile::Builder::new()
            .prefix(&format!(".{name}."))
            .suffix(".koe-tmp")
            .tempfile_in(dir)
            .with_context(|| format!("cannot create {}", path.display()))?;
        live(|l| l.push(tmp.path().to_path_buf()));
        Ok(AtomicFile {
            path: path.to_path_buf(),
            tmp: Some(BufWriter::with_capacity(1 << 16, tmp)),
            direct: None,
        })
    }

    /// Flushes and renames the file over its target (a symlink there is replaced,
    /// its target untouched). Permissions are the usual ones for a new file.
    pub fn commit(mut self) -> anyhow::Result<()> {
        let path = self.path.clone();
        if let Some(mut d) = self.direct.take() {
            d.flush()
                .with_context(|| format!("cannot write {}", path.display()))?;
            return Ok(());
        }
        let Some(tmp) = self.tmp.take() else {
            return Ok(());
        };
        let tmp_path = tmp.get_ref().path().to_path_buf();
        live(|l| l.retain(|p| *p != tmp_path));
        let tmp = tmp
            .into_inner()
            .map_err(|e| e.into_error())
            .with_context(|| format!("cannot write {}", path.display()))?;
        tmp.as_file()
            .sync_data()
            .with_context(|| format!("cannot write {}", path.display()))?;
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(&path)
                .ok()
                .filter(|m| m.is_file())
                .map_or(0o644, |m| m.permissions().mode() & 0o777);
            let _ = std::fs::set_permissions(tmp.path(), std::fs::Permissions::from_mode(mode));
        }
        tmp.persist(&path)
            .map_err(|e| e.error)
            .with_context(|| format!("cannot write {}", path.display()))?;
        Ok(())
    }
}

impl Drop for AtomicFile {
    fn drop(&mut self) {
        // Not committed: the temporary file goes (NamedTempFile deletes it).
        if let Some(tmp) = &self.tmp {
            let tmp_path = tmp.get_ref().path().to_path_buf();
            live(|l| l.retain(|p| *p != tmp_path));
        }
    }
}

fn closed() -> std::io::Error {
    std::io::Error::other("output already committed")
}

impl AtomicFile {
    fn sink(&mut self) -> std::io::Result<&mut dyn Write> {
        if let Some(d) = self.direct.as_mut() {
            return Ok(d);
        }
        match self.tmp.as_mut() {
            Some(t) => Ok(t),
            None => Err(closed()),
        }
    }
}

impl Write for AtomicFile {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.sink()?.write(buf)
    }
    fn write_all(&mut self, buf: &[u8]) -> std::io::Result<()> {
        self.sink()?.write_all(buf)
    }
    fn flush(&mut self) -> std::io::Result<()> {
        self.sink()?.flush()
    }
}

/// The temporary files being written, removed if the process has to quit at once.
fn live<T>(f: impl FnOnce(&mut Vec<PathBuf>) -> T) -> T {
    static LIVE: std::sync::Mutex<Vec<PathBuf>> = std::sync::Mutex::new(Vec::new());
    let mut guard = LIVE.lock().unwrap_or_else(|e| e.into_inner());
    f(&mut guard)
}

/// Writes `bytes` to `path` atomically.
pub fn write_file(path: &Path, bytes: &[u8]) -> anyhow::Result<()> {
    let mut f = AtomicFile::create(path)?;
    f.write_all(bytes)
        .with_context(|| format!("cannot write {}", path.display()))?;
    f.commit()
}

/// Peak resident memory of this process in MB, where the OS tells it (Linux VmHWM:
/// per address space, so not inherited from the parent that spawned koe).
pub fn peak_rss_mb() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    let kb: u64 = line
        .trim_start_matches("VmHWM:")
        .trim()
        .trim_end_matches("kB")
        .trim()
        .parse()
        .ok()?;
    Some(kb / 1024)
}

/// Set by the first Ctrl-C (SIGINT) or SIGTERM once [`catch_interrupts`] ran.
static INTERRUPTED: AtomicBool = AtomicBool::new(false);
static SIGNALS: AtomicU32 = AtomicU32::new(0);

/// From now on, Ctrl-C or SIGTERM asks the running command to stop reading: it
/// finishes the records in flight, writes what it has with a clear message, and
/// exits with 130. A second signal quits at once (exit 130, outputs not written).
pub fn catch_interrupts() {
    static ONCE: std::sync::Once = std::sync::Once::new();
    ONCE.call_once(|| {
        // ctrlc's handler runs on its own thread, for SIGINT, SIGTERM and SIGHUP.
        let set = ctrlc::set_handler(|| {
            if SIGNALS.fetch_add(1, Ordering::Relaxed) >= 1 {
                eprintln!("koe: interrupted again: quitting now; outputs not written");
                live(|l| {
                    for p in l.drain(..) {
                        let _ = std::fs::remove_file(p);
                    }
                });
                std::process::exit(130);
            }
            eprintln!(
                "koe: interrupted: finishing the records in flight (press Ctrl-C again to quit at once)"
            );
            INTERRUPTED.store(true, Ordering::Relaxed);
        });
        if set.is_err() {
            eprintln!("koe: warning: cannot watch for Ctrl-C; it will stop koe at once");
        }
    });
}

/// The flag Ctrl-C or SIGTERM sets once [`catch_interrupts`] ran (what a run polls).
pub fn interrupt_flag() -> &'static AtomicBool {
    &INTERRUPTED
}

/// `<output stem>.<suffix>` next to the output, or `koe-<suffix>` when writing to stdout.
pub fn sibling(output: Option<&Path>, suffix: &str) -> PathBuf {
    match output {
        Some(p) => {
            let stem = p
                .file_stem()
                .map(|s| s.to_string_lossy().into_owned())
                .unwrap_or_else(|| "koe".into());
            p.with_file_name(format!("{stem}.{suffix}"))
        }
        None => PathBuf::from(format!("koe-{suffix}")),
    }
}

/// Writes `text` to `output` (atomically) or stdout.
pub fn write_output(output: Option<&Path>, text: &str) -> anyhow::Result<()> {
    match output {
        Some(p) => write_file(p, text.as_bytes()),
        None => {
            let mut out = BufWriter::new(std::io::stdout().lock());
            out.write_all(text.as_bytes())?;
            out.flush()?;
            Ok(())
        }
    }
}
