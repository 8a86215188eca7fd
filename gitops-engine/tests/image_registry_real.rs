//! The registry client and `check` against a real registry: Debian's
//! `docker-registry` (CNCF distribution 2.8) started on 127.0.0.1 with a
//! temporary config and storage. Images are pushed over plain HTTP: blobs,
//! one manifest per tag with chosen `created` dates, and a multi-arch list.
//! Bearer token auth runs against a token server in the test that signs
//! ES256 JWTs, which the registry verifies with a generated certificate.
//! Skipped (with a note on stderr) when `/usr/bin/docker-registry` is absent.

#[path = "registry_support/mod.rs"]
mod registry_support;
mod support;

use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use base64::Engine;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use gitops_engine::image::registry::{
    Challenge, Credentials, Manifest, RegistryClient, RegistryConfig, RegistryError, sha256_digest,
};
use gitops_engine::image::{ImageRef, ImageSettings, ImageSpec, Platform, check};
use http_body_util::Full;
use hyper::body::{Bytes, Incoming};
use hyper::{Request, Response};
use registry_support::Registry;
use ring::rand::SystemRandom;
use ring::signature::{ECDSA_P256_SHA256_FIXED_SIGNING, EcdsaKeyPair};
use serde_json::json;
use support::{MockServer, response};

/// Bound on every test, so a hang fails instead of blocking CI.
const TEST_LIMIT: Duration = Duration::from_secs(60);

/// Media types of one manifest schema.
struct Schema {
    manifest: &'static str,
    index: &'static str,
    config: &'static str,
    layer: &'static str,
}

const DOCKER: Schema = Schema {
    manifest: "application/vnd.docker.distribution.manifest.v2+json",
    index: "application/vnd.docker.distribution.manifest.list.v2+json",
    config: "application/vnd.docker.container.image.v1+json",
    layer: "application/vnd.docker.image.rootfs.diff.tar.gzip",
};

const OCI: Schema = Schema {
    manifest: "application/vnd.oci.image.manifest.v1+json",
    index: "application/vnd.oci.image.index.v1+json",
    config: "application/vnd.oci.image.config.v1+json",
    layer: "application/vnd.oci.image.layer.v1.tar+gzip",
};

impl Registry {
    /// A client for this registry, without rate limit.
    fn client(&self) -> RegistryClient {
        let mut config = RegistryConfig::new(self.url());
        config.timeout = Duration::from_secs(10);
        config.requests_per_second = None;
        RegistryClient::new(config).expect("client")
    }
}

/// Pushes images over the registry API, as a client like `docker push` would.
struct Pusher {
    http: reqwest::Client,
    base: String,
    /// `Authorization` header value for every request.
    authorization: Option<String>,
    /// Media types of the manifests pushed.
    schema: &'static Schema,
}

impl Pusher {
    fn new(registry: &Registry) -> Self {
        Self {
            http: reqwest::Client::new(),
            base: registry.url(),
            authorization: None,
            schema: &DOCKER,
        }
    }

    fn request(&self, method: reqwest::Method, url: String) -> reqwest::RequestBuilder {
        let request = self.http.request(method, url);
        match &self.authorization {
            Some(value) => request.header("authorization", value),
            None => request,
        }
    }

    async fn blob(&self, repo: &str, bytes: Vec<u8>) -> (String, usize) {
        let digest = sha256_digest(&bytes);
        let size = bytes.len();
        let started = self
            .request(
                reqwest::Method::POST,
                format!("{}/v2/{repo}/blobs/uploads/", self.base),
            )
            .send()
            .await
            .unwrap();
        assert_eq!(started.status(), 202, "start upload");
        let location = started.headers()["location"].to_str().unwrap().to_owned();
        let location = if location.starts_with("http") {
            location
        } else {
            format!("{}{location}", self.base)
        };
        let sep = if location.contains('?') { '&' } else { '?' };
        let done = self
            .request(
                reqwest::Method::PUT,
                format!("{location}{sep}digest={digest}"),
            )
            .header("content-type", "application/octet-stream")
            .body(bytes)
            .send()
            .await
            .unwrap();
        assert_eq!(done.status(), 201, "finish upload");
        (digest, size)
    }

