//! The protobuf wire format: fields as (number, value) pairs.

/// One field value as it is on the wire.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WireValue<'a> {
    /// Wire type 0.
    Varint(u64),
    /// Wire type 1.
    Fixed64(u64),
    /// Wire type 2: strings, bytes, messages, packed repeated scalars.
    Bytes(&'a [u8]),
    /// Wire type 5.
    Fixed32(u32),
}

/// Reads fields from a message's bytes.
#[derive(Debug)]
pub struct Reader<'a> {
    rest: &'a [u8],
}

impl<'a> Reader<'a> {
    /// A reader over one message.
    pub fn new(bytes: &'a [u8]) -> Self {
        Reader { rest: bytes }
    }

    /// The next varint, or `None` at the end.
    pub fn varint_opt(&mut self) -> Result<Option<u64>, String> {
        if self.rest.is_empty() {
            return Ok(None);
        }
        let mut value = 0u64;
        for (i, byte) in self.rest.iter().enumerate().take(10) {
            value |= u64::from(byte & 0x7f) << (7 * i);
            if byte & 0x80 == 0 {
                self.rest = &self.rest[i + 1..];
                return Ok(Some(value));
            }
        }
        Err("a varint is truncated or longer than 10 bytes".to_owned())
    }

    fn varint(&mut self) -> Result<u64, String> {
        self.varint_opt()?
            .ok_or_else(|| "a field is truncated".to_owned())
    }

    fn take(&mut self, n: u64) -> Result<&'a [u8], String> {
        let n = usize::try_from(n).map_err(|e| e.to_string())?;
        if n > self.rest.len() {
            return Err(format!(
                "a field claims {n} bytes where {} remain",
                self.rest.len()
            ));
        }
        let (head, rest) = self.rest.split_at(n);
        self.rest = rest;
        Ok(head)
    }

    /// The next field, or `None` at the end of the message.
    pub fn next_field(&mut self) -> Result<Option<(u64, WireValue<'a>)>, String> {
        let Some(key) = self.varint_opt()? else {
            return Ok(None);
        };
        let value = match key & 7 {
            0 => WireValue::Varint(self.varint()?),
            1 => {
                let b = self.take(8)?;
                WireValue::Fixed64(u64::from_le_bytes(b.try_into().map_err(|_| "fixed64")?))
            }
            2 => {
                let len = self.varint()?;
                WireValue::Bytes(self.take(len)?)
            }
            5 => {
                let b = self.take(4)?;
                WireValue::Fixed32(u32::from_le_bytes(b.try_into().map_err(|_| "fixed32")?))
            }
            other => return Err(format!("unsupported wire type {other}")),
        };
        Ok(Some((key >> 3, value)))
    }
}

#[cfg(test)]
pub mod tests {
    use super::*;

    /// Writes fields, for tests that build bodies.
    #[derive(Debug, Default)]
    pub struct Writer(pub Vec<u8>);

    impl Writer {
        fn raw_varint(&mut self, mut n: u64) {
            while n >= 0x80 {
                self.0.push((n as u8) | 0x80);
                n >>= 7;
            }
            self.0.push(n as u8);
        }

        /// A varint field.
        pub fn varint(&mut self, tag: u64, n: u64) {
            self.raw_varint(tag << 3);
            self.raw_varint(n);
        }

        /// A length-delimited field.
        pub fn bytes(&mut self, tag: u64, b: &[u8]) {
            self.raw_varint((tag << 3) | 2);
            self.raw_varint(b.len() as u64);
            self.0.extend_from_slice(b);
        }
    }

    /// The bytes of a message that `f` writes.
    pub fn message(f: impl FnOnce(&mut Writer)) -> Vec<u8> {
        let mut w = Writer::default();
        f(&mut w);
        w.0
    }

    #[test]
    fn reads_what_was_written_and_rejects_truncation() {
        let body = message(|w| {
            w.varint(1, 300);
            w.bytes(2, b"hi");
        });
        let mut r = Reader::new(&body);
        assert_eq!(r.next_field(), Ok(Some((1, WireValue::Varint(300)))));
        assert_eq!(r.next_field(), Ok(Some((2, WireValue::Bytes(b"hi")))));
        assert_eq!(r.next_field(), Ok(None));
        let mut cut = Reader::new(&body[..body.len() - 1]);
        assert_eq!(cut.next_field(), Ok(Some((1, WireValue::Varint(300)))));
        assert!(cut.next_field().is_err());
    }
}
