//! HTTPS for the emulator: a throwaway certificate authority
//! ([`TlsIdentity`]) that signs the server's certificate (for `127.0.0.1` and
//! `localhost`) and the client certificates tests authenticate with, and
//! the TLS accept loop that serves the API over it.
//!
//! A client may present a certificate issued by the authority (it then
//! authenticates as the user it was issued to, see [`crate::auth`]) or none
//! (a bearer token must then authenticate it).

use std::collections::HashMap;
use std::sync::{Arc, Mutex, PoisonError};

use hyper::body::Incoming;
use hyper::service::Service as _;
use hyper_util::rt::TokioIo;
use hyper_util::service::TowerToHyperService;
use rcgen::{
    BasicConstraints, CertificateParams, CertifiedIssuer, DnType, ExtendedKeyUsagePurpose, IsCa,
    KeyPair,
};
use tokio::sync::watch;
use tokio_rustls::TlsAcceptor;
use tokio_rustls::rustls::crypto::ring::default_provider;
use tokio_rustls::rustls::pki_types::{CertificateDer, PrivateKeyDer};
use tokio_rustls::rustls::server::WebPkiClientVerifier;
use tokio_rustls::rustls::{RootCertStore, ServerConfig};

/// The emulator's certificate authority and server certificate. Clones
/// share them, so an emulator restarted with a clone is trusted by the same
/// clients and recognises the client certificates issued before.
#[derive(Clone)]
pub struct TlsIdentity {
    inner: Arc<Identity>,
}

struct Identity {
    ca: CertifiedIssuer<'static, KeyPair>,
    server_chain: Vec<CertificateDer<'static>>,
    server_key: Vec<u8>,
    /// The user of each issued client certificate, by its DER.
    client_users: Mutex<HashMap<Vec<u8>, String>>,
}

impl std::fmt::Debug for TlsIdentity {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TlsIdentity").finish_non_exhaustive()
    }
}

/// Two identities are equal when they are the same authority.
impl PartialEq for TlsIdentity {
    fn eq(&self, other: &Self) -> bool {
        Arc::ptr_eq(&self.inner, &other.inner)
    }
}

impl Eq for TlsIdentity {}

/// A client certificate and its key, PEM.
#[derive(Clone)]
pub struct ClientCertificate {
    /// The certificate, PEM.
    pub cert_pem: String,
    /// The private key (PKCS #8), PEM.
    pub key_pem: String,
}

impl std::fmt::Debug for ClientCertificate {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ClientCertificate").finish_non_exhaustive()
    }
}

/// A certificate could not be made.
#[derive(Debug, thiserror::Error)]
#[error("cannot make a test certificate: {0}")]
pub struct TlsError(String);

fn tls_error(e: impl std::fmt::Display) -> TlsError {
    TlsError(e.to_string())
}

impl TlsIdentity {
    /// A fresh authority and a server certificate for `127.0.0.1` and `localhost`.
    pub fn generate() -> Result<Self, TlsError> {
        let mut ca_params = CertificateParams::new(Vec::<String>::new()).map_err(tls_error)?;
        ca_params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
        ca_params
            .distinguished_name
            .push(DnType::CommonName, "apiserver-emulator-ca");
        let ca = CertifiedIssuer::self_signed(ca_params, KeyPair::generate().map_err(tls_error)?)
            .map_err(tls_error)?;
        let key = KeyPair::generate().map_err(tls_error)?;
        let mut params =
            CertificateParams::new(vec!["127.0.0.1".to_owned(), "localhost".to_owned()])
                .map_err(tls_error)?;
        params.extended_key_usages = vec![ExtendedKeyUsagePurpose::ServerAuth];
        params
            .distinguished_name
            .push(DnType::CommonName, "kube-apiserver");
        let cert = params.signed_by(&key, &ca).map_err(tls_error)?;
        Ok(TlsIdentity {
            inner: Arc::new(Identity {
                server_chain: vec![cert.der().clone()],
                server_key: key.serialize_der(),
                ca,
                client_users: Mutex::new(HashMap::new()),
            }),
        })
    }