    async fn manifest(
        &self,
        repo: &str,
        reference: &str,
        media_type: &str,
        body: &serde_json::Value,
    ) -> String {
        let bytes = serde_json::to_vec(body).unwrap();
        let response = self
            .request(
                reqwest::Method::PUT,
                format!("{}/v2/{repo}/manifests/{reference}", self.base),
            )
            .header("content-type", media_type)
            .body(bytes.clone())
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 201, "put manifest {repo}:{reference}");
        let digest = response.headers()["docker-content-digest"]
            .to_str()
            .unwrap()
            .to_owned();
        assert_eq!(digest, sha256_digest(&bytes));
        digest
    }

    /// Pushes a single-platform image (config + one layer + manifest) under
    /// `tag`, or untagged (by digest) when `tag` is `None`; returns the
    /// manifest digest and size.
    async fn image(
        &self,
        repo: &str,
        tag: Option<&str>,
        created: &str,
        arch: &str,
    ) -> (String, usize) {
        let label = format!("{repo}:{tag:?}:{created}:{arch}");
        let (layer, layer_size) = self
            .blob(repo, format!("layer of {label}").into_bytes())
            .await;
        let config = json!({
            "architecture": arch, "os": "linux", "created": created,
            "config": {"Labels": {"ref": label}},
            "rootfs": {"type": "layers", "diff_ids": [layer]},
        });
        let (config_digest, config_size) =
            self.blob(repo, serde_json::to_vec(&config).unwrap()).await;
        let manifest = json!({
            "schemaVersion": 2, "mediaType": self.schema.manifest,
            "config": {"mediaType": self.schema.config, "size": config_size, "digest": config_digest},
            "layers": [{"mediaType": self.schema.layer, "size": layer_size, "digest": layer}],
        });
        let bytes = serde_json::to_vec(&manifest).unwrap();
        let reference = tag.map_or_else(|| sha256_digest(&bytes), str::to_owned);
        (
            self.manifest(repo, &reference, self.schema.manifest, &manifest)
                .await,
            bytes.len(),
        )
    }

    /// Pushes an index (manifest list) of per-architecture images; returns its digest.
    async fn multi_arch(&self, repo: &str, tag: &str, images: &[(&str, &str)]) -> String {
        let mut entries = Vec::new();
        for (arch, created) in images {
            let (digest, size) = self.image(repo, None, created, arch).await;
            entries.push(json!({
                "mediaType": self.schema.manifest, "digest": digest, "size": size,
                "platform": {"architecture": arch, "os": "linux"},
            }));
        }
        let list =
            json!({"schemaVersion": 2, "mediaType": self.schema.index, "manifests": entries});
        self.manifest(repo, tag, self.schema.index, &list).await
    }
}

/// `demo/app` tags and their creation dates. `multi` is a list whose arm64
/// image is the newest build overall; its per-arch images are untagged.
async fn seed(pusher: &Pusher) -> String {
    for (tag, created) in [
        ("1.0.0", "2024-01-01T00:00:00Z"),
        ("1.1.0", "2024-03-01T00:00:00Z"),
        ("1.2.0", "2024-02-01T00:00:00.123456789Z"),
        ("2.0.0-rc1", "2024-04-01T00:00:00+02:00"),
        ("latest", "2024-01-15T00:00:00Z"),
    ] {
        pusher.image("demo/app", Some(tag), created, "amd64").await;
    }
    pusher
        .multi_arch(
            "demo/app",
            "multi",
            &[
                ("amd64", "2024-05-01T00:00:00Z"),
                ("arm64", "2024-06-01T00:00:00Z"),
            ],
        )
        .await
}

