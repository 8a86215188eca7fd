//! `images`: rewrite container image references whose name matches.
//!
//! Like kustomize, each rule is applied twice over: once to every
//! `containers` / `initContainers` list found anywhere in an object, then to
//! the configured image fields. A rule whose result still matches (a new
//! tag on the same name) is therefore applied again; with `tagSuffix` the
//! suffix is added twice in kinds the image field specs cover, as kustomize
//! does. Custom resource definitions are left alone.

use super::{TransformError, replace_scalar, scalar_text, wrong_kind};
use crate::fieldspec::{CreateKind, FieldSpec, apply_all};
use crate::pattern;
use crate::resource::Resource;
use regex::Regex;
use serde_json::{Map, Value};

/// One `images:` entry. Empty strings mean "not given".
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct ImageRule<'a> {
    /// The image name to match: a regular expression anchored at both ends,
    /// followed in the image by an optional tag and sha256 digest.
    pub name: &'a str,
    /// Replaces the name.
    pub new_name: &'a str,
    /// Replaces the tag (and drops the digest unless `digest` is given).
    pub new_tag: &'a str,
    /// Replaces the digest (and drops the tag unless `new_tag` is given).
    pub digest: &'a str,
    /// Appended to the existing tag when neither tag nor digest is given.
    pub tag_suffix: &'a str,
}

impl ImageRule<'_> {
    /// The rewritten reference for `image`, or `None` if the rule does not
    /// apply to it.
    fn rewrite(&self, matcher: &ImageMatcher, image: &str) -> Option<String> {
        if !matcher.is_match(image) {
            return None;
        }
        let (mut name, mut tag, mut digest) = split(image);
        if !self.new_name.is_empty() {
            name = self.new_name;
        }
        let suffixed;
        match (self.new_tag.is_empty(), self.digest.is_empty()) {
            (false, false) => (tag, digest) = (self.new_tag, self.digest),
            (false, true) => (tag, digest) = (self.new_tag, ""),
            (true, false) => (tag, digest) = ("", self.digest),
            (true, true) if !self.tag_suffix.is_empty() => {
                suffixed = format!("{tag}{}", self.tag_suffix);
                (tag, digest) = (&suffixed, "");
            }
            (true, true) => {}
        }
        let mut out = name.to_owned();
        if !tag.is_empty() {
            out.push(':');
            out.push_str(tag);
        }
        if !digest.is_empty() {
            out.push('@');
            out.push_str(digest);
        }
        Some(out)
    }
}

/// Characters of a tag or digest as an image rule's pattern accepts them.
fn is_tag_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || matches!(c, '_' | '.' | '{' | '}' | '-')
}

/// Which images an `images:` entry's `name` selects: the name (a regular
/// expression) followed by an optional `:tag` and `@sha256:digest`.
enum ImageMatcher<'a> {
    /// A [simple](crate::pattern::is_simple) name, matched directly.
    Simple(&'a str),
    /// Any other name, compiled with the tag and digest parts.
    Regex(Regex),
}

impl<'a> ImageMatcher<'a> {
    fn new(name: &'a str) -> Result<Self, regex::Error> {
        if pattern::is_simple(name) {
            return Ok(Self::Simple(name));
        }
        Regex::new(&format!(
            "^{name}(:[a-zA-Z0-9_.{{}}-]*)?(@sha256:[a-zA-Z0-9_.{{}}-]*)?$"
        ))
        .map(Self::Regex)
    }

    fn is_match(&self, image: &str) -> bool {
        let name = match self {
            Self::Regex(re) => return re.is_match(image),
            Self::Simple(name) => name,
        };
        let Some(len) = pattern::simple_prefix_len(name, image) else {
            return false;
        };
        let mut rest = &image[len..];
        if let Some(tag) = rest.strip_prefix(':') {
            rest = tag.trim_start_matches(is_tag_char);
        }
        if let Some(digest) = rest.strip_prefix("@sha256:") {
            rest = digest.trim_start_matches(is_tag_char);
        }
        rest.is_empty()
    }
}

