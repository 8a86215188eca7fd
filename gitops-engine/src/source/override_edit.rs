//! Setting an image in an Argo CD override file, `.argocd-source-<app>.yaml`
//! (what the image updater's `argocd` and `git` write-backs do): a partial
//! ApplicationSource whose `kustomize.images` is a list of strings in
//! `kustomize edit set image` form (`[name=]newName[:tag][@digest]`).
//!
//! An existing string for the same image is replaced, else the string is
//! appended, as Argo CD's `ApplicationSourceKustomize.MergeImage` does: two
//! strings are the same image when they agree up to the first delimiter of
//! the new one (the first of `=`, `:`, `@` it contains). The file's text is
//! edited in place by kustomize-core's minimal-diff editor: comments,
//! quoting and the rest of the file are kept.

use kustomize_core::edit::{EditError, upsert_string_item};

/// Sets `image` in `kustomize.images` of an override file's text, creating
/// the file's content, the `kustomize` key or the `images` list as needed.
pub fn set_argocd_source_image(text: &str, image: &str) -> Result<String, EditError> {
    if image.is_empty() || image.contains(['\n', '\r']) {
        return Err(EditError::InvalidImageArg {
            arg: image.to_owned(),
            reason: "expected one line: [<image>=]<newimage>[:<newtag>][@<digest>]".into(),
        });
    }
    upsert_string_item(
        text,
        &["kustomize", "images"],
        &|existing| same_image(existing, image),
        image,
    )
}

/// Argo CD's `KustomizeImage.Match`: equal up to the new image's first delimiter.
fn same_image(existing: &str, new: &str) -> bool {
    let delim = ["=", ":", "@"]
        .into_iter()
        .find(|d| new.contains(d))
        .unwrap_or(":");
    let head = |s: &str| s.split_once(delim).map_or(s, |(h, _)| h).to_owned();
    head(existing) == head(new)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn argocd_source_file_is_created_and_merged() {
        let set = |t: &str, i: &str| set_argocd_source_image(t, i).unwrap();
        assert_eq!(
            set("", "nginx:1.21"),
            "kustomize:\n  images:\n  - nginx:1.21\n"
        );
        let file = "helm:\n  parameters: []\nkustomize:\n  images:\n    - nginx:1.20 # web\n    - redis:7\n";
        assert_eq!(
            set(file, "nginx:1.21"),
            "helm:\n  parameters: []\nkustomize:\n  images:\n    - nginx:1.21 # web\n    - redis:7\n"
        );
        assert_eq!(
            set(file, "busybox@sha256:1"),
            "helm:\n  parameters: []\nkustomize:\n  images:\n    - nginx:1.20 # web\n    - redis:7\n    - busybox@sha256:1\n"
        );
        // `=` form: the alias before `=` identifies the entry.
        assert_eq!(
            set("kustomize:\n  images: ['app=reg/app:1']\n", "app=reg/app:2"),
            "kustomize:\n  images: ['app=reg/app:2']\n"
        );
        assert_eq!(
            set("kustomize:\n  images: []\n", "app:2"),
            "kustomize:\n  images: [app:2]\n"
        );
        assert_eq!(
            set("kustomize:\n  namePrefix: x-\n", "app:2"),
            "kustomize:\n  namePrefix: x-\n  images:\n  - app:2\n"
        );
        assert_eq!(
            set("helm:\n  valueFiles:\n    - a.yaml\n", "app:2"),
            "helm:\n  valueFiles:\n    - a.yaml\nkustomize:\n  images:\n  - app:2\n"
        );
        let doc = kustomize_core::yaml::parse_document(&set(file, "nginx:1.21")).unwrap();
        assert_eq!(
            doc["kustomize"]["images"],
            serde_json::json!(["nginx:1.21", "redis:7"])
        );
        assert!(set_argocd_source_image("- a\n", "x:1").is_err());
        assert!(set_argocd_source_image("", "a\nb").is_err());
    }

    proptest! {
        #[test]
        fn never_panics_on_odd_text(
            text in "(images|kustomize|[a-z]|[-:\\[\\]{},#'\" \n\t!&*|>~]){0,40}",
            arg in "[a-z]{1,2}(=[a-z*]{0,2})?(:[a-z0-9*]{0,2})?(@[a-z*]{0,2})?",
        ) {
            // Input errors are fine; an internal error is an editor bug.
            let result = set_argocd_source_image(&text, &arg);
            prop_assert!(!matches!(result, Err(EditError::Broken(_))), "{:?}", result);
        }

        #[test]
        fn argocd_source_merges_like_argo_cd(
            list in prop::collection::vec("[a-c](=[a-z]{1,3})?(:[0-9]{1,2})?(@sha256:[0-9a-f]{2})?", 0..4),
            image in "[a-d](=[a-z]{1,3})?(:[0-9]{1,2})?(@sha256:[0-9a-f]{2})?",
            flow in any::<bool>(),
        ) {
            let text = if flow {
                format!("kustomize:\n  images: [{}]\n", list.join(", "))
            } else if list.is_empty() {
                "kustomize:\n".to_owned()
            } else {
                let items: String = list.iter().map(|i| format!("    - {i} # old\n")).collect();
                format!("# override\nkustomize:\n  images:\n{items}")
            };
            let out = set_argocd_source_image(&text, &image).unwrap();
            // Argo CD's MergeImage: replace the first match, else append.
            let delim = ["=", ":", "@"].into_iter().find(|d| image.contains(d)).unwrap_or(":");
            let head = |s: &str| s.split(delim).next().unwrap_or_default().to_owned();
            let mut want = list.clone();
            match want.iter().position(|i| head(i) == head(&image)) {
                Some(p) => want[p] = image.clone(),
                None => want.push(image.clone()),
            }
            let doc = kustomize_core::yaml::parse_document(&out).unwrap();
            prop_assert_eq!(&doc["kustomize"]["images"], &serde_json::json!(want));
        }
    }
}