fn spec(entry: &str, strategy: &str, settings: ImageSettings) -> ImageSpec {
    let settings = ImageSettings {
        update_strategy: Some(strategy.to_owned()),
        ..settings
    };
    ImageSpec::parse(entry, &settings).expect("valid spec")
}

fn strings(list: &[&str]) -> Vec<String> {
    list.iter().map(|s| (*s).to_owned()).collect()
}

#[tokio::test]
async fn tags_digests_and_platform_metadata() {
    let Some(registry) = Registry::start("tags_digests_and_platform_metadata").await else {
        return;
    };
    tokio::time::timeout(TEST_LIMIT, async {
        let mut pusher = Pusher::new(&registry);
        let multi = seed(&pusher).await;
        let client = registry.client();

        assert_eq!(client.ping().await.unwrap(), None);
        let mut tags = client.list_tags("demo/app").await.unwrap();
        tags.sort();
        assert_eq!(
            tags,
            ["1.0.0", "1.1.0", "1.2.0", "2.0.0-rc1", "latest", "multi"]
        );

        let (pushed, _) = pusher
            .image("demo/app", Some("1.3.0"), "2024-07-01T00:00:00Z", "amd64")
            .await;
        assert_eq!(
            client.manifest_digest("demo/app", "1.3.0").await.unwrap(),
            pushed
        );
        assert_eq!(
            client.manifest_digest("demo/app", "multi").await.unwrap(),
            multi
        );
        assert_eq!(
            client.manifest("demo/app", &multi).await.unwrap().digest,
            multi
        );

        let arm: Platform = "linux/arm64".parse().unwrap();
        let amd: Platform = "linux/amd64".parse().unwrap();
        let info = client
            .tag_info("demo/app", "multi", std::slice::from_ref(&arm))
            .await
            .unwrap()
            .unwrap();
        assert_eq!(info.digest, multi);
        assert_eq!(info.platforms, [arm]);
        assert_eq!(info.created.unwrap().to_string(), "2024-06-01T00:00:00Z");
        let info = client
            .tag_info("demo/app", "multi", std::slice::from_ref(&amd))
            .await
            .unwrap()
            .unwrap();
        assert_eq!(info.created.unwrap().to_string(), "2024-05-01T00:00:00Z");
        let both = client
            .tag_info("demo/app", "multi", &[])
            .await
            .unwrap()
            .unwrap();
        assert_eq!(both.platforms.len(), 2);
        assert_eq!(
            both.created.unwrap().to_string(),
            "2024-06-01T00:00:00Z",
            "the newest of the platforms"
        );
        let s390x: Platform = "linux/s390x".parse().unwrap();
        assert_eq!(
            client
                .tag_info("demo/app", "multi", std::slice::from_ref(&s390x))
                .await
                .unwrap(),
            None
        );
        assert_eq!(
            client
                .tag_info("demo/app", "1.0.0", &[s390x])
                .await
                .unwrap(),
            None
        );
        let single = client
            .tag_info("demo/app", "1.2.0", &[amd])
            .await
            .unwrap()
            .unwrap();
        assert_eq!(single.created.unwrap().subsec_nanosecond(), 123_456_789);

        // The same through the OCI schema: index and image manifests.
        pusher.schema = &OCI;
        let oci_index = pusher
            .multi_arch(
                "demo/oci",
                "v1",
                &[
                    ("amd64", "2024-07-01T00:00:00Z"),
                    ("arm64", "2024-08-01T00:00:00Z"),
                ],
            )
            .await;
        let fetched = client.manifest("demo/oci", "v1").await.unwrap();
        assert_eq!(fetched.digest, oci_index);
        assert!(
            matches!(fetched.manifest, Manifest::Index { ref manifests } if manifests.len() == 2)
        );
        let amd: Platform = "linux/amd64".parse().unwrap();
        let info = client
            .tag_info("demo/oci", "v1", &[amd])
            .await
            .unwrap()
            .unwrap();
        assert_eq!(info.created.unwrap().to_string(), "2024-07-01T00:00:00Z");
        let (single, _) = pusher
            .image("demo/oci", Some("single"), "2024-09-01T00:00:00Z", "arm64")
            .await;
        let fetched = client.manifest("demo/oci", "single").await.unwrap();
        assert_eq!(fetched.digest, single);
        assert!(matches!(fetched.manifest, Manifest::Image { .. }));
        assert_eq!(
            client.manifest_digest("demo/oci", "single").await.unwrap(),
            single
        );

        match client.list_tags("demo/nothing").await.unwrap_err() {
            RegistryError::NotFound { code, .. } => assert_eq!(code, "NAME_UNKNOWN"),
            other => panic!("expected NotFound, got {other}"),
        }
        match client.manifest("demo/app", "nope").await.unwrap_err() {
            RegistryError::NotFound { code, .. } => assert_eq!(code, "MANIFEST_UNKNOWN"),
            other => panic!("expected NotFound, got {other}"),
        }
        assert!(matches!(
            client
                .manifest_digest("demo/app", "nope")
                .await
                .unwrap_err(),
            RegistryError::NotFound { .. }
        ));
    })
    .await
    .expect("test finished in time");
}

