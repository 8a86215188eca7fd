//! `gitops`: the command-line interface.

fn main() {
    eprintln!("gitops: no commands yet");
    std::process::exit(2);
}
