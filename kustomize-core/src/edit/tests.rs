//! Golden tests of the editors: exact output text, the data kustomize reads
//! from it, and (property) that nothing else in the file changes.
//!
//! Expected data follow `kustomize edit set image` as kustomize 5 defines it
//! (`kustomize/commands/edit/set/setimage.go` and its test table): an
//! argument replaces the whole entry of that name (`*` keeps a field),
//! other entries stay, and the list is a set keyed by name.

use super::*;
use crate::kustomization::{Image, Kustomization};
use proptest::prelude::*;
use std::collections::BTreeMap;
use std::path::Path;

const D: &str = "sha256:24a0c4b4a4c0eb97a1aabb8e29f18e917d05abfe1b7a7c07857230879ce7d3d3";

fn edits(args: &[&str]) -> Vec<ImageEdit> {
    args.iter().map(|a| ImageEdit::parse(a).unwrap()).collect()
}

/// The images kustomize reads from `text` (imageTags folded in), by name.
fn images(text: &str) -> BTreeMap<String, Image> {
    let k = Kustomization::parse(text.as_bytes(), Path::new("kustomization.yaml"))
        .unwrap_or_else(|e| panic!("{e}\n{text}"));
    k.images
        .into_iter()
        .chain(k.image_tags)
        .map(|i| (i.name.clone(), i))
        .collect()
}

/// kustomize's `RunSetImage` on data: each argument replaces its entry,
/// `*` takes the field from the file, and entries are keyed by name.
fn kustomize_model(
    before: &BTreeMap<String, Image>,
    args: &[ImageEdit],
) -> BTreeMap<String, Image> {
    let mut out = before.clone();
    for e in args {
        let cur = before.get(&e.name).cloned().unwrap_or_default();
        let field = |f: &FieldEdit, cur: &str| match f {
            FieldEdit::Clear => String::new(),
            FieldEdit::Set(v) => v.clone(),
            FieldEdit::Preserve => cur.to_owned(),
        };
        let img = Image {
            name: e.name.clone(),
            new_name: field(&e.new_name, &cur.new_name),
            tag_suffix: String::new(),
            new_tag: field(&e.new_tag, &cur.new_tag),
            digest: field(&e.digest, &cur.digest),
        };
        out.insert(e.name.clone(), img);
    }
    out
}

/// Runs `set image ARGS` on `before`, checks the exact text and that the
/// data equal kustomize's outcome.
fn check(before: &str, args: &[&str], want: &str) {
    let e = edits(args);
    let got = set_images(before, &e).unwrap_or_else(|err| panic!("{err}"));
    assert_eq!(got, want, "\n--- got ---\n{got}\n--- want ---\n{want}");
    assert_eq!(images(&got), kustomize_model(&images(before), &e));
}

#[test]
fn sets_the_tag_keeping_comments_order_and_other_fields() {
    check(
        "# app overlay\napiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\n\nresources:\n- ../base # shared\n\nimages:\n# the web server\n- name: nginx\n  newTag: 1.25.0   # pinned\n- name: redis\n  newName: my.registry/redis\n  newTag: '7.0'\n\nnamePrefix: prod-\n",
        &["nginx:1.27.1"],
        "# app overlay\napiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\n\nresources:\n- ../base # shared\n\nimages:\n# the web server\n- name: nginx\n  newTag: 1.27.1   # pinned\n- name: redis\n  newName: my.registry/redis\n  newTag: '7.0'\n\nnamePrefix: prod-\n",
    );
}

#[test]
fn indented_entries_keep_their_quoting_and_a_digest_clears_the_tag() {
    check(
        "images:\n  - name: \"app\"\n    newName: \"ghcr.io/acme/app\"\n    newTag: \"v1.0.0\"\n  - name: other\n    newTag: v2\n",
        &[&format!("app=ghcr.io/acme/app@{D}")],
        &format!(
            "images:\n  - name: \"app\"\n    newName: \"ghcr.io/acme/app\"\n    digest: {D}\n  - name: other\n    newTag: v2\n"
        ),
    );
}

#[test]
fn a_removed_first_field_pulls_the_next_one_onto_the_dash_line() {
    check(
        "images:\n- newTag: v1\n  name: app\n  newName: x/app\n",
        &[&format!("app@{D}")],
        &format!("images:\n- name: app\n  digest: {D}\n"),
    );
}

#[test]
fn just_a_tag_drops_new_name_and_tag_suffix_like_kustomize() {
    // kustomize test "override new tag and new name with just a new tag".
    check(
        "images:\n- name: image1\n  newName: my-image1\n  tagSuffix: -debug\n  newTag: my-tag\n",
        &["image1:v1"],
        "images:\n- name: image1\n  newTag: v1\n",
    );
}