#[tokio::test]
async fn check_picks_per_strategy() {
    let Some(registry) = Registry::start("check_picks_per_strategy").await else {
        return;
    };
    tokio::time::timeout(TEST_LIMIT, async {
        let pusher = Pusher::new(&registry);
        seed(&pusher).await;
        let client = registry.client();
        let image = |s: &str| ImageRef::parse(&format!("{}/demo/app:{s}", registry.addr)).unwrap();
        let entry = |c: &str| format!("app={}/demo/app{c}", registry.addr);
        let new_tag = |u: Option<gitops_engine::image::Update>| u.and_then(|u| u.to.tag);

        // semver
        let pick = |constraint: &'static str, current: &'static str| {
            let s = spec(&entry(constraint), "semver", ImageSettings::default());
            let current = image(current);
            let client = &client;
            async move { new_tag(check(&s, &current, client).await.unwrap()) }
        };
        assert_eq!(pick("", "1.0.0").await.as_deref(), Some("1.2.0"));
        assert_eq!(pick(":~1.1", "1.0.0").await.as_deref(), Some("1.1.0"));
        assert_eq!(pick(":2.x-0", "1.0.0").await.as_deref(), Some("2.0.0-rc1"));
        assert_eq!(pick(":^1.0", "1.2.0").await, None);
        assert_eq!(pick(":>=3.0", "1.2.0").await, None);

        // newest-build: the arm64 image of `multi` is the newest build...
        let newest = spec(&entry(""), "newest-build", ImageSettings::default());
        let update = check(&newest, &image("1.0.0"), &client)
            .await
            .unwrap()
            .unwrap();
        assert_eq!(update.alias.as_deref(), Some("app"));
        assert_eq!(update.from, image("1.0.0"));
        assert_eq!(update.to, image("multi"));
        // ...and for amd64 alone its amd64 image (2024-05-01) still is.
        let amd = ImageSettings {
            platforms: strings(&["linux/amd64"]),
            ..ImageSettings::default()
        };
        let amd_only = spec(&entry(""), "newest-build", amd.clone());
        assert_eq!(
            new_tag(check(&amd_only, &image("1.0.0"), &client).await.unwrap()).as_deref(),
            Some("multi")
        );
        let filtered = ImageSettings {
            ignore_tags: strings(&["multi*"]),
            allow_tags: Some("regexp:^[0-9]".into()),
            ..amd
        };
        let filtered = spec(&entry(""), "newest-build", filtered);
        assert_eq!(
            new_tag(check(&filtered, &image("1.0.0"), &client).await.unwrap()).as_deref(),
            Some("2.0.0-rc1")
        );
        assert_eq!(
            check(&filtered, &image("2.0.0-rc1"), &client)
                .await
                .unwrap(),
            None
        );

        // alphabetical
        let alpha = ImageSettings {
            allow_tags: Some("regexp:^1\\.".into()),
            ..ImageSettings::default()
        };
        let alpha = spec(&entry(""), "alphabetical", alpha);
        assert_eq!(
            new_tag(check(&alpha, &image("1.0.0"), &client).await.unwrap()).as_deref(),
            Some("1.2.0")
        );

        // digest: follows `latest` as it is re-pushed.
        let watch = spec(&entry(":latest"), "digest", ImageSettings::default());
        let first = check(&watch, &image("latest"), &client)
            .await
            .unwrap()
            .unwrap();
        let first_digest = first.to.digest.clone().unwrap();
        assert_eq!(first.to.tag.as_deref(), Some("latest"));
        assert_eq!(
            first_digest,
            client.manifest_digest("demo/app", "latest").await.unwrap()
        );
        assert_eq!(check(&watch, &first.to, &client).await.unwrap(), None);
        let (repushed, _) = pusher
            .image("demo/app", Some("latest"), "2024-08-01T00:00:00Z", "amd64")
            .await;
        let second = check(&watch, &first.to, &client).await.unwrap().unwrap();
        assert_eq!(second.to.digest.as_deref(), Some(repushed.as_str()));
        assert_ne!(repushed, first_digest);
    })
    .await
    .expect("test finished in time");
}

