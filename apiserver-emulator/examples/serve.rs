//! Serves an emulator on the address given as the first argument
//! (default `127.0.0.1:6443`) until interrupted.

#[tokio::main]
async fn main() -> std::io::Result<()> {
    let listen = std::env::args()
        .nth(1)
        .unwrap_or_else(|| "127.0.0.1:6443".to_owned())
        .parse()
        .map_err(std::io::Error::other)?;
    let handle = apiserver_emulator::Emulator::start_with(apiserver_emulator::EmulatorConfig {
        listen,
        ..Default::default()
    })
    .await?;
    println!("serving on {}", handle.url());
    tokio::signal::ctrl_c().await?;
    handle.shutdown().await;
    Ok(())
}
