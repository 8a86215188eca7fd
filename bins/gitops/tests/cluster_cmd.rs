//! `gitops cluster add|list|rm` against a control-plane emulator, with a
//! second emulator over TLS with a token as the added cluster; columns as
//! `argocd cluster list` prints them.

mod app_support;

use apiserver_emulator::{Authentication, Emulator, EmulatorConfig, TlsIdentity, TokenUser};
use app_support::{Env, stderr, stdout};
use base64::Engine as _;
use k8s_openapi::api::core::v1::Secret;

const TOKEN: &str = "east-token-0c4e9d21";

fn rows(text: &str) -> Vec<Vec<String>> {
    text.lines()
        .map(|l| {
            l.split("  ")
                .map(str::trim)
                .filter(|c| !c.is_empty())
                .map(str::to_owned)
                .collect()
        })
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn add_list_and_remove_a_cluster_from_a_kubeconfig_context() {
    let env = Env::start().await;
    let east = Emulator::start_with(EmulatorConfig {
        tls: Some(TlsIdentity::generate().expect("identity")),
        authentication: Some(Authentication {
            tokens: vec![TokenUser::admin(TOKEN, "admin")],
        }),
        ..EmulatorConfig::default()
    })
    .await
    .expect("east");
    // One kubeconfig: the control plane is the current context, `east` the
    // context to register.
    let ca = base64::engine::general_purpose::STANDARD.encode(east.ca_pem().expect("CA"));
    let kubeconfig = format!(
        "apiVersion: v1\nkind: Config\ncurrent-context: emu\nclusters:\n\
         - name: emu\n  cluster:\n    server: {control}\n\
         - name: east\n  cluster:\n    server: {east}\n    certificate-authority-data: {ca}\n\
         users:\n- name: emu\n  user: {{}}\n- name: east\n  user:\n    token: {TOKEN}\n\
         contexts:\n- name: emu\n  context:\n    cluster: emu\n    user: emu\n\
         - name: east\n  context:\n    cluster: east\n    user: east\n",
        control = env.emulator.url(),
        east = east.url(),
    );
    std::fs::write(&env.kubeconfig, kubeconfig).expect("kubeconfig");

    let out = env
        .gitops(&["cluster", "add", "east", "--project", "team-a"])
        .await;
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(stdout(&out), format!("Cluster '{}' added\n", east.url()));
    let again = env.gitops(&["cluster", "add", "east"]).await;
    assert_eq!(again.status.code(), Some(20));
    assert!(
        stderr(&again).contains("already exists; use --upsert"),
        "{}",
        stderr(&again)
    );

    let secrets: kube::Api<Secret> = kube::Api::namespaced(env.client.clone(), "argocd");
    let list = secrets
        .list(&kube::api::ListParams::default().labels("argocd.argoproj.io/secret-type=cluster"))
        .await
        .expect("secrets");
    assert_eq!(list.items.len(), 1);
    let secret = &list.items[0];
    let name = secret.metadata.name.clone().expect("name");
    assert!(name.starts_with("cluster-127.0.0.1-"), "{name}");
    assert_eq!(
        secret
            .metadata
            .annotations
            .as_ref()
            .and_then(|a| a.get("managed-by"))
            .map(String::as_str),
        Some("argocd.argoproj.io")
    );
    let data = secret.data.as_ref().expect("data");
    let text = |key: &str| String::from_utf8(data[key].0.clone()).expect("utf-8");
    assert_eq!(text("server"), east.url());
    assert_eq!(text("name"), "east");
    assert_eq!(text("project"), "team-a");
    let config: serde_json::Value = serde_json::from_str(&text("config")).expect("config JSON");
    assert_eq!(config["bearerToken"], TOKEN);
    let ca = base64::engine::general_purpose::STANDARD
        .decode(
            config["tlsClientConfig"]["caData"]
                .as_str()
                .expect("caData"),
        )
        .expect("base64");
    assert_eq!(Some(String::from_utf8(ca).expect("pem")), east.ca_pem());

    let out = env.gitops(&["cluster", "list"]).await;
    assert!(out.status.success(), "{}", stderr(&out));
    let listed = stdout(&out);
    assert_eq!(
        rows(&listed),
        [
            vec!["SERVER", "NAME", "VERSION", "STATUS", "MESSAGE", "PROJECT"],
            vec![
                "https://kubernetes.default.svc",
                "in-cluster",
                "1.32",
                "Successful"
            ],
            vec![east.url().as_str(), "east", "1.32", "Successful", "team-a"],
        ]
        .map(|r| r.iter().map(|c| c.to_string()).collect::<Vec<_>>()),
        "{listed}"
    );
    assert!(!listed.contains(TOKEN));

    east.shutdown().await;
    let out = env.gitops(&["cluster", "list", "-o", "server"]).await;
    assert_eq!(
        stdout(&out),
        format!(
            "https://kubernetes.default.svc\n{}\n",
            stored_server(&list.items[0])
        )
    );
    let out = env.gitops(&["cluster", "list"]).await;
    let listed = stdout(&out);
    let east_row = listed.lines().nth(2).expect("east row");
    assert!(east_row.contains("Failed"), "{listed}");

    let out = env.gitops(&["cluster", "rm", "east", "--yes"]).await;
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(stdout(&out), "Cluster 'east' removed\n");
    assert!(secrets.get_opt(&name).await.expect("get").is_none());
    let out = env.gitops(&["cluster", "rm", "east", "--yes"]).await;
    assert_eq!(out.status.code(), Some(20));
}

/// The server URL stored in a cluster Secret.
fn stored_server(secret: &Secret) -> String {
    let data = secret.data.as_ref().expect("data");
    String::from_utf8(data["server"].0.clone()).expect("utf-8")
}