#[test]
fn asterisk_keeps_the_value_in_the_file() {
    check(
        "images:\n- name: image1\n  newName: foo.bar.foo:8800/foo/image1\n  newTag: my-tag\n",
        &["image1=*:v1"],
        "images:\n- name: image1\n  newName: foo.bar.foo:8800/foo/image1\n  newTag: v1\n",
    );
    check(
        "images:\n- name: image2\n  newName: my-image2\n  newTag: my-tag\n",
        &[&format!("image2=*@{D}")],
        &format!("images:\n- name: image2\n  newName: my-image2\n  digest: {D}\n"),
    );
    // `*` with nothing to keep writes nothing (kustomize test "do not set asterisk as new name").
    check(
        "images: []\n",
        &["image1=*:v1"],
        "images: [{name: image1, newTag: v1}]\n",
    );
}

#[test]
fn numeric_tags_are_quoted_and_single_quotes_kept() {
    check(
        "images:\n- name: a\n  newTag: v1\n- name: b\n  newTag: 'old'\n",
        &["a:1234", "b:3.2e2"],
        "images:\n- name: a\n  newTag: \"1234\"\n- name: b\n  newTag: '3.2e2'\n",
    );
    check(
        "images:\n- name: a\n  newTag: !!str 12 # pinned\n",
        &["a:13"],
        "images:\n- name: a\n  newTag: \"13\" # pinned\n",
    );
}

#[test]
fn crlf_line_endings_are_kept() {
    check(
        "resources:\r\n- deploy.yaml\r\nimages:\r\n- name: a\r\n  newTag: v1\r\n",
        &["a:v2", "b=reg/b:1.0"],
        "resources:\r\n- deploy.yaml\r\nimages:\r\n- name: a\r\n  newTag: v2\r\n- name: b\r\n  newName: reg/b\r\n  newTag: \"1.0\"\r\n",
    );
}

#[test]
fn a_new_image_is_appended_in_the_entries_own_style() {
    check(
        "images:\n  -   name: a\n      newTag: v1\n# trailing comment\n",
        &["b:v2"],
        "images:\n  -   name: a\n      newTag: v1\n  -   name: b\n      newTag: v2\n# trailing comment\n",
    );
}

#[test]
fn without_images_the_key_follows_the_last_field_in_the_files_sequence_style() {
    check(
        "kind: Kustomization\nresources:\n  - a.yaml\n  - b.yaml\n\n# end\n",
        &["nginx=mirror/nginx:1.2.3"],
        "kind: Kustomization\nresources:\n  - a.yaml\n  - b.yaml\nimages:\n  - name: nginx\n    newName: mirror/nginx\n    newTag: 1.2.3\n\n# end\n",
    );
    check(
        "resources:\n- a.yaml",
        &["nginx:1.2"],
        "resources:\n- a.yaml\nimages:\n- name: nginx\n  newTag: \"1.2\"",
    );
}

#[test]
fn empty_and_comment_only_files_get_an_images_key() {
    check("", &["a:v1"], "images:\n- name: a\n  newTag: v1\n");
    check(
        "# nothing yet",
        &["a:v1"],
        "# nothing yet\nimages:\n- name: a\n  newTag: v1\n",
    );
}

/// Like `check`, for inputs whose `images` kustomize reads as empty.
fn check_from_empty(before: &str, args: &[&str], want: &str) {
    let e = edits(args);
    let got = set_images(before, &e).unwrap_or_else(|err| panic!("{err}"));
    assert_eq!(got, want, "\n--- got ---\n{got}\n--- want ---\n{want}");
    assert_eq!(images(&got), kustomize_model(&BTreeMap::new(), &e));
}

#[test]
fn a_null_images_value_is_filled() {
    check_from_empty(
        "images: # none yet\nnamespace: x\n",
        &["a:v1"],
        "images: # none yet\n- name: a\n  newTag: v1\nnamespace: x\n",
    );
    check_from_empty(
        "images: ~ # none\n",
        &["a:v1"],
        "images: # none\n- name: a\n  newTag: v1\n",
    );
}

#[test]
fn flow_images_stay_flow() {
    check(
        "images: [{name: a, newTag: \"1\"}, {name: b, newTag: v1}] # flow\n",
        &["a:2", "c@sha256:abc"],
        "images: [{name: a, newTag: \"2\"}, {name: b, newTag: v1}, {name: c, digest: sha256:abc}] # flow\n",
    );
    check(
        "images:\n- {name: a, newName: x, newTag: v1}\n",
        &["a:v2"],
        "images:\n- {name: a, newTag: v2}\n",
    );
}

