//! Sprig's random and cryptographic functions, checked by property: their
//! outputs are random by design, their form is Sprig's.

use gotemplate::{FuncMap, TemplateSet, Value};

fn render(text: &str) -> String {
    let mut set = TemplateSet::new(FuncMap::sprig());
    set.parse("t", text).unwrap();
    set.execute("t", &Value::Nil).unwrap()
}

#[test]
fn random_strings_have_the_length_and_alphabet() {
    for (func, ok) in [
        (
            "randAlphaNum",
            (|c: char| c.is_ascii_alphanumeric()) as fn(char) -> bool,
        ),
        ("randAlpha", |c: char| c.is_ascii_alphabetic()),
        ("randNumeric", |c: char| c.is_ascii_digit()),
        ("randAscii", |c: char| (' '..='~').contains(&c)),
    ] {
        let out = render(&format!("{{{{ {func} 64 }}}}"));
        assert_eq!(out.len(), 64, "{func}: {out}");
        assert!(out.chars().all(ok), "{func}: {out}");
        assert_ne!(
            out,
            render(&format!("{{{{ {func} 64 }}}}")),
            "{func} repeats"
        );
    }
    assert_eq!(render("{{ randAlphaNum 0 }}"), "");
}

#[test]
fn uuidv4_is_a_version_4_uuid() {
    let u = render("{{ uuidv4 }}");
    let parts: Vec<&str> = u.split('-').collect();
    assert_eq!(
        parts.iter().map(|p| p.len()).collect::<Vec<_>>(),
        [8, 4, 4, 4, 12],
        "{u}"
    );
    assert!(u.chars().all(|c| c == '-' || c.is_ascii_hexdigit()));
    assert!(parts[2].starts_with('4'), "{u}");
    assert!(
        matches!(parts[3].as_bytes()[0], b'8' | b'9' | b'a' | b'b'),
        "{u}"
    );
    assert_ne!(u, render("{{ uuidv4 }}"));
}

#[test]
fn aes_round_trips_and_uses_a_fresh_iv() {
    assert_eq!(
        render(r#"{{ "secret text" | encryptAES "k" | decryptAES "k" }}"#),
        "secret text"
    );
    let a = render(r#"{{ encryptAES "k" "x" }}"#);
    assert_ne!(a, render(r#"{{ encryptAES "k" "x" }}"#));
    // IV and one block, base64.
    assert_eq!(a.len(), 44, "{a}");
}

#[test]
fn bcrypt_and_htpasswd_verify() {
    let hash = render(r#"{{ bcrypt "pw" }}"#);
    assert!(hash.starts_with("$2a$10$"), "{hash}");
    assert!(bcrypt::verify("pw", &hash).unwrap());
    let line = render(r#"{{ htpasswd "ann" "pw" }}"#);
    let (user, hash) = line.split_once(':').unwrap();
    assert_eq!(user, "ann");
    assert!(bcrypt::verify("pw", hash).unwrap());
    assert_eq!(
        render(r#"{{ htpasswd "a:b" "pw" }}"#),
        "invalid username: a:b"
    );
}

#[test]
fn rand_int_shuffle_and_bytes_stay_in_their_domain() {
    for _ in 0..50 {
        let n: i64 = render("{{ randInt 3 7 }}").parse().unwrap();
        assert!((3..7).contains(&n));
    }
    let mut s: Vec<char> = render(r#"{{ shuffle "abcdef" }}"#).chars().collect();
    s.sort();
    assert_eq!(s.into_iter().collect::<String>(), "abcdef");
    // 12 bytes, base64-encoded.
    assert_eq!(render("{{ randBytes 12 | len }}"), "16");
}

#[test]
fn certificates_chain_and_carry_pem() {
    let out = render(
        r#"{{- $ca := genCA "my-ca" 365 -}}
{{- $cert := genSignedCert "svc.ns.svc" (list "10.0.0.1") (list "svc" "svc.ns") 30 $ca -}}
{{- $self := genSelfSignedCert "self" nil (list "a.example") 1 -}}
{{ $ca.Cert | b64enc | b64dec | trim }}|{{ $cert.Cert | hasPrefix "-----BEGIN CERTIFICATE-----" }}|{{ $cert.Key | contains "PRIVATE KEY" }}|{{ $self.Cert | hasSuffix "-----END CERTIFICATE-----\n" }}"#,
    );
    let parts: Vec<&str> = out.split('|').collect();
    assert!(parts[0].starts_with("-----BEGIN CERTIFICATE-----"), "{out}");
    assert_eq!(&parts[1..], ["true", "true", "true"], "{out}");
    let mut set = TemplateSet::new(FuncMap::sprig());
    set.parse(
        "bad",
        r#"{{ genSelfSignedCert "x" (list "not-an-ip") nil 1 }}"#,
    )
    .unwrap();
    assert_eq!(
        set.execute("bad", &Value::Nil).unwrap_err().to_string(),
        "template: bad:1:3: executing \"bad\" at <genSelfSignedCert \"x\" (list \"not-an-ip\") nil 1>: \
         error calling genSelfSignedCert: error parsing ip: not-an-ip"
    );
    assert!(render(r#"{{ genPrivateKey "ed25519" }}"#).starts_with("-----BEGIN PRIVATE KEY-----"));
}
