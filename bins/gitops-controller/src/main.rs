//! `gitops-controller`: the in-cluster controller process.

fn main() {
    eprintln!("gitops-controller: the reconcile loop is not implemented yet (issue 5)");
    std::process::exit(2);
}