#[test]
fn field_names_match_ignoring_case() {
    check(
        "Images:\n- Name: a\n  NewTag: v1\n",
        &["a:v2"],
        "Images:\n- Name: a\n  NewTag: v2\n",
    );
}

#[test]
fn deprecated_image_tags_entries_are_edited_in_place() {
    check(
        "imageTags:\n- name: a\n  newTag: v1\n",
        &["a:v2"],
        "imageTags:\n- name: a\n  newTag: v2\n",
    );
}

#[test]
fn the_last_argument_for_a_name_wins() {
    check(
        "images:\n- name: a\n  newName: keep\n  newTag: v1\n",
        &["a:v9", "a=*:v2"],
        "images:\n- name: a\n  newName: keep\n  newTag: v2\n",
    );
}

#[test]
fn block_scalar_values_are_replaced() {
    check(
        "images:\n- name: a\n  newTag: >-\n    v1\n\n  # c\n  digest: sha256:0\nnamespace: c\n",
        &["a:v2@sha256:1"],
        "images:\n- name: a\n  newTag: v2\n\n  # c\n  digest: sha256:1\nnamespace: c\n",
    );
}

#[test]
fn empty_values_are_filled() {
    // kustomize reads `digest:` as absent; the loader here rejects a null
    // string field, so only the result is read back.
    let got = set_image(
        "images:\n- name: a\n  digest: # later\n",
        &ImageEdit::parse("a@sha256:1").unwrap(),
    )
    .unwrap();
    assert_eq!(got, "images:\n- name: a\n  digest: sha256:1 # later\n");
    assert_eq!(images(&got)["a"].digest, "sha256:1");
}

#[test]
fn new_fields_go_in_output_order_under_the_entry() {
    check(
        "images:\n- name: a # x\n  # note\nnamespace: prod\n",
        &[&format!("a=reg/a:v1@{D}")],
        &format!(
            "images:\n- name: a # x\n  newName: reg/a\n  newTag: v1\n  digest: {D}\n  # note\nnamespace: prod\n"
        ),
    );
    check(
        "images:\r\n- digest: sha256:0\r\n  name: a\r\n",
        &["a=reg/a:*"],
        "images:\r\n- name: a\r\n  newName: reg/a\r\n",
    );
    check(
        "images:\n- name: a",
        &["a:v1"],
        "images:\n- name: a\n  newTag: v1",
    );
}

#[test]
fn every_entry_of_the_name_is_edited() {
    check(
        "images:\n- name: a\n  newTag: v1\n- name: a\n  newTag: v0\n",
        &["a:v2"],
        "images:\n- name: a\n  newTag: v2\n- name: a\n  newTag: v2\n",
    );
}

#[test]
fn document_markers_bom_and_multibyte_text_are_kept() {
    check(
        "\u{feff}---\n# überall ✓\nimages:\n- name: \"ä\" # ✓\n  newTag: v1\n",
        &["ä:v2"],
        "\u{feff}---\n# überall ✓\nimages:\n- name: \"ä\" # ✓\n  newTag: v2\n",
    );
    let got = set_image(
        "images:\n- name: a\n  newTag: v1\n---\nimages:\n- name: a\n  newTag: v1\n",
        &ImageEdit::parse("a:v2").unwrap(),
    )
    .unwrap();
    assert_eq!(
        got,
        "images:\n- name: a\n  newTag: v2\n---\nimages:\n- name: a\n  newTag: v1\n"
    );
    check_from_empty(
        "---\n",
        &["a:v1"],
        "---\nimages:\n- name: a\n  newTag: v1\n",
    );
}

#[test]
fn unchanged_values_leave_the_text_alone() {
    let text = "images:\n- name: a   # x\n  newTag: \"v1\"\n";
    assert_eq!(
        set_image(text, &ImageEdit::parse("a:v1").unwrap()).unwrap(),
        text
    );
}

#[test]
fn errors_name_the_field() {
    let run = |text: &str| set_image(text, &ImageEdit::parse("a:v1").unwrap()).unwrap_err();
    assert_eq!(
        run("images: {a: b}\n").to_string(),
        "images (line 1): expected a sequence of image entries"
    );
    assert_eq!(
        run("images:\n- name: a\n  newTag: [x]\n").to_string(),
        "images[0].newTag (line 3): expected a string"
    );
    assert!(matches!(run("- a\n"), EditError::WrongKind { .. }));
    assert!(run("images: [\n").to_string().starts_with("yaml: line"));
}

