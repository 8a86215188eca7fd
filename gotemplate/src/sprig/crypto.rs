//! Sprig's random and cryptographic functions: random strings, UUIDs,
//! AES-CBC encryption as Sprig frames it, bcrypt and htpasswd. Outputs are
//! random by design; their form matches Sprig's.

use aes::cipher::{BlockDecryptMut, BlockEncryptMut, KeyIvInit, block_padding::NoPadding};
use base64::Engine;

use super::conv::to_i64;
use super::{Reg, Res, err};
use crate::func::Param::{Int, String as Str};
use crate::value::Value;

type Encryptor = cbc::Encryptor<aes::Aes256>;
type Decryptor = cbc::Decryptor<aes::Aes256>;

fn s(v: &Value) -> &str {
    v.as_str().unwrap_or_default()
}

/// Random bytes from the operating system's generator.
fn random_bytes(n: usize) -> Result<Vec<u8>, crate::FuncError> {
    let mut buf = vec![0u8; n];
    getrandom::fill(&mut buf).map_err(|e| err(e.to_string()))?;
    Ok(buf)
}

/// `count` characters drawn uniformly from `alphabet`.
fn random_string(count: i64, alphabet: &[u8], c: &crate::Call<'_>) -> Res {
    if count < 0 {
        return Err(err(format!(
            "Count {count} is less than 0 (must be at least 0)"
        )));
    }
    c.check_size(count as usize)?;
    let mut out = String::with_capacity(count as usize);
    // Rejection sampling keeps the draw uniform.
    let limit = 256 - 256 % alphabet.len();
    while out.len() < count as usize {
        for b in random_bytes(count as usize - out.len() + 16)? {
            if (b as usize) < limit && out.len() < count as usize {
                out.push(alphabet[b as usize % alphabet.len()] as char);
            }
        }
    }
    Ok(Value::from(out))
}

const ALPHA: &[u8] = b"abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ";
const DIGITS: &[u8] = b"0123456789";

fn key(password: &str) -> [u8; 32] {
    let mut key = [0u8; 32];
    let p = password.as_bytes();
    let n = p.len().min(32);
    key[..n].copy_from_slice(&p[..n]);
    key
}

