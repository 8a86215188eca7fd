//! The argument of `kustomize edit set image`, parsed as kustomize 5 does.
//!
//! Forms: `name=newName:tag`, `name=newName@digest`, `name=newName:tag@digest`,
//! `name=newName`, `name:tag`, `name:tag@digest`, `name@digest`. A `*` in
//! place of the new name, tag or digest keeps the value already in the file.
//! Facts from kustomize's `commands/edit/set/setimage.go` and
//! `api/internal/image/image.go` (`Split`).

use super::EditError;
use std::fmt;

/// What an edit does to one of an image entry's optional fields.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FieldEdit {
    /// Remove the field: the argument did not give it. kustomize replaces
    /// the whole entry, so `nginx:1.2` drops an existing `newName`/`digest`.
    Clear,
    /// Set the field to this (non-empty) value.
    Set(String),
    /// Keep the value in the file (`*` in the argument).
    Preserve,
}

impl FieldEdit {
    /// `""` means absent (Go's `omitempty`), `"*"` means preserve.
    fn from_part(part: &str) -> Self {
        match part {
            "" => FieldEdit::Clear,
            "*" => FieldEdit::Preserve,
            v => FieldEdit::Set(v.to_owned()),
        }
    }

    /// The field's value after the edit, given its current value.
    pub fn apply(&self, current: Option<&str>) -> Option<String> {
        match self {
            FieldEdit::Clear => None,
            FieldEdit::Set(v) => Some(v.clone()),
            FieldEdit::Preserve => current.map(str::to_owned),
        }
    }
}

/// One `kustomize edit set image` argument: which entry (by `name`) and
/// what becomes of its `newName`, `newTag` and `digest`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImageEdit {
    /// The `name` of the `images` entry to set (matched exactly).
    pub name: String,
    /// The entry's `newName`.
    pub new_name: FieldEdit,
    /// The entry's `newTag`.
    pub new_tag: FieldEdit,
    /// The entry's `digest`.
    pub digest: FieldEdit,
}

impl ImageEdit {
    /// Parses an argument of `kustomize edit set image`.
    ///
    /// These are the stricter rules of kustomize 5.0 to 5.3 (a regular
    /// expression for the tag): an argument holds at most one `=`; the text
    /// before it is the entry name and the rest the new image, which must
    /// not be empty (`nginx=` is an error, as is `a=b=c`). Without `=`, the
    /// image must carry a tag or digest. Without `@`, the tag is what
    /// follows the last `:` when that is a valid tag (`[A-Za-z0-9._-]*` or
    /// `*`), so `nginx:a:b` names `nginx:a` with tag `b` and
    /// `host:5000/app` has no tag. White space anywhere is refused. An
    /// empty entry name (`=foo`, `:tag`) is an error. With `@`, the image
    /// is split as [`split_image`] does, so `name:tag@digest` sets both tag
    /// and digest.
    ///
    /// Kustomize 5.4 and later (5.5 included, kubernetes-sigs/kustomize
    /// commit a85dfd414) split the value after the first `=` with
    /// `image.Split` alone and accept more: `nginx=` (an entry with no new
    /// name, tag or digest), `a=b=c` (new name `b=c`), `nginx:a:b` (name
    /// `nginx`, tag `a:b`), white space, `=foo` (name `foo`) and `:tag`
    /// (an empty name). This parser refuses or reads those differently.
    pub fn parse(arg: &str) -> Result<Self, EditError> {
        let invalid = |reason: &str| EditError::InvalidImageArg {
            arg: arg.to_owned(),
            reason: reason.to_owned(),
        };
        if arg.chars().any(char::is_whitespace) {
            return Err(invalid("an image argument cannot hold white space"));
        }
        let (key, value) = match arg.split_once('=') {
            Some((_, value)) if value.contains('=') => {
                return Err(invalid("an image argument holds at most one '='"));
            }
            Some((_, "")) => return Err(invalid("the new image after '=' is empty")),
            Some((key, value)) => (Some(key), value),
            None => (None, arg),
        };
        let (image, tag, digest) = if value.contains('@') {
            split_image(value)
        } else {
            let (image, tag) = split_cli_tag(value);
            (image, tag, None)
        };
        let (name, new_name) = match key {
            Some(key) => (key, FieldEdit::from_part(image)),
            None if tag.is_none() && digest.is_none() => {
                return Err(invalid(
                    "expected <image>=<newimage>[:<newtag>][@<digest>], <image>:<newtag>[@<digest>] or <image>@<digest>",
                ));
            }
            None => (image, FieldEdit::Clear),
        };
        if name.is_empty() {
            return Err(invalid("the image name is empty"));
        }
        Ok(ImageEdit {
            name: name.to_owned(),
            new_name,
            new_tag: FieldEdit::from_part(tag.unwrap_or("")),
            digest: FieldEdit::from_part(digest.unwrap_or("")),
        })
    }

