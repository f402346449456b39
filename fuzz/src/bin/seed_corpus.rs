//! Writes the seed corpus, `corpus/<target>/<name>`, from `zkclient_fuzz::seeds()`.
//! Run by `run.sh seeds`; the files it writes are committed.

use std::path::Path;

fn main() -> std::io::Result<()> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("corpus");
    let mut written = 0;
    for (target, name, bytes) in zkclient_fuzz::seeds() {
        let dir = root.join(target);
        std::fs::create_dir_all(&dir)?;
        std::fs::write(dir.join(name), bytes)?;
        written += 1;
    }
    println!("{written} seeds written under {}", root.display());
    Ok(())
}