/// Text pieces for the property test.
fn filler() -> impl Strategy<Value = String> {
    prop::collection::vec(
        prop_oneof![
            Just("# a comment\n".to_owned()),
            Just("\n".to_owned()),
            "[a-z]{1,8}".prop_map(|k| format!("# {k}: {k}-\n")),
            Just("resources:\n- a.yaml\n  # indented comment\n- b.yaml\n".to_owned()),
            Just("labels:\n  - pairs: {app: web}\n".to_owned()),
        ],
        0..4,
    )
    .prop_map(|v| v.concat())
}

/// One entry of an images list: fields in any order and quoting, first
/// on the dash line; `(dash column, gap)` picks the layout.
fn entry() -> impl Strategy<Value = (Vec<String>, bool)> {
    let field = |k: &'static str, v: &'static [&'static str]| {
        prop::option::of(prop::sample::select(v.to_vec()).prop_map(move |v| format!("{k}: {v}")))
    };
    (
        prop::sample::select(vec!["a", "b", "'c'"]),
        field("newName", &["r/x", "\"r/y\"", "'z'"]),
        field("newTag", &["v1 # c", "\"2\"", "'v3'", ">-\n    v4"]),
        field("digest", &["sha256:0", "\"sha256:1\""]),
        field("tagSuffix", &["-s"]),
        any::<bool>(),
        any::<prop::sample::Index>(),
    )
        .prop_map(|(name, n, t, d, s, flow, rot)| {
            let mut fields: Vec<String> = [n, t, d, s].into_iter().flatten().collect();
            fields.push(format!("name: {name}"));
            let r = rot.index(fields.len());
            fields.rotate_left(r);
            (fields, flow)
        })
}

/// A kustomization: a few plain fields and an images list in some layout.
fn kustomization() -> impl Strategy<Value = String> {
    (
        prop::sample::select(vec!["images", "Images", "imageTags"]),
        prop::collection::vec(entry(), 0..4),
        0usize..3,
        1usize..3,
        any::<bool>(),
        prop::sample::select(vec![
            "",
            "kind: Kustomization\n",
            "# top\n\nresources:\n  - x.yaml\n",
        ]),
        prop::sample::select(vec!["", "namespace: ns\n", "\n# end\n"]),
    )
        .prop_map(|(key, entries, dash, gap, flow_list, head, tail)| {
            let flow_entry = |f: &[String]| {
                let f: Vec<String> = f
                    .iter()
                    .filter(|x| !x.contains('\n') && !x.contains('#'))
                    .cloned()
                    .collect();
                format!("{{{}}}", f.join(", "))
            };
            let list = if flow_list {
                let items: Vec<String> = entries.iter().map(|(f, _)| flow_entry(f)).collect();
                format!("{key}: [{}]\n", items.join(", "))
            } else if entries.is_empty() {
                String::new()
            } else {
                let pad = " ".repeat(dash);
                let inner = " ".repeat(dash + 1 + gap);
                let mut out = format!("{key}:\n");
                for (fields, flow) in &entries {
                    if *flow {
                        out.push_str(&format!(
                            "{pad}-{}{}\n",
                            " ".repeat(gap),
                            flow_entry(fields)
                        ));
                        continue;
                    }
                    for (i, f) in fields.iter().enumerate() {
                        let f = f.replace("\n    ", &format!("\n{inner}  "));
                        if i == 0 {
                            out.push_str(&format!("{pad}-{}{f}\n", " ".repeat(gap)));
                        } else {
                            out.push_str(&format!("{inner}{f}\n"));
                        }
                    }
                }
                out
            };
            format!("{head}{list}{tail}")
        })
}

