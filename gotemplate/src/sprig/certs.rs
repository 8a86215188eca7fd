//! Sprig's certificate functions (`genCA`, `genSelfSignedCert`,
//! `genSignedCert`, their `WithKey` forms, `genPrivateKey`,
//! `buildCustomCert`). Certificates are X.509 in PEM, with Sprig's subject,
//! validity, key usages and SANs; keys are ECDSA P-256 (Sprig makes RSA
//! 2048 keys, which the pure-Rust signer used here cannot generate), and
//! `genPrivateKey` makes `ecdsa` and `ed25519` keys.

use std::net::IpAddr;
use std::sync::Arc;

use base64::Engine;
use rcgen::{
    BasicConstraints, CertificateParams, DistinguishedName, DnType, ExtendedKeyUsagePurpose, IsCa,
    Issuer, KeyPair, KeyUsagePurpose, SanType,
};

use super::conv::to_i64;
use super::{Reg, Res, err};
use crate::error::FuncError;
use crate::func::Param::{Any, Int, List, String as Str};
use crate::value::{Struct, Value};

/// Sprig's `certificate` value: `.Cert` and `.Key` in PEM.
fn certificate(cert: String, key: String) -> Value {
    Value::Struct(Arc::new(Struct {
        type_name: "sprig.certificate".into(),
        fields: vec![
            ("Cert".into(), Value::from(cert)),
            ("Key".into(), Value::from(key)),
        ],
        methods: Vec::new(),
    }))
}

fn field(v: &Value, name: &str) -> Option<String> {
    match v {
        Value::Struct(s) => s.field(name)?.as_str().map(str::to_string),
        _ => None,
    }
}

fn rc(e: rcgen::Error) -> FuncError {
    err(e.to_string())
}

/// Subject, validity and usages as Sprig sets them.
fn params(
    cn: &str,
    days: i64,
    ca: bool,
    sans: Vec<SanType>,
) -> Result<CertificateParams, FuncError> {
    let mut p = CertificateParams::default();
    let mut dn = DistinguishedName::new();
    dn.push(DnType::CommonName, cn);
    p.distinguished_name = dn;
    let now = time::OffsetDateTime::now_utc();
    p.not_before = now;
    p.not_after = now + time::Duration::hours(24 * days.clamp(-1_000_000, 1_000_000));
    p.subject_alt_names = sans;
    if ca {
        p.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
        p.key_usages = vec![
            KeyUsagePurpose::KeyEncipherment,
            KeyUsagePurpose::DigitalSignature,
            KeyUsagePurpose::KeyCertSign,
        ];
    } else {
        p.key_usages = vec![
            KeyUsagePurpose::KeyEncipherment,
            KeyUsagePurpose::DigitalSignature,
        ];
    }
    p.extended_key_usages = vec![
        ExtendedKeyUsagePurpose::ServerAuth,
        ExtendedKeyUsagePurpose::ClientAuth,
    ];
    Ok(p)
}

/// The strings of a list argument; `what` prefixes the error for an item
/// that is not a string, as Sprig words it.
fn strings<'a>(list: &'a Value, what: &str) -> Result<Vec<&'a str>, FuncError> {
    let Value::List(l) = list else {
        return Ok(Vec::new());
    };
    l.iter()
        .map(|item| {
            item.as_str().ok_or_else(|| {
                err(format!(
                    "{what}: {} is not a string",
                    crate::fmt::sprint_value(item)
                ))
            })
        })
        .collect()
}

/// Sprig's `getNetIPs` and DNS names, as subject alternative names.
fn sans(ips: &Value, dns: &Value) -> Result<Vec<SanType>, FuncError> {
    let mut out = Vec::new();
    for s in strings(ips, "error parsing ip")? {
        let addr: IpAddr = s
            .parse()
            .map_err(|_| err(format!("error parsing ip: {s}")))?;
        out.push(SanType::IpAddress(addr));
    }
    for s in strings(dns, "error processing alternate dns name")? {
        out.push(SanType::DnsName(s.to_string().try_into().map_err(rc)?));
    }
    Ok(out)
}

fn key_or_new(pem: Option<&str>) -> Result<KeyPair, FuncError> {
    match pem {
        Some(p) => KeyPair::from_pem(p).map_err(|e| err(format!("error parsing private key: {e}"))),
        None => KeyPair::generate().map_err(rc),
    }
}