/// Splits an image reference into name, tag and digest. A `:` or `@` before
/// the first `/` belongs to a registry host (`host:5000/app:1`).
pub fn split(image: &str) -> (&str, &str, &str) {
    let offset = match image.find('/') {
        Some(i) if i > 0 => i,
        _ => 0,
    };
    let rest = &image[offset..];
    let at = rest.find('@').map(|i| i + offset);
    let colon = rest.find(':').map(|i| i + offset);
    if let Some(a) = at.filter(|&a| colon.is_none_or(|c| a < c)) {
        return (&image[..a], "", &image[a + 1..]);
    }
    match (colon, at) {
        (Some(c), Some(a)) => (&image[..c], &image[c + 1..a], &image[a + 1..]),
        (Some(c), None) => (&image[..c], &image[c + 1..], ""),
        _ => (image, "", ""),
    }
}

/// Applies `rule` to every resource: to all container lists (see the module
/// doc), then to the fields `specs` designates (normally the
/// configuration's `images`). An invalid `name` pattern is an error as soon
/// as an image is met.
pub fn set_images(
    resources: &mut [Resource],
    rule: &ImageRule<'_>,
    specs: &[FieldSpec],
) -> Result<(), TransformError> {
    let matcher = ImageMatcher::new(rule.name).map_err(|e| TransformError::ImageName {
        name: rule.name.to_owned(),
        reason: e.to_string(),
    });
    let mut update = |field: &mut Value| -> Result<(), String> {
        let Some(image) = scalar_text(field) else {
            return Err(wrong_kind("ScalarNode", field));
        };
        let matcher = matcher.as_ref().map_err(ToString::to_string)?;
        match rule.rewrite(matcher, &image) {
            Some(new) => replace_scalar(field, Value::String(new)),
            None => Ok(()),
        }
    };
    for r in resources.iter_mut() {
        if r.object.get("kind").and_then(Value::as_str) == Some("CustomResourceDefinition") {
            continue;
        }
        walk_container_lists(&mut r.object, &mut update).map_err(|reason| {
            TransformError::ContainerImage {
                object: r.id().to_string(),
                reason,
            }
        })?;
        apply_all(specs, &mut r.object, CreateKind::Nothing, &mut update)?;
    }
    Ok(())
}

/// Visits every `containers` and `initContainers` list anywhere under `map`
/// (deepest first), passing each element's `image` to `update`.
fn walk_container_lists<F>(map: &mut Map<String, Value>, update: &mut F) -> Result<(), String>
where
    F: FnMut(&mut Value) -> Result<(), String>,
{
    for (key, value) in map.iter_mut() {
        walk_value(value, update)?;
        if key != "containers" && key != "initContainers" {
            continue;
        }
        let Value::Array(items) = value else { continue };
        for item in items {
            match item {
                Value::Object(c) => {
                    if let Some(image) = c.get_mut("image") {
                        update(image)?;
                    }
                }
                Value::Null => {}
                other => return Err(wrong_kind("MappingNode", other)),
            }
        }
    }
    Ok(())
}

