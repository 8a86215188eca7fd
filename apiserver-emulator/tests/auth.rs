//! HTTPS and authentication: bearer tokens and client certificates, `401`
//! and `403` with the real server's Status, seen by kube-rs and by kubectl.

mod kubectl_support;

use kubectl_support::{kubectl_installed, kubectl_with_kubeconfig};

use apiserver_emulator::{
    Authentication, Emulator, EmulatorConfig, EmulatorHandle, TlsIdentity, TokenUser,
};
use k8s_openapi::api::core::v1::{ConfigMap, Namespace};
use kube::api::{Api, PostParams};
use kube::config::{KubeConfigOptions, Kubeconfig};

const ADMIN_TOKEN: &str = "admin-token-3f9c1e";
const VIEWER_TOKEN: &str = "viewer-token-77ab02";

async fn start(tls: &TlsIdentity) -> EmulatorHandle {
    Emulator::start_with(EmulatorConfig {
        tls: Some(tls.clone()),
        authentication: Some(Authentication {
            tokens: vec![
                TokenUser::admin(ADMIN_TOKEN, "admin"),
                TokenUser {
                    token: VIEWER_TOKEN.to_owned(),
                    user: "viewer".to_owned(),
                    read_only: true,
                },
            ],
        }),
        ..EmulatorConfig::default()
    })
    .await
    .expect("emulator")
}

async fn client(kubeconfig: &str) -> kube::Client {
    let kubeconfig = Kubeconfig::from_yaml(kubeconfig).expect("kubeconfig");
    let config = kube::Config::from_custom_kubeconfig(kubeconfig, &KubeConfigOptions::default())
        .await
        .expect("config");
    kube::Client::try_from(config).expect("client")
}

fn api_error(e: kube::Error) -> (u16, String, String) {
    match e {
        kube::Error::Api(status) => (status.code, status.reason.clone(), status.message.clone()),
        other => panic!("expected an API error, got {other}"),
    }
}

fn config_map(name: &str) -> ConfigMap {
    let mut cm = ConfigMap::default();
    cm.metadata.name = Some(name.to_owned());
    cm
}

#[tokio::test]
async fn tokens_and_client_certificates_authenticate_over_tls() {
    let tls = TlsIdentity::generate().expect("identity");
    let emulator = start(&tls).await;
    assert!(emulator.url().starts_with("https://127.0.0.1:"));

    let admin = client(&emulator.kubeconfig_with_token("e", "default", ADMIN_TOKEN)).await;
    let configs: Api<ConfigMap> = Api::namespaced(admin, "default");
    configs
        .create(&PostParams::default(), &config_map("by-token"))
        .await
        .expect("the admin token may write");

    let anonymous = client(&emulator.kubeconfig("e", "default")).await;
    let namespaces: Api<Namespace> = Api::all(anonymous);
    let refused = namespaces.list(&Default::default()).await.expect_err("401");
    assert_eq!(
        api_error(refused),
        (401, "Unauthorized".to_owned(), "Unauthorized".to_owned())
    );

    let wrong = client(&emulator.kubeconfig_with_token("e", "default", "not-a-token")).await;
    let refused = Api::<Namespace>::all(wrong)
        .list(&Default::default())
        .await
        .expect_err("401");
    assert_eq!(api_error(refused).0, 401);

    let viewer = client(&emulator.kubeconfig_with_token("e", "default", VIEWER_TOKEN)).await;
    let viewer_configs: Api<ConfigMap> = Api::namespaced(viewer, "default");
    assert_eq!(
        viewer_configs
            .list(&Default::default())
            .await
            .expect("a viewer may read")
            .items
            .len(),
        1
    );
    let refused = viewer_configs
        .create(&PostParams::default(), &config_map("by-viewer"))
        .await
        .expect_err("403");
    assert_eq!(
        api_error(refused),
        (
            403,
            "Forbidden".to_owned(),
            "configmaps is forbidden: User \"viewer\" cannot create resource \"configmaps\" in API group \"\" in the namespace \"default\"".to_owned()
        )
    );

    let cert = tls.issue_client_certificate("alice").expect("client cert");
    let with_cert = certificate_kubeconfig(&emulator, &cert);
    let alice: Api<ConfigMap> = Api::namespaced(client(&with_cert).await, "default");
    alice
        .create(&PostParams::default(), &config_map("by-cert"))
        .await
        .expect("a client certificate authenticates");

    // A certificate from another authority is refused by the TLS handshake.
    let stranger = TlsIdentity::generate()
        .expect("identity")
        .issue_client_certificate("mallory")
        .expect("cert");
    let mallory: Api<ConfigMap> = Api::namespaced(
        client(&certificate_kubeconfig(&emulator, &stranger)).await,
        "default",
    );
    assert!(mallory.list(&Default::default()).await.is_err());
    emulator.shutdown().await;
}

fn certificate_kubeconfig(
    emulator: &EmulatorHandle,
    cert: &apiserver_emulator::ClientCertificate,
) -> String {
    use base64::Engine as _;
    let b64 = |s: &str| base64::engine::general_purpose::STANDARD.encode(s);
    emulator.kubeconfig("e", "default").replace(
        "user: {}",
        &format!(
            "user:\n    client-certificate-data: {}\n    client-key-data: {}",
            b64(&cert.cert_pem),
            b64(&cert.key_pem)
        ),
    )
}

#[tokio::test]
async fn kubectl_works_with_a_token_and_sees_401_and_403() {
    assert!(
        kubectl_installed(),
        "kubectl must be installed for this test"
    );
    let tls = TlsIdentity::generate().expect("identity");
    let emulator = start(&tls).await;
    let dir = tempfile::tempdir().expect("tempdir");

    let admin = emulator.kubeconfig_with_token("e", "default", ADMIN_TOKEN);
    let (ok, out, err) = kubectl_with_kubeconfig(
        dir.path(),
        &admin,
        &["create", "configmap", "x", "--from-literal=k=v"],
    )
    .await;
    assert!(ok, "{err}");
    assert_eq!(out.trim(), "configmap/x created");
    let (ok, out, err) =
        kubectl_with_kubeconfig(dir.path(), &admin, &["get", "configmap", "x", "-o", "name"]).await;
    assert!(ok, "{err}");
    assert_eq!(out.trim(), "configmap/x");

    // (Without any credentials kubectl would prompt for a user name.)
    let wrong = emulator.kubeconfig_with_token("e", "default", "not-a-token");
    let (ok, _, err) = kubectl_with_kubeconfig(dir.path(), &wrong, &["get", "configmaps"]).await;
    assert!(!ok);
    assert!(
        err.contains("error: You must be logged in to the server (Unauthorized)"),
        "{err}"
    );

    let viewer = emulator.kubeconfig_with_token("e", "default", VIEWER_TOKEN);
    let (ok, out, err) = kubectl_with_kubeconfig(
        dir.path(),
        &viewer,
        &["get", "configmap", "x", "-o", "name"],
    )
    .await;
    assert!(ok, "{err}");
    assert_eq!(out.trim(), "configmap/x");
    let (ok, _, err) =
        kubectl_with_kubeconfig(dir.path(), &viewer, &["delete", "configmap", "x"]).await;
    assert!(!ok);
    assert!(
        err.contains(
            "Error from server (Forbidden): configmaps \"x\" is forbidden: User \"viewer\" cannot delete resource \"configmaps\" in API group \"\" in the namespace \"default\""
        ),
        "{err}"
    );
    assert!(!err.contains(VIEWER_TOKEN) && !err.contains(ADMIN_TOKEN));
    emulator.shutdown().await;
}
