//! Debian's OpenSSH server on a free loopback port, with a throwaway host
//! key and user key, for the ssh:// transport tests. Include next to
//! `source_support`.
#![allow(dead_code)] // each test binary uses a different subset

use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use tempfile::TempDir;

/// Where Debian installs the server (`apt-get install openssh-server`).
const SSHD: &str = "/usr/sbin/sshd";

/// An `sshd` serving the local file system to the current user on
/// 127.0.0.1, accepting only [`Sshd::user_key`]; killed on drop.
pub struct Sshd {
    child: Child,
    _dir: TempDir,
    /// The port it listens on.
    pub port: u16,
    /// The user to log in as (the one running the tests).
    pub user: String,
    /// The private key the server accepts (OpenSSH format).
    pub user_key: String,
    /// A private key the server does not accept.
    pub other_key: String,
    /// The server's `known_hosts` line (`[127.0.0.1]:<port> <type> <key>`).
    pub known_hosts_line: String,
}

impl Sshd {
    /// Starts the server; fails the test with its output if it does not
    /// listen within ten seconds.
    pub fn start() -> Sshd {
        let dir = TempDir::new().expect("tempdir");
        let path = dir.path();
        let host_key = keygen(path, "host_key");
        let user_key = keygen(path, "user_key");
        let other_key = keygen(path, "other_key");
        std::fs::copy(path.join("user_key.pub"), path.join("authorized_keys"))
            .expect("authorized_keys");
        // The privilege separation directory sshd insists on.
        std::fs::create_dir_all("/run/sshd").expect("/run/sshd");
        let port = TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .expect("free port")
            .port();
        let config = path.join("sshd_config");
        std::fs::write(
            &config,
            format!(
                "Port {port}\nListenAddress 127.0.0.1\nHostKey {host_key}\n\
                 AuthorizedKeysFile {authorized}\nStrictModes no\nUsePAM no\n\
                 PasswordAuthentication no\nKbdInteractiveAuthentication no\n\
                 PubkeyAuthentication yes\nPermitRootLogin prohibit-password\n\
                 PidFile none\nLogLevel ERROR\n",
                host_key = host_key.display(),
                authorized = path.join("authorized_keys").display(),
            ),
        )
        .expect("sshd_config");
        let log = std::fs::File::create(path.join("sshd.log")).expect("log");
        let child = Command::new(SSHD)
            .args(["-D", "-e", "-f"])
            .arg(&config)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(log)
            .spawn()
            .unwrap_or_else(|e| panic!("start {SSHD} (apt-get install openssh-server): {e}"));
        let public = std::fs::read_to_string(path.join("host_key.pub")).expect("host key");
        let mut fields = public.split_whitespace();
        let known_hosts_line = format!(
            "[127.0.0.1]:{port} {} {}",
            fields.next().expect("key type"),
            fields.next().expect("key")
        );
        let sshd = Sshd {
            child,
            port,
            user: current_user(),
            user_key: read(&user_key),
            other_key: read(&other_key),
            known_hosts_line,
            _dir: dir,
        };
        let deadline = Instant::now() + Duration::from_secs(10);
        while TcpStream::connect(("127.0.0.1", port)).is_err() {
            assert!(
                Instant::now() < deadline,
                "sshd did not start listening: {}",
                read(&sshd._dir.path().join("sshd.log"))
            );
            std::thread::sleep(Duration::from_millis(20));
        }
        sshd
    }

    /// `ssh://<user>@127.0.0.1:<port><absolute path>`.
    pub fn url(&self, repository: &Path) -> String {
        format!(
            "ssh://{}@127.0.0.1:{}{}",
            self.user,
            self.port,
            repository.display()
        )
    }

    /// What the server logged so far.
    pub fn log(&self) -> String {
        read(&self._dir.path().join("sshd.log"))
    }
}

impl Drop for Sshd {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Makes an ed25519 key pair `<dir>/<name>` (and `.pub`) without a passphrase.
fn keygen(dir: &Path, name: &str) -> PathBuf {
    let file = dir.join(name);
    let status = Command::new("ssh-keygen")
        .args(["-q", "-t", "ed25519", "-N", "", "-C", "test", "-f"])
        .arg(&file)
        .stdin(Stdio::null())
        .status()
        .expect("run ssh-keygen (apt-get install openssh-client)");
    assert!(status.success(), "ssh-keygen failed");
    file
}

fn read(path: &Path) -> String {
    std::fs::read_to_string(path).unwrap_or_default()
}

/// The login name of the user running the tests.
fn current_user() -> String {
    let out = Command::new("id").arg("-un").output().expect("id -un");
    String::from_utf8_lossy(&out.stdout).trim().to_owned()
}