    /// The entry's `(newName, newTag, digest)` after this edit, given the
    /// current values (kustomize keeps no other field of an edited entry).
    pub fn resolve(&self, current: &ImageFields) -> ImageFields {
        ImageFields {
            new_name: self.new_name.apply(current.new_name.as_deref()),
            new_tag: self.new_tag.apply(current.new_tag.as_deref()),
            digest: self.digest.apply(current.digest.as_deref()),
        }
    }
}

/// The argument form of the edit, which [`ImageEdit::parse`] reads back:
/// `name:tag@digest` when the name allows it, else `name=newName:tag@digest`
/// (with an empty new name when the edit clears it). This is also the
/// string form Argo CD keeps in `kustomize.images`. An edit that clears
/// every field prints as `name=`, which kustomize (and [`ImageEdit::parse`])
/// refuses.
impl fmt::Display for ImageEdit {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let part = |edit: &FieldEdit, sep: &str| match edit {
            FieldEdit::Clear => String::new(),
            FieldEdit::Set(v) => format!("{sep}{v}"),
            FieldEdit::Preserve => format!("{sep}*"),
        };
        let new_name = part(&self.new_name, "");
        let suffix = part(&self.new_tag, ":") + &part(&self.digest, "@");
        let plain_name = split_image(&self.name) == (self.name.as_str(), None, None);
        if new_name.is_empty() && !suffix.is_empty() && plain_name {
            write!(f, "{}{suffix}", self.name)
        } else {
            write!(f, "{}={new_name}{suffix}", self.name)
        }
    }
}

/// The optional fields of an `images` entry that `set image` writes.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ImageFields {
    /// `newName`.
    pub new_name: Option<String>,
    /// `newTag`.
    pub new_tag: Option<String>,
    /// `digest`.
    pub digest: Option<String>,
}

/// Splits `image[:tag]` as `kustomize edit set image` 5.0 to 5.3 did: the
/// tag follows the last `:` if it is `*` or made of `[A-Za-z0-9._-]`
/// (possibly empty).
fn split_cli_tag(image: &str) -> (&str, Option<&str>) {
    let is_tag = |t: &str| {
        t == "*"
            || t.chars()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-'))
    };
    match image.rfind(':') {
        Some(i) if is_tag(&image[i + 1..]) => (&image[..i], Some(&image[i + 1..])),
        _ => (image, None),
    }
}

