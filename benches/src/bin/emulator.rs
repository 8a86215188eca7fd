//! The API server emulator as a process of its own, for the controller
//! scale harness (`benches/controller_scale.py`): listens on the address
//! given as the only argument (e.g. `127.0.0.1:0`), prints `listening on
//! <url>` on stdout, and serves until SIGINT.

use std::net::SocketAddr;
use std::process::ExitCode;

use apiserver_emulator::{Emulator, EmulatorConfig};

#[tokio::main]
async fn main() -> ExitCode {
    let Some(listen) = std::env::args().nth(1) else {
        eprintln!("usage: emulator ADDR (e.g. 127.0.0.1:0)");
        return ExitCode::FAILURE;
    };
    let listen: SocketAddr = match listen.parse() {
        Ok(addr) => addr,
        Err(e) => {
            eprintln!("emulator: '{listen}' is not an address: {e}");
            return ExitCode::FAILURE;
        }
    };
    let emulator = match Emulator::start_with(EmulatorConfig {
        listen,
        ..EmulatorConfig::default()
    })
    .await
    {
        Ok(emulator) => emulator,
        Err(e) => {
            eprintln!("emulator: cannot listen on {listen}: {e}");
            return ExitCode::FAILURE;
        }
    };
    println!("listening on {}", emulator.url());
    let _ = tokio::signal::ctrl_c().await;
    emulator.shutdown().await;
    ExitCode::SUCCESS
}
