//! `git http-backend` behind TLS on loopback, for the https:// transport
//! tests. Include next to `source_support`.
#![allow(dead_code)] // each test binary uses a different subset

use std::net::TcpListener;
use std::path::Path;
use std::sync::Arc;

use tokio_rustls::rustls::pki_types::{CertificateDer, PrivateKeyDer};

/// `git http-backend` served over HTTPS on a free loopback port, with a
/// certificate for `127.0.0.1` issued by a fresh test CA; stopped on drop.
/// Each request runs the backend as a CGI program, as a web server would.
pub struct HttpsGit {
    /// The port it listens on.
    pub port: u16,
    /// The test CA's certificate (PEM): the one authority to trust.
    pub ca_pem: String,
    /// The server's certificate chain and key.
    chain: Vec<CertificateDer<'static>>,
    key: PrivateKeyDer<'static>,
    context: Arc<https_cgi::Context>,
    /// The serving thread, while the server is up.
    running: Option<Running>,
}

/// A serving thread and the way to stop it.
struct Running {
    shutdown: tokio::sync::oneshot::Sender<()>,
    thread: std::thread::JoinHandle<()>,
}

impl HttpsGit {
    /// Serves the repositories below `base` (`https://127.0.0.1:<port>/<dir>`).
    pub fn serve(base: &Path) -> HttpsGit {
        Self::serve_with(base, None)
    }

    /// [`HttpsGit::serve`], answering `401` with a Basic challenge unless
    /// a request carries `user` and `password` (as web servers guard
    /// `git http-backend`).
    pub fn serve_with_basic_auth(base: &Path, user: &str, password: &str) -> HttpsGit {
        use base64::Engine;
        let token = base64::engine::general_purpose::STANDARD.encode(format!("{user}:{password}"));
        Self::serve_with(base, Some(format!("Basic {token}")))
    }

    /// Serves `base`, requiring the `Authorization` header `authorization` if given.
    fn serve_with(base: &Path, authorization: Option<String>) -> HttpsGit {
        use rcgen::{BasicConstraints, CertificateParams, CertifiedIssuer, IsCa, KeyPair};
        let mut ca_params = CertificateParams::new(Vec::<String>::new()).expect("CA params");
        ca_params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
        let ca = CertifiedIssuer::self_signed(ca_params, KeyPair::generate().expect("CA key"))
            .expect("CA certificate");
        let key = KeyPair::generate().expect("server key");
        let cert = CertificateParams::new(vec!["127.0.0.1".to_owned()])
            .expect("server params")
            .signed_by(&key, &ca)
            .expect("server certificate");
        let key_der = PrivateKeyDer::try_from(key.serialize_der()).expect("server key DER");

        let listener = TcpListener::bind("127.0.0.1:0").expect("bind loopback");
        let backend =
            Path::new(&super::source_support::git(base, &["--exec-path"])).join("git-http-backend");
        let mut server = HttpsGit {
            port: listener.local_addr().expect("local addr").port(),
            ca_pem: ca.pem(),
            chain: vec![cert.der().clone()],
            key: key_der,
            context: Arc::new(https_cgi::Context {
                backend,
                root: base.to_path_buf(),
                authorization,
                seen: Arc::default(),
            }),
            running: None,
        };
        server.running = Some(server.spawn(listener));
        server
    }

    /// Starts a thread serving `listener`.
    fn spawn(&self, listener: TcpListener) -> Running {
        listener.set_nonblocking(true).expect("nonblocking");
        let (chain, key) = (self.chain.clone(), self.key.clone_key());
        let context = Arc::clone(&self.context);
        let (shutdown, stop) = tokio::sync::oneshot::channel();
        let thread = std::thread::spawn(move || {
            let runtime = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .expect("runtime");
            runtime.block_on(https_cgi::serve(listener, chain, key, context, stop));
        });
        Running { shutdown, thread }
    }

    /// Takes the server down: its port refuses connections until
    /// [`HttpsGit::restart`].
    pub fn stop(&mut self) {
        if let Some(running) = self.running.take() {
            let _ = running.shutdown.send(());
            let _ = running.thread.join();
        }
    }

    /// Serves again on the same port, with the same certificate.
    pub fn restart(&mut self) {
        self.stop();
        let listener = TcpListener::bind(("127.0.0.1", self.port)).expect("bind the port again");
        self.running = Some(self.spawn(listener));
    }

    /// `https://127.0.0.1:<port>/<repository>`.
    pub fn url(&self, repository: &str) -> String {
        format!("https://127.0.0.1:{}/{repository}", self.port)
    }

    /// `METHOD path?query` of every request so far, in order; refused
    /// ones end in ` 401`.
    pub fn requests(&self) -> Vec<String> {
        self.context.seen.lock().expect("requests").clone()
    }
}

impl Drop for HttpsGit {
    fn drop(&mut self) {
        self.stop();
    }
}

/// The TLS listener and the CGI bridge of [`HttpsGit`].
mod https_cgi {
    use std::convert::Infallible;
    use std::io::{Read, Write};
    use std::path::PathBuf;
    use std::process::{Command, Stdio};
    use std::sync::{Arc, Mutex};

    use http_body_util::{BodyExt, Full};
    use hyper::body::{Bytes, Incoming};
    use hyper::server::conn::http1;
    use hyper::service::service_fn;
    use hyper::{Request, Response};
    use hyper_util::rt::TokioIo;
    use tokio_rustls::TlsAcceptor;
    use tokio_rustls::rustls::ServerConfig;
    use tokio_rustls::rustls::crypto::ring::default_provider;
    use tokio_rustls::rustls::pki_types::{CertificateDer, PrivateKeyDer};