fn walk_value<F>(value: &mut Value, update: &mut F) -> Result<(), String>
where
    F: FnMut(&mut Value) -> Result<(), String>,
{
    match value {
        Value::Object(m) => walk_container_lists(m, update),
        Value::Array(items) => items.iter_mut().try_for_each(|v| walk_value(v, update)),
        _ => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fieldspec::TransformerConfig;
    use crate::transformers::test_util::res;
    use serde_json::json;

    #[test]
    fn splits_references() {
        assert_eq!(split("nginx"), ("nginx", "", ""));
        assert_eq!(split("nginx:1.2"), ("nginx", "1.2", ""));
        assert_eq!(split("nginx@sha256:abc"), ("nginx", "", "sha256:abc"));
        assert_eq!(
            split("nginx:1.2@sha256:abc"),
            ("nginx", "1.2", "sha256:abc")
        );
        assert_eq!(split("host:5000/app"), ("host:5000/app", "", ""));
        assert_eq!(split("host:5000/app:1"), ("host:5000/app", "1", ""));
        assert_eq!(split("host/app@sha256:x"), ("host/app", "", "sha256:x"));
        assert_eq!(split("/app:1"), ("/app", "1", ""));
    }

    proptest::proptest! {
        #[test]
        fn simple_names_match_as_the_regex_does(
            name in "[a-c.:/@-]{0,5}",
            image in "[a-c.:/@{}-]{0,6}(@sha256:[a-c.{}]{0,3})?",
        ) {
            let re = Regex::new(&format!(
                "^{name}(:[a-zA-Z0-9_.{{}}-]*)?(@sha256:[a-zA-Z0-9_.{{}}-]*)?$"
            ))
            .unwrap();
            let simple = ImageMatcher::new(&name).unwrap();
            proptest::prop_assert!(matches!(simple, ImageMatcher::Simple(_)));
            proptest::prop_assert_eq!(simple.is_match(&image), re.is_match(&image));
        }
    }

    fn image_after(image: &str, rule: ImageRule<'_>) -> String {
        let mut rs = vec![res(
            json!({"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "p"},
            "spec": {"containers": [{"image": image}]}}),
        )];
        set_images(&mut rs, &rule, &TransformerConfig::builtin().images).unwrap();
        rs[0].object["spec"]["containers"][0]["image"]
            .as_str()
            .unwrap()
            .to_owned()
    }

    #[test]
    fn rewrites_name_tag_digest() {
        let r = |new_name, new_tag, digest, tag_suffix| ImageRule {
            name: "nginx",
            new_name,
            new_tag,
            digest,
            tag_suffix,
        };
        assert_eq!(
            image_after("nginx:1", r("my/nginx", "", "", "")),
            "my/nginx:1"
        );
        assert_eq!(image_after("nginx@sha256:a", r("", "2", "", "")), "nginx:2");
        assert_eq!(
            image_after("nginx:1", r("", "", "sha256:b", "")),
            "nginx@sha256:b"
        );
        assert_eq!(
            image_after("nginx:1", r("", "2", "sha256:b", "")),
            "nginx:2@sha256:b"
        );
        // Applied by both passes, as kustomize does.
        assert_eq!(image_after("nginx:1", r("", "", "", "-x")), "nginx:1-x-x");
        assert_eq!(image_after("nginxy:1", r("", "2", "", "")), "nginxy:1");
        assert_eq!(
            image_after("nginx:bad/tag", r("", "2", "", "")),
            "nginx:bad/tag"
        );
    }

    #[test]
    fn invalid_pattern_errors_only_when_used() {
        let rule = ImageRule {
            name: "[",
            new_tag: "2",
            ..Default::default()
        };
        let mut rs = vec![res(
            json!({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "c"}}),
        )];
        set_images(&mut rs, &rule, &TransformerConfig::builtin().images).unwrap();
        let mut rs = vec![res(
            json!({"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "p"},
            "spec": {"containers": [{"image": "x"}]}}),
        )];
        assert!(set_images(&mut rs, &rule, &TransformerConfig::builtin().images).is_err());
    }

    #[test]
    fn crds_are_skipped_and_deep_lists_found() {
        let rule = ImageRule {
            name: "a",
            new_tag: "2",
            ..Default::default()
        };
        let mut rs = vec![
            res(
                json!({"apiVersion": "apiextensions.k8s.io/v1", "kind": "CustomResourceDefinition",
                "spec": {"containers": [{"image": "a"}]}}),
            ),
            res(
                json!({"apiVersion": "x/v1", "kind": "Foo", "spec": {"deep": [{"containers": [{"image": "a"}, {"name": "n"}]}]}}),
            ),
        ];
        set_images(&mut rs, &rule, &TransformerConfig::builtin().images).unwrap();
        assert_eq!(rs[0].object["spec"]["containers"][0]["image"], "a");
        assert_eq!(
            rs[1].object["spec"]["deep"][0]["containers"],
            json!([{"image": "a:2"}, {"name": "n"}])
        );
    }

    #[test]
    fn malformed_container_lists_are_errors() {
        let rule = ImageRule {
            name: "a",
            new_tag: "2",
            ..Default::default()
        };
        let specs = &TransformerConfig::builtin().images;
        let mut rs = vec![res(
            json!({"apiVersion": "x/v1", "kind": "Foo", "spec": {"containers": ["a"]}}),
        )];
        let err = set_images(&mut rs, &rule, specs).unwrap_err();
        assert!(
            matches!(err, TransformError::ContainerImage { .. }),
            "{err}"
        );
        let mut rs = vec![res(
            json!({"apiVersion": "v1", "kind": "Pod", "spec": {"containers": [{"image": {"a": 1}}]}}),
        )];
        assert!(set_images(&mut rs, &rule, specs).is_err());
        // A null image reads as empty and matches nothing.
        let mut rs = vec![res(
            json!({"apiVersion": "v1", "kind": "Pod", "spec": {"containers": [{"image": null}]}}),
        )];
        set_images(&mut rs, &rule, specs).unwrap();
        assert_eq!(rs[0].object["spec"]["containers"][0]["image"], Value::Null);
    }
}