/// A token server's signing side: an ES256 key and a self-signed certificate
/// the registry trusts (`rootcertbundle`).
struct TokenIssuer {
    signer: EcdsaKeyPair,
    rng: SystemRandom,
    certificate_der: Vec<u8>,
    certificate_pem: String,
}

const SERVICE: &str = "test-registry";
const ISSUER: &str = "test-issuer";
const USER: &str = "tester";
const PASSWORD: &str = "s3cret";

impl TokenIssuer {
    fn new() -> Self {
        let rng = SystemRandom::new();
        let pkcs8 = EcdsaKeyPair::generate_pkcs8(&ECDSA_P256_SHA256_FIXED_SIGNING, &rng).unwrap();
        let signer =
            EcdsaKeyPair::from_pkcs8(&ECDSA_P256_SHA256_FIXED_SIGNING, pkcs8.as_ref(), &rng)
                .unwrap();
        let key = rcgen::KeyPair::try_from(pkcs8.as_ref()).unwrap();
        let certificate = rcgen::CertificateParams::new(Vec::<String>::new())
            .unwrap()
            .self_signed(&key)
            .unwrap();
        Self {
            signer,
            rng,
            certificate_der: certificate.der().to_vec(),
            certificate_pem: certificate.pem(),
        }
    }

    /// A signed JWT granting `actions` on repository `name`.
    fn token(&self, name: &str, actions: &[&str]) -> String {
        let now = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .unwrap()
            .as_secs();
        let header =
            json!({"typ": "JWT", "alg": "ES256", "x5c": [STANDARD.encode(&self.certificate_der)]});
        let claims = json!({
            "iss": ISSUER, "sub": USER, "aud": SERVICE,
            "exp": now + 300, "nbf": now - 10, "iat": now, "jti": format!("{name}-{now}"),
            "access": [{"type": "repository", "name": name, "actions": actions}],
        });
        let input = format!(
            "{}.{}",
            URL_SAFE_NO_PAD.encode(header.to_string()),
            URL_SAFE_NO_PAD.encode(claims.to_string())
        );
        let signature = self.signer.sign(&self.rng, input.as_bytes()).unwrap();
        format!("{input}.{}", URL_SAFE_NO_PAD.encode(signature.as_ref()))
    }

