use super::*;
use std::os::unix::fs::symlink;
use std::sync::mpsc;
use std::time::Duration;

fn mkfifo(path: &Path) {
    let ok = std::process::Command::new("mkfifo")
        .arg(path)
        .status()
        .is_ok_and(|s| s.success());
    assert!(ok, "mkfifo {}", path.display());
}

/// Runs `f` on a thread; a hang fails the test instead of hanging it.
fn within_seconds<T: Send + 'static>(f: impl FnOnce() -> T + Send + 'static) -> T {
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        let _ = tx.send(f());
    });
    rx.recv_timeout(Duration::from_secs(10))
        .expect("returned instead of hanging")
}

#[test]
fn a_fifo_is_refused_without_blocking() {
    let dir = tempfile::tempdir().unwrap();
    let fifo = dir.path().join("fifo");
    mkfifo(&fifo);
    let err = within_seconds(move || read_regular(&fifo, limit::CONFIG).unwrap_err());
    assert_eq!(err.to_string(), "not a regular file (a FIFO)");
}

#[test]
fn devices_and_directories_are_refused() {
    let err = within_seconds(|| read_regular(Path::new("/dev/zero"), limit::CONFIG).unwrap_err());
    assert_eq!(err.to_string(), "not a regular file (a character device)");
    let err = read_regular(Path::new("/tmp"), limit::CONFIG).unwrap_err();
    assert_eq!(err.to_string(), "not a regular file (a directory)");
}

#[test]
fn a_sparse_file_over_the_limit_is_refused_before_reading() {
    let dir = tempfile::tempdir().unwrap();
    let big = dir.path().join("big");
    File::create(&big).unwrap().set_len(5 << 30).unwrap();
    let err = read_regular(&big, limit::CONFIG).unwrap_err();
    assert_eq!(err.kind(), io::ErrorKind::FileTooLarge);
    assert_eq!(err.to_string(), "larger than the 4 MiB limit");
    fs::write(&big, vec![b'x'; 4096]).unwrap();
    assert_eq!(read_regular(&big, 4096).unwrap().len(), 4096);
    assert!(read_regular(&big, 4095).is_err());
}

#[test]
fn proc_files_that_claim_size_zero_are_read_and_capped() {
    let stat = read_regular(Path::new("/proc/self/stat"), limit::HOST_FILE).unwrap();
    assert!(!stat.is_empty());
    let err = read_regular(Path::new("/proc/self/stat"), 3).unwrap_err();
    assert_eq!(err.kind(), io::ErrorKind::FileTooLarge);
}

#[test]
fn lines_longer_than_the_limit_are_skipped_not_held() {
    let dir = tempfile::tempdir().unwrap();
    let f = dir.path().join("history");
    let mut text = b"short\n".to_vec();
    text.extend(vec![b'a'; 100]);
    text.extend(b"\nlast");
    fs::write(&f, &text).unwrap();
    let mut seen = Vec::new();
    let n = for_each_line(File::open(&f).unwrap(), 10, |n, line| {
        seen.push((n, line.map(|l| String::from_utf8_lossy(l).into_owned())));
    })
    .unwrap();
    assert_eq!(n, 3);
    assert_eq!(
        seen,
        vec![
            (1, Some("short".to_string())),
            (2, None),
            (3, Some("last".to_string()))
        ]
    );
}

#[test]
fn resolution_under_a_root_never_leaves_it() {
    let outside = tempfile::tempdir().unwrap();
    let canary = outside.path().join("shadow");
    fs::write(&canary, "canary").unwrap();
    let root_dir = tempfile::tempdir().unwrap();
    let root = root_dir.path();
    fs::create_dir_all(root.join("etc")).unwrap();
    // Absolute link, relative link climbing out, and a chain through a directory link.
    symlink(&canary, root.join("etc/abs")).unwrap();
    let climb = format!(
        "{}{}",
        "../".repeat(30),
        canary.strip_prefix("/").unwrap().display()
    );
    symlink(&climb, root.join("etc/rel")).unwrap();
    symlink("/etc", root.join("etcdir")).unwrap();
    symlink("../etcdir/abs", root.join("etc/chain")).unwrap();
    for host in ["/etc/abs", "/etc/rel", "/etc/chain", "/../../etc/abs"] {
        let err = read_in_root(root, Path::new(host), limit::HOST_FILE).unwrap_err();
        assert_eq!(err.kind(), io::ErrorKind::NotFound, "{host}");
    }
    // The same path inside the root is what the audited machine sees: it is read.
    let inside = root.join(canary.strip_prefix("/").unwrap());
    fs::create_dir_all(inside.parent().unwrap()).unwrap();
    fs::write(&inside, "inside").unwrap();
    for host in ["/etc/abs", "/etc/rel", "/etc/chain", "/../../etc/abs"] {
        let got = read_in_root(root, Path::new(host), limit::HOST_FILE).unwrap();
        assert_eq!(got, b"inside", "{host}");
    }
    // Symlink loops end.
    symlink("/loop", root.join("loop")).unwrap();
    let err = read_in_root(root, Path::new("/loop"), limit::HOST_FILE).unwrap_err();
    assert_eq!(err.raw_os_error(), Some(libc::ELOOP));
}

#[test]
fn temporaries_are_created_0600_and_named_for_their_target() {
    let dir = tempfile::tempdir().unwrap();
    let target = dir.path().join("report.json");
    let tmp = create_temp(&target).unwrap();
    let mode = tmp.as_file().metadata().unwrap().permissions().mode() & 0o777;
    assert_eq!(mode, 0o600);
    let name = tmp
        .path()
        .file_name()
        .unwrap()
        .to_string_lossy()
        .into_owned();
    let prefix = format!(".report.json.vaultsec-{}-", std::process::id());
    assert!(
        name.starts_with(&prefix) && name.ends_with(".tmp"),
        "{name}"
    );
}

#[test]
fn output_to_a_fifo_is_written_through_not_replaced() {
    let dir = tempfile::tempdir().unwrap();
    let fifo = dir.path().join("out");
    mkfifo(&fifo);
    let reader = {
        let fifo = fifo.clone();
        std::thread::spawn(move || fs::read(fifo).unwrap())
    };
    // Let the reader open its end first.
    std::thread::sleep(Duration::from_millis(200));
    write_outputs(&[(fifo.as_path(), b"report".as_slice())]).unwrap();
    assert_eq!(reader.join().unwrap(), b"report");
    assert!(fs::symlink_metadata(&fifo).unwrap().file_type().is_fifo());
}

#[test]
fn a_socket_is_refused_by_its_type() {
    let dir = tempfile::tempdir().unwrap();
    let sock = dir.path().join("sock");
    let _listener = std::os::unix::net::UnixListener::bind(&sock).unwrap();
    let err = read_regular(&sock, limit::CONFIG).unwrap_err();
    assert_eq!(err.to_string(), "not a regular file (a socket)");
    // Under a root, a symlink planted as the last component is refused too.
    symlink("sock", dir.path().join("link")).unwrap();
    let err = open_checked(&dir.path().join("link"), false).unwrap_err();
    assert_eq!(err.to_string(), "not a regular file (a symbolic link)");
}