/// Splits `[host[:port]/]path[:tag][@digest]` into name, tag and digest the
/// way kustomize's `image.Split` does: a `:` or `@` counts only after the
/// first `/` (when the name has one past its first character), and a `@`
/// before any `:` makes everything after it the digest.
pub fn split_image(image: &str) -> (&str, Option<&str>, Option<&str>) {
    let offset = match image.find('/') {
        Some(i) if i > 0 => i,
        _ => 0,
    };
    let search = &image[offset..];
    let at = search.find('@').map(|i| i + offset);
    let colon = search.find(':').map(|i| i + offset);
    match (colon, at) {
        (None, None) => (image, None, None),
        (None, Some(a)) => (&image[..a], None, Some(&image[a + 1..])),
        (Some(c), Some(a)) if a < c => (&image[..a], None, Some(&image[a + 1..])),
        (Some(c), Some(a)) => (&image[..c], Some(&image[c + 1..a]), Some(&image[a + 1..])),
        (Some(c), None) => (&image[..c], Some(&image[c + 1..]), None),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::strategy::Strategy;

    fn set(v: &str) -> FieldEdit {
        FieldEdit::Set(v.into())
    }

    fn edit(name: &str, new_name: FieldEdit, tag: FieldEdit, digest: FieldEdit) -> ImageEdit {
        ImageEdit {
            name: name.into(),
            new_name,
            new_tag: tag,
            digest,
        }
    }

    use FieldEdit::{Clear, Preserve};

    const D: &str = "sha256:24a0c4b4a4c0eb97a1aabb8e29f18e917d05abfe1b7a7c07857230879ce7d3d3";

    #[test]
    fn parses_every_documented_form() {
        let cases = [
            (
                "image1=my-image1:my-tag",
                edit("image1", set("my-image1"), set("my-tag"), Clear),
            ),
            (
                &format!("image1=my-image1@{D}"),
                edit("image1", set("my-image1"), Clear, set(D)),
            ),
            (
                &format!("image1=my-image1:my-tag@{D}"),
                edit("image1", set("my-image1"), set("my-tag"), set(D)),
            ),
            ("mysql=mariadb", edit("mysql", set("mariadb"), Clear, Clear)),
            ("node:8.15.0", edit("node", Clear, set("8.15.0"), Clear)),
            (&format!("alpine@{D}"), edit("alpine", Clear, Clear, set(D))),
            (
                &format!("my-image1:my-tag@{D}"),
                edit("my-image1", Clear, set("my-tag"), set(D)),
            ),
            (
                "ngnix=localhost:5000/my-project/ngnix",
                edit(
                    "ngnix",
                    set("localhost:5000/my-project/ngnix"),
                    Clear,
                    Clear,
                ),
            ),
            (
                "ngnix=localhost:5000/my-project/ngnix:dev-01",
                edit(
                    "ngnix",
                    set("localhost:5000/my-project/ngnix"),
                    set("dev-01"),
                    Clear,
                ),
            ),
            ("image1=*:v1", edit("image1", Preserve, set("v1"), Clear)),
            (
                "image1=my-image1:*",
                edit("image1", set("my-image1"), Preserve, Clear),
            ),
            ("image1=*:*", edit("image1", Preserve, Preserve, Clear)),
            (
                &format!("image2=*@{D}"),
                edit("image2", Preserve, Clear, set(D)),
            ),
            (
                "image2=my-image2@*",
                edit("image2", set("my-image2"), Clear, Preserve),
            ),
            ("nginx:a:b", edit("nginx:a", Clear, set("b"), Clear)),
            ("nginx:", edit("nginx", Clear, Clear, Clear)),
            (
                "app=host:5000/app:*",
                edit("app", set("host:5000/app"), Preserve, Clear),
            ),
        ];
        for (arg, want) in cases {
            assert_eq!(ImageEdit::parse(arg).unwrap(), want, "{arg}");
        }
    }

    #[test]
    fn rejects_a_bare_name_and_empty_names() {
        for arg in [
            "bad",
            "",
            "=foo",
            ":tag",
            "@sha256:x",
            "nginx=",
            "a=b=c",
            "a=b=c:1",
            "nginx:1 2",
            "ng inx=foo",
            "nginx=foo\t",
            "host:5000/app",
            "nginx:1.0/x",
        ] {
            let err = ImageEdit::parse(arg).unwrap_err();
            assert!(err.to_string().contains(&format!("{arg:?}")), "{err}");
        }
    }

    #[test]
    fn split_ignores_a_port_before_the_first_slash() {
        assert_eq!(
            split_image("localhost:5000/a/b"),
            ("localhost:5000/a/b", None, None)
        );
        assert_eq!(
            split_image("localhost:5000"),
            ("localhost", Some("5000"), None)
        );
        assert_eq!(split_image("a@sha256:x"), ("a", None, Some("sha256:x")));
        assert_eq!(split_image("h:1/a:t@d"), ("h:1/a", Some("t"), Some("d")));
        assert_eq!(split_image("/a:t"), ("/a", Some("t"), None));
    }

    #[test]
    fn display_is_the_argument_form() {
        for arg in ["a:v1", "a=reg/a:v1@sha256:x", "a=*:v1", "a@sha256:x", "a=b"] {
            assert_eq!(ImageEdit::parse(arg).unwrap().to_string(), arg);
        }
        let e = edit("h:1", Clear, set("v"), Clear);
        assert_eq!(e.to_string(), "h:1=:v");
        assert_eq!(ImageEdit::parse(&e.to_string()).unwrap(), e);
    }

    proptest::proptest! {
        #[test]
        fn display_round_trips(
            name in "[a-z:/@.]{1,8}",
            fields in proptest::collection::vec(
                proptest::prop_oneof![
                    proptest::strategy::Just(None),
                    proptest::strategy::Just(Some("*".to_owned())),
                    "[a-z0-9.]{1,5}".prop_map(Some),
                ],
                3,
            ),
        ) {
            let field = |f: &Option<String>| f.as_deref().map_or(Clear, FieldEdit::from_part);
            let new_name = match &fields[0] {
                // a new name must not itself hold a tag or digest
                Some(v) if split_image(v) == (v.as_str(), None, None) => field(&fields[0]),
                _ => Clear,
            };
            let e = edit(&name, new_name, field(&fields[1]), field(&fields[2]));
            // An edit clearing everything has no argument form (`a=` is refused).
            proptest::prop_assume!(e != edit(&name, Clear, Clear, Clear));
            let parsed = ImageEdit::parse(&e.to_string());
            proptest::prop_assert_eq!(parsed.as_ref().ok(), Some(&e), "{}", e);
        }
    }

    #[test]
    fn resolve_clears_preserves_and_sets() {
        let current = ImageFields {
            new_name: Some("n".into()),
            new_tag: Some("t".into()),
            digest: Some("d".into()),
        };
        let e = ImageEdit::parse("x=*:v2").unwrap();
        let want = ImageFields {
            new_name: Some("n".into()),
            new_tag: Some("v2".into()),
            digest: None,
        };
        assert_eq!(e.resolve(&current), want);
        let e = ImageEdit::parse("x:v2").unwrap();
        assert_eq!(e.resolve(&current).new_name, None);
    }
}