    /// The token endpoint: requires Basic `USER:PASSWORD`, grants what the
    /// `scope` parameter asks for.
    fn respond(&self, req: &Request<Incoming>) -> Response<Full<Bytes>> {
        let expected = format!("Basic {}", STANDARD.encode(format!("{USER}:{PASSWORD}")));
        let authorized = req
            .headers()
            .get("authorization")
            .and_then(|v| v.to_str().ok())
            == Some(&expected);
        let url = reqwest::Url::parse(&format!("http://token{}", req.uri())).unwrap();
        let param = |key: &str| {
            url.query_pairs()
                .find(|(k, _)| k == key)
                .map(|(_, v)| v.into_owned())
        };
        if !authorized || param("service").as_deref() != Some(SERVICE) {
            return response(401, &[], r#"{"details":"bad credentials or service"}"#);
        }
        let scope = param("scope").unwrap_or_default();
        let mut parts = scope.splitn(3, ':');
        let (Some("repository"), Some(name), Some(actions)) =
            (parts.next(), parts.next(), parts.next())
        else {
            return response(400, &[], "bad scope");
        };
        let token = self.token(name, &actions.split(',').collect::<Vec<_>>());
        response(
            200,
            &[],
            &json!({"token": token, "expires_in": 300}).to_string(),
        )
    }
}

/// Scopes the token server was asked for, decoded, in order.
fn requested_scopes(server: &MockServer) -> Vec<String> {
    server
        .requests()
        .iter()
        .filter_map(|target| {
            let url = reqwest::Url::parse(&format!("http://token{target}")).ok()?;
            url.query_pairs()
                .find(|(k, _)| k == "scope")
                .map(|(_, v)| v.into_owned())
        })
        .collect()
}

#[tokio::test]
async fn bearer_token_auth_end_to_end() {
    let issuer = Arc::new(TokenIssuer::new());
    let signing = Arc::clone(&issuer);
    let token_server = MockServer::start(Arc::new(move |req: &Request<Incoming>| {
        signing.respond(req)
    }))
    .await;
    let realm = format!("{}/token", token_server.url());
    let Some(registry) = Registry::start_with("bearer_token_auth_end_to_end", |dir| {
        let bundle = dir.join("token.crt");
        std::fs::write(&bundle, &issuer.certificate_pem).unwrap();
        format!(
            "auth:\n  token:\n    realm: {realm}\n    service: {SERVICE}\n    issuer: {ISSUER}\n    rootcertbundle: {}\n",
            bundle.display()
        )
    })
    .await
    else {
        return;
    };
    tokio::time::timeout(TEST_LIMIT, async {
        // Without credentials the token server refuses, and so the registry does.
        let err = registry.client().list_tags("demo/app").await.unwrap_err();
        assert!(matches!(err, RegistryError::Token { .. }), "{err}");

        let mut pusher = Pusher::new(&registry);
        pusher.authorization = Some(format!(
            "Bearer {}",
            issuer.token("demo/app", &["pull", "push"])
        ));
        pusher
            .image("demo/app", Some("1.0.0"), "2024-01-01T00:00:00Z", "amd64")
            .await;
        let (newest, _) = pusher
            .image("demo/app", Some("1.1.0"), "2024-02-01T00:00:00Z", "amd64")
            .await;

        let mut config = RegistryConfig::new(registry.url());
        config.credentials = Credentials::Basic {
            username: USER.into(),
            password: PASSWORD.into(),
        };
        config.requests_per_second = None;
        let client = RegistryClient::new(config).unwrap();
        assert_eq!(
            client.ping().await.unwrap(),
            Some(Challenge::Bearer {
                realm: realm.clone(),
                service: Some(SERVICE.into()),
                scope: None,
                error: None
            })
        );
        let asked_before = requested_scopes(&token_server).len();
        let mut tags = client.list_tags("demo/app").await.unwrap();
        tags.sort();
        assert_eq!(tags, ["1.0.0", "1.1.0"]);
        assert_eq!(
            client.manifest_digest("demo/app", "1.1.0").await.unwrap(),
            newest
        );
        let spec = spec(
            &format!("{}/demo/app:^1.0", registry.addr),
            "semver",
            ImageSettings::default(),
        );
        let current = ImageRef::parse(&format!("{}/demo/app:1.0.0", registry.addr)).unwrap();
        let update = check(&spec, &current, &client).await.unwrap().unwrap();
        assert_eq!(update.to.tag.as_deref(), Some("1.1.0"));
        // One token served every request for the repository.
        assert_eq!(
            requested_scopes(&token_server)[asked_before..],
            ["repository:demo/app:pull"]
        );

        // Another repository needs its own token; with it the registry answers 404.
        match client.list_tags("demo/other").await.unwrap_err() {
            RegistryError::NotFound { code, .. } => assert_eq!(code, "NAME_UNKNOWN"),
            other => panic!("expected NotFound, got {other}"),
        }
        assert_eq!(
            requested_scopes(&token_server).last().unwrap(),
            "repository:demo/other:pull"
        );
    })
    .await
    .expect("test finished in time");
}

/// bcrypt (cost 4) of the password `pw`, made with libxcrypt's `crypt()`.
const HTPASSWD: &str = "u:$2b$04$pS.vC81oYfO5prCbEw29re0NcsU6Kn/56BwKxdWMKOXKqB6ZnzGVO\n";

#[tokio::test]
async fn basic_auth_with_credentials_from_a_pull_secret() {
    let Some(registry) =
        Registry::start_with("basic_auth_with_credentials_from_a_pull_secret", |dir| {
            let path = dir.join("htpasswd");
            std::fs::write(&path, HTPASSWD).unwrap();
            format!(
                "auth:\n  htpasswd:\n    realm: basic-realm\n    path: {}\n",
                path.display()
            )
        })
        .await
    else {
        return;
    };
    tokio::time::timeout(TEST_LIMIT, async {
        let mut pusher = Pusher::new(&registry);
        pusher.authorization = Some(format!("Basic {}", STANDARD.encode("u:pw")));
        pusher
            .image("team/api", Some("v1.0.0"), "2024-01-01T00:00:00Z", "amd64")
            .await;
        pusher
            .image("team/api", Some("v1.4.2"), "2024-02-01T00:00:00Z", "amd64")
            .await;

        let client_with = |credentials: Credentials| {
            let mut config = RegistryConfig::new(registry.url());
            config.credentials = credentials;
            config.requests_per_second = None;
            RegistryClient::new(config).unwrap()
        };
        let err = registry.client().list_tags("team/api").await.unwrap_err();
        assert!(matches!(err, RegistryError::Unauthorized { .. }), "{err}");
        let wrong = client_with(Credentials::Basic {
            username: "u".into(),
            password: "nope".into(),
        });
        let err = wrong.list_tags("team/api").await.unwrap_err();
        assert!(matches!(err, RegistryError::Unauthorized { .. }), "{err}");

        let docker_config =
            json!({"auths": {registry.addr.clone(): {"auth": STANDARD.encode("u:pw")}}});
        let secret = json!({
            "apiVersion": "v1", "kind": "Secret", "type": "kubernetes.io/dockerconfigjson",
            "metadata": {"name": "regcred", "namespace": "apps"},
            "data": {".dockerconfigjson": STANDARD.encode(docker_config.to_string())},
        });
        let client = client_with(Credentials::from_secret(&secret, &registry.addr).unwrap());
        let mut tags = client.list_tags("team/api").await.unwrap();
        tags.sort();
        assert_eq!(tags, ["v1.0.0", "v1.4.2"]);
        let spec = spec(
            &format!("{}/team/api:~1.4", registry.addr),
            "semver",
            ImageSettings::default(),
        );
        let current = ImageRef::parse(&format!("{}/team/api:v1.0.0", registry.addr)).unwrap();
        let update = check(&spec, &current, &client).await.unwrap().unwrap();
        assert_eq!(update.to.tag.as_deref(), Some("v1.4.2"));
    })
    .await
    .expect("test finished in time");
}
