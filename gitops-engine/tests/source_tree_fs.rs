//! GitTreeFs: a commit's tree as a kustomize file system, checked against the
//! same tree checked out on disk.

mod source_support;

use std::path::{Path, PathBuf};

use gitops_engine::source::{GitRepo, GitTreeFs};
use kustomize_core::fs::{DiskFs, FileSystem};
use source_support::{Upstream, monorepo};

/// The monorepo example plus links of every kind, committed; returns the
/// upstream and the tree of its commit.
fn tree() -> (Upstream, GitTreeFs) {
    let up = Upstream::new();
    up.copy_tree(&monorepo(), "mono");
    up.symlink("links/base", "../mono/services/user-service/base");
    up.symlink("links/dep.yaml", "base/deployment.yaml");
    up.symlink("links/chain", "dep.yaml");
    up.symlink("links/dangling", "nowhere.yaml");
    up.symlink("links/loop-a", "loop-b");
    up.symlink("links/loop-b", "loop-a");
    up.symlink("links/escape", "../../outside.yaml");
    up.symlink("links/absolute", "/etc/hostname");
    up.write("links/dir/nested/x.yaml", "kind: X\n");
    up.symlink("links/dir/up", "..");
    let commit = up.commit("tree");
    let repo = GitRepo::open_or_clone(&up.url(), &up.cache).unwrap();
    let fs = GitTreeFs::new(repo.url(), repo.path(), commit.parse().unwrap()).unwrap();
    (up, fs)
}

/// Every path below `dir` on disk, links not entered.
fn disk_paths(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let entry = entry.unwrap();
        out.push(entry.path());
        if entry.file_type().unwrap().is_dir() && entry.file_name() != ".git" {
            disk_paths(&entry.path(), out);
        }
    }
}

#[test]
fn agrees_with_the_checked_out_tree() {
    let (up, fs) = tree();
    let root = up.dir.canonicalize().unwrap();
    let mut paths = Vec::new();
    disk_paths(&root, &mut paths);
    paths.retain(|p| !p.starts_with(root.join(".git")));
    assert!(paths.len() > 40, "{}", paths.len());
    let in_tree = |p: &Path| Path::new("/").join(p.strip_prefix(&root).unwrap());
    for disk in &paths {
        let git = in_tree(disk);
        let real = DiskFs.canonicalize(disk);
        if real.as_ref().is_ok_and(|r| !r.starts_with(&root)) {
            // A link out of the repository resolves on disk, never in the tree.
            assert!(
                !fs.is_file(&git) && !fs.is_dir(&git) && fs.read(&git).is_err(),
                "{}",
                git.display()
            );
            continue;
        }
        assert_eq!(
            fs.is_dir(&git),
            DiskFs.is_dir(disk),
            "is_dir {}",
            git.display()
        );
        assert_eq!(
            fs.is_file(&git),
            DiskFs.is_file(disk),
            "is_file {}",
            git.display()
        );
        match (fs.read(&git), DiskFs.read(disk)) {
            (Ok(a), Ok(b)) => assert_eq!(a, b, "read {}", git.display()),
            (a, b) => assert_eq!(
                a.is_ok(),
                b.is_ok(),
                "read {}: {a:?} vs {b:?}",
                git.display()
            ),
        }
        if let Ok(real) = real {
            assert_eq!(
                fs.canonicalize(&git).unwrap(),
                in_tree(&real),
                "canonicalize {}",
                git.display()
            );
        }
        if DiskFs.is_dir(disk) && !git.starts_with("/links/dir/up") {
            let listed: Vec<PathBuf> = DiskFs
                .read_dir(disk)
                .unwrap()
                .iter()
                .map(|p| in_tree(p))
                .collect();
            let listed_git = fs.read_dir(&git).unwrap();
            assert_eq!(listed_git, listed, "read_dir {}", git.display());
        }
    }
}

#[test]
fn resolves_links_and_refuses_escapes_and_loops() {
    let (_up, fs) = tree();
    let base = Path::new("/mono/services/user-service/base");
    assert_eq!(fs.canonicalize(Path::new("/links/base")).unwrap(), base);
    assert_eq!(
        fs.canonicalize(Path::new("/links/chain")).unwrap(),
        base.join("deployment.yaml")
    );
    assert_eq!(
        fs.canonicalize(Path::new("/links/base/service.yaml"))
            .unwrap(),
        base.join("service.yaml")
    );
    assert_eq!(
        fs.canonicalize(Path::new("/links/dir/up/dir/up/base"))
            .unwrap(),
        base,
        "`..` in a link target applies after the link is followed"
    );
    assert!(fs.is_dir(Path::new("/links/base")));
    assert!(fs.is_file(Path::new("/links/chain")));
    assert_eq!(
        fs.read(Path::new("/links/chain")).unwrap(),
        fs.read(&base.join("deployment.yaml")).unwrap()
    );
    assert_eq!(
        fs.read_dir(Path::new("/links/base")).unwrap()[0],
        Path::new("/links/base/application.properties")
    );

    for bad in ["/links/escape", "/links/absolute"] {
        let err = fs.canonicalize(Path::new(bad)).unwrap_err();
        assert_eq!(
            err.kind(),
            std::io::ErrorKind::PermissionDenied,
            "{bad}: {err}"
        );
        assert!(!fs.is_file(Path::new(bad)));
    }
    let err = fs.read(Path::new("/links/loop-a")).unwrap_err();
    assert!(err.to_string().contains("too many levels"), "{err}");
    let err = fs.read(Path::new("/links/dangling")).unwrap_err();
    assert_eq!(err.kind(), std::io::ErrorKind::NotFound);
    assert!(
        fs.read(Path::new("/mono")).is_err(),
        "reading a directory fails"
    );
    assert!(
        fs.read_dir(Path::new("/mono/apps/dev/kustomization.yaml"))
            .is_err()
    );
    assert!(fs.read_dir(Path::new("/nope")).is_err());
    assert!(!fs.is_dir(Path::new("/mono/apps/dev/kustomization.yaml/x")));
    assert_eq!(fs.canonicalize(Path::new("/")).unwrap(), Path::new("/"));
}