    /// The authority's certificate, PEM: what clients trust (kubeconfig
    /// `certificate-authority-data`, Argo CD's `caData`, both base64 of it).
    pub fn ca_pem(&self) -> String {
        self.inner.ca.pem()
    }

    /// Issues a client certificate that authenticates as `user` (its common
    /// name), with full access.
    pub fn issue_client_certificate(&self, user: &str) -> Result<ClientCertificate, TlsError> {
        let key = KeyPair::generate().map_err(tls_error)?;
        let mut params = CertificateParams::new(Vec::<String>::new()).map_err(tls_error)?;
        params.distinguished_name.push(DnType::CommonName, user);
        params.extended_key_usages = vec![ExtendedKeyUsagePurpose::ClientAuth];
        let cert = params.signed_by(&key, &self.inner.ca).map_err(tls_error)?;
        self.inner
            .client_users
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .insert(cert.der().to_vec(), user.to_owned());
        Ok(ClientCertificate {
            cert_pem: cert.pem(),
            key_pem: key.serialize_pem(),
        })
    }

    /// The user a presented client certificate was issued to.
    pub(crate) fn client_user(&self, der: &[u8]) -> Option<String> {
        self.inner
            .client_users
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .get(der)
            .cloned()
    }

    fn server_config(&self) -> Result<ServerConfig, TlsError> {
        let provider = Arc::new(default_provider());
        let mut roots = RootCertStore::empty();
        roots.add(self.inner.ca.der().clone()).map_err(tls_error)?;
        let verifier =
            WebPkiClientVerifier::builder_with_provider(Arc::new(roots), provider.clone())
                .allow_unauthenticated()
                .build()
                .map_err(tls_error)?;
        let key = PrivateKeyDer::try_from(self.inner.server_key.clone()).map_err(tls_error)?;
        let mut config = ServerConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()
            .map_err(tls_error)?
            .with_client_cert_verifier(verifier)
            .with_single_cert(self.inner.server_chain.clone(), key)
            .map_err(tls_error)?;
        config.alpn_protocols = vec![b"http/1.1".to_vec()];
        Ok(config)
    }
}

/// The client certificate a TLS connection presented (DER), as a request
/// extension; absent over plain HTTP or when the client sent none.
#[derive(Debug, Clone)]
pub(crate) struct PeerCertificate(pub(crate) Vec<u8>);

/// Serves `app` over TLS on `listener` until `stopped` turns true; open
/// connections (watches included) are cut then.
pub(crate) async fn serve(
    listener: tokio::net::TcpListener,
    identity: TlsIdentity,
    app: axum::Router,
    mut stopped: watch::Receiver<bool>,
) -> Result<(), TlsError> {
    let acceptor = TlsAcceptor::from(Arc::new(identity.server_config()?));
    loop {
        let stream = tokio::select! {
            _ = stopped.wait_for(|stop| *stop) => return Ok(()),
            accepted = listener.accept() => match accepted {
                Ok((stream, _)) => stream,
                // A connection that failed before it was accepted.
                Err(_) => continue,
            },
        };
        let acceptor = acceptor.clone();
        let app = app.clone();
        let mut stop = stopped.clone();
        tokio::spawn(async move {
            let Ok(tls) = acceptor.accept(stream).await else {
                return;
            };
            let peer = tls
                .get_ref()
                .1
                .peer_certificates()
                .and_then(|certs| certs.first())
                .map(|c| PeerCertificate(c.to_vec()));
            let service = TowerToHyperService::new(app);
            let handler = hyper::service::service_fn(move |mut req: hyper::Request<Incoming>| {
                if let Some(peer) = &peer {
                    req.extensions_mut().insert(peer.clone());
                }
                service.call(req)
            });
            let connection = hyper::server::conn::http1::Builder::new()
                .serve_connection(TokioIo::new(tls), handler)
                .with_upgrades();
            tokio::select! {
                _ = connection => {}
                _ = stop.wait_for(|stop| *stop) => {}
            }
        });
    }
}