proptest! {
    #[test]
    fn edits_of_random_kustomizations_match_kustomize(
        text in kustomization(),
        arg in "[a-c](=([a-z]{1,2}|\\*))?(:([0-9]{1,2}|\\*))?(@(sha256:[0-9]|\\*))?",
        crlf in any::<bool>(),
    ) {
        let text = if crlf { text.replace('\n', "\r\n") } else { text };
        prop_assert!(Kustomization::parse(text.as_bytes(), Path::new("k")).is_ok(), "{}", text);
        let Ok(e) = ImageEdit::parse(&arg) else { return Ok(()) };
        // kustomize merges duplicate names; only compare when names are unique.
        let k = Kustomization::parse(text.as_bytes(), Path::new("k")).unwrap();
        let names: Vec<&str> = k.images.iter().chain(&k.image_tags).map(|i| i.name.as_str()).collect();
        let unique = names.iter().all(|n| names.iter().filter(|m| *m == n).count() == 1);
        match set_image(&text, &e) {
            Ok(out) => {
                if unique {
                    prop_assert_eq!(images(&out), kustomize_model(&images(&text), &[e]), "{}\n=>\n{}", text, out);
                }
            }
            Err(err) => prop_assert!(!matches!(err, EditError::Broken(_)), "{}\n{}", err, text),
        }
    }

    #[test]
    fn never_panics_on_odd_text(
        text in "(images|name|newTag|kustomize|[a-z]|[-:\\[\\]{},#'\" \n\t!&*|>~]){0,40}",
        arg in "[a-z]{1,2}(=[a-z*]{0,2})?(:[a-z0-9*]{0,2})?(@[a-z*]{0,2})?",
    ) {
        // Input errors are fine; an internal error is an editor bug.
        if let Ok(e) = ImageEdit::parse(&arg) {
            let result = set_image(&text, &e);
            prop_assert!(!matches!(result, Err(EditError::Broken(_))), "{:?}", result);
        }
    }

    #[test]
    fn only_the_edited_scalar_changes(
        before in filler(),
        after in filler(),
        dash in 0usize..3,
        gap in 1usize..4,
        tags in prop::collection::vec("[a-z0-9][a-z0-9.-]{0,6}", 1..5),
        pick in any::<prop::sample::Index>(),
        new_tag in "[a-z0-9][a-z0-9._-]{0,10}",
    ) {
        let pad = " ".repeat(dash);
        let inner = " ".repeat(dash + 1 + gap);
        let mut block = String::from("images:\n");
        for (i, t) in tags.iter().enumerate() {
            block.push_str(&format!("{pad}-{}name: img{i}\n{inner}newTag: \"{t}\" # c{i}\n", " ".repeat(gap)));
        }
        let text = format!("{before}{block}{after}");
        let i = pick.index(tags.len());
        let e = ImageEdit::parse(&format!("img{i}:{new_tag}")).unwrap();
        let out = set_image(&text, &e).unwrap();
        let old_lines: Vec<&str> = text.split('\n').collect();
        let new_lines: Vec<&str> = out.split('\n').collect();
        prop_assert_eq!(old_lines.len(), new_lines.len());
        let changed: Vec<usize> = (0..old_lines.len()).filter(|&n| old_lines[n] != new_lines[n]).collect();
        prop_assert!(changed.len() <= 1);
        for n in changed {
            prop_assert_eq!(new_lines[n], format!("{inner}newTag: \"{new_tag}\" # c{i}"));
        }
        prop_assert_eq!(images(&out), kustomize_model(&images(&text), &[e]));
    }

    #[test]
    fn any_edit_gives_kustomizes_data(
        entries in prop::collection::btree_map("[a-c]", ("[a-z0-9]{1,4}", any::<bool>()), 0..4),
        arg in prop_oneof![
            "[a-d]:[a-z0-9.]{1,5}",
            "[a-d]@sha256:[0-9a-f]{6}",
            "[a-d]=[a-z/]{1,6}",
            "[a-d]=[a-z]{1,4}:[a-z0-9]{1,4}",
            "[a-d]=\\*:[a-z0-9]{1,4}",
            "[a-d]=[a-z]{1,4}:\\*",
            "[a-d]=\\*@sha256:[0-9a-f]{4}",
        ],
        flow in any::<bool>(),
        crlf in any::<bool>(),
    ) {
        let flow_entry = |n: &str, t: &str| format!("{{name: {n}, newName: r/{n}, newTag: x{t}}}");
        let text = if entries.is_empty() {
            "kind: Kustomization\n".to_owned()
        } else if flow {
            let items: Vec<String> = entries.iter().map(|(n, (t, _))| flow_entry(n, t)).collect();
            format!("images: [{}]\n", items.join(", "))
        } else {
            let items: String = entries
                .iter()
                .map(|(n, (t, block))| if *block {
                    format!("- newTag: x{t}\n  name: {n}\n  newName: r/{n}\n")
                } else {
                    format!("- {}\n", flow_entry(n, t))
                })
                .collect();
            format!("images:\n{items}")
        };
        let text = if crlf { text.replace('\n', "\r\n") } else { text };
        let e = ImageEdit::parse(&arg).unwrap();
        let out = set_image(&text, &e).unwrap();
        prop_assert_eq!(images(&out), kustomize_model(&images(&text), &[e]));
        let breaks = out.matches('\n').count();
        let crlf_breaks = out.matches("\r\n").count();
        prop_assert_eq!(crlf_breaks, if crlf { breaks } else { 0 });
    }
}