    /// What every request needs: the backend, the repositories, the
    /// required `Authorization` header, and the request log.
    pub struct Context {
        /// The `git-http-backend` program.
        pub backend: PathBuf,
        /// `GIT_PROJECT_ROOT`.
        pub root: PathBuf,
        /// The `Authorization` header a request must carry, if any.
        pub authorization: Option<String>,
        /// `METHOD path?query` of every request.
        pub seen: Arc<Mutex<Vec<String>>>,
    }

    /// Accepts TLS connections until `stop` fires.
    pub async fn serve(
        listener: std::net::TcpListener,
        chain: Vec<CertificateDer<'static>>,
        key: PrivateKeyDer<'static>,
        context: Arc<Context>,
        mut stop: tokio::sync::oneshot::Receiver<()>,
    ) {
        let config = ServerConfig::builder_with_provider(Arc::new(default_provider()))
            .with_safe_default_protocol_versions()
            .expect("protocol versions")
            .with_no_client_auth()
            .with_single_cert(chain, key)
            .expect("server certificate");
        let acceptor = TlsAcceptor::from(Arc::new(config));
        let listener = tokio::net::TcpListener::from_std(listener).expect("tokio listener");
        loop {
            let stream = tokio::select! {
                _ = &mut stop => return,
                accepted = listener.accept() => match accepted {
                    Ok((stream, _)) => stream,
                    Err(_) => continue,
                },
            };
            let acceptor = acceptor.clone();
            let context = Arc::clone(&context);
            tokio::spawn(async move {
                let Ok(tls) = acceptor.accept(stream).await else {
                    return;
                };
                let service = service_fn(move |req: Request<Incoming>| {
                    let context = Arc::clone(&context);
                    async move { Ok::<_, Infallible>(cgi(&context, req).await) }
                });
                let _ = http1::Builder::new()
                    .serve_connection(TokioIo::new(tls), service)
                    .await;
            });
        }
    }

    /// Runs `git http-backend` for one request, or refuses it with `401`
    /// when it lacks the required `Authorization` header.
    async fn cgi(context: &Context, req: Request<Incoming>) -> Response<Full<Bytes>> {
        let method = req.method().to_string();
        let path = req.uri().path().to_owned();
        let query = req.uri().query().unwrap_or_default().to_owned();
        let authorized = context.authorization.as_deref().is_none_or(|wanted| {
            req.headers()
                .get("authorization")
                .is_some_and(|given| given.as_bytes() == wanted.as_bytes())
        });
        let status = if authorized { "" } else { " 401" };
        context
            .seen
            .lock()
            .expect("requests")
            .push(format!("{method} {path}?{query}{status}"));
        if !authorized {
            return Response::builder()
                .status(401)
                .header("WWW-Authenticate", "Basic realm=\"git\"")
                .body(Full::new(Bytes::from_static(b"authentication required\n")))
                .expect("valid response");
        }
        let content_type = req
            .headers()
            .get("content-type")
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .to_owned();
        let body = req
            .into_body()
            .collect()
            .await
            .map(|b| b.to_bytes())
            .unwrap_or_default();
        let mut command = Command::new(&context.backend);
        command
            .env_clear()
            .env("GIT_PROJECT_ROOT", &context.root)
            .env("GIT_HTTP_EXPORT_ALL", "1")
            .env("GIT_CONFIG_NOSYSTEM", "1")
            .env("GIT_CONFIG_GLOBAL", "/dev/null")
            .env("REQUEST_METHOD", &method)
            .env("PATH_INFO", &path)
            .env("QUERY_STRING", &query)
            .env("CONTENT_TYPE", &content_type)
            .env("CONTENT_LENGTH", body.len().to_string())
            .env("REMOTE_ADDR", "127.0.0.1");
        let output = tokio::task::spawn_blocking(move || {
            let mut child = command
                .stdin(Stdio::piped())
                .stdout(Stdio::piped())
                .stderr(Stdio::null())
                .spawn()
                .expect("start git-http-backend");
            let mut stdin = child.stdin.take().expect("stdin");
            let writer = std::thread::spawn(move || stdin.write_all(&body));
            let mut out = Vec::new();
            child
                .stdout
                .take()
                .expect("stdout")
                .read_to_end(&mut out)
                .expect("read backend output");
            let _ = writer.join();
            let _ = child.wait();
            out
        })
        .await
        .expect("backend task");
        cgi_response(&output)
    }

    /// A CGI program's output (headers, blank line, body) as a response.
    fn cgi_response(output: &[u8]) -> Response<Full<Bytes>> {
        let (head, body) = match output.windows(4).position(|w| w == b"\r\n\r\n") {
            Some(at) => (&output[..at], &output[at + 4..]),
            None => match output.windows(2).position(|w| w == b"\n\n") {
                Some(at) => (&output[..at], &output[at + 2..]),
                None => (&output[..0], output),
            },
        };
        let mut builder = Response::builder();
        for line in String::from_utf8_lossy(head).lines() {
            let Some((name, value)) = line.split_once(':') else {
                continue;
            };
            let value = value.trim();
            if name.eq_ignore_ascii_case("status") {
                let code = value.split(' ').next().and_then(|c| c.parse().ok());
                builder = builder.status(code.unwrap_or(500));
            } else {
                builder = builder.header(name, value);
            }
        }
        builder
            .body(Full::new(Bytes::copy_from_slice(body)))
            .expect("valid response")
    }
}