fn gen_ca(cn: &str, days: i64, key_pem: Option<&str>) -> Res {
    let key = key_or_new(key_pem)?;
    let cert = params(cn, days, true, Vec::new())?
        .self_signed(&key)
        .map_err(rc)?;
    Ok(certificate(cert.pem(), key.serialize_pem()))
}

fn gen_self_signed(a: &[Value], key_pem: Option<&str>) -> Res {
    let key = key_or_new(key_pem)?;
    let cn = a[0].as_str().unwrap_or_default();
    let p = params(cn, to_i64(&a[3]), false, sans(&a[1], &a[2])?)?;
    let cert = p.self_signed(&key).map_err(rc)?;
    Ok(certificate(cert.pem(), key.serialize_pem()))
}

fn gen_signed(a: &[Value], key_pem: Option<&str>) -> Res {
    let ca = &a[4];
    let (Some(ca_cert), Some(ca_key)) = (field(ca, "Cert"), field(ca, "Key")) else {
        return Err(err("error parsing CA: not a certificate"));
    };
    let ca_key = KeyPair::from_pem(&ca_key)
        .map_err(|e| err(format!("error decoding CA private key: {e}")))?;
    let issuer = Issuer::from_ca_cert_pem(&ca_cert, ca_key)
        .map_err(|e| err(format!("error parsing CA certificate: {e}")))?;
    let key = key_or_new(key_pem)?;
    let cn = a[0].as_str().unwrap_or_default();
    let p = params(cn, to_i64(&a[3]), false, sans(&a[1], &a[2])?)?;
    let cert = p.signed_by(&key, &issuer).map_err(rc)?;
    Ok(certificate(cert.pem(), key.serialize_pem()))
}

pub(crate) fn register(r: &mut Reg) {
    r.add("genCA", &[Str, Int], None, |a| {
        gen_ca(a[0].as_str().unwrap_or_default(), to_i64(&a[1]), None)
    });
    r.add("genCAWithKey", &[Str, Int, Str], None, |a| {
        gen_ca(
            a[0].as_str().unwrap_or_default(),
            to_i64(&a[1]),
            a[2].as_str(),
        )
    });
    r.add("genSelfSignedCert", &[Str, List, List, Int], None, |a| {
        gen_self_signed(&a, None)
    });
    r.add(
        "genSelfSignedCertWithKey",
        &[Str, List, List, Int, Str],
        None,
        |a| gen_self_signed(&a, a[4].as_str()),
    );
    r.add("genSignedCert", &[Str, List, List, Int, Any], None, |a| {
        gen_signed(&a, None)
    });
    r.add(
        "genSignedCertWithKey",
        &[Str, List, List, Int, Any, Str],
        None,
        |a| gen_signed(&a, a[5].as_str()),
    );
    r.add("genPrivateKey", &[Str], None, |a| {
        let alg = match a[0].as_str().unwrap_or_default() {
            "ecdsa" => &rcgen::PKCS_ECDSA_P256_SHA256,
            "ed25519" => &rcgen::PKCS_ED25519,
            "rsa" | "dsa" => {
                return Ok(Value::from(format!(
                    "failed to generate private key: {} keys are not supported",
                    a[0].as_str().unwrap_or_default()
                )));
            }
            other => return Ok(Value::from(format!("Unknown type {other}"))),
        };
        let key = KeyPair::generate_for(alg).map_err(rc)?;
        Ok(Value::from(key.serialize_pem()))
    });
    r.add("buildCustomCert", &[Str, Str], None, |a| {
        let decode = |v: &Value, what: &str| {
            base64::engine::general_purpose::STANDARD
                .decode(v.as_str().unwrap_or_default())
                .map(|b| String::from_utf8_lossy(&b).into_owned())
                .map_err(|e| err(format!("unable to decode base64 {what}: {e}")))
        };
        let cert = decode(&a[0], "certificate")?;
        let key = decode(&a[1], "private key")?;
        if !cert.contains("-----BEGIN CERTIFICATE-----") {
            return Err(err("unable to decode certificate"));
        }
        KeyPair::from_pem(&key).map_err(|e| err(format!("unable to decode private key: {e}")))?;
        Ok(certificate(cert, key))
    });
}