pub(crate) fn register(r: &mut Reg) {
    r.add_call("randAlphaNum", &[Int], None, |c, a| {
        random_string(to_i64(&a[0]), &[ALPHA, DIGITS].concat(), c)
    });
    r.add_call("randAlpha", &[Int], None, |c, a| {
        random_string(to_i64(&a[0]), ALPHA, c)
    });
    r.add_call("randNumeric", &[Int], None, |c, a| {
        random_string(to_i64(&a[0]), DIGITS, c)
    });
    r.add_call("randAscii", &[Int], None, |c, a| {
        let printable: Vec<u8> = (32u8..=126).collect();
        random_string(to_i64(&a[0]), &printable, c)
    });
    r.add_call("randBytes", &[Int], None, |c, a| {
        let n = to_i64(&a[0]);
        if n < 0 {
            return Err(err("runtime error: makeslice: len out of range"));
        }
        c.check_size(n as usize)?;
        let bytes = random_bytes(n as usize)?;
        Ok(Value::from(
            base64::engine::general_purpose::STANDARD.encode(bytes),
        ))
    });
    r.add("randInt", &[Int, Int], None, |a| {
        let (min, max) = (to_i64(&a[0]), to_i64(&a[1]));
        if max <= min {
            return Err(err("invalid argument to Intn"));
        }
        let span = (max - min) as u64;
        let mut b = [0u8; 8];
        getrandom::fill(&mut b).map_err(|e| err(e.to_string()))?;
        Ok(Value::Int(min + (u64::from_le_bytes(b) % span) as i64))
    });
    r.add("uuidv4", &[], None, |_| {
        let mut b: [u8; 16] = random_bytes(16)?.try_into().unwrap_or([0; 16]);
        b[6] = (b[6] & 0x0f) | 0x40;
        b[8] = (b[8] & 0x3f) | 0x80;
        let h: String = b.iter().map(|x| format!("{x:02x}")).collect();
        Ok(Value::from(format!(
            "{}-{}-{}-{}-{}",
            &h[..8],
            &h[8..12],
            &h[12..16],
            &h[16..20],
            &h[20..]
        )))
    });
    r.add("shuffle", &[Str], None, |a| {
        let mut chars: Vec<char> = s(&a[0]).chars().collect();
        let rnd = random_bytes(chars.len() * 4)?;
        for i in (1..chars.len()).rev() {
            let r =
                u32::from_le_bytes([rnd[i * 4], rnd[i * 4 + 1], rnd[i * 4 + 2], rnd[i * 4 + 3]]);
            chars.swap(i, r as usize % (i + 1));
        }
        Ok(Value::from(chars.into_iter().collect::<String>()))
    });
    r.add("encryptAES", &[Str, Str], None, |a| {
        let plain = s(&a[1]).as_bytes();
        if plain.is_empty() {
            return Ok(Value::from(""));
        }
        let pad = 16 - plain.len() % 16;
        let mut buf = plain.to_vec();
        buf.extend(std::iter::repeat_n(pad as u8, pad));
        let iv: [u8; 16] = random_bytes(16)?.try_into().unwrap_or([0; 16]);
        let n = buf.len();
        Encryptor::new(&key(s(&a[0])).into(), &iv.into())
            .encrypt_padded_mut::<NoPadding>(&mut buf, n)
            .map_err(|e| err(e.to_string()))?;
        let mut out = iv.to_vec();
        out.extend(buf);
        Ok(Value::from(
            base64::engine::general_purpose::STANDARD.encode(out),
        ))
    });
    r.add("decryptAES", &[Str, Str], None, |a| {
        let text = s(&a[1]);
        if text.is_empty() {
            return Ok(Value::from(""));
        }
        let crypt = base64::engine::general_purpose::STANDARD
            .decode(text)
            .map_err(|e| err(format!("illegal base64 data: {e}")))?;
        if crypt.len() < 16 {
            return Err(err(format!(
                "runtime error: slice bounds out of range [:16] with capacity {}",
                crypt.len()
            )));
        }
        let (iv, body) = crypt.split_at(16);
        if body.len() % 16 != 0 {
            return Err(err("crypto/cipher: input not full blocks"));
        }
        let mut buf = body.to_vec();
        let iv: [u8; 16] = iv.try_into().unwrap_or([0; 16]);
        let plain = Decryptor::new(&key(s(&a[0])).into(), &iv.into())
            .decrypt_padded_mut::<NoPadding>(&mut buf)
            .map_err(|e| err(e.to_string()))?;
        let pad = plain.last().copied().unwrap_or(0) as usize;
        if pad > plain.len() {
            return Err(err(format!(
                "runtime error: slice bounds out of range [:{}]",
                plain.len() as i64 - pad as i64
            )));
        }
        Ok(Value::from(
            String::from_utf8_lossy(&plain[..plain.len() - pad]).into_owned(),
        ))
    });
    r.add("bcrypt", &[Str], None, |a| {
        bcrypt_hash(s(&a[0])).map(Value::from)
    });
    r.add("htpasswd", &[Str, Str], None, |a| {
        let user = s(&a[0]);
        if user.contains(':') {
            return Ok(Value::from(format!("invalid username: {user}")));
        }
        Ok(Value::from(format!("{user}:{}", bcrypt_hash(s(&a[1]))?)))
    });
}

/// Go's `bcrypt.GenerateFromPassword` at the default cost (10), `$2a$`.
fn bcrypt_hash(password: &str) -> Result<String, crate::FuncError> {
    bcrypt::hash_with_result(password, 10)
        .map(|h| h.format_for_version(bcrypt::Version::TwoA))
        .map_err(|e| err(e.to_string()))
}
